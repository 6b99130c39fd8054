// The RL and direct alignment result views on runs a real lab executed: a tiny rl-study (PPO
// against a 2-member mean ensemble) and a tiny daa study (DPO and IPO at two betas) run through
// LabApi, then the Runs screen's Results tab and Compare's headline draw what they stored: the
// stored fit and its d* interval, every KL estimator, the training metrics, the onset signals at
// the steps the detector stored, the win-rate frontier per loss and the log-prob curves.
import { mount, unmount } from "svelte";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { FitDto, LabApi, RunDto } from "../../../shared/index.ts";
import { short } from "../../../shared/charts/result-views.ts";
import { waitForStatus } from "../../../service/testing/wait-for.ts";
import CompareScreen from "../../screens/CompareScreen.svelte";
import ExportScreen from "../../screens/ExportScreen.svelte";
import RunsScreen from "../../screens/RunsScreen.svelte";
import { LabState } from "../../state/lab-state.svelte.ts";
import { Router } from "../../state/router.svelte.ts";
import { $, click, waitFor } from "../../testing/dom.ts";
import { type RealLab, openRealLab } from "../../testing/real-lab.ts";

const TINY_TASK = { prompts: { train: 200, validation: 48, test: 24 } };
const TINY_POLICY = { layers: 1, dModel: 32, heads: 2, pretrainSteps: 100 };

const RL_CONFIG = {
  name: "rl-view",
  task: TINY_TASK,
  basePolicy: TINY_POLICY,
  proxySizes: [{ name: "policy-size", layers: 1, dModel: 32, heads: 2 }],
  trainingSize: 300,
  objectives: ["mean"],
  ensembleSize: 2,
  klCoefs: [0],
  seeds: [1],
  rl: { algorithm: "ppo", steps: 12, promptsPerStep: 16, samplesPerPrompt: 1 },
  evaluation: { every: 3, prompts: 16 },
};

const DAA_CONFIG = {
  name: "daa-view",
  task: TINY_TASK,
  basePolicy: TINY_POLICY,
  losses: ["dpo", "ipo"],
  betas: [0.03, 1],
  labels: { pairs: 128, noise: 0 },
  training: { epochs: 2, batchSize: 32, lr: 1e-2, finetune: "lora", loraRank: 4 },
  evaluation: { prompts: 16, samplesPerPrompt: 2, heldOutPairs: 32, epochOneFractions: [0.2, 0.4, 0.6, 0.8] },
  seeds: [1],
};

const CONSTRAINED_CONFIG = {
  name: "constrained-view",
  task: TINY_TASK,
  basePolicy: TINY_POLICY,
  componentRm: { size: { name: "tiny", layers: 1, dModel: 32, heads: 2 }, trainingSize: 300 },
  sweep: {
    weights: [
      [1, 0],
      [0.5, 0.5],
      [0, 1],
    ],
    klCoef: 0,
  },
  methods: ["fixed", "mu-ppo", "xi-ppo"],
  rl: { steps: 9, promptsPerStep: 16 },
  evaluation: { every: 3, prompts: 16, samplesPerPrompt: 2 },
  seeds: [1],
};

/** Starts an experiment and waits until every run of it is done. */
async function runToEnd(api: LabApi, kind: string, config: Record<string, unknown>): Promise<RunDto[]> {
  const experiment = await api.experiments.create({ name: String(config.name), kind, config });
  const first = await api.runs.start({ experimentId: experiment.id });
  await waitForStatus(api, first.id, ["done", "failed"], 240_000);
  // A study may execute as several runs (one per grid point): wait for all of them.
  for (;;) {
    const runs = await api.runs.list({ experimentId: experiment.id });
    const failed = runs.find((r) => r.status === "failed");
    if (failed) throw new Error(`run ${failed.id} failed: ${failed.error}`);
    if (runs.every((r) => r.status === "done")) return runs;
    await new Promise((r) => setTimeout(r, 200));
  }
}

const figures = (section: string) => [...document.querySelectorAll<HTMLElement>(`[data-section="${section}"] [data-testid="view-figure"]`)];
const textOf = (el: Element) => el.textContent ?? "";

describe("result views", () => {
  let lab: RealLab;
  let state: LabState;
  let rlRuns: RunDto[];
  let daaRuns: RunDto[];
  let constrainedRuns: RunDto[];

  beforeAll(async () => {
    lab = await openRealLab();
    rlRuns = await runToEnd(lab.api, "rl-study", RL_CONFIG);
    daaRuns = await runToEnd(lab.api, "daa", DAA_CONFIG);
    constrainedRuns = await runToEnd(lab.api, "constrained-rlhf", CONSTRAINED_CONFIG);
    state = new LabState(lab.api);
    state.listen();
    await state.refresh();
  }, 480_000);

  afterAll(async () => {
    document.body.innerHTML = "";
    await lab?.close();
  });

  it("RL: gold, proxy and members against √KL with the stored fit and d*, KL by estimator, training metrics, onset signals", async () => {
    const run = rlRuns.find((r) => r.name.includes("mean"))!;
    expect(run).toBeDefined();
    const router = new Router();
    router.selectedRunId = run.id;
    document.body.innerHTML = "";
    const view = mount(RunsScreen, { target: document.body, props: { lab: state, router } });
    try {
      click(await waitFor(() => document.querySelector<HTMLElement>('[data-testid="tab-results"]')));
      await waitFor(() => figures("gold-proxy").length > 0 && figures("onset").length > 0, 20_000);

      // Gold and proxy with SE bands, each of the 2 members, the stored fit and its peak.
      const [goldProxy] = figures("gold-proxy");
      const svg = goldProxy!.querySelector("svg")!;
      const lines = [...svg.querySelectorAll("[data-line]")].map((l) => l.getAttribute("data-line")!);
      for (const suffix of [":gold", ":proxy", ":member:0", ":member:1"]) expect(lines.some((l) => l.endsWith(suffix))).toBe(true);
      expect(svg.querySelectorAll("[data-band]").length).toBe(2);
      const fits: FitDto[] = await lab.api.runs.fits({ runId: run.id });
      const fit = fits.find((f) => f.target === "gold")!;
      expect(fit).toBeDefined();
      expect(lines.some((l) => l.endsWith(":fit"))).toBe(true);
      const note = textOf(goldProxy!);
      expect(note).toContain(`a = ${short(fit.coefficients.a)}`);
      if (fit.coefficients.peakD !== undefined) {
        expect(note).toContain(`d* = e^(a/b − 1) = ${short(fit.coefficients.peakD)}`);
        const ci = fit.intervals?.peakD;
        if (ci) expect(note).toContain(`[${short(ci.low)}, ${short(ci.high)}]`);
      } else expect(note).toContain("no peak");

      // KL: the exact per-token KL and the sampled k1, k2, k3, each its own line.
      const kl = figures("kl")[0]!.querySelector("svg")!;
      const estimators = [...kl.querySelectorAll("[data-line]")].map((l) => l.getAttribute("data-line")!.split(":kl:")[1]);
      expect(estimators.sort()).toEqual(["exact-token", "k1", "k2", "k3"]);

      // Training metrics as small multiples (PPO: loss terms, clip fraction, entropy, KL coefficient, value error).
      const titles = figures("training").map((f) => f.querySelector("svg")!.getAttribute("aria-label"));
      for (const t of ["Loss terms", "Clip fraction", "Entropy", "KL coefficient", "Value error (MSE to returns)"])
        expect(titles).toContain(t);

      // Onset: each signal the run stores a firing for is marked at that step; the gold peak too.
      const metrics = await lab.api.runs.metrics({ runId: run.id });
      const fired = metrics.filter((m) => /^onset\..*\.fired$/.test(m.name));
      for (const m of fired) {
        const signal = m.name.split(".")[1]!;
        const fig = figures("onset").find((f) => f.dataset.figure!.endsWith(`:onset:${signal}`))!;
        expect(textOf(fig)).toContain(`Fired at step ${m.steps[0]}`);
        expect(fig.querySelector(`[data-line$=":onset:${signal}:fired"]`)).not.toBeNull();
      }
      const onsetFigures = figures("onset");
      expect(onsetFigures.length).toBeGreaterThanOrEqual(3); // disagreement, proxy slope, KL growth, value error
      for (const f of onsetFigures) expect(f.querySelector('[data-line$=":peak"]')).not.toBeNull();
    } finally {
      unmount(view);
    }
  });

  it("DAA: win rate and KL against epochs, the frontier per loss with the study's stored fits, chosen/rejected log-probs", async () => {
    const run = daaRuns.find((r) => r.name.startsWith("dpo"))!;
    expect(run).toBeDefined();
    const router = new Router();
    router.selectedRunId = run.id;
    document.body.innerHTML = "";
    const view = mount(RunsScreen, { target: document.body, props: { lab: state, router } });
    try {
      click(await waitFor(() => document.querySelector<HTMLElement>('[data-testid="tab-results"]')));
      await waitFor(() => figures("frontier").length === 2, 20_000);
      expect(figures("frontier").map((f) => f.dataset.figure)).toEqual(["dpo:frontier", "ipo:frontier"]);
      // Every checkpoint after step 0 of every beta is a marker on its loss's frontier.
      const metrics = await lab.api.runs.metrics({ runId: run.id });
      const winRate = metrics.find((m) => m.name.endsWith("eval.win_rate"))!;
      const dpo = figures("frontier")[0]!;
      const markers = dpo.querySelectorAll("circle");
      expect(markers.length).toBeGreaterThanOrEqual(2 * (winRate.steps.length - 1));
      // The study's family-level fit of the win rate (over both betas), on whichever run the study stored it, is drawn with its note.
      const allFits = (await Promise.all(daaRuns.map((r) => lab.api.runs.fits({ runId: r.id })))).flat();
      const wrFit = allFits.find((f) => f.series === "dpo:win-rate");
      expect(wrFit, "the study stores a win-rate fit per loss over its betas").toBeDefined();
      expect(dpo.querySelector('[data-line="dpo:frontier:fit"]')).not.toBeNull();
      expect(textOf(dpo)).toContain(`a = ${short(wrFit!.coefficients.a)}`);
      // Progress in epochs: win rate (with the ½ reference) and KL, one line per beta; log-probs chosen and rejected.
      const wr = figures("win-rate")[0]!.querySelector("svg")!;
      expect(wr.querySelectorAll("[data-line]").length).toBe(3);
      expect(figures("kl")[0]!.querySelectorAll("[data-line]").length).toBe(2);
      const logps = figures("logps")[0]!;
      expect(logps.querySelectorAll('[data-line$=":chosen"]').length).toBe(2);
      expect(logps.querySelectorAll('[data-line$=":rejected"]').length).toBe(2);
      expect(textOf(wr)).toContain("training progress (epochs)");
    } finally {
      unmount(view);
    }
  });

  it("constrained RLHF: gold per method, multipliers, components against thresholds, the gold surface with proxy points", async () => {
    // A study without grid points is one lab run holding every method's series; with grid points, mu-PPO's own run.
    const run = constrainedRuns.find((r) => r.name.includes("mu-ppo")) ?? constrainedRuns[0]!;
    expect(run).toBeDefined();
    const router = new Router();
    router.selectedRunId = run.id;
    document.body.innerHTML = "";
    const view = mount(RunsScreen, { target: document.body, props: { lab: state, router } });
    try {
      click(await waitFor(() => document.querySelector<HTMLElement>('[data-testid="tab-results"]')));
      await waitFor(() => figures("surface").length > 0, 20_000);
      // Gold per method: the three sweep weightings and both constrained methods, from the study's runs.
      const gold = figures("gold")[0]!;
      const keys = [...gold.querySelectorAll("[data-line]")].map((l) => l.getAttribute("data-line"));
      expect(keys).toEqual(["sweep-0-1/s1:gold", "sweep-0.5-0.5/s1:gold", "sweep-1-0/s1:gold", "mu-ppo/s1:gold", "xi-ppo/s1:gold"]);
      expect(figures("multipliers").map((f) => f.dataset.figure)).toEqual(["mu-ppo/s1:lambda", "xi-ppo/s1:lambda"]);
      expect(figures("thresholds")[0]!.querySelectorAll('[data-line*=":threshold:"]').length).toBe(2);
      // The surface: one slice per component and the component space (two components); the stored proxy points in words.
      const stored = (await Promise.all(constrainedRuns.map((r) => lab.api.runs.result({ runId: r.id })))).find(
        (r) => r && "proxyPoints" in r,
      ) as { proxyPoints: { components: string[]; individual: ({ estimate: number } | null)[] } } | undefined;
      expect(stored, "the study stores its proxy points").toBeDefined();
      const names = stored!.proxyPoints.components;
      expect(figures("surface").map((f) => f.dataset.figure)).toEqual([...names.map((n) => `surface:${n}`), "surface:space"]);
      const own = stored!.proxyPoints.individual[0];
      expect(textOf(figures("surface")[0]!)).toContain(`${names[0]}: own proxy point ${own ? short(own.estimate) : "none"}`);
    } finally {
      unmount(view);
    }
  });

  it("Compare and Export show the kinds' headline views", async () => {
    const router = new Router();
    router.compareIds = [rlRuns[0]!.id, daaRuns[0]!.id];
    document.body.innerHTML = "";
    const view = mount(CompareScreen, { target: document.body, props: { lab: state, router } });
    try {
      await waitFor(() => document.querySelectorAll('[data-testid="kind-headline-view"]').length === 2, 20_000);
      const rl = $('[data-testid="kind-headline-view"][data-kind="rl-study"]');
      expect(rl.querySelector('[data-line$=":fit"]')).not.toBeNull();
      const daa = $('[data-testid="kind-headline-view"][data-kind="daa"]');
      expect(daa.querySelectorAll('[data-testid="view-figure"]').length).toBe(2);
    } finally {
      unmount(view);
    }
    // The Export screen previews the same headline figures the report will carry.
    document.body.innerHTML = "";
    const exportView = mount(ExportScreen, { target: document.body, props: { lab: state, router } });
    try {
      await waitFor(() => document.querySelectorAll('[data-testid="kind-headline-view"]').length === 2, 20_000);
    } finally {
      unmount(exportView);
    }
  });
});
