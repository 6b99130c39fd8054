/**
 * The RL study at test size on the built-in task, with real ONNX Runtime sessions throughout:
 * optimizing gold itself raises gold (RLOO and PPO); optimizing a small proxy without a KL penalty
 * raises the proxy while gold peaks and falls (overoptimization); curve points carry the KL under
 * every estimator's name; the same config and seed give the same numbers.
 */
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createRuntime, type Runtime } from "@goodhart/engine";
import { memorySink } from "../src/experiments/sink.ts";
import { runRlStudy, type RlStudyResult } from "../src/rl/study.ts";
import { readBestCheckpoint } from "../src/rl/keep-best.ts";
import { DEFAULT_RL_STUDY, type RlStudyConfig } from "../src/kinds/rl/schema.ts";

const cacheDir = mkdtempSync(path.join(os.tmpdir(), "goodhart-rl-study-"));
let runtime: Runtime;

const TEST_SIZE: RlStudyConfig = {
  ...DEFAULT_RL_STUDY,
  name: "rl-test",
  task: { kind: "builtin", seed: 0, prompts: { train: 500, validation: 50, test: 50 } },
  basePolicy: { preset: "builtin-tiny", layers: 1, dModel: 32, heads: 2, pretrainSteps: 200 },
  proxySizes: [{ name: "policy-size", layers: 1, dModel: 32, heads: 2 }],
  trainingSize: 2000,
  rmTraining: { epochs: 4, batchSize: 64, lr: 5e-3 },
  klCoefs: [0],
  evaluation: { every: 5, prompts: 32, samplesPerPrompt: 2 },
  seeds: [1],
};

beforeAll(async () => {
  runtime = await createRuntime({ device: "cpu", threads: 2 });
});
afterAll(() => rmSync(cacheDir, { recursive: true, force: true }));

function curveOf(result: RlStudyResult) {
  const run = result.runs[0]!;
  return { run, first: run.curve[0]!, last: run.curve[run.curve.length - 1]! };
}

describe("RL on the built-in task", () => {
  it("RLOO optimizing gold itself raises gold; points store exact, k1, k2 and k3 KL", async () => {
    const sink = memorySink();
    const result = await runRlStudy(
      { ...TEST_SIZE, objectives: ["gold"], rl: { ...TEST_SIZE.rl, algorithm: "rloo", steps: 30, lr: 3e-3 } },
      { runtime, seed: 0, sink, cacheDir },
    );
    const { run, last } = curveOf(result);
    expect(run.series).toBe("gold");
    expect(last.gold).toBeGreaterThan(0.2);
    expect(last.gold).toBeGreaterThan(3 * run.finalGoldSe);
    expect(last.kl).toBeGreaterThan(0);
    const points = sink.runs[0]!.curves;
    expect(points.map((p) => p.x)).toEqual([0, 5, 10, 15, 20, 25, 30]);
    expect(points[0]!.klEstimator).toBe("exact-token");
    expect(points[0]!.kl).toBe(0); // the policy starts as pi_init
    expect(points.at(-1)!.klEstimates!.map((e) => e.estimator)).toEqual(["k1", "k2", "k3"]);
    expect(points.every((p) => p.prompts === 32)).toBe(true);
    expect(points[0]!.goldSe).toBe(0); // a gain over step 0, paired per prompt
    expect(points.slice(1).every((p) => p.goldSe! > 0)).toBe(true);
    expect(sink.runs[0]!.metrics.some((m) => m.name === "train.entropy")).toBe(true);
  }, 240_000);

  it("PPO optimizing gold itself raises gold, with its loss terms reported", async () => {
    const sink = memorySink();
    const result = await runRlStudy(
      {
        ...TEST_SIZE,
        objectives: ["gold"],
        rl: { ...TEST_SIZE.rl, algorithm: "ppo", steps: 40, promptsPerStep: 32, samplesPerPrompt: 1, lr: 2e-3 },
      },
      { runtime, seed: 0, sink, cacheDir },
    );
    const { run, last } = curveOf(result);
    expect(last.gold).toBeGreaterThan(0.2);
    expect(last.gold).toBeGreaterThan(3 * run.finalGoldSe);
    const names = new Set(sink.runs[0]!.metrics.map((m) => m.name));
    for (const name of [
      "train.policy_loss",
      "train.value_loss",
      "train.entropy",
      "train.clip_fraction",
      "train.approx_kl",
      "train.value_error",
      "train.kl_coef",
    ])
      expect(names).toContain(name);
  }, 240_000);

  const OVEROPTIMIZE: RlStudyConfig = {
    ...TEST_SIZE,
    objectives: ["single"],
    rl: { ...TEST_SIZE.rl, algorithm: "rloo", steps: 50, lr: 1e-3 },
    evaluation: { every: 5, prompts: 48, samplesPerPrompt: 2 },
  };
  let overoptimized: RlStudyResult | null = null;

  // At this size gold's early rise is within noise for this seed; the fall below the peak is not.
  it("optimizing a small proxy without KL penalty raises the proxy while gold peaks and falls", async () => {
    const sink = memorySink();
    const result = await runRlStudy(OVEROPTIMIZE, { runtime, seed: 0, sink, cacheDir });
    overoptimized = result;
    const { run, first, last } = curveOf(result);
    // The proxy rises: the final gain is well clear of its standard error.
    expect(last.proxy!).toBeGreaterThan(first.proxy! + 3 * run.finalProxySe!);
    // Gold peaks before the end and falls well below its peak.
    expect(run.peakStep).toBeLessThan(last.step);
    expect(run.goldDrop).toBeGreaterThan(3 * run.goldDropSe);
    expect(last.gold).toBeLessThan(0);
    expect(sink.runs[0]!.fits[0]?.form).toBe("rl");
    // The onset detector's signals are scored against this run's gold curve.
    expect(run.onset.overoptimized).toBe(true);
    expect(run.onset.scores.map((x) => x.signal)).toEqual(["disagreement", "proxy-slope", "kl-growth", "value-error"]);
    expect(run.onset.scores.find((x) => x.signal === "disagreement")!.fireStep).toBeNull(); // one member: no disagreement
  }, 300_000);

  it("onset.action keep-best keeps the policy before the chosen signal fired; stop ends the run there", async () => {
    expect(overoptimized).not.toBeNull();
    const before = overoptimized!.runs[0]!;
    // The first signal that fired after the first interval in the run above (the same trajectory is replayed).
    const fired = before.onset.scores.filter((x) => x.fireStep !== null && x.fireStep > 0).sort((a, b) => a.fireStep! - b.fireStep!)[0]!;
    expect(fired).toBeDefined();
    const sink = memorySink();
    const kept = await runRlStudy(
      { ...OVEROPTIMIZE, onset: { action: "keep-best", signal: fired.signal } },
      { runtime, seed: 0, sink, cacheDir },
    );
    const run = kept.runs[0]!;
    // Training went on unchanged; the kept checkpoint is the evaluation before the firing one, with gold at it.
    expect(run.curve).toEqual(before.curve);
    expect(run.onset).toMatchObject({ action: "keep-best", signal: fired.signal, firedAt: fired.fireStep, stoppedBy: null });
    const at = before.curve.find((c) => c.step === fired.fireStep! - OVEROPTIMIZE.evaluation.every)!;
    expect(run.best).toMatchObject({ step: at.step, firedAtStep: fired.fireStep, gold: at.gold, goldSe: at.goldSe, kl: at.kl });
    expect(readBestCheckpoint(run.best!.path)).toMatchObject({ step: at.step });
    const stored = sink.runs[0]!;
    expect(stored.checkpoints.find((m) => m.name === "best")).toMatchObject({ kind: "policy", path: run.best!.path, step: at.step });
    expect(stored.metrics.find((m) => m.name === "onset.best_gold")).toMatchObject({ step: at.step, value: at.gold });

    const stopped = await runRlStudy(
      { ...OVEROPTIMIZE, onset: { action: "stop", signal: fired.signal } },
      { runtime, seed: 0, sink: memorySink(), cacheDir },
    );
    const s = stopped.runs[0]!;
    expect(s.curve.map((c) => c.step)).toEqual(before.curve.filter((c) => c.step <= fired.fireStep!).map((c) => c.step));
    expect(s.curve).toEqual(before.curve.slice(0, s.curve.length));
    expect(s.onset).toMatchObject({ action: "stop", stoppedBy: fired.signal, firedAt: fired.fireStep });
    expect(s.onset.stopReason).toBe(`onset signal ${fired.signal} fired at step ${fired.fireStep} (onset.action stop)`);
    expect(s.best).toBeNull();
  }, 300_000);

  it("the same config and seed give the same numbers", async () => {
    const config = {
      ...TEST_SIZE,
      objectives: ["gold"] as RlStudyConfig["objectives"],
      rl: { ...TEST_SIZE.rl, steps: 2 },
      evaluation: { every: 1, prompts: 8, samplesPerPrompt: 1 },
    };
    const a = await runRlStudy(config, { runtime, seed: 0, sink: memorySink(), cacheDir });
    const b = await runRlStudy(config, { runtime, seed: 0, sink: memorySink(), cacheDir });
    expect(b.runs[0]!.curve).toEqual(a.runs[0]!.curve);
  }, 60_000);
});
