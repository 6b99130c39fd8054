// The Experiment screen offers the lab's imported datasets where a config names one: the dataset
// presets of best-of-n, RL and direct alignment (hh-rlhf-bon, hh-rlhf-rl, hh-rlhf-dpo) leave
// task.dataset.datasetId to the user, and its field is a select of the datasets a real lab holds
// (imported through the same upload + import calls the page makes).
import { mount, unmount } from "svelte";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LabState } from "../state/lab-state.svelte.ts";
import { Router } from "../state/router.svelte.ts";
import { $, choose, click, waitFor } from "../testing/dom.ts";
import { type RealLab, openRealLab, readFixture } from "../testing/real-lab.ts";
import ExperimentScreen from "./ExperimentScreen.svelte";

describe("the dataset picker of the Experiment screen", () => {
  let lab: RealLab;

  beforeAll(async () => {
    lab = await openRealLab();
  });

  afterAll(async () => {
    await lab.close();
  });

  let dataset: Awaited<ReturnType<RealLab["api"]["datasets"]["import"]>>;
  beforeAll(async () => {
    const file = new File([readFixture("preference/stack_exchange_paired_tiny.json")], "stack_exchange_paired_tiny.json");
    dataset = await lab.api.datasets.import({ path: await lab.toPath(file), name: "se-tiny" });
  });

  it.each([
    ["bon-study", "hh-rlhf-bon"],
    ["rl-study", "hh-rlhf-rl"],
    ["daa", "hh-rlhf-dpo"],
  ])("%s: lists the imported dataset for %s's task.dataset.datasetId and puts the chosen id in the config", async (kind, presetName) => {
    const state = new LabState(lab.api);
    const stopListening = state.listen();
    await state.refresh();
    document.body.innerHTML = "";
    const view = mount(ExperimentScreen, { target: document.body, props: { lab: state, router: new Router() } });
    try {
      click(await waitFor(() => document.querySelector<HTMLElement>(`[data-kind="${kind}"]`)));
      const preset = $('[data-testid="preset-picker"]') as HTMLSelectElement;
      expect([...preset.options].map((o) => o.value)).toContain(presetName);
      choose(preset, presetName);

      const picker = $('[data-param="task.dataset.datasetId"]') as HTMLSelectElement;
      expect(picker.tagName).toBe("SELECT");
      expect(picker.dataset.picker).toBe("dataset");
      const options = [...picker.options].map((o) => [o.value, o.textContent]);
      expect(options).toEqual([
        ["", "choose a dataset"],
        [String(dataset.id), `se-tiny (#${dataset.id}, ${dataset.format}, ${dataset.rowCount} rows)`],
      ]);
      // Nothing chosen yet: the form says the field is missing and will not start.
      expect($('[data-issue="task.dataset.datasetId"]').textContent).toMatch(/required/);
      expect(($('[data-testid="start-button"]') as HTMLButtonElement).disabled).toBe(true);

      choose(picker, String(dataset.id));
      expect(document.querySelector('[data-issue="task.dataset.datasetId"]')).toBeNull();
      click($('[data-testid="view-json"]'));
      const config = JSON.parse(($('[data-testid="config-text"]') as HTMLTextAreaElement).value) as {
        task: { kind: string; dataset: { datasetId: unknown } };
      };
      expect(config.task.kind).toBe("dataset");
      expect(config.task.dataset.datasetId).toBe(dataset.id);
    } finally {
      unmount(view);
      stopListening();
    }
  });
});
