import { describe, expect, it } from "vitest";
import { Rng } from "@goodhart/engine";
import { fitOveroptimization } from "../fits.ts";
import { meanAndSe, quantileSorted } from "./describe.ts";
import { averageSeeds, interpolate, sharedGrid } from "./seed-grid.ts";
import { aboveZero, bootstrap, bootstrapMany, excludesZero, resampledMean, type Resample } from "./bootstrap.ts";

describe("meanAndSe and quantiles", () => {
  it("gives the sample mean and sd/sqrt(n)", () => {
    const s = meanAndSe([1, 2, 3, 4]);
    expect(s.mean).toBe(2.5);
    expect(s.se).toBeCloseTo(Math.sqrt(5 / 3) / 2, 12);
    expect(meanAndSe([7]).se).toBeNaN();
  });
  it("interpolates quantiles like numpy", () => {
    expect(quantileSorted([1, 2, 3, 4, 5], 0.5)).toBe(3);
    expect(quantileSorted([1, 2, 3, 4], 0.25)).toBeCloseTo(1.75, 12);
    expect(() => quantileSorted([1], 2)).toThrow(/q must be in/);
  });
});

describe("seeds on a shared grid", () => {
  it("interpolates linearly and refuses to extrapolate", () => {
    expect(interpolate([0, 1, 2], [0, 10, 0], 0.5)).toBe(5);
    expect(interpolate([0, 1, 2], [0, 10, 0], 2)).toBe(0);
    expect(() => interpolate([0, 1], [0, 1], 1.5)).toThrow(/outside the curve's range/);
  });
  it("averages curves whose x values differ, inside their common range only", () => {
    const a = { x: [0, 1, 2, 3], y: [0, 1, 2, 3] }; // y = x
    const b = { x: [0.5, 1.5, 2.5], y: [1.5, 3.5, 5.5] }; // y = 2x + 0.5
    expect(sharedGrid([a, b])).toEqual([0.5, 1, 1.5, 2, 2.5]);
    const avg = averageSeeds([a, b]);
    avg.x.forEach((x, i) => {
      expect(avg.mean[i]).toBeCloseTo((x + 2 * x + 0.5) / 2, 12);
      expect(avg.se[i]).toBeCloseTo(Math.abs(x - (2 * x + 0.5)) / 2, 12); // two values: sd/sqrt2 = |diff|/2
    });
    expect(avg.seeds).toBe(2);
  });
  it("names the bad curve", () => {
    expect(() =>
      averageSeeds([
        { x: [0, 1], y: [0, 1] },
        { x: [1, 0], y: [0, 1] },
      ]),
    ).toThrow(/seed curve 1: x must be ascending/);
    expect(() =>
      sharedGrid([
        { x: [0, 1], y: [0, 1] },
        { x: [2, 3], y: [0, 1] },
      ]),
    ).toThrow(/share no x range/);
  });
});

describe("bootstrap", () => {
  const data = [Array.from({ length: 40 }, (_, i) => Math.sin(i) + i / 40)];
  it("is deterministic for a seed and differs across seeds", () => {
    const stat = (r: Resample) => resampledMean(data, r);
    const a = bootstrap({ seeds: 1, prompts: 40 }, stat, { seed: 3, replicates: 200 });
    const b = bootstrap({ seeds: 1, prompts: 40 }, stat, { seed: 3, replicates: 200 });
    const c = bootstrap({ seeds: 1, prompts: 40 }, stat, { seed: 4, replicates: 200 });
    expect(a).toEqual(b);
    expect(c.low).not.toBe(a.low);
    expect(a.estimate).toBeCloseTo(meanAndSe(data[0]!).mean, 12);
    expect(a.low).toBeLessThan(a.estimate);
    expect(a.high).toBeGreaterThan(a.estimate);
    // The bootstrap SE of a mean is close to the analytic SE.
    expect(a.se / meanAndSe(data[0]!).se).toBeGreaterThan(0.8);
    expect(a.se / meanAndSe(data[0]!).se).toBeLessThan(1.2);
  });
  it("resamples seeds too when there are several, and counts failed replicates", () => {
    const seeds = [Array(10).fill(0), Array(10).fill(1), Array(10).fill(2)];
    const ci = bootstrapMany(
      { seeds: 3, prompts: 10 },
      { mean: (r) => resampledMean(seeds, r), odd: (r) => (r.seeds[0] === 0 ? Number.NaN : 1) },
      { replicates: 300 },
    );
    expect(ci.mean.estimate).toBe(1);
    // Only seed variation exists here, so a positive width proves seeds are resampled.
    expect(ci.mean.high - ci.mean.low).toBeGreaterThan(0.5);
    expect(ci.odd.failed).toBeGreaterThan(50);
    expect(ci.odd.failed).toBeLessThan(150);
  });
  it("refuses shapes it cannot resample", () => {
    expect(() => bootstrap({ seeds: 1, prompts: 1 }, () => 0)).toThrow(/at least 2 prompts/);
    expect(() => bootstrap({ seeds: 0, prompts: 5 }, () => 0)).toThrow(/at least 1 seed/);
    expect(excludesZero({ low: 0.1, high: 0.3 })).toBe(true);
    expect(excludesZero({ low: -0.1, high: 0.3 })).toBe(false);
    expect(aboveZero({ low: 0.1 })).toBe(true);
    expect(aboveZero({ low: -0.3 })).toBe(false); // e.g. [-0.3, -0.1]: excludes zero, against a "> 0" finding
  });

  // Coverage: the 95% interval should contain the true value in about 95% of repeated experiments.
  it("covers the true mean in about 95% of synthetic trials", () => {
    const rng = new Rng(11);
    const trials = 200;
    let covered = 0;
    for (let t = 0; t < trials; t++) {
      const values = [Array.from({ length: 60 }, () => rng.normal(1.5, 2))];
      const ci = bootstrap({ seeds: 1, prompts: 60 }, (r) => resampledMean(values, r), { seed: t, replicates: 400 });
      if (ci.low <= 1.5 && 1.5 <= ci.high) covered++;
    }
    expect(covered / trials).toBeGreaterThanOrEqual(0.9);
    expect(covered / trials).toBeLessThanOrEqual(0.99);
  });

  it("covers the true peak d* of a best-of-n curve in about 95% of synthetic trials", () => {
    const rng = new Rng(12);
    const [a, b] = [1, 0.4]; // true d* = a / (2b) = 1.25
    const ds = [0.3, 0.6, 0.9, 1.2, 1.5, 1.8, 2.1, 2.4];
    const prompts = 80;
    const trials = 200;
    let covered = 0;
    const peakOf = (rows: Float64Array[], r: { prompts: readonly number[] }) => {
      const mean = ds.map((_, k) => r.prompts.reduce((s, p) => s + rows[p]![k]!, 0) / r.prompts.length);
      const f = fitOveroptimization("bon", ds, mean);
      return f.peak ? f.peak.d : Number.NaN;
    };
    for (let t = 0; t < trials; t++) {
      // Per prompt: the true curve plus a prompt effect that grows with d and independent noise.
      const rows = Array.from({ length: prompts }, () => {
        const slope = rng.normal(0, 0.5);
        return Float64Array.from(ds, (d) => d * (a - b * d) + slope * d + rng.normal(0, 0.3));
      });
      const ci = bootstrap({ seeds: 1, prompts }, (r) => peakOf(rows, r), { seed: 1000 + t, replicates: 300 });
      if (ci.low <= 1.25 && 1.25 <= ci.high) covered++;
    }
    expect(covered / trials).toBeGreaterThanOrEqual(0.9);
    expect(covered / trials).toBeLessThanOrEqual(0.99);
  });
});
