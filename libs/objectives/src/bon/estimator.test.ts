import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { Rng } from "@goodhart/engine";
import { bestOfNCurve, bestOfNPool, bonWeights, poolsFromMatrix } from "./estimator.ts";
import { defaultNs, klBestOfN } from "./kl.ts";

function randomPool(rng: Rng, size: number, integerProxy = false) {
  const proxy = new Float64Array(size);
  const gold = new Float64Array(size);
  for (let i = 0; i < size; i++) {
    proxy[i] = integerProxy ? rng.int(0, 5) : rng.normal();
    // Gold correlated with proxy, then penalised for large proxy: a typical overoptimization shape.
    gold[i] = 0.8 * proxy[i] - 0.3 * proxy[i] ** 2 + 0.5 * rng.normal();
  }
  return { proxy, gold };
}

/** Best-of-n by simulation: draw n of the pool without replacement, keep the proxy argmax. */
function monteCarlo(rng: Rng, pool: { proxy: Float64Array; gold: Float64Array }, n: number, trials: number) {
  const size = pool.proxy.length;
  const idx = Array.from({ length: size }, (_, i) => i);
  let s = 0;
  let s2 = 0;
  for (let t = 0; t < trials; t++) {
    // Partial Fisher-Yates: the first n entries are a uniform n-subset.
    for (let i = 0; i < n; i++) {
      const j = rng.int(i, size);
      [idx[i], idx[j]] = [idx[j], idx[i]];
    }
    // Ties broken uniformly at random: shuffle the chosen n before a strict argmax.
    const chosen = rng.shuffle(idx.slice(0, n));
    let best = chosen[0];
    for (const c of chosen) if (pool.proxy[c] > pool.proxy[best]) best = c;
    s += pool.gold[best];
    s2 += pool.gold[best] ** 2;
  }
  const mean = s / trials;
  return { mean, se: Math.sqrt((s2 / trials - mean * mean) / trials) };
}

function* subsets(size: number, n: number, start = 0, acc: number[] = []): Generator<number[]> {
  if (acc.length === n) {
    yield acc.slice();
    return;
  }
  for (let i = start; i < size; i++) {
    acc.push(i);
    yield* subsets(size, n, i + 1, acc);
    acc.pop();
  }
}

describe("bonWeights", () => {
  it("sum to one and put all weight on the top rank for n = N", () => {
    for (const [N, n] of [
      [10, 1],
      [10, 3],
      [1000, 37],
      [5000, 4096],
    ]) {
      const w = bonWeights(N, n);
      expect(w.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 10);
      expect(w[n - 2] ?? 0).toBe(0);
    }
    expect(Array.from(bonWeights(4, 4))).toEqual([0, 0, 0, 1]);
    expect(() => bonWeights(4, 5)).toThrow(/n must be an integer in \[1, 4\]/);
  });
});

describe("bestOfNPool", () => {
  it("is exact for n = 1 (the pool mean) and n = N (the proxy argmax)", () => {
    const pool = randomPool(new Rng(11), 64);
    const [one, all] = bestOfNPool(pool, [1, 64]);
    const meanGold = pool.gold.reduce((a, b) => a + b, 0) / 64;
    const meanProxy = pool.proxy.reduce((a, b) => a + b, 0) / 64;
    let arg = 0;
    for (let i = 1; i < 64; i++) if (pool.proxy[i] > pool.proxy[arg]) arg = i;
    expect(one.gold).toBeCloseTo(meanGold, 12);
    expect(one.proxy).toBeCloseTo(meanProxy, 12);
    expect(all.gold).toBeCloseTo(pool.gold[arg], 12);
    expect(all.proxy).toBeCloseTo(pool.proxy[arg], 12);
  });

  it("equals exhaustive enumeration of all n-subsets, with and without ties", () => {
    for (const integerProxy of [false, true]) {
      const pool = randomPool(new Rng(integerProxy ? 13 : 12), 10, integerProxy);
      for (const n of [2, 3, 5]) {
        let total = 0;
        let count = 0;
        for (const subset of subsets(10, n)) {
          const top = Math.max(...subset.map((i) => pool.proxy[i]));
          const tied = subset.filter((i) => pool.proxy[i] === top);
          // Uniform random tie-break: the expectation is the mean gold of the tied maxima.
          total += tied.reduce((acc, i) => acc + pool.gold[i], 0) / tied.length;
          count++;
        }
        const [point] = bestOfNPool(pool, [n]);
        expect(point.gold).toBeCloseTo(total / count, 12);
      }
    }
  });

  it("agrees with brute-force Monte-Carlo best-of-n within 3 standard errors", () => {
    const rng = new Rng(99);
    for (const integerProxy of [false, true]) {
      const pool = randomPool(rng, 200, integerProxy);
      const ns = [1, 4, 16, 64];
      const points = bestOfNPool(pool, ns);
      points.forEach(({ n, gold }) => {
        const mc = monteCarlo(rng, pool, n, 20_000);
        expect(Math.abs(gold - mc.mean)).toBeLessThan(3 * mc.se);
      });
    }
  });

  it("does not depend on the input order of the pool (ties included)", () => {
    const rng = new Rng(5);
    const pool = randomPool(rng, 40, true);
    const perm = rng.permutation(40);
    const shuffled = { proxy: perm.map((i) => pool.proxy[i]), gold: perm.map((i) => pool.gold[i]) };
    const a = bestOfNPool(pool, [1, 3, 7, 40]);
    const b = bestOfNPool(shuffled, [1, 3, 7, 40]);
    a.forEach((p, k) => expect(b[k].gold).toBeCloseTo(p.gold, 12));
  });

  it("rejects mismatched and non-finite pools", () => {
    expect(() => bestOfNPool({ proxy: [1, 2], gold: [1] }, [1])).toThrow(/2 proxy scores but 1 gold/);
    expect(() => bestOfNPool({ proxy: [1, NaN], gold: [1, 2] }, [1])).toThrow(/sample 1 has a non-finite/);
  });
});

describe("bestOfNCurve", () => {
  it("averages over prompts with standard errors across prompts, and proxy rises with n", () => {
    const rng = new Rng(21);
    const P = 30;
    const N = 50;
    const proxy = new Float64Array(P * N);
    const gold = new Float64Array(P * N);
    for (let p = 0; p < P; p++) {
      const pool = randomPool(rng, N);
      proxy.set(pool.proxy, p * N);
      gold.set(pool.gold, p * N);
    }
    const pools = poolsFromMatrix(proxy, gold, N);
    const curve = bestOfNCurve(pools);
    expect(curve.map((c) => c.n)).toEqual([1, 2, 4, 8, 16, 32, 50]);
    const perPrompt = pools.map((pool) => bestOfNPool(pool, [8])[0].gold);
    const mean = perPrompt.reduce((a, b) => a + b, 0) / P;
    const sd = Math.sqrt(perPrompt.reduce((a, b) => a + (b - mean) ** 2, 0) / (P - 1));
    const at8 = curve.find((c) => c.n === 8)!;
    expect(at8.gold).toBeCloseTo(mean, 12);
    expect(at8.goldSe).toBeCloseTo(sd / Math.sqrt(P), 12);
    expect(at8.kl).toBeCloseTo(Math.log(8) - 7 / 8, 14);
    expect(curve[0].goldGain).toBeCloseTo(0, 14);
    for (let k = 1; k < curve.length; k++) expect(curve[k].proxy).toBeGreaterThan(curve[k - 1].proxy);
    expect(() => bestOfNCurve(pools, [51])).toThrow(/n = 51/);
  });
});

describe("klBestOfN / defaultNs", () => {
  it("computes ln n - (n-1)/n and the powers of two up to N", () => {
    expect(klBestOfN(1)).toBe(0);
    expect(klBestOfN(2)).toBeCloseTo(Math.log(2) - 0.5, 15);
    expect(klBestOfN(1024)).toBeCloseTo(Math.log(1024) - 1023 / 1024, 13);
    expect(() => klBestOfN(0)).toThrow(/n must be an integer >= 1/);
    expect(defaultNs(16)).toEqual([1, 2, 4, 8, 16]);
    expect(defaultNs(20)).toEqual([1, 2, 4, 8, 16, 20]);
    expect(defaultNs(1)).toEqual([1]);
  });
});

describe("best-of-n properties (fast-check)", () => {
  it("the expected gold lies within the pool's range and the expected proxy never falls as n grows", () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.integer({ min: -20, max: 20 }), fc.double({ min: -5, max: 5, noNaN: true })), { minLength: 1, maxLength: 40 }),
        (samples) => {
          const pool = { proxy: samples.map(([p]) => p), gold: samples.map(([, g]) => g) };
          const ns = Array.from({ length: samples.length }, (_, i) => i + 1);
          const points = bestOfNPool(pool, ns);
          const lo = Math.min(...pool.gold);
          const hi = Math.max(...pool.gold);
          for (let k = 0; k < points.length; k++) {
            expect(points[k].gold).toBeGreaterThanOrEqual(lo - 1e-9);
            expect(points[k].gold).toBeLessThanOrEqual(hi + 1e-9);
            if (k > 0) expect(points[k].proxy).toBeGreaterThanOrEqual(points[k - 1].proxy - 1e-9);
          }
          // With gold = proxy the estimator is E[max of n], which cannot fall either.
          const self = bestOfNPool({ proxy: pool.proxy, gold: pool.proxy }, ns);
          self.forEach((p, k) => expect(p.gold).toBeCloseTo(points[k].proxy, 9));
        },
      ),
      { numRuns: 200, seed: 42 },
    );
  });

  it("accepts pools of different sizes as long as each holds max(ns) samples", () => {
    const rng = new Rng(8);
    const pools = [randomPool(rng, 16), randomPool(rng, 40)];
    const curve = bestOfNCurve(pools, [1, 16]);
    const expected = (pools[0].gold.reduce((a, b) => a + b, 0) / 16 + pools[1].gold.reduce((a, b) => a + b, 0) / 40) / 2;
    expect(curve[0].gold).toBeCloseTo(expected, 12);
    expect(curve[1].gold).toBeCloseTo((bestOfNPool(pools[0], [16])[0].gold + bestOfNPool(pools[1], [16])[0].gold) / 2, 12);
    expect(() => bestOfNCurve(pools, [17])).toThrow(/smallest pool has 16/);
  });
});
