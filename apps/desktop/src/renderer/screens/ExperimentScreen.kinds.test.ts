// A toy experiment kind registered in a test (service/testing/toy-kind, through the registry's
// constructor option in the lab process) appears in the Experiment screen, its nested field is
// edited and swept, and its runs execute in the real lab: no shared code knows the kind.
import { mount, unmount } from "svelte";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { waitForStatus } from "../../service/testing/wait-for.ts";
import { LabState } from "../state/lab-state.svelte.ts";
import { Router } from "../state/router.svelte.ts";
import { $, click, type, waitFor } from "../testing/dom.ts";
import { type RealLab, openRealLab } from "../testing/real-lab.ts";
import ExperimentScreen from "./ExperimentScreen.svelte";

describe("a toy kind in the Experiment screen", () => {
  let lab: RealLab;

  beforeAll(async () => {
    lab = await openRealLab({ toyKind: true });
  });

  afterAll(async () => {
    await lab.close();
  });

  it("is listed, its nested field edited and swept, and its runs complete", async () => {
    const state = new LabState(lab.api);
    const stopListening = state.listen();
    await state.refresh();
    document.body.innerHTML = "";
    const view = mount(ExperimentScreen, { target: document.body, props: { lab: state, router: new Router() } });
    try {
      click(await waitFor(() => document.querySelector<HTMLInputElement>('[data-testid="show-diagnostic"]')));
      click(await waitFor(() => document.querySelector<HTMLElement>('[data-kind="toy.curve"]')));
      // The form starts from the kind's default preset (toy-tent) with each field explained.
      expect(($('[data-param="shape.kind"]') as HTMLInputElement).value).toBe("tent");
      expect($('[data-param="shape.height"]').closest("tr")!.textContent).toContain("Gold at the peak.");
      type($('[data-param="shape.height"]'), "3");
      type($('[data-sweep="steps"]'), "4 | 8");
      type($('input[aria-describedby="seeds-help"]'), "1");
      await waitFor(() => $('[data-testid="grid-size"]').textContent?.includes("2 configurations × 1 seed = 2 runs"));
      await waitFor(() => !($('[data-testid="start-button"]') as HTMLButtonElement).disabled);
      click($('[data-testid="start-button"]'));
      await waitFor(() => document.querySelectorAll('[data-testid="started-runs"] li').length === 2);
      const runs = await lab.api.runs.list();
      expect(runs.map((r) => r.config.steps).sort()).toEqual([4, 8]);
      for (const run of runs) {
        expect(run.config.shape).toEqual({ kind: "tent", height: 3 });
        expect(await waitForStatus(lab.api, run.id, ["done", "failed"], 60_000)).toBe("done");
        // Tent of height 3 peaking at a quarter of the steps: gold 3 at step 1 of 4, at step 2 of 8.
        const points = await lab.api.curves.get({ runId: run.id });
        expect(points).toHaveLength(run.config.steps as number);
        expect(Math.max(...points.map((p) => p.goldScore ?? Number.NaN))).toBeCloseTo(3, 12);
      }

      // Over HTTP too: the full description (the DTO forms will be generated from) and the presets.
      const toy = (await lab.api.kinds.list()).find((k) => k.id === "toy.curve")!;
      expect(toy.configSchema).toMatchObject({ type: "object", properties: { shape: { properties: { height: { unit: "reward", exclusiveMinimum: 0 } } } } });
      expect((await lab.api.presets.list({ kind: "toy.curve" })).map((p) => p.name)).toEqual(["toy-tent"]);
      // A typo in a swept path is named by the service with the nearest valid one.
      const experiment = (await lab.api.experiments.list()).find((e) => e.kind === "toy.curve")!;
      expect(experiment.kind).toBe("toy.curve");
      await expect(lab.api.kinds.expand({ kind: "toy.curve", axes: [{ path: "shape.hight", values: [1] }] })).rejects.toThrow(/nearest valid: shape\.height/);
    } finally {
      unmount(view);
      stopListening();
    }
  }, 90_000);
});
