/**
 * Constrained RLHF at test size on the built-in task, with real ONNX Runtime sessions throughout:
 * xi-PPO (equality constraints) holds each component near its threshold where fixed weights on the
 * same reward models run past it, and the same config and seed give identical results.
 *
 * Tolerance of the equality test: each component's value is the mean over 32 prompts x 2 samples of
 * a reward model normalised to std 1 on base-policy samples; its standard error over prompts is
 * about 0.1, and the last three evaluations are averaged. 0.35 is about 3.5 such SEs: wide enough
 * for sampling noise and the multipliers' oscillation, narrow against the fixed-weight control,
 * which the test also requires to end more than 0.35 above the threshold of the component it
 * weights (so the check can fail: without the constraint the component runs past its threshold).
 */
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createRuntime, type Runtime } from "@goodhart/engine";
import { memorySink } from "../src/experiments/sink.ts";
import { runConstrainedStudy, type ConstrainedStudyResult } from "../src/constrained/study.ts";
import { DEFAULT_CONSTRAINED_RLHF, type ConstrainedRlhfConfig } from "../src/kinds/constrained/schema.ts";

const cacheDir = mkdtempSync(path.join(os.tmpdir(), "goodhart-constrained-"));
let runtime: Runtime;

const TOLERANCE = 0.35;
const THRESHOLDS = [0.5, 0.5];

const TEST_SIZE: ConstrainedRlhfConfig = {
  ...DEFAULT_CONSTRAINED_RLHF,
  name: "constrained-test",
  components: ["informativeness", "length"],
  componentRm: { ...DEFAULT_CONSTRAINED_RLHF.componentRm, trainingSize: 1000 },
  sweep: { weights: [[1, 1]], klCoef: 0 },
  methods: ["xi-ppo"],
  thresholds: THRESHOLDS,
  multipliers: { lr: 0.2, init: 0 },
  rl: { ...DEFAULT_CONSTRAINED_RLHF.rl, steps: 30, lr: 2e-3 },
  evaluation: { every: 5, prompts: 32, samplesPerPrompt: 2 },
  seeds: [1],
};

beforeAll(async () => {
  runtime = await createRuntime({ device: "cpu", threads: 2 });
});
afterAll(() => rmSync(cacheDir, { recursive: true, force: true }));

const lastThree = (r: ConstrainedStudyResult, method: string, i: number) => {
  const curve = r.runs.find((x) => x.method === method)!.curve.slice(-3);
  return curve.reduce((s, p) => s + p.components[i]!, 0) / curve.length;
};

describe("constrained RLHF on the built-in task", () => {
  it("xi-PPO keeps each component within 0.35 of its threshold; fixed weights run past it", async () => {
    const sink = memorySink();
    const r = await runConstrainedStudy(TEST_SIZE, { runtime, seed: 0, sink, cacheDir }, { bootstrapReplicates: 100 });
    expect(r.thresholdSource).toBe("config");
    expect(r.thresholds).toEqual(THRESHOLDS);
    const xi = r.runs.find((x) => x.method === "xi-ppo")!;
    expect(xi.curve.at(-1)!.thresholds).toEqual(THRESHOLDS);
    expect(xi.curve.at(-1)!.multipliers!.every((l) => l > -1 && l < 1)).toBe(true);
    const report = r.components.map(
      (c, i) => `${c}: xi ${lastThree(r, "xi-ppo", i).toFixed(3)}, fixed ${lastThree(r, "sweep-1-1", i).toFixed(3)}`,
    );
    for (let i = 0; i < THRESHOLDS.length; i++)
      expect(Math.abs(lastThree(r, "xi-ppo", i) - THRESHOLDS[i]!), report.join("; ")).toBeLessThan(TOLERANCE);
    // The control: at least one component under fixed weights ends beyond the tolerance band.
    expect(Math.max(...THRESHOLDS.map((t, i) => lastThree(r, "sweep-1-1", i) - t)), report.join("; ")).toBeGreaterThan(TOLERANCE);
    // Stored series (docs/constrained-rlhf.md).
    const xiRun = sink.runs.find((x) => x.id === "constrained-test/xi-ppo/s1")!;
    const names = new Set(xiRun.metrics.map((m) => m.name));
    for (const n of ["gold", "gold_raw", "kl", "component/informativeness", "threshold/length", "lambda/informativeness", "train.loss"])
      expect(names.has(`constrained/xi-ppo/s1/${n}`), n).toBe(true);
    expect(xiRun.curves.map((p) => p.x)).toEqual([0, 5, 10, 15, 20, 25, 30]);
    expect(xiRun.curves.every((p) => p.series === "xi-ppo/s1" && p.proxyScores!.length === 2)).toBe(true);
    const summary = sink.runs.find((x) => x.id === "constrained-test/components")!;
    expect(summary.metrics.some((m) => m.name === "components/s1/corr/rm/informativeness/length")).toBe(true);
    expect(r.correlations[0]!.rmVsComponent.every((c) => Number.isFinite(c))).toBe(true);
  }, 900_000);

  it("the same config and seed give identical results", async () => {
    const tiny: ConstrainedRlhfConfig = {
      ...TEST_SIZE,
      name: "constrained-determinism",
      componentRm: { ...TEST_SIZE.componentRm, trainingSize: 200 },
      methods: ["fixed", "mu-ppo", "nm-ppo"],
      nm: { steps: 4, every: 2, start: null, step: 0.5, goldPrompts: 8 },
      rl: { ...TEST_SIZE.rl, steps: 3, promptsPerStep: 8 },
      evaluation: { every: 3, prompts: 8, samplesPerPrompt: 2 },
    };
    const strip = (r: ConstrainedStudyResult) => ({
      ...r,
      basePolicy: null,
      timings: null,
      runs: r.runs.map((x) => ({ ...x, seconds: 0 })),
    });
    const a = await runConstrainedStudy(tiny, { runtime, seed: 0, sink: memorySink(), cacheDir }, { bootstrapReplicates: 20 });
    const b = await runConstrainedStudy(tiny, { runtime, seed: 0, sink: memorySink(), cacheDir }, { bootstrapReplicates: 20 });
    expect(a.runs.map((x) => x.method)).toEqual(["sweep-1-1", "fixed", "mu-ppo", "nm-ppo"]);
    expect(strip(a)).toEqual(strip(b));
    expect(a.nm[0]!.goldQueries).toBe(2);
  }, 900_000);
});
