import { describe, expect, it } from "vitest";
import { Rng } from "@goodhart/engine";
import { fitOveroptimization } from "../fits.ts";
import { bestOfNPromptValues, type BonPromptValues } from "./estimator.ts";
import { klBestOfN } from "./kl.ts";
import { averageSeries, bonDifferenceInterval, bonSeriesIntervals } from "./statistics.ts";

const ns = [1, 2, 4, 8, 16, 32];

/** Per-prompt values whose gold gain follows d (a - b d) plus per-prompt noise. */
function synthetic(rng: Rng, prompts: number, a = 1, b = 0.5, noise = 0.2): BonPromptValues {
  const d = ns.map((n) => Math.sqrt(klBestOfN(n)));
  const rows = (f: (dk: number) => number) =>
    d.map((dk) => Float64Array.from({ length: prompts }, () => (dk === 0 ? 0 : f(dk) + rng.normal(0, noise))));
  const goldGain = rows((dk) => dk * (a - b * dk));
  const proxyGain = rows((dk) => 2 * dk);
  return { ns, gold: goldGain, proxy: proxyGain, goldGain, proxyGain, kl: null };
}

describe("bonSeriesIntervals", () => {
  it("centres on the statistics of the data and brackets them, deterministically", () => {
    const v = synthetic(new Rng(1), 50);
    const ci = bonSeriesIntervals([v], { replicates: 300, seed: 5 });
    const mean = v.goldGain.map((row) => row.reduce((s, x) => s + x, 0) / row.length);
    expect(ci.goldAtMaxN.estimate).toBeCloseTo(mean[mean.length - 1]!, 12);
    expect(ci.observedPeak.estimate).toBeCloseTo(Math.max(...mean), 12);
    for (const k of ["a", "b", "peakD", "goldAtMaxN", "observedPeak"] as const) {
      expect(ci[k].low).toBeLessThanOrEqual(ci[k].estimate);
      expect(ci[k].high).toBeGreaterThanOrEqual(ci[k].estimate);
    }
    // The true peak d* = a / (2b) = 1 lies inside for this well-sampled curve.
    expect(ci.peakD.low).toBeLessThan(1);
    expect(ci.peakD.high).toBeGreaterThan(1);
    expect(bonSeriesIntervals([v], { replicates: 300, seed: 5 })).toEqual(ci);
    // The unweighted fit of the mean is close to the weighted one the intervals centre on.
    const f = fitOveroptimization(
      "bon",
      ns.map((n) => Math.sqrt(klBestOfN(n))),
      mean,
    );
    expect(ci.a.estimate).toBeCloseTo(f.a, 1);
  });
  it("widens when seeds disagree (seeds are resampled)", () => {
    const rng = new Rng(2);
    const agree = [synthetic(rng, 40, 1), synthetic(rng, 40, 1), synthetic(rng, 40, 1)];
    const disagree = [synthetic(rng, 40, 0.5), synthetic(rng, 40, 1), synthetic(rng, 40, 1.5)];
    const w = (s: BonPromptValues[]) => {
      const ci = bonSeriesIntervals(s, { replicates: 300 }).goldAtMaxN;
      return ci.high - ci.low;
    };
    expect(w(disagree)).toBeGreaterThan(2 * w(agree));
  });
  it("names misaligned seeds", () => {
    const rng = new Rng(3);
    expect(() => bonSeriesIntervals([synthetic(rng, 10), synthetic(rng, 12)])).toThrow(/seed 1 has 12 prompts, seed 0 has 10/);
  });
});

describe("bonDifferenceInterval", () => {
  it("is paired by prompt: a constant per-prompt difference gives a zero-width interval despite noisy curves", () => {
    const b = synthetic(new Rng(4), 30, 1, 0.5, 1.0);
    const shift = (v: BonPromptValues, c: number): BonPromptValues => ({ ...v, goldGain: v.goldGain.map((row) => row.map((x) => x + c)) });
    const ci = bonDifferenceInterval([shift(b, 0.25)], [b], { replicates: 200 });
    expect(ci.estimate).toBeCloseTo(0.25, 12);
    expect(ci.low).toBeCloseTo(0.25, 12);
    expect(ci.high).toBeCloseTo(0.25, 12);
    expect(() => bonDifferenceInterval([b], [b], { n: 3 })).toThrow(/n = 3 is not among/);
  });
});

describe("averageSeries", () => {
  it("averages per prompt, including the KL estimates", () => {
    const pools = [{ proxy: [1, 2, 3, 4], gold: [4, 3, 2, 1], logProb: [-1, -2, -3, -4].map((x) => x * 3) }];
    const a = bestOfNPromptValues(pools, [1, 2, 4]);
    const b = bestOfNPromptValues([{ ...pools[0]!, proxy: [4, 3, 2, 1] }], [1, 2, 4]);
    const m = averageSeries([a, b]);
    expect(m.goldGain[2]![0]).toBeCloseTo((a.goldGain[2]![0]! + b.goldGain[2]![0]!) / 2, 12);
    expect(m.kl![2]![0]).toBeCloseTo((a.kl![2]![0]! + b.kl![2]![0]!) / 2, 12);
  });
});
