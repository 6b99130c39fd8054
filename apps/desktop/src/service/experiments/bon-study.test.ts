// The best-of-n study run by the application: in a worker thread, persisted by the service's
// single writer on a real SQLite file. A tiny study (seconds of CPU) stands in for a real one.
import { describe, expect, it } from "vitest";
import { LabValidationError } from "../../shared/errors.ts";
import { tempLabs } from "../testing/temp-labs.ts";
import { waitForStatus } from "../testing/wait-for.ts";

const TINY_STUDY = {
  name: "svc-tiny",
  task: { kind: "builtin", seed: 0, prompts: { train: 120, validation: 20, test: 8 } },
  basePolicy: { preset: "builtin-tiny", layers: 1, dModel: 32, heads: 2, pretrainSteps: 30 },
  proxySizes: [{ name: "tiny", layers: 1, dModel: 16, heads: 2 }],
  trainingSizes: [100],
  labelNoise: [0.25],
  ensemble: { size: 2, aggregations: ["mean", "wco"] },
  bon: { poolSize: 8, ns: "default", evalPrompts: 4 },
  seeds: [1],
};

const open = tempLabs("bon-svc");

describe("bon-study in the application", () => {
  it("is listed with its parameters, and a bad config is refused naming the field", async () => {
    const { service } = open();
    const kind = (await service.experiments.kinds()).find((k) => k.kind === "bon-study");
    expect(kind?.diagnostic).toBe(false);
    expect(kind?.defaultConfig).toMatchObject({ name: "quick-demo" });
    expect(kind?.parameters.map((p) => p.path)).toContain("bon.poolSize");
    await expect(
      service.experiments.create({ name: "bad", kind: "bon-study", config: { ...TINY_STUDY, labelNoise: [0.7] } }),
    ).rejects.toThrow(LabValidationError);
    await expect(
      service.experiments.create({ name: "bad", kind: "bon-study", config: { ...TINY_STUDY, labelNoise: [0.7] } }),
    ).rejects.toThrow(/labelNoise/);
  });

  it("runs in a worker and stores analytic-KL curves per member and aggregation, with fits", async () => {
    const { store, service } = open();
    const experiment = await service.experiments.create({ name: "tiny", kind: "bon-study", config: TINY_STUDY });
    const run = await service.runs.start({ experimentId: experiment.id, seed: 3 });
    await waitForStatus(service, run.id, ["done", "failed"], 170_000);
    const done = await service.runs.get({ id: run.id });
    expect(done.error).toBeNull();
    expect(done.status).toBe("done");

    const points = await service.curves.get({ runId: run.id });
    const series = new Set(points.map((p) => p.series));
    for (const s of ["member:0", "member:1", "proxy:mean", "proxy:wco"]) expect(series).toContain(s);
    const mean = points.filter((p) => p.series === "proxy:mean").sort((a, b) => a.x - b.x);
    expect(mean.map((p) => p.x)).toEqual([1, 2, 4, 8]);
    for (const p of mean) {
      expect(p.klEstimator).toBe("analytic-bon");
      expect(p.kl).toBeCloseTo(Math.log(p.x) - (p.x - 1) / p.x, 12);
    }
    // Gold is recentred so the base policy (n = 1) scores 0.
    expect(mean[0]!.goldScore).toBeCloseTo(0, 9);
    expect(store.fits.forRun(run.id).length).toBeGreaterThan(0);

    // Every point carries its SE over the 4 prompts and the Beirami estimate of the actual KL.
    for (const p of mean.slice(1)) {
      expect(p.prompts).toBe(4);
      expect(p.goldSe).toBeGreaterThan(0);
      expect(p.klEstimates!.find((e) => e.estimator === "beirami-bon")!.kl).toBeLessThanOrEqual(p.kl + 1e-9);
    }
    // Stored fits come with bootstrap intervals of their coefficients and peaks.
    const fits = await service.runs.fits({ runId: run.id });
    const meanFit = fits.find((f) => f.series === "proxy:mean")!;
    expect(meanFit.intervals!.goldAtMaxN!.low).toBeLessThanOrEqual(meanFit.intervals!.goldAtMaxN!.high);
    expect(meanFit.intervals!.a!.resampled).toBe("prompts");

    // The samples behind the curves: per prompt, the completion best-of-8 picks, sorted by proxy - gold.
    const samples = await service.runs.samples({ runId: run.id });
    expect(samples.sets).toEqual([
      { name: "bon-pool", series: ["proxy:mean", "proxy:wco", "member:0", "member:1"], members: 2, poolSize: 8, prompts: 4 },
    ]);
    expect(samples).toMatchObject({ set: "bon-pool", series: "proxy:mean", n: 8 });
    expect(samples.picks).toHaveLength(4);
    const gaps = samples.picks.map((p) => p.proxyGain - p.goldGain);
    expect(gaps).toEqual([...gaps].sort((a, b) => b - a));
    expect(samples.picks[0]!.completion.length).toBeGreaterThan(0);
    expect(samples.picks[0]!.members).toHaveLength(2);
    const wco2 = await service.runs.samples({ runId: run.id, series: "proxy:wco", n: 2, sort: "prompt" });
    expect(wco2.picks.map((p) => p.promptIndex)).toEqual([0, 1, 2, 3]);
    expect(wco2.picks.every((p) => p.sampleIndex < 2)).toBe(true);
    await expect(service.runs.samples({ runId: run.id, n: 9 })).rejects.toThrow(/n must be an integer in \[1, 8\]/);

    // The run's stored result holds the analysis (intervals) the summary table prints.
    const stored = (await service.runs.result({ runId: run.id })) as { analysis?: { cells: unknown[] } } | null;
    expect(stored?.analysis?.cells.length).toBe(1);
  }, 180_000);
});
