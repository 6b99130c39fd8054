import { describe, expect, it } from "vitest";
import { Rng } from "@goodhart/engine";
import { compareBonPeaks } from "./bon-peak.ts";

/** Pools where gold = signal - 0.5 * signal^2 style overoptimization: one proxy reads gold, one reads noise. */
function pools(prompts: number, size: number) {
  const rng = new Rng(7);
  const gold = new Float64Array(prompts * size);
  const faithful = new Float64Array(prompts * size);
  const noise = new Float64Array(prompts * size);
  for (let i = 0; i < gold.length; i++) {
    gold[i] = rng.normal();
    faithful[i] = gold[i]! + 0.3 * rng.normal();
    noise[i] = rng.normal();
  }
  return { gold, faithful, noise };
}

describe("best-of-n peak comparison", () => {
  it("finds the faithful proxy's peak above a noise proxy's, with an interval excluding zero", () => {
    const { gold, faithful, noise } = pools(60, 16);
    const r = compareBonPeaks(gold, { dmoerm: faithful, single: noise }, 16, { replicates: 200, seed: 1 });
    expect(r.ns).toEqual([1, 2, 4, 8, 16]);
    expect(r.prompts).toBe(60);
    // A proxy that reads gold picks the best of 16 normals: about 1.7 above the mean.
    expect(r.dmoerm.observedPeak.estimate).toBeGreaterThan(1.2);
    expect(r.dmoerm.observedPeakN).toBe(16);
    // A noise proxy's picks are as good as random: peak near 0.
    expect(Math.abs(r.single.goldGain[r.single.goldGain.length - 1]!)).toBeLessThan(0.4);
    expect(r.peakDifference.estimate).toBeCloseTo(r.dmoerm.observedPeak.estimate - r.single.observedPeak.estimate, 12);
    expect(r.peakDifference.low).toBeGreaterThan(0);
    expect(r.peakDifference.holds).toBe(true);
  });

  it("does not call a difference against DMoERM a finding: the finding is > 0", () => {
    const { gold, faithful, noise } = pools(60, 16);
    const r = compareBonPeaks(gold, { dmoerm: noise, single: faithful }, 16, { replicates: 200, seed: 1 });
    expect(r.peakDifference.high).toBeLessThan(0);
    expect(r.peakDifference.holds).toBe(false);
  });

  it("gives zero difference with the same proxy on both sides", () => {
    const { gold, faithful } = pools(20, 8);
    const r = compareBonPeaks(gold, { dmoerm: faithful, single: faithful }, 8, { replicates: 50 });
    expect(r.peakDifference.estimate).toBe(0);
    expect(r.peakDifference.holds).toBe(false);
  });
});
