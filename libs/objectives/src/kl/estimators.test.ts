import { beforeAll, describe, expect, it } from "vitest";
import { Rng, createRuntime, input, type Runtime } from "@goodhart/engine";
import { exactKl, exactTokenKlFromLogits, klK1, klK2, klK3, logSoftmaxRow, sequenceKl } from "./estimators.ts";
import { exactTokenKlGraph } from "./graph.ts";

/** Brute force: probabilities by exponentiating and dividing, KL by the textbook sum. */
function bruteForceKl(logitsP: number[], logitsQ: number[]): number {
  const zp = logitsP.reduce((s, x) => s + Math.exp(x), 0);
  const zq = logitsQ.reduce((s, x) => s + Math.exp(x), 0);
  let kl = 0;
  for (let v = 0; v < logitsP.length; v++) {
    const p = Math.exp(logitsP[v]!) / zp;
    const q = Math.exp(logitsQ[v]!) / zq;
    kl += p * Math.log(p / q);
  }
  return kl;
}

const randomLogits = (rng: Rng, n: number, scale: number) => Array.from({ length: n }, () => rng.normal(0, scale));

describe("exact KL over the vocabulary", () => {
  it("equals the brute-force sum for random distributions", () => {
    const rng = new Rng("kl-exact");
    for (let trial = 0; trial < 20; trial++) {
      const a = randomLogits(rng, 7, 2);
      const b = randomLogits(rng, 7, 2);
      expect(exactKl(logSoftmaxRow(a), logSoftmaxRow(b))).toBeCloseTo(bruteForceKl(a, b), 12);
    }
    const a = randomLogits(rng, 5, 1);
    expect(exactKl(logSoftmaxRow(a), logSoftmaxRow(a))).toBe(0);
  });

  it("per token from row-major logits, and refuses partial rows", () => {
    const rng = new Rng("kl-rows");
    const a = randomLogits(rng, 3 * 4, 1);
    const b = randomLogits(rng, 3 * 4, 1);
    const perToken = exactTokenKlFromLogits(a, b, 4);
    for (let t = 0; t < 3; t++) expect(perToken[t]).toBeCloseTo(bruteForceKl(a.slice(4 * t, 4 * t + 4), b.slice(4 * t, 4 * t + 4)), 12);
    expect(() => exactTokenKlFromLogits(a, b, 5)).toThrow(/whole rows of vocabulary 5/);
  });

  describe("in a graph", () => {
    let runtime: Runtime;
    beforeAll(async () => (runtime = await createRuntime({ device: "cpu", threads: 2 })));

    it("matches the brute-force sum at every position (float64)", async () => {
      const rng = new Rng("kl-graph");
      const [B, T, V] = [2, 3, 6];
      const a = randomLogits(rng, B * T * V, 2);
      const b = randomLogits(rng, B * T * V, 2);
      const pa = input("a", "float64", ["batch", "seq", V]);
      const pb = input("b", "float64", ["batch", "seq", V]);
      const session = await runtime.session({ name: "kl-graph-test", outputs: { kl: exactTokenKlGraph(pa, pb) } });
      const out = await session.run({
        a: { dtype: "float64", shape: [B, T, V], data: Float64Array.from(a) },
        b: { dtype: "float64", shape: [B, T, V], data: Float64Array.from(b) },
      });
      const kl = out.kl!.data as Float64Array;
      expect(out.kl!.shape).toEqual([B, T]);
      for (let i = 0; i < B * T; i++) expect(kl[i]).toBeCloseTo(bruteForceKl(a.slice(V * i, V * i + V), b.slice(V * i, V * i + V)), 10);
    });
  });
});

describe("sampled KL estimators k1, k2, k3", () => {
  const rng = new Rng("kl-estimators");
  const a = randomLogits(rng, 9, 0.5);
  const b = a.map((x) => x + rng.normal(0, 0.3));
  const lp = logSoftmaxRow(a);
  const lq = logSoftmaxRow(b);
  const exact = exactKl(lp, lq);

  it("k1 and k3 have the exact KL as their expectation under pi (enumerated over the vocabulary)", () => {
    let e1 = 0;
    let e3 = 0;
    for (let v = 0; v < lp.length; v++) {
      const p = Math.exp(lp[v]!);
      e1 += p * klK1(lp[v]!, lq[v]!);
      e3 += p * klK3(lp[v]!, lq[v]!);
    }
    expect(e1).toBeCloseTo(exact, 12);
    expect(e3).toBeCloseTo(exact, 12);
  });

  it("k2's expectation is close to the exact KL for nearby distributions (its bias is third order), and k2, k3 are never negative", () => {
    let e2 = 0;
    for (let v = 0; v < lp.length; v++) e2 += Math.exp(lp[v]!) * klK2(lp[v]!, lq[v]!);
    expect(Math.abs(e2 - exact) / exact).toBeLessThan(0.15);
    for (let v = 0; v < lp.length; v++) {
      expect(klK2(lp[v]!, lq[v]!)).toBeGreaterThanOrEqual(0);
      expect(klK3(lp[v]!, lq[v]!)).toBeGreaterThanOrEqual(0);
    }
  });

  it("Monte Carlo means of k1 and k3 over tokens drawn from pi converge to the exact KL", () => {
    const draw = new Rng("kl-mc");
    const p = Array.from(lp, (x) => Math.exp(x));
    const n = 200_000;
    let s1 = 0;
    let s3 = 0;
    let ss1 = 0;
    let ss3 = 0;
    for (let i = 0; i < n; i++) {
      const v = draw.weightedIndex(p);
      const k1 = klK1(lp[v]!, lq[v]!);
      const k3 = klK3(lp[v]!, lq[v]!);
      s1 += k1;
      s3 += k3;
      ss1 += k1 * k1;
      ss3 += k3 * k3;
    }
    const se1 = Math.sqrt((ss1 / n - (s1 / n) ** 2) / n);
    const se3 = Math.sqrt((ss3 / n - (s3 / n) ** 2) / n);
    expect(Math.abs(s1 / n - exact)).toBeLessThan(4 * se1);
    expect(Math.abs(s3 / n - exact)).toBeLessThan(4 * se3);
    expect(se3).toBeLessThan(se1); // k3's point: lower variance
  });

  it("sequenceKl sums each estimator over tokens", () => {
    const s = sequenceKl([0.1, 0.2], [-1, -2], [-1.5, -1.8]);
    expect(s.exact).toBeCloseTo(0.3, 15);
    expect(s.k1).toBeCloseTo(0.5 - 0.2, 15);
    expect(s.k2).toBeCloseTo(0.5 * 0.25 + 0.5 * 0.04, 15);
    expect(s.k3).toBeCloseTo(Math.expm1(-0.5) + 0.5 + Math.expm1(0.2) - 0.2, 15);
    expect(() => sequenceKl([0.1], [1, 2], [1, 2])).toThrow(/1 exact terms/);
  });
});
