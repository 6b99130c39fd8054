import { describe, expect, it } from "vitest";
import { openDatabase } from "../store.ts";

const kl = (n: number) => Math.log(n) - (n - 1) / n;

describe("curve statistics (migration 0060)", () => {
  it("stores and reads back SEs, prompt counts and other KL estimates per point", () => {
    const store = openDatabase(":memory:");
    const run = store.runs.create({ name: "bon", seed: 0 });
    store.curves.append(
      [1, 2, 4].map((n) => ({
        runId: run.id,
        series: "proxy:mean",
        x: n,
        xKind: "n" as const,
        kl: kl(n),
        klEstimator: "analytic-bon",
        proxyScore: n / 10,
        goldScore: n / 20,
        proxySe: n === 1 ? 0 : 0.01 * n,
        goldSe: n === 1 ? 0 : 0.02 * n,
        prompts: 100,
        klEstimates: [{ estimator: "beirami-bon", kl: 0.9 * kl(n), se: 0.001 }],
      })),
    );
    const points = store.curves.points(run.id, "proxy:mean");
    expect(points.map((p) => [p.x, p.proxySe, p.goldSe, p.prompts])).toEqual([
      [1, 0, 0, 100],
      [2, 0.02, 0.04, 100],
      [4, 0.04, 0.08, 100],
    ]);
    expect(points[2]!.klEstimates).toEqual([{ estimator: "beirami-bon", kl: 0.9 * kl(4), se: 0.001 }]);
    const cols = store.curves.readColumns(run.id, "proxy:mean")!;
    expect(Array.from(cols.goldSe)).toEqual([0, 0.04, 0.08]);
    expect(cols.klEstimates.map((e) => e.estimator)).toEqual(["beirami-bon"]);
    // A point re-logged at the same x replaces its statistics too.
    store.curves.append([
      {
        runId: run.id,
        series: "proxy:mean",
        x: 4,
        xKind: "n",
        kl: kl(4),
        klEstimator: "analytic-bon",
        proxyScore: 0,
        goldScore: 0,
        goldSe: 0.5,
      },
    ]);
    expect(store.curves.points(run.id, "proxy:mean")[2]!.goldSe).toBe(0.5);
  });

  it("leaves SEs null for points stored without them, and rejects bad statistics whole", () => {
    const store = openDatabase(":memory:");
    const run = store.runs.create({ name: "r", seed: 0 });
    store.curves.append([{ runId: run.id, series: "g", x: 1, xKind: "step", kl: 0, klEstimator: "k1", proxyScore: null, goldScore: 1 }]);
    expect(store.curves.points(run.id, "g")[0]).toMatchObject({ proxySe: null, goldSe: null, prompts: null, klEstimates: [] });
    const bad = { runId: run.id, series: "g", x: 2, xKind: "step" as const, kl: 0.1, klEstimator: "k1", proxyScore: null, goldScore: 1 };
    expect(() => store.curves.append([{ ...bad, goldSe: -1 }])).toThrow(/curve 'g' of run 1 at x=2: goldSe must be a finite number >= 0/);
    expect(() => store.curves.append([{ ...bad, klEstimates: [{ estimator: "k1", kl: 0.1, se: null }] }])).toThrow(
      /'k1' is the series' own estimator/,
    );
    expect(() => store.curves.append([{ ...bad, prompts: 0 }])).toThrow(/prompts must be a positive integer/);
    expect(store.curves.points(run.id, "g")).toHaveLength(1);
  });
});

describe("fit intervals", () => {
  it("stores bootstrap intervals with a fit and refuses inverted bounds", () => {
    const store = openDatabase(":memory:");
    const run = store.runs.create({ name: "r", seed: 0 });
    const intervals = { peakD: { low: 0.8, high: 1.3, level: 0.95, replicates: 1000, resampled: "prompts" } };
    const fit = store.fits.create({
      runId: run.id,
      series: "proxy:mean",
      target: "gold",
      form: "bon",
      coefficients: { a: 1, b: 0.5, peakD: 1 },
      nPoints: 7,
      intervals,
    });
    expect(store.fits.forRun(run.id)[0]!.intervals).toEqual(intervals);
    expect(fit.intervals).toEqual(intervals);
    expect(
      store.fits.create({ runId: run.id, series: "x", target: "gold", form: "bon", coefficients: {}, nPoints: 3 }).intervals,
    ).toBeNull();
    expect(() =>
      store.fits.create({
        runId: run.id,
        series: "y",
        target: "gold",
        form: "bon",
        coefficients: {},
        nPoints: 3,
        intervals: { a: { ...intervals.peakD, low: 2 } },
      }),
    ).toThrow(/fit of 'y' \(run 1\), interval 'a': bounds must be finite with low <= high/);
  });
});

describe("sample sets", () => {
  function storeWithSet() {
    const store = openDatabase(":memory:");
    const run = store.runs.create({ name: "bon", seed: 0 });
    // Two prompts, pools of 4; series proxy:mean and proxy:wco, then 2 members.
    const pool = (p: number) => ({
      prompt: `prompt ${p}`,
      completions: [0, 1, 2, 3].map((i) => `p${p} completion ${i}`),
      gold: [0, 1, 2, 3].map((i) => (p === 0 ? i : 3 - i)),
      logProb: [-1, -2, -3, -4],
      // row i: mean = i, wco = -i, members i and 2i
      scores: Float64Array.from([0, 1, 2, 3].flatMap((i) => [i, -i, i, 2 * i])),
    });
    const set = store.samples.create({
      runId: run.id,
      name: "bon-pool",
      series: ["proxy:mean", "proxy:wco"],
      members: 2,
      poolSize: 4,
      pools: [pool(0), pool(1)],
    });
    return { store, run, set };
  }

  it("stores pools whole and reads them back in order", () => {
    const { store, run, set } = storeWithSet();
    expect(store.samples.forRun(run.id)).toEqual([set]);
    expect(set).toMatchObject({ series: ["proxy:mean", "proxy:wco"], members: 2, poolSize: 4, prompts: 2 });
    const rows = store.samples.samples(set.id);
    expect(rows).toHaveLength(8);
    expect(rows[5]).toMatchObject({ promptIndex: 1, sampleIndex: 1, completion: "p1 completion 1", gold: 2, logProb: -2 });
    expect(Array.from(rows[5]!.scores)).toEqual([1, -1, 1, 2]);
  });

  it("picks each prompt's best-of-n completion under a series and sorts by proxy - gold", () => {
    const { store, set } = storeWithSet();
    const picks = store.samples.picks(set.id, { n: 4, series: "proxy:mean" });
    // The mean picks sample 3 in both pools; gold 3 (prompt 0) and 0 (prompt 1).
    expect(picks.map((p) => [p.promptIndex, p.sampleIndex, p.gold])).toEqual([
      [0, 3, 3],
      [1, 3, 0],
    ]);
    expect(picks[1]).toMatchObject({ proxy: 3, proxyGain: 1.5, goldGain: -1.5, members: [3, 6], logProb: -4 });
    const sorted = store.samples.picks(set.id, { n: 4, series: "proxy:mean", sort: "proxy-gold" });
    expect(sorted.map((p) => p.promptIndex)).toEqual([1, 0]);
    // n = 2 draws the first two samples only; WCO prefers the lower index there.
    expect(store.samples.picks(set.id, { n: 2, series: "proxy:wco" }).map((p) => p.sampleIndex)).toEqual([0, 0]);
    expect(store.samples.picks(set.id, { n: 1, series: "proxy:mean" }).map((p) => p.sampleIndex)).toEqual([0, 0]);
    expect(() => store.samples.picks(set.id, { n: 5, series: "proxy:mean" })).toThrow(/n must be an integer in \[1, 4\]/);
    expect(() => store.samples.picks(set.id, { n: 2, series: "member:0" })).toThrow(
      /has no series 'member:0'; it has proxy:mean, proxy:wco/,
    );
  });

  it("rejects a malformed set naming the pool and sample, storing nothing", () => {
    const store = openDatabase(":memory:");
    const run = store.runs.create({ name: "r", seed: 0 });
    const good = { prompt: "p", completions: ["a", "b"], gold: [0, 1], logProb: null, scores: [0, 1] };
    const base = { runId: run.id, name: "s", series: ["proxy:mean"], members: 0, poolSize: 2 };
    expect(() => store.samples.create({ ...base, pools: [good, { ...good, completions: ["a"] }] })).toThrow(
      /sample set 's' of run 1, pool 1: 1 completions, expected poolSize 2/,
    );
    expect(() => store.samples.create({ ...base, pools: [{ ...good, scores: [0, Number.NaN] }] })).toThrow(
      /pool 0, sample 1: score 0 is NaN/,
    );
    expect(store.samples.forRun(run.id)).toEqual([]);
    store.samples.create({ ...base, pools: [good] });
    expect(() => store.samples.create({ ...base, pools: [good] })).toThrow(/UNIQUE/);
  });
});
