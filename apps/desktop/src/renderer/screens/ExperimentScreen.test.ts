import { mount, unmount } from "svelte";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import appPackage from "../../../package.json" with { type: "json" };
import { waitForStatus } from "../../service/testing/wait-for.ts";
import { LabState } from "../state/lab-state.svelte.ts";
import { Router } from "../state/router.svelte.ts";
import { $, click, type, waitFor } from "../testing/dom.ts";
import { type RealLab, openRealLab } from "../testing/real-lab.ts";
import CompareScreen from "./CompareScreen.svelte";
import ExperimentScreen from "./ExperimentScreen.svelte";
import RunsScreen from "./RunsScreen.svelte";

describe("Experiment, Runs and Compare screens", () => {
  let lab: RealLab;
  let state: LabState;
  let router: Router;
  let view: Record<string, unknown> | null = null;
  let stopListening: () => void;

  beforeAll(async () => {
    lab = await openRealLab();
  });

  afterAll(async () => {
    await lab.close();
  });

  beforeEach(async () => {
    state = new LabState(lab.api);
    stopListening = state.listen();
    await state.refresh();
    router = new Router();
    document.body.innerHTML = "";
  });

  afterEach(async () => {
    if (view) unmount(view);
    view = null;
    stopListening();
  });

  it("lists presets with their defaults, expands a sweep grid and starts one run per point and seed", async () => {
    view = mount(ExperimentScreen, { target: document.body, props: { lab: state, router } });
    await waitFor(() => document.querySelector('[data-testid="preset"]'));
    // Diagnostic kinds are hidden once a science kind (bon-study) is registered.
    const showDiagnostic = document.querySelector<HTMLInputElement>('[data-testid="show-diagnostic"]');
    if (showDiagnostic) click(showDiagnostic);
    const preset = await waitFor(() => document.querySelector<HTMLElement>('[data-kind="diagnostic.counter"]'));
    click(preset);
    expect(preset.getAttribute("aria-checked")).toBe("true");
    expect(preset.textContent).toContain("Not a science experiment");
    expect(($('[data-param="steps"]') as HTMLInputElement).value).toBe("100");
    // Each field is a typed input generated from the kind's schema, with its explanation and range.
    const steps = $('[data-param="steps"]') as HTMLInputElement;
    expect(steps.type).toBe("number");
    const stepsField = steps.closest("[data-field]")!;
    expect(stepsField.textContent).toContain("one curve point and two metrics per step");
    expect(stepsField.textContent).toMatch(/≥ 1/);
    type($('[data-param="stepMs"]'), "0");
    type($('[data-param="steps"]'), "5");
    click($('[data-testid="show-sweeps"]'));
    type($('[data-sweep="checkpointEvery"]'), "1 | 5");
    type($('input[aria-describedby="seeds-help"]'), "0 | 7");
    // The service expands the grid (LabApi kinds.expand), so the count arrives asynchronously.
    await waitFor(() => $('[data-testid="grid-size"]').textContent?.includes("2 configurations × 2 seeds = 4 runs"));
    await waitFor(() => !($('[data-testid="start-button"]') as HTMLButtonElement).disabled);
    click($('[data-testid="start-button"]'));
    await waitFor(() => document.querySelectorAll('[data-testid="started-runs"] li').length === 4);
    const runs = await lab.api.runs.list();
    expect(runs).toHaveLength(4);
    expect(runs.map((r) => r.seed).sort()).toEqual([0, 0, 7, 7]);
    expect(new Set(runs.map((r) => r.config.checkpointEvery))).toEqual(new Set([1, 5]));
    expect(runs.every((r) => r.config.steps === 5 && r.config.stepMs === 0)).toBe(true);
    // Make room in the run queue for the next test.
    for (const r of runs) await lab.api.runs.cancel({ id: r.id }).catch(() => undefined);
  });

  it("places the service's refusal at the field it names (a cross-field rule the form does not check)", async () => {
    const before = (await lab.api.experiments.list()).length;
    view = mount(ExperimentScreen, { target: document.body, props: { lab: state, router } });
    click(await waitFor(() => document.querySelector<HTMLElement>('[data-kind="bon-study"]')));
    const heads = $('[data-param="basePolicy.heads"]') as HTMLInputElement;
    expect(heads.closest("fieldset")!.textContent).toContain("Rule: heads divides dModel");
    type(heads, "3");
    // Within the field's range, so the form lets it through; the service's rule refuses it.
    expect(document.querySelector('[data-issue="basePolicy.heads"]')).toBeNull();
    await waitFor(() => !($('[data-testid="start-button"]') as HTMLButtonElement).disabled);
    click($('[data-testid="start-button"]'));
    const issue = await waitFor(() => document.querySelector('[data-issue="basePolicy.heads"]'));
    expect(issue.textContent).toBe("expected a divisor of dModel (64), got 3");
    expect($('[data-testid="form-error"]').textContent).toContain("1 field marked below");
    expect(await lab.api.experiments.list()).toHaveLength(before);
    // The next edit clears the service's verdict.
    type(heads, "4");
    expect(document.querySelector('[data-issue="basePolicy.heads"]')).toBeNull();
  });

  it("shows a run's curve growing, then compares two runs with peaks, SE bands, metrics and the config diff", async () => {
    const slow = await lab.api.experiments.create({
      name: "slow",
      kind: "diagnostic.counter",
      config: { steps: 40, stepMs: 40, checkpointEvery: 5 },
    });
    const fast = await lab.api.experiments.create({ name: "fast", kind: "diagnostic.counter", config: { steps: 30, stepMs: 0 } });
    const a = await lab.api.runs.start({ experimentId: slow.id });
    await state.refresh();
    router.selectedRunId = a.id;
    view = mount(RunsScreen, { target: document.body, props: { lab: state, router } });
    const count = () => Number($('[data-testid="curve-points"]').textContent!.split(" ")[0]);
    const first = await waitFor(() => count() > 0 && count());
    await waitFor(() => count() > first);
    expect($('[data-testid="run-detail"]').dataset.status).toBe("running");
    // The run details name the Goodhart Lab that created the run (the app's package.json version).
    expect($('[data-testid="run-lab-version"]').textContent).toBe(`Goodhart Lab ${appPackage.version}`);
    expect($('[data-testid="run-lab-version"]').parentElement!.textContent).toMatch(
      new RegExp(`created .+ by Goodhart Lab ${appPackage.version.replaceAll(".", "\\.")}`),
    );
    // Cancel from the screen, then resume from the last checkpoint; the curve completes.
    click($('[data-testid="cancel-run"]'));
    await waitFor(() => $('[data-testid="run-detail"]').dataset.status === "cancelled", 10_000);
    const resume = await waitFor(() => document.querySelector<HTMLElement>('[data-testid="resume-run"]'));
    expect(resume.textContent).toContain("Resume");
    expect(resume.textContent).toMatch(/Resume( from step \d+)?/);
    await waitFor(() => !(resume as HTMLButtonElement).disabled); // the cancel call has returned
    click(resume);
    await waitForStatus(lab.api, a.id, ["done"]);
    await waitFor(() => $('[data-testid="run-detail"]').dataset.status === "done");
    await waitFor(() => count() === 40);
    unmount(view);

    const b = await lab.api.runs.start({ experimentId: fast.id });
    await waitForStatus(lab.api, b.id, ["done"]);
    await state.refresh();
    router.compareIds = [a.id, b.id];
    view = mount(CompareScreen, { target: document.body, props: { lab: state, router } });
    const table = await waitFor(() => document.querySelector('[data-testid="metrics-table"]'));
    await waitFor(() => table.querySelectorAll("tbody tr").length === 2);
    // The counter stores no fitted law, and the renderer fits nothing itself.
    expect([...table.querySelectorAll('[data-testid="fit-peak"]')].map((td) => td.textContent)).toEqual(["—", "—"]);
    // One panel (the counter's one series), each run in its own colour: gold, proxy, peak marker.
    expect($('[data-testid="chart"]').dataset.panels).toBe("1");
    expect($('[data-testid="chart"]').dataset.lines).toBe("6");
    const colours = new Set(
      [...document.querySelectorAll('[data-testid="compare-series-panel"] path[data-line$=":gold"]')].map((p) => p.getAttribute("stroke")),
    );
    expect(colours.size).toBe(2);
    const diff = $('[data-testid="config-diff"]').textContent!;
    expect(diff).toContain("steps");
    expect(diff).toContain("stepMs");
    expect(diff).toContain("40");
    // Toggling peaks off leaves gold and proxy; proxy off leaves gold.
    click($('[data-testid="show-peaks"]'));
    expect($('[data-testid="chart"]').dataset.lines).toBe("4");
    click($('[data-testid="show-proxy"]'));
    expect($('[data-testid="chart"]').dataset.lines).toBe("2");
  });
});
