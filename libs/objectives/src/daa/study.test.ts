// The direct alignment study at test size on the built-in task, end to end with real ONNX Runtime
// training: larger beta keeps KL smaller; RPO's chosen log-prob stays above DPO's; every checkpoint is
// reported with its standard errors and both KL estimators; a stopped run resumes from its checkpoint.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createRuntime, type Runtime } from "@goodhart/engine";
import { memorySink } from "../experiments/sink.ts";
import { kindRegistry } from "../kinds/registry.ts";
import { planDaaStudy, runDaaStudy, type DaaStudyResult } from "./study.ts";
import type { DaaStudyConfig } from "../kinds/daa/schema.ts";

const TEST_STUDY = {
  name: "daa-test",
  task: { kind: "builtin", seed: 0, prompts: { train: 200, validation: 48, test: 24 } },
  basePolicy: { preset: "builtin-tiny", layers: 1, dModel: 32, heads: 2, pretrainSteps: 200 },
  losses: ["dpo", "rpo"],
  betas: [0.03, 1],
  rpoEtas: [0.5],
  labels: { pairs: 192, noise: 0 },
  training: { epochs: 1, batchSize: 32, lr: 1e-2, finetune: "lora", loraRank: 4 },
  evaluation: { prompts: 24, samplesPerPrompt: 2, heldOutPairs: 48, epochOneFractions: [0.2, 0.4, 0.6, 0.8] },
  seeds: [1],
};

describe("direct alignment study at test size", () => {
  let runtime: Runtime;
  let cacheDir: string;
  let sink: ReturnType<typeof memorySink>;
  let result: DaaStudyResult;
  let openAfterStudy: number;
  beforeAll(async () => {
    runtime = await createRuntime({ device: "cpu", threads: 2 });
    cacheDir = mkdtempSync(join(tmpdir(), "daa-study-"));
    sink = memorySink();
    result = await runDaaStudy(TEST_STUDY, { runtime, seed: 7, sink, cacheDir }, { bootstrapReplicates: 200 });
    openAfterStudy = runtime.openSessions;
  }, 120_000);
  afterAll(async () => {
    await runtime?.release();
    rmSync(cacheDir, { recursive: true, force: true });
  });

  const run = (series: string) => result.runs.find((r) => r.series === series)!;

  it("is a registered kind whose presets validate", () => {
    expect(kindRegistry.presetConfig("daa-scaling").kind).toBe("daa");
    expect(kindRegistry.presetConfig("rpo-vs-dpo").config).toMatchObject({ losses: ["dpo", "rpo"], rpoEtas: [0.005, 0.5] });
    expect(() => kindRegistry.parse("daa", { betas: [0] })).toThrow(/betas\[0\]/);
    expect(() => kindRegistry.parse("daa", { evaluation: { epochOneFractions: [0.5] } })).toThrow(
      /evaluation.epochOneFractions: expected at least 4 checkpoints/,
    );
  });

  it("runs on a runtime of its own (CPU arena off) and leaves no session open on the job's", () => {
    expect(runtime.cpuMemArena).toBe(true);
    expect(openAfterStudy).toBe(0);
  });

  it("evaluates at step 0, at >= 4 checkpoints inside epoch 1 and at its end, each with SEs over prompts", () => {
    for (const r of result.runs) {
      expect(r.evaluations.map((e) => e.epochFraction)).toEqual([0, 1 / 6, 2 / 6, 4 / 6, 5 / 6, 1]); // 6 steps per epoch
      for (const e of r.evaluations) {
        for (const s of [e.kl, e.klK3, e.winRate, e.goldGain, e.chosenLogp, e.rejectedLogp, e.implicitAccuracy]) {
          expect(Number.isFinite(s.mean)).toBe(true);
          expect(s.se).toBeGreaterThanOrEqual(0);
        }
        expect(e.kl.n).toBe(24);
      }
      // Step 0 is the reference itself, sampled with the reference samples' seeds: KL 0 to float
      // precision (exact and k3), the very same samples (win rate 1/2 by ties, gain 0), h = 0 (ties).
      const start = r.evaluations[0]!;
      expect(start.kl.mean).toBeLessThan(1e-4);
      expect(start.klK3.mean).toBeLessThan(1e-4);
      expect(start.winRate).toMatchObject({ mean: 0.5, se: 0 });
      expect(start.goldGain).toMatchObject({ mean: 0, se: 0 });
      expect(start.implicitAccuracy.mean).toBe(0.5);
    }
  });

  it("stores curve points with the exact KL and the k3 estimate under their own names", () => {
    const recorded = sink.runs.find((r) => r.name === "dpo:beta=0.03")!;
    // Each grid point is its own run (planDaaStudy): its metrics are its own, under plain names.
    expect(recorded.metrics.filter((m) => m.name === "eval.win_rate").map((m) => m.step)).toEqual([0, 1, 2, 4, 5, 6]);
    const points = recorded.curves;
    expect(points).toHaveLength(6);
    for (const p of points) {
      expect(p).toMatchObject({ xKind: "step", klEstimator: "exact-token", klPrompts: "test:24x2", prompts: 24 });
      expect(p.klEstimates![0]!.estimator).toBe("k3");
      expect(Number.isFinite(p.goldSe)).toBe(true);
    }
  });

  it("larger beta keeps KL smaller (DPO and RPO)", () => {
    expect(run("dpo:beta=0.03").final.kl.mean).toBeGreaterThan(run("dpo:beta=1").final.kl.mean);
    expect(run("rpo(eta=0.5):beta=0.03").final.kl.mean).toBeGreaterThan(run("rpo(eta=0.5):beta=1").final.kl.mean);
    // Not by noise: the small-beta KL is several of its SEs above the large-beta one.
    const small = run("dpo:beta=0.03").final.kl;
    const large = run("dpo:beta=1").final.kl;
    expect(small.mean - large.mean).toBeGreaterThan(3 * Math.hypot(small.se, large.se));
  });

  it("RPO's held-out chosen log-prob stays above DPO's at the same beta", () => {
    const dpo = run("dpo:beta=0.03").final.chosenLogp;
    const rpo = run("rpo(eta=0.5):beta=0.03").final.chosenLogp;
    expect(rpo.mean).toBeGreaterThan(dpo.mean);
    expect(result.findings.rpo_minus_dpo_chosen_logp!.estimate).toBeGreaterThan(0);
  });

  it("a grid point executed alone (its planned config) is the same run: it resumes from the study's checkpoint", async () => {
    const point = planDaaStudy(kindRegistry.parse("daa", TEST_STUDY) as unknown as DaaStudyConfig).find((p) =>
      p.key.includes("dpo:beta=1/"),
    )!;
    const aloneSink = memorySink();
    const alone = await runDaaStudy(point.config, { runtime, seed: 7, sink: aloneSink, cacheDir }, { bootstrapReplicates: 50 });
    expect(alone.runs.map((r) => r.id)).toEqual([point.key]);
    expect(alone.runs[0]!.resumedFrom).toBe(6); // the study's final checkpoint: nothing to train again
    expect(alone.runs[0]!.evaluations).toEqual(run("dpo:beta=1").evaluations);
    expect(aloneSink.runs.find((r) => r.id === point.key)!.curves).toHaveLength(6);
  }, 120_000);

  it("fits d (a - b ln d) per loss to win rate and gold with bootstrap intervals, and reports the findings", () => {
    expect(result.fits.map((f) => `${f.loss}/${f.target}`).sort()).toEqual([
      "dpo/gold",
      "dpo/win-rate",
      "rpo(eta=0.5)/gold",
      "rpo(eta=0.5)/win-rate",
    ]);
    for (const f of result.fits) {
      expect(f.points).toBe(10); // 5 checkpoints after step 0 x 2 betas
      expect(f.intervals!.a.low).toBeLessThanOrEqual(f.intervals!.a.high);
    }
    const drop = result.findings.daa_winrate_drop_epoch1!;
    expect(drop.estimate).toBeGreaterThanOrEqual(0);
    expect(drop.low).toBeLessThanOrEqual(drop.high);
    expect(result.pairsPerSecond).toBeGreaterThan(0);
  });
});
