import { describe, expect, it } from "vitest";
import { bestOfNCurve, bestOfNPromptValues } from "./estimator.ts";
import { BEIRAMI_KL_ESTIMATOR, klBestOfN, klBestOfNBeirami } from "./kl.ts";

/** Exact KL(pi_bon || p) of a discrete distribution listed in ascending reward order (no ties). */
function exactBonKl(p: readonly number[], n: number): number {
  let below = 0;
  let kl = 0;
  for (const q of p) {
    const bon = (below + q) ** n - below ** n; // F(y)^n - F^-(y)^n
    if (bon > 0) kl += bon * Math.log(bon / q);
    below += q;
  }
  return kl;
}

describe("klBestOfNBeirami", () => {
  it("is 0 at n = 1, approaches the analytic bound as eps -> 0 and stays within [0, bound]", () => {
    expect(klBestOfNBeirami(1, 0.3)).toBe(0);
    for (const n of [2, 8, 128, 4096]) {
      expect(klBestOfNBeirami(n, 1e-12)).toBeCloseTo(klBestOfN(n), 6);
      for (const eps of [1e-6, 1e-3, 0.01, 0.1, 0.5, 0.99]) {
        const k = klBestOfNBeirami(n, eps);
        expect(k).toBeGreaterThanOrEqual(0);
        expect(k).toBeLessThanOrEqual(klBestOfN(n) + 1e-12);
      }
    }
  });
  it("is the exact KL when the top outcome has mass eps and the rest is (nearly) continuous", () => {
    const L = 20000;
    for (const [n, eps] of [
      [4, 0.05],
      [64, 0.01],
      [16, 0.3],
    ] as const) {
      const p = [...Array.from({ length: L }, () => (1 - eps) / L), eps];
      expect(klBestOfNBeirami(n, eps)).toBeCloseTo(exactBonKl(p, n), 3);
    }
  });
  it("is exact on Beirami et al.'s counterexample: two equally likely outcomes", () => {
    // The top outcome has mass 1/2; the analytic formula grows without bound, the truth stays below ln 2.
    for (const n of [2, 8, 64]) {
      const truth = exactBonKl([0.5, 0.5], n);
      expect(truth).toBeLessThanOrEqual(Math.log(2) + 1e-12);
      expect(klBestOfN(n)).toBeGreaterThan(truth);
      // Averaged over the picks: the top outcome with prob 1 - 2^-n, the other with 2^-n.
      const estimate = (1 - 0.5 ** n) * klBestOfNBeirami(n, 0.5) + 0.5 ** n * klBestOfNBeirami(n, 0.5);
      expect(Math.abs(estimate - truth)).toBeLessThan(0.25);
    }
  });
  it("rejects values that are not probabilities", () => {
    expect(() => klBestOfNBeirami(4, 0)).toThrow(/eps must be a probability/);
    expect(() => klBestOfNBeirami(0, 0.5)).toThrow(/n must be an integer/);
  });
});

describe("the pool's KL estimate", () => {
  it("averages the estimate over best-of-n picks and sits below the analytic bound for likely completions", () => {
    const proxy = [0.1, 0.5, 0.9, 0.3];
    const gold = [0, 1, 2, 3];
    const unlikely = Array(4).fill(Math.log(1e-9));
    const likely = [Math.log(0.2), Math.log(0.1), Math.log(0.4), Math.log(0.05)];
    const far = bestOfNCurve([{ proxy, gold, logProb: unlikely }], [1, 2, 4]);
    expect(far[2]!.klEstimate!.estimator).toBe(BEIRAMI_KL_ESTIMATOR);
    far.forEach((pt) => expect(pt.klEstimate!.kl).toBeCloseTo(pt.kl, 5));
    const near = bestOfNPromptValues([{ proxy, gold, logProb: likely }], [4]);
    // n = N picks the proxy argmax (prob 0.4) for sure.
    expect(near.kl![0]![0]).toBeCloseTo(klBestOfNBeirami(4, 0.4), 12);
    expect(near.kl![0]![0]).toBeLessThan(klBestOfN(4));
    expect(bestOfNCurve([{ proxy, gold }], [1, 2])[1]!.klEstimate).toBeUndefined();
    expect(() => bestOfNPromptValues([{ proxy, gold, logProb: [0, 0, 0.5, 0] }], [2])).toThrow(/sample 2 has log-probability 0.5/);
  });
});
