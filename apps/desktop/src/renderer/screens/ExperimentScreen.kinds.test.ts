// A toy experiment kind registered in a test (service/testing/toy-kind, through the registry's
// constructor option in the lab process) appears in the Experiment screen with a form generated
// from its schema, its nested field is edited (and validated) and swept, and its runs execute in
// the real lab: no shared code knows the kind. Its runs then show in Compare (one panel per
// series group, the stored fits, the kind's headline) and in the Runs screen's Samples view.
import { mount, unmount } from "svelte";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { waitForStatus } from "../../service/testing/wait-for.ts";
import { LabState } from "../state/lab-state.svelte.ts";
import { Router } from "../state/router.svelte.ts";
import { $, click, type, waitFor } from "../testing/dom.ts";
import { type RealLab, openRealLab } from "../testing/real-lab.ts";
import CompareScreen from "./CompareScreen.svelte";
import ExperimentScreen from "./ExperimentScreen.svelte";
import RunsScreen from "./RunsScreen.svelte";

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
    let view: Record<string, unknown> | null = mount(ExperimentScreen, {
      target: document.body,
      props: { lab: state, router: new Router() },
    });
    try {
      click(await waitFor(() => document.querySelector<HTMLInputElement>('[data-testid="show-diagnostic"]')));
      click(await waitFor(() => document.querySelector<HTMLElement>('[data-kind="toy.curve"]')));
      // The form starts from the kind's default preset (toy-tent), generated from the schema: the
      // nested object is a fieldset, the enum a select, numbers typed inputs with unit and range.
      const kindSelect = $('[data-param="shape.kind"]') as HTMLSelectElement;
      expect(kindSelect.tagName).toBe("SELECT");
      expect(kindSelect.value).toBe("tent");
      expect([...kindSelect.options].map((o) => o.value)).toEqual(["parabola", "tent"]);
      expect($('fieldset[data-field="shape"] legend').textContent).toBe("shape");
      const height = $('[data-param="shape.height"]') as HTMLInputElement;
      expect(height.type).toBe("number");
      expect(height.closest("[data-field]")!.textContent).toContain("Gold at the peak.");
      expect(height.closest("[data-field]")!.textContent).toContain("unit: reward");
      expect(($('[data-testid="preset-picker"]') as HTMLSelectElement).value).toBe("toy-tent");

      // Inline validation from the schema: a height of 0 is refused at its field, Start is off.
      type(height, "0");
      expect($('[data-issue="shape.height"]').textContent).toBe("expected a number > 0, got 0");
      expect(($('[data-testid="start-button"]') as HTMLButtonElement).disabled).toBe(true);
      type(height, "3");
      expect(document.querySelector('[data-issue="shape.height"]')).toBeNull();

      // A list field: add a tag, see it in the YAML view, edit the YAML, and the form follows.
      click($('[data-add="tags"]'));
      type($('[data-param="tags[0]"]'), "first");
      click($('[data-testid="view-yaml"]'));
      const yaml = ($('[data-testid="config-text"]') as HTMLTextAreaElement).value;
      expect(yaml).toContain("height: 3");
      expect(yaml).toContain("- first");
      type($('[data-testid="config-text"]'), yaml.replace("- first", "- second"));
      click($('[data-testid="view-form"]'));
      expect(($('[data-param="tags[0]"]') as HTMLInputElement).value).toBe("second");
      expect(($('[data-param="shape.height"]') as HTMLInputElement).value).toBe("3");
      click($('[data-remove="tags[0]"]'));
      expect(document.querySelector('[data-param="tags[0]"]')).toBeNull();
      // Text that is not YAML keeps the text view open with the parser's message.
      click($('[data-testid="view-json"]'));
      type($('[data-testid="config-text"]'), "{ steps: [");
      click($('[data-testid="view-form"]'));
      expect($('[data-testid="config-text-error"]').textContent!.length).toBeGreaterThan(0);
      click($('[data-testid="view-json"]')); // back to valid text: the JSON of the form's config
      type($('[data-testid="config-text"]'), JSON.stringify({ steps: 12, peak: 0.25, shape: { kind: "tent", height: 3 }, tags: [] }));
      click($('[data-testid="view-form"]'));

      click($('[data-testid="show-sweeps"]'));
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
      expect(toy.configSchema).toMatchObject({
        type: "object",
        properties: { shape: { properties: { height: { unit: "reward", exclusiveMinimum: 0 } } } },
      });
      expect((await lab.api.presets.list({ kind: "toy.curve" })).map((p) => p.name)).toEqual(["toy-tent"]);
      // Compare: the toy's one series group is one panel; each run its colour, the stored fit dotted,
      // the kind's headline (gold at the last step) as bars; the fitted peak with its interval.
      const ids = runs.map((r) => r.id).sort((a, b) => a - b);
      await state.refresh();
      unmount(view);
      view = null;
      const router = new Router();
      router.compareIds = ids;
      const compare = mount(CompareScreen, { target: document.body, props: { lab: state, router } });
      try {
        const table = await waitFor(() => document.querySelector('[data-testid="metrics-table"]'));
        await waitFor(() => table.querySelectorAll("tbody tr").length === 2);
        expect([...table.querySelectorAll('[data-testid="fit-peak"]')].map((td) => td.textContent)).toEqual([
          "1 [0.8, 1.2]",
          "1 [0.8, 1.2]",
        ]);
        expect($('[data-testid="chart"]').dataset.panels).toBe("1");
        const panel = $('[data-testid="compare-series-panel"]');
        expect(panel.querySelectorAll('path[data-line$=":fit:gold"]')).toHaveLength(2);
        expect(panel.querySelector('path[data-line$=":fit:gold"]')!.getAttribute("stroke-dasharray")).toBe("1.5 3");
        expect(panel.textContent).toContain("fitted form (stored)");
        expect($('[data-testid="headline"]').querySelectorAll("rect[data-bar]")).toHaveLength(2);
        // The kind's summary column read from each run's stored result (runs.result): the peak step.
        const summaries = await waitFor(() => {
          const t = document.querySelectorAll<HTMLElement>('[data-testid="summary-table"]');
          return t.length === 2 && t;
        });
        const peakSteps = Object.fromEntries(
          [...summaries].map((t) => [Number(t.dataset.runId), t.querySelector("tbody td")!.textContent]),
        );
        const byId = new Map(runs.map((r) => [r.id, r.config.steps as number]));
        for (const [id, shown] of Object.entries(peakSteps)) expect(shown).toBe(String(byId.get(Number(id)) === 4 ? 1 : 2));
        expect(summaries[0]!.querySelector("th")!.textContent).toBe("Peak step (steps)");
        // Hiding the toy's panel from the panel picker is not offered for a single panel.
        expect(document.querySelector('[data-testid="panel-toggle"]')).toBeNull();
      } finally {
        unmount(compare);
      }

      // Runs -> Samples: per prompt the completion best-of-4 picks under toy:main, sorted by proxy - gold gain.
      router.selectedRunId = ids[0]!;
      const runsView = mount(RunsScreen, { target: document.body, props: { lab: state, router } });
      try {
        click(await waitFor(() => document.querySelector<HTMLElement>('[data-testid="tab-samples"]')));
        const rows = await waitFor(() => {
          const r = document.querySelectorAll<HTMLElement>('[data-testid="sample-row"]');
          return r.length === 2 && r;
        });
        // The proxy picks completion 3 (gold -1 on prompt 1, -2 on prompt 2): prompt 2's gap is larger.
        expect([...rows].map((r) => r.dataset.promptIndex)).toEqual(["1", "0"]);
        expect(rows[0]!.textContent).toContain("second prompt completion 3");
        const gaps = [...document.querySelectorAll('[data-testid="sample-gap"]')].map((td) => Number(td.textContent));
        expect(gaps[0]).toBeGreaterThan(gaps[1]!);
        expect(($('[data-testid="samples-n"]') as HTMLSelectElement).value).toBe("4");
        // Best-of-1 picks the first completion, whatever the proxy says.
        const n = $('[data-testid="samples-n"]') as HTMLSelectElement;
        n.value = "1";
        n.dispatchEvent(new Event("change", { bubbles: true }));
        await waitFor(() => document.querySelector('[data-testid="samples-view"]')?.textContent?.includes("first prompt completion 0"));
      } finally {
        unmount(runsView);
      }

      // A typo in a swept path is named by the service with the nearest valid one.
      const experiment = (await lab.api.experiments.list()).find((e) => e.kind === "toy.curve")!;
      expect(experiment.kind).toBe("toy.curve");
      await expect(lab.api.kinds.expand({ kind: "toy.curve", axes: [{ path: "shape.hight", values: [1] }] })).rejects.toThrow(
        /nearest valid: shape\.height/,
      );
    } finally {
      if (view) unmount(view);
      stopListening();
    }
  }, 90_000);
});
