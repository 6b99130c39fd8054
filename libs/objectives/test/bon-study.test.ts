// The best-of-n study end to end on the built-in task at test size: a real pretrained transformer
// policy, real transformer proxies trained by the engine on gold-labelled comparisons, pools
// scored by every proxy and by gold.
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createRuntime, type Runtime } from "@goodhart/engine";
import { DEFAULT_BON_STUDY, type BonStudyConfig } from "../src/config/bon-study.ts";
import { klBestOfN } from "../src/bon/kl.ts";
import { runBonStudy, type BonStudyResult } from "../src/experiments/bon-study.ts";
import { memorySink } from "../src/experiments/sink.ts";
import { experiments } from "../src/experiments/registry.ts";
import { analyseBonStudy } from "../src/experiments/bon-analysis.ts";

const cacheDir = mkdtempSync(path.join(os.tmpdir(), "goodhart-bon-study-"));
let runtime: Runtime;

const TEST_STUDY: BonStudyConfig = {
  ...DEFAULT_BON_STUDY,
  name: "test-study",
  // 300 validation prompts: the accuracy comparison below needs a standard error well under the
  // few points separating 100 from 1,200 comparisons (with 50 it was ~0.07 per run).
  task: { kind: "builtin", seed: 0, prompts: { train: 1000, validation: 300, test: 60 } },
  basePolicy: { preset: "builtin-tiny", layers: 1, dModel: 32, heads: 2, pretrainSteps: 200 },
  proxySizes: [{ name: "tiny", layers: 1, dModel: 16, heads: 2 }],
  trainingSizes: [100, 1200],
  labelNoise: [0],
  ensemble: { size: 1, aggregations: [{ kind: "mean" }] },
  bon: { poolSize: 64, ns: "default", evalPrompts: 20 },
  seeds: [1, 2],
};
const OPTIONS = { rmTraining: { epochs: 2, batchSize: 64, lr: 5e-3 }, validationPrompts: 300, saveMembers: false };

let result: BonStudyResult;
let sink: ReturnType<typeof memorySink>;

beforeAll(async () => {
  runtime = await createRuntime({ device: "cpu", threads: 2 });
  sink = memorySink();
  result = await runBonStudy(TEST_STUDY, { runtime, seed: 0, sink, cacheDir }, OPTIONS);
}, 300_000);

afterAll(async () => {
  await runtime?.release();
  rmSync(cacheDir, { recursive: true, force: true });
});

describe("best-of-n study on the built-in task (test size)", () => {
  it("runs every grid point and stores curve points with the analytic BoN KL", () => {
    expect(result.runs.map((r) => [r.trainingSize, r.seed])).toEqual([
      [100, 1],
      [100, 2],
      [1200, 1],
      [1200, 2],
    ]);
    expect(sink.runs.every((r) => r.status === "done")).toBe(true);
    for (const run of sink.runs) {
      const ns = run.curves.map((p) => p.x);
      expect(ns).toEqual([1, 2, 4, 8, 16, 32, 64]);
      for (const p of run.curves) {
        expect(p.series).toBe("proxy:mean");
        expect(p.xKind).toBe("n");
        expect(p.klEstimator).toBe("analytic-bon");
        expect(p.kl).toBeCloseTo(klBestOfN(p.x), 12);
        expect(p.proxyScores).toHaveLength(1);
      }
      // Recentred: the base policy (n = 1) scores 0 on gold and proxy.
      expect(run.curves[0]!.goldScore).toBeCloseTo(0, 12);
      expect(run.curves[0]!.proxyScore).toBeCloseTo(0, 12);
      expect(run.labelSets).toHaveLength(1);
      expect(run.fits.length).toBeLessThanOrEqual(1);
      expect(run.metrics.some((m) => m.name === "member.0.val_accuracy")).toBe(true);
    }
  });

  it("gives every curve point its standard errors over prompts and the Beirami KL estimate next to the analytic bound", () => {
    for (const run of sink.runs) {
      for (const p of run.curves) {
        expect(p.prompts).toBe(20);
        if (p.x === 1) continue;
        expect(p.goldSe).toBeGreaterThan(0);
        expect(p.proxySe).toBeGreaterThan(0);
        const est = p.klEstimates!.find((e) => e.estimator === "beirami-bon")!;
        expect(est.kl).toBeGreaterThan(0);
        expect(est.kl).toBeLessThanOrEqual(p.kl + 1e-9);
        expect(est.se).toBeGreaterThanOrEqual(0);
      }
    }
  });

  it("stores fits with bootstrap intervals of the coefficients and the peaks", () => {
    const fits = sink.runs.flatMap((r) => r.fits);
    expect(fits.length).toBeGreaterThan(0);
    for (const f of fits) {
      const ci = f.intervals!;
      for (const k of ["a", "b", "goldAtMaxN", "observedPeak"]) {
        expect(ci[k]!.low).toBeLessThanOrEqual(ci[k]!.high);
        expect(ci[k]!.resampled).toBe("prompts");
      }
      expect(ci.a!.low).toBeLessThanOrEqual(f.coefficients.a!);
      expect(ci.a!.high).toBeGreaterThanOrEqual(f.coefficients.a!);
    }
  });

  it("keeps the samples behind every curve: each pool's completions with gold, log-probability and proxy scores", () => {
    for (const run of sink.runs) {
      expect(run.sampleSets).toHaveLength(1);
      const set = run.sampleSets[0]!;
      expect(set.series).toEqual(["proxy:mean"]);
      expect(set.pools).toHaveLength(20);
      for (const pool of set.pools) {
        expect(pool.completions).toHaveLength(64);
        expect(pool.scores).toHaveLength(64 * 2);
        expect(Array.from(pool.logProb!).every((x) => x < 0 && Number.isFinite(x))).toBe(true);
      }
    }
  });

  it("aggregates seeds per cell with bootstrap intervals over prompts and seeds", () => {
    const analysis = analyseBonStudy(result, { replicates: 200 });
    expect(analysis.cells.map((c) => [c.trainingSize, c.seeds])).toEqual([
      [100, [1, 2]],
      [1200, [1, 2]],
    ]);
    for (const cell of analysis.cells) {
      expect(cell.series.map((s) => s.series)).toEqual(["proxy:mean", "single"]);
      const s = cell.series[0]!;
      expect(s.gold.seeds).toBe(2);
      expect(s.gold.x).toHaveLength(7);
      expect(s.gold.se.slice(1).every((e) => e >= 0)).toBe(true);
      expect(s.intervals.goldAtMaxN.low).toBeLessThanOrEqual(s.intervals.goldAtMaxN.high);
      expect(s.goldByEstimatedKl!.x.length).toBeGreaterThan(1);
      expect(cell.differences).toEqual([]);
    }
  });

  it("proxy score increases monotonically in n", () => {
    for (const run of result.runs) {
      const proxy = run.series[0]!.curve.map((p) => p.proxyGain);
      for (let i = 1; i < proxy.length; i++) expect(proxy[i]!).toBeGreaterThan(proxy[i - 1]!);
    }
  });

  it("the gap proxy - gold grows with n", () => {
    for (const run of result.runs) {
      const gap = run.series[0]!.curve.map((p) => p.proxyGain - p.goldGain);
      for (let i = 1; i < gap.length; i++) expect(gap[i]!).toBeGreaterThan(gap[i - 1]!);
    }
  });

  it("proxies trained on more comparisons reach higher gold at the largest n (mean over seeds)", () => {
    const goldAtMax = (size: number) => {
      const runs = result.runs.filter((r) => r.trainingSize === size);
      return runs.reduce((s, r) => s + r.series[0]!.goldAtMaxN, 0) / runs.length;
    };
    expect(goldAtMax(1200)).toBeGreaterThan(goldAtMax(100));
    const acc = (size: number) =>
      result.runs.filter((r) => r.trainingSize === size).reduce((s, r) => s + r.members[0]!.validationAccuracy, 0) / 2;
    expect(acc(1200)).toBeGreaterThan(acc(100));
  });

  it("reports progress with phases and an ETA, ending at fraction 1", () => {
    const phases = new Set(sink.progressLog.map((p) => p.phase.split(":")[0]));
    expect([...phases]).toEqual(expect.arrayContaining(["pretrain", "sampling", "rm-training", "scoring"]));
    expect(sink.progressLog.some((p) => p.etaS !== null)).toBe(true);
    expect(sink.progressLog[sink.progressLog.length - 1]!.fraction).toBeCloseTo(1, 6);
  });

  it("is reproducible: the same config and seed give identical curves, with the policy from the cache", async () => {
    const tiny: BonStudyConfig = { ...TEST_STUDY, trainingSizes: [100], seeds: [3], bon: { poolSize: 8, ns: "default", evalPrompts: 4 } };
    const a = memorySink();
    const b = memorySink();
    const ra = await runBonStudy(tiny, { runtime, seed: 7, sink: a, cacheDir }, OPTIONS);
    const rb = (await experiments["bon-study"]!(tiny, { runtime, seed: 7, sink: b, cacheDir })) as BonStudyResult;
    expect(ra.basePolicy.cached).toBe(true);
    expect(rb.basePolicy.hash).toBe(ra.basePolicy.hash);
    expect(a.runs[0]!.curves.length).toBeGreaterThan(0);
    // The registry's default options differ only in RM training, so compare two direct runs too.
    const c = memorySink();
    await runBonStudy(tiny, { runtime, seed: 7, sink: c, cacheDir }, OPTIONS);
    expect(c.runs[0]!.curves).toEqual(a.runs[0]!.curves);
    expect(c.runs[0]!.fits).toEqual(a.runs[0]!.fits);
    expect(b.runs[0]!.status).toBe("done");
  }, 120_000);

  it("sweeps a grid over other fields: one group of runs per grid point, each with its own pools", async () => {
    const tiny: BonStudyConfig = { ...TEST_STUDY, trainingSizes: [100], seeds: [3], bon: { poolSize: 8, ns: "default", evalPrompts: 4 } };
    const s = memorySink();
    const r = await runBonStudy({ study: tiny, grid: { "bon.poolSize": [4, 8] } }, { runtime, seed: 7, sink: s, cacheDir }, OPTIONS);
    expect(r.groups.map((g) => g.overrides)).toEqual([{ "bon.poolSize": 4 }, { "bon.poolSize": 8 }]);
    expect(r.runs.map((x) => x.series[0]!.maxN)).toEqual([4, 8]);
    expect(new Set(s.runs.map((x) => x.id)).size).toBe(2);
    expect(s.runs[0]!.curves[0]!.klPrompts).toBe("test:4x4");
    await expect(runBonStudy({ study: tiny, grid: { "bon.poolSize": [0] } }, { runtime, seed: 7, sink: s, cacheDir })).rejects.toThrow(
      /bon.poolSize.*sweep point/,
    );
  }, 120_000);

  it("stops at the next step when cancelled, marking the current run cancelled", async () => {
    const tiny: BonStudyConfig = {
      ...TEST_STUDY,
      trainingSizes: [100],
      seeds: [3, 4],
      bon: { poolSize: 8, ns: "default", evalPrompts: 4 },
    };
    const controller = new AbortController();
    const s = memorySink();
    const watching = {
      ...s,
      progress: (p: Parameters<typeof s.progress>[0]) => (p.phase.startsWith("rm-training") ? controller.abort() : s.progress(p)),
    };
    await expect(runBonStudy(tiny, { runtime, seed: 7, sink: watching, signal: controller.signal, cacheDir }, OPTIONS)).rejects.toThrow(
      /abort/i,
    );
    // Progress is throttled, so the abort may land in the first or the second run; the run it
    // lands in is cancelled and nothing after it starts.
    const statuses = s.runs.map((r) => r.status);
    expect(statuses[statuses.length - 1]).toBe("cancelled");
    expect(statuses.slice(0, -1).every((x) => x === "done")).toBe(true);
    expect(statuses.length).toBeLessThanOrEqual(2);
  }, 120_000);

  it("starts proxies from a pretrained trunk by default; proxy.init scratch draws random weights and scores differently", async () => {
    const tiny: BonStudyConfig = { ...TEST_STUDY, trainingSizes: [100], seeds: [3], bon: { poolSize: 8, ns: "default", evalPrompts: 4 } };
    const pre = memorySink();
    const scratch = memorySink();
    await runBonStudy(tiny, { runtime, seed: 7, sink: pre, cacheDir }, OPTIONS);
    await runBonStudy({ ...tiny, proxy: { init: "scratch" } }, { runtime, seed: 7, sink: scratch, cacheDir }, OPTIONS);
    expect(pre.logs.some((l) => /tiny proxy trunk loaded from/.test(l))).toBe(true);
    expect(scratch.logs.some((l) => /proxy trunk/.test(l))).toBe(false);
    expect(scratch.runs[0]!.curves).not.toEqual(pre.runs[0]!.curves);
    // The init is part of the stored run config, and a scratch run is a different run.
    expect(pre.runs[0]!.config.proxyInit).toBe("pretrained");
    expect(scratch.runs[0]!.config.proxyInit).toBe("scratch");
    expect(scratch.runs[0]!.id).not.toBe(pre.runs[0]!.id);
  }, 120_000);

  it("rejects an invalid config with the field named, before doing any work", async () => {
    const s = memorySink();
    await expect(runBonStudy({ ...TEST_STUDY, labelNoise: [0.7] }, { runtime, seed: 0, sink: s, cacheDir })).rejects.toThrow(
      /labelNoise\[0\]/,
    );
    expect(s.runs).toHaveLength(0);
  });
});
