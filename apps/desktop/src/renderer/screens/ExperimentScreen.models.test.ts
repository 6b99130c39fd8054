// The Experiment screen offers the lab's registered models where a config starts a policy or a
// reward model (basePolicy.init, proxy.init): the field's "registered model" variant is a select
// of the folders a real lab registered (LabApi models.initChoices), and the chosen model:<id>
// lands in the config.
import { mount, unmount } from "svelte";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { fixturePath } from "../../../../../fixtures/index.ts";
import { LabState } from "../state/lab-state.svelte.ts";
import { Router } from "../state/router.svelte.ts";
import { $, choose, click, waitFor } from "../testing/dom.ts";
import { type RealLab, openRealLab } from "../testing/real-lab.ts";
import ExperimentScreen from "./ExperimentScreen.svelte";

describe("the model picker of the Experiment screen", () => {
  let lab: RealLab;
  beforeAll(async () => {
    lab = await openRealLab();
  });
  afterAll(async () => {
    await lab.close();
  });

  it("offers the registered models for proxy.init and basePolicy.init and puts model:<id> in the config", async () => {
    const model = await lab.api.models.import({ path: fixturePath("models/tiny-gpt2"), name: "tiny-gpt2" });
    const state = new LabState(lab.api);
    const stopListening = state.listen();
    await state.refresh();
    document.body.innerHTML = "";
    const view = mount(ExperimentScreen, { target: document.body, props: { lab: state, router: new Router() } });
    try {
      click(await waitFor(() => document.querySelector<HTMLElement>('[data-kind="bon-study"]')));
      // Left as they are, both fields show the kind's own start, not an empty model choice.
      const policyVariant = $('[data-variant="basePolicy.init"]') as HTMLSelectElement;
      expect(policyVariant.options[Number(policyVariant.value)]!.textContent).toBe("builtin");
      const proxyVariant = $('[data-variant="proxy.init"]') as HTMLSelectElement;
      expect([...proxyVariant.options].map((o) => o.textContent)).toEqual(["registered model", "pretrained | scratch"]);
      expect(proxyVariant.value).toBe("1");

      choose(proxyVariant, "0");
      const picker = await waitFor(() => document.querySelector<HTMLSelectElement>('select[data-param="proxy.init"]'));
      expect(picker.dataset.picker).toBe("model");
      const options = await waitFor(() => {
        const o = [...picker.options].map((x) => [x.value, x.textContent]);
        return o.length > 1 ? o : null;
      });
      expect(options).toEqual([
        ["", "choose a model"],
        [`model:${model.id}`, expect.stringMatching(new RegExp(`^tiny-gpt2 \\(gpt2, [\\d.]+M\\) \\[model:${model.id}\\]$`))],
      ]);
      choose(picker, `model:${model.id}`);
      choose($('[data-variant="basePolicy.init"]') as HTMLSelectElement, "0");
      choose($('select[data-param="basePolicy.init"]') as HTMLSelectElement, `model:${model.id}`);

      click($('[data-testid="view-json"]'));
      const config = JSON.parse(($('[data-testid="config-text"]') as HTMLTextAreaElement).value) as {
        proxy: { init: string };
        basePolicy: { init: string };
      };
      expect(config.proxy.init).toBe(`model:${model.id}`);
      expect(config.basePolicy.init).toBe(`model:${model.id}`);
    } finally {
      unmount(view);
      stopListening();
    }
  });
});
