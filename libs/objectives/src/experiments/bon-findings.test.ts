import { describe, expect, it } from "vitest";
import { Rng } from "@goodhart/engine";
import { demoFindings, moreDataFinding, promptValuesFromPools, type FindingRun } from "./bon-findings.ts";

/** Stored pools: per prompt 8 samples; series proxy:mean, proxy:wco, proxy:uwo-0.5, member:0, member:1. */
function run(rng: Rng, proxy: string, trainingSize: number, seed: number, memberNoise: number): FindingRun {
  const names = ["proxy:mean", "proxy:wco", "proxy:uwo-0.5", "member:0", "member:1"];
  const pools = Array.from({ length: 20 }, () => {
    const gold = Array.from({ length: 8 }, () => rng.normal());
    const m = [0, 1].map(() => gold.map((g) => g + memberNoise * rng.normal()));
    const scores = gold.flatMap((_, i) => {
      const a = m[0]![i]!;
      const b = m[1]![i]!;
      const mean = (a + b) / 2;
      return [mean, Math.min(a, b), mean - (0.5 * ((a - mean) ** 2 + (b - mean) ** 2)) / 2, a, b];
    });
    return { gold, scores, width: names.length };
  });
  return { proxy, trainingSize, labelNoise: 0.25, seed, series: promptValuesFromPools({ series: names, pools }) };
}

describe("science findings from stored pools", () => {
  const rng = new Rng(9);
  const runs = ["small", "large"].flatMap((proxy) => [1, 2, 3].map((seed) => run(rng, proxy, 1000, seed, 1)));

  it("derives the single member and computes each finding with an interval and its seeds", () => {
    const f = demoFindings(runs, { replicates: 200 });
    expect(Object.keys(f).sort()).toEqual(["bon_gap_growth", "bon_gold_drop_single", "bon_uwo_minus_single", "bon_wco_minus_single"]);
    for (const v of Object.values(f)) {
      expect(v.seeds).toBe(3);
      expect(v.prompts).toBe(20);
      expect(v.low).toBeLessThanOrEqual(v.estimate);
      expect(v.high).toBeGreaterThanOrEqual(v.estimate);
    }
    // The proxies are gold plus noise: the average of two members selects better than one member
    // (averaging halves the noise), so the mean would help; gold at n = 8 here is positive and
    // the gold drop is >= 0 by construction.
    expect(f.bon_gold_drop_single!.estimate).toBeGreaterThanOrEqual(0);
    // Proxy - gold grows with n when the proxy is noisy gold.
    expect(f.bon_gap_growth!.estimate).toBeGreaterThan(0);
    expect(f.bon_gap_growth!.low).toBeGreaterThan(0);
  });

  it("measures more data as less proxy noise: largest minus smallest training set", () => {
    const data = [1, 2, 3].flatMap((seed) => [run(rng, "m", 100, seed, 3), run(rng, "m", 3000, seed, 0.3)]);
    const f = moreDataFinding(data, { replicates: 200 });
    expect(f.estimate).toBeGreaterThan(0);
    expect(f.low).toBeGreaterThan(0);
    expect(() => moreDataFinding(data.filter((r) => r.trainingSize === 100))).toThrow(/at least two training sizes/);
  });
});
