import { describe, expect, it } from "vitest";
import {
  agreementReport,
  cohenKappa,
  cohenKappaFromTable,
  fleissKappaFromCounts,
  rawAgreement,
  ratingsToCounts,
  rewardModelAgreement,
  type Rating,
} from "./agreement.ts";

/** Expands a 2x2 yes/no contingency table into two raters' rating lists. */
function ratersFromTable(yy: number, yn: number, ny: number, nn: number): [Rating[], Rating[]] {
  const a: Rating[] = [];
  const b: Rating[] = [];
  const push = (x: string, y: string, count: number) => {
    for (let i = 0; i < count; i++) {
      a.push(x);
      b.push(y);
    }
  };
  push("yes", "yes", yy);
  push("yes", "no", yn);
  push("no", "yes", ny);
  push("no", "no", nn);
  return [a, b];
}

// Fleiss (1971), as reproduced in Wikipedia's "Fleiss' kappa" worked example: 10 subjects, 14 raters, 5 categories.
const FLEISS_1971 = [
  [0, 0, 0, 0, 14],
  [0, 2, 6, 4, 2],
  [0, 0, 3, 5, 6],
  [0, 3, 9, 2, 0],
  [2, 2, 8, 1, 1],
  [7, 7, 0, 0, 0],
  [3, 2, 6, 3, 0],
  [2, 5, 3, 2, 2],
  [6, 5, 2, 1, 0],
  [0, 2, 2, 3, 7],
];

describe("Cohen's kappa", () => {
  it("matches Wikipedia's worked example (20/5/10/15 -> p_o 0.7, p_e 0.5, kappa 0.4)", () => {
    const k = cohenKappaFromTable([
      [20, 5],
      [10, 15],
    ]);
    expect(k.observed).toBeCloseTo(0.7, 12);
    expect(k.expected).toBeCloseTo(0.5, 12);
    expect(k.kappa).toBeCloseTo(0.4, 12);
    const [a, b] = ratersFromTable(20, 5, 10, 15);
    expect(cohenKappa(a, b).kappa).toBeCloseTo(0.4, 12);
  });
  it("matches Wikipedia's two paradox examples (same p_o 0.6, kappa 0.1304 and 0.2593)", () => {
    const [a1, b1] = ratersFromTable(45, 15, 25, 15);
    const [a2, b2] = ratersFromTable(25, 35, 5, 35);
    expect(cohenKappa(a1, b1).observed).toBeCloseTo(0.6, 12);
    expect(cohenKappa(a1, b1).kappa).toBeCloseTo(0.1304, 4);
    expect(cohenKappa(a2, b2).kappa).toBeCloseTo(0.2593, 4);
  });
  it("skips items a rater left unrated, is 1 for perfect agreement and NaN when chance agreement is 1", () => {
    expect(cohenKappa(["a", "b", null, "a"], ["a", "b", "a", null])).toMatchObject({ kappa: 1, items: 2 });
    expect(cohenKappa(["a", "a"], ["a", "a"]).kappa).toBeNaN();
    expect(() => cohenKappa(["a"], ["a", "b"])).toThrow(/rater 1 has 1 items, rater 2 has 2/);
  });
});

describe("Fleiss' kappa", () => {
  it("matches Fleiss 1971's worked example (P 0.378, P_e 0.213, kappa 0.210)", () => {
    const k = fleissKappaFromCounts(FLEISS_1971);
    expect(k.observed).toBeCloseTo(0.378, 3);
    expect(k.expected).toBeCloseTo(0.213, 3);
    expect(k.kappa).toBeCloseTo(0.21, 3);
  });
  it("refuses subjects with different numbers of ratings, naming the subject", () => {
    expect(() =>
      fleissKappaFromCounts([
        [1, 1],
        [2, 1],
      ]),
    ).toThrow(/subject 1 has 3 ratings, subject 0 has 2/);
  });
  it("agrees with the count table built from raw ratings", () => {
    const raters: Rating[][] = [
      ["a", "a", "b", "b", "a"],
      ["a", "b", "b", "b", null],
      ["a", "a", "b", "a", "a"],
    ];
    const { counts, categories, kept } = ratingsToCounts(raters);
    expect(categories).toEqual(["a", "b"]);
    expect(kept).toEqual([0, 1, 2, 3]);
    expect(counts).toEqual([
      [3, 0],
      [2, 1],
      [0, 3],
      [1, 2],
    ]);
    // Raw agreement per item: 1, 1/3, 1, 1/3, and item 4 (two raters, agreeing) 1.
    expect(rawAgreement(raters)).toBeCloseTo((1 + 1 / 3 + 1 + 1 / 3 + 1) / 5, 12);
  });
});

describe("agreement reports with bootstrap intervals", () => {
  it("gives Cohen for two raters, with an interval around the estimate", () => {
    const [a, b] = ratersFromTable(20, 5, 10, 15);
    const r = agreementReport([a, b], { seed: 1, replicates: 400 });
    expect(r.cohen!.estimate).toBeCloseTo(0.4, 12);
    expect(r.cohen!.low).toBeLessThan(0.4);
    expect(r.cohen!.high).toBeGreaterThan(0.4);
    expect(r.raw.estimate).toBeCloseTo(0.7, 12);
    expect(r.fleiss).toBeNull();
    expect(r.pairwise).toHaveLength(1);
  });
  it("gives Fleiss and every pair for three raters", () => {
    const raters: Rating[][] = [
      ["a", "a", "b", "b", "a", "b", "a", "b"],
      ["a", "b", "b", "b", "a", "b", "a", "a"],
      ["a", "a", "b", "a", "a", "b", "b", "b"],
    ];
    const r = agreementReport(raters, { seed: 2, replicates: 200 });
    expect(r.cohen).toBeNull();
    expect(r.fleiss!.estimate).toBeCloseTo(fleissKappaFromCounts(ratingsToCounts(raters).counts).kappa, 12);
    expect(r.pairwise.map((p) => p.raters)).toEqual([
      [0, 1],
      [0, 2],
      [1, 2],
    ]);
    expect(r.pairwise[0]!.cohen.estimate).toBeCloseTo(cohenKappa(raters[0]!, raters[1]!).kappa, 12);
  });
});

describe("reward model against labels", () => {
  it("counts the pairs the RM orders like the label, ties in the labels left out and RM ties as one half", () => {
    const r = rewardModelAgreement([1, 0, 2, 5, 3], [0, 1, 3, 5, 3], ["a", "b", "a", "a", "tie"], { seed: 0, replicates: 100 });
    expect(r.pairs).toBe(4);
    expect(r.accuracy.estimate).toBeCloseTo((1 + 1 + 0 + 0.5) / 4, 12);
  });
  it("names a non-finite score", () => {
    expect(() => rewardModelAgreement([1, Number.NaN], [0, 0], ["a", "b"])).toThrow(/pair 1 has a non-finite score/);
  });
});
