import { describe, expect, it } from "vitest";
import { Rng } from "@goodhart/engine";
import { bestOfNPromptValues, mergeAnalyses, storedBonStudyResult, type BonRunResult, type BonStudyResult } from "@goodhart/objectives";
import { summaryTable, withCi, withSe } from "./summary-table.ts";

/** A synthetic study: two seeds, members 0-1, mean and WCO, pools where WCO picks better gold. */
function syntheticStudy(): BonStudyResult {
  const rng = new Rng(5);
  const ns = [1, 2, 4, 8];
  const runs: BonRunResult[] = [1, 2].map((seed) => {
    const pools = Array.from({ length: 30 }, () =>
      Array.from({ length: 8 }, () => ({ gold: rng.normal(), noise: [rng.normal(), rng.normal()] })),
    );
    const seriesOf = (name: string, score: (s: { gold: number; noise: number[] }) => number) => {
      const values = bestOfNPromptValues(
        pools.map((pool) => ({ proxy: pool.map(score), gold: pool.map((s) => s.gold) })),
        ns,
      );
      return {
        series: name,
        validationAccuracy: 0.7 + seed / 100,
        peakGold: 0,
        peakN: 1,
        peakD: 0,
        goldAtMaxN: 0,
        goldAtMaxNSe: 0,
        proxyAtMaxN: 0,
        proxyAtMaxNSe: 0,
        maxN: 8,
        fit: null,
        intervals: null,
        curve: [],
        promptValues: values,
      };
    };
    const member = (m: number) => (s: { gold: number; noise: number[] }) => s.gold + 3 * s.noise[m]!;
    return {
      id: `r${seed}`,
      group: 0,
      proxy: "tiny",
      trainingSize: 100,
      labelNoise: 0.25,
      seed,
      members: [],
      series: [
        seriesOf("proxy:mean", (s) => (member(0)(s) + member(1)(s)) / 2),
        seriesOf("proxy:wco", (s) => Math.min(member(0)(s), member(1)(s))),
        seriesOf("member:0", member(0)),
        seriesOf("member:1", member(1)),
      ],
    };
  });
  return { study: "s", basePolicy: { hash: "h", cached: true, path: "p" }, runs, timings: {}, baseGold: 0, groups: [] };
}

describe("summaryTable", () => {
  it("shows SEs and intervals, one row per objective plus the average single member, with the difference to it", () => {
    const table = summaryTable(syntheticStudy());
    const lines = table.split("\n");
    expect(lines[0]).toMatch(
      /^proxy +data +noise +objective +seeds +val acc +peak gold \(at d\) +fit d\* \[95% CI\] +gold@maxN +vs single @maxN \[95% CI\]$/,
    );
    expect(lines[1]).toMatch(/^tiny +100 +0\.25 +mean +2 +0\.715 \+- 0\.005 +/);
    expect(lines[2]).toMatch(/ wco .* -?\d\.\d{3} \[-?\d\.\d{3}, -?\d\.\d{3}\]( \*)?$/);
    expect(lines[3]).toMatch(/^tiny +100 +0\.25 +single \(avg member\) +2 /);
    expect(table).toMatch(/95% percentile bootstraps \(1000 replicates, prompts and seeds resampled, 30 prompts\)/);
  });
  it("prints the same table from a job's stored JSON result (no per-prompt arrays, NaN as null)", () => {
    const study = syntheticStudy();
    const stored = JSON.parse(JSON.stringify(storedBonStudyResult(study)));
    expect(JSON.stringify(stored)).not.toMatch(/promptValues/);
    expect(summaryTable(stored)).toBe(summaryTable(study));
  });
  it("merges per-run stored analyses (each run's cell as of when it ended) into the study's", () => {
    const study = syntheticStudy();
    const [r1, r2] = study.runs;
    const first = storedBonStudyResult({ ...study, runs: [r1!] }, {}, [r1!]);
    const second = storedBonStudyResult({ ...study, runs: [r2!] }, {}, [r1!, r2!]);
    const merged = mergeAnalyses([first.analysis, second.analysis])!;
    expect(merged.cells[0]!.seeds).toEqual([1, 2]);
    expect(summaryTable(study, merged)).toBe(summaryTable(study));
    expect(mergeAnalyses([null, undefined])).toBeNull();
  });
  it("formats numbers with their uncertainty", () => {
    expect(withSe(0.1234, 0.0456)).toBe("0.123 +- 0.046");
    expect(withSe(0.1234, Number.NaN)).toBe("0.123");
    expect(withCi({ estimate: 0.2, low: 0.1, high: 0.3, level: 0.95, se: 0.05, replicates: 100, failed: 0 }, 3, true)).toBe(
      "0.200 [0.100, 0.300] *",
    );
    expect(withCi({ estimate: 0.2, low: -0.1, high: 0.3, level: 0.95, se: 0.05, replicates: 100, failed: 0 }, 3, true)).toBe(
      "0.200 [-0.100, 0.300]  ",
    );
  });
});
