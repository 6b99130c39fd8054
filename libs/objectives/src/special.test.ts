import { describe, expect, it } from "vitest";
import { lgamma, logChoose } from "./special.ts";

describe("lgamma", () => {
  it("matches ln((x-1)!) for integers up to 1000", () => {
    let logFact = 0; // ln((x-1)!)
    for (let x = 1; x <= 1000; x++) {
      expect(Math.abs(lgamma(x) - logFact)).toBeLessThan(1e-12 * Math.max(1, Math.abs(logFact)));
      logFact += Math.log(x);
    }
  });

  it("matches known values at half-integers and small/negative arguments", () => {
    expect(lgamma(0.5)).toBeCloseTo(0.5 * Math.log(Math.PI), 13);
    expect(lgamma(1.5)).toBeCloseTo(Math.log(Math.sqrt(Math.PI) / 2), 13);
    expect(lgamma(-0.5)).toBeCloseTo(Math.log(2 * Math.sqrt(Math.PI)), 12);
    expect(lgamma(1e-8)).toBeCloseTo(-Math.log(1e-8) - 0.5772156649 * 1e-8, 8);
    expect(lgamma(0)).toBe(Infinity);
    expect(lgamma(-3)).toBe(Infinity);
  });

  it("agrees with Stirling's series for large x", () => {
    for (const x of [1e3 + 0.3, 1e5, 1e7]) {
      const stirling = (x - 0.5) * Math.log(x) - x + 0.5 * Math.log(2 * Math.PI) + 1 / (12 * x) - 1 / (360 * x ** 3);
      expect(Math.abs(lgamma(x) - stirling) / stirling).toBeLessThan(1e-13);
    }
  });
});

describe("logChoose", () => {
  it("equals the log of Pascal's triangle", () => {
    let row = [1];
    for (let n = 1; n <= 60; n++) {
      const next = [1];
      for (let k = 1; k < n; k++) next.push(row[k - 1] + row[k]);
      next.push(1);
      row = next;
      for (let k = 0; k <= n; k++) expect(logChoose(n, k)).toBeCloseTo(Math.log(row[k]), 9);
    }
    expect(logChoose(5, 6)).toBe(-Infinity);
  });
});
