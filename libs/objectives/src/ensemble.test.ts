import { describe, expect, it } from "vitest";
import { aggregate, aggregateOne, aggregationName, applyNormalisation, fitNormalisation } from "./ensemble.ts";

describe("ensemble aggregation", () => {
  it("matches hand-computed mean, WCO and UWO (population variance)", () => {
    const v = [1, 2, 6];
    // mean 3; population variance ((4 + 1 + 9) / 3) = 14/3 (sample variance would be 7).
    expect(aggregateOne(v, { kind: "mean" })).toBe(3);
    expect(aggregateOne(v, { kind: "wco" })).toBe(1);
    expect(aggregateOne(v, { kind: "uwo", lambda: 0.5 })).toBeCloseTo(3 - 0.5 * (14 / 3), 14);
    expect(aggregateOne(v, { kind: "uwo", lambda: 0 })).toBe(3);
    expect(() => aggregateOne(v, { kind: "uwo", lambda: -1 })).toThrow(/lambda must be >= 0/);
  });

  it("aggregates member-major rows column by column", () => {
    const scores = [
      [1, 0, -2],
      [3, 0, 2],
    ];
    expect(Array.from(aggregate(scores, { kind: "mean" }))).toEqual([2, 0, 0]);
    expect(Array.from(aggregate(scores, { kind: "wco" }))).toEqual([1, 0, -2]);
    // Column 3: mean 0, population variance 4 -> 0 - 0.1 * 4.
    expect(Array.from(aggregate(scores, { kind: "uwo", lambda: 0.1 }))).toEqual([2 - 0.1, 0, -0.4]);
    expect(() => aggregate([[1, 2], [1]], { kind: "mean" })).toThrow(/member 1 has 1 scores/);
    expect(aggregationName({ kind: "uwo", lambda: 0.5 })).toBe("uwo-0.5");
  });

  it("normalises each member to mean 0, population std 1 on the reference sample", () => {
    const reference = [
      [1, 2, 3, 4],
      [10, 30, 50, 70],
    ];
    const norm = fitNormalisation(reference);
    expect(Array.from(norm.mean)).toEqual([2.5, 40]);
    expect(norm.std[0]).toBeCloseTo(Math.sqrt(1.25), 14);
    expect(norm.std[1]).toBeCloseTo(Math.sqrt(500), 12);
    const normalised = applyNormalisation(reference, norm);
    for (const row of normalised) {
      const mean = row.reduce((a, b) => a + b, 0) / row.length;
      const variance = row.reduce((a, b) => a + (b - mean) ** 2, 0) / row.length;
      expect(mean).toBeCloseTo(0, 14);
      expect(variance).toBeCloseTo(1, 14);
    }
    // Both members rank the samples alike, so after normalisation they agree exactly.
    expect(Array.from(normalised[0])).toEqual(Array.from(normalised[1]).map((x) => expect.closeTo(x, 12)));
    expect(() => fitNormalisation([[1, 1, 1]])).toThrow(/member 0 gives every reference sample the same score/);
  });
});
