/**
 * The unbiased best-of-n estimator (Gao et al. 2023, appendix; after Nakano et al. 2021).
 *
 * From one pool of N >= n samples per prompt, sorted ascending by proxy score, the expected gold
 * score of the best-of-n choice (the sample with the highest proxy score among n drawn without
 * replacement) is
 *
 *   R_n = sum_{i=n..N} C(i-1, n-1) / C(N, n) * gold_i          (i is the 1-based rank)
 *
 * because sample i is the maximum of a random n-subset exactly when the subset holds i and n-1 of
 * the i-1 samples below it. Weights are computed in log space with lgamma.
 *
 * Ties in proxy score: samples with equal proxy scores (exact equality) form one block of ranks,
 * and each sample in the block is given the block's mean gold. This is exactly the expectation
 * when the best-of-n selector breaks ties uniformly at random, it does not depend on the input
 * order, and it is deterministic.
 */
import { logChoose } from "../special.ts";
import { klBestOfN, defaultNs } from "./kl.ts";

/** One prompt's pool: proxy and gold scores of the same N samples, index-aligned. */
export interface BonPool {
  proxy: ArrayLike<number>;
  gold: ArrayLike<number>;
}

/** Expected scores of the best-of-n choice for one prompt. */
export interface BonPoolPoint {
  n: number;
  /** Expected gold score of the selected sample. */
  gold: number;
  /** Expected proxy score of the selected sample. */
  proxy: number;
}

/** One point of a best-of-n curve averaged over prompts. */
export interface BonCurvePoint {
  n: number;
  /** Analytic KL in nats, `ln n - (n-1)/n`; stored with estimator "analytic-bon". */
  kl: number;
  /** d = sqrt(KL), the x axis of the overoptimization plots. */
  d: number;
  /** Mean over prompts of the expected gold of the best-of-n sample. */
  gold: number;
  /** Standard error of `gold` across prompts (sample std / sqrt(P)); NaN with one prompt. */
  goldSe: number;
  proxy: number;
  proxySe: number;
  /**
   * Gold minus the same prompt's pool mean (the n = 1 value), averaged over prompts: gold recentred
   * so the initial policy scores 0. Its standard error is paired per prompt, hence smaller.
   */
  goldGain: number;
  goldGainSe: number;
  proxyGain: number;
  proxyGainSe: number;
  /** Number of prompts averaged. */
  prompts: number;
}

const weightCache = new Map<string, Float64Array>();

/**
 * Best-of-n weights over the N ascending proxy ranks: w[j] = C(j, n-1) / C(N, n) for 0-based rank
 * j >= n-1, zero below. They sum to 1 (hockey-stick identity). Cached per (N, n).
 *
 * @param poolSize N >= 1
 * @param n 1 <= n <= N
 * @returns Float64Array of length N
 */
export function bonWeights(poolSize: number, n: number): Float64Array {
  if (!Number.isInteger(poolSize) || poolSize < 1) {
    throw new RangeError(`bonWeights: pool size must be an integer >= 1; got ${poolSize}`);
  }
  if (!Number.isInteger(n) || n < 1 || n > poolSize) {
    throw new RangeError(`bonWeights: n must be an integer in [1, ${poolSize}]; got ${n}`);
  }
  const key = `${poolSize}:${n}`;
  const cached = weightCache.get(key);
  if (cached) return cached;
  const w = new Float64Array(poolSize);
  const logDenominator = logChoose(poolSize, n);
  for (let j = n - 1; j < poolSize; j++) w[j] = Math.exp(logChoose(j, n - 1) - logDenominator);
  if (weightCache.size > 256) weightCache.clear();
  weightCache.set(key, w);
  return w;
}

/**
 * Sorts one pool ascending by proxy and replaces gold by its tie-block mean (see module doc).
 * @returns proxy and gold in rank order, each of length N
 */
export function rankPool(pool: BonPool): { proxy: Float64Array; gold: Float64Array } {
  const size = pool.proxy.length;
  if (pool.gold.length !== size) {
    throw new RangeError(`best-of-n pool: ${size} proxy scores but ${pool.gold.length} gold scores`);
  }
  for (let i = 0; i < size; i++) {
    if (!Number.isFinite(pool.proxy[i]) || !Number.isFinite(pool.gold[i])) {
      throw new RangeError(
        `best-of-n pool: sample ${i} has a non-finite score (proxy ${pool.proxy[i]}, gold ${pool.gold[i]})`,
      );
    }
  }
  const order = Array.from({ length: size }, (_, i) => i);
  order.sort((a, b) => pool.proxy[a] - pool.proxy[b] || a - b);
  const proxy = new Float64Array(size);
  const gold = new Float64Array(size);
  for (let r = 0; r < size; r++) {
    proxy[r] = pool.proxy[order[r]];
    gold[r] = pool.gold[order[r]];
  }
  let start = 0;
  while (start < size) {
    let end = start + 1;
    while (end < size && proxy[end] === proxy[start]) end++;
    if (end - start > 1) {
      let sum = 0;
      for (let r = start; r < end; r++) sum += gold[r];
      const mean = sum / (end - start);
      for (let r = start; r < end; r++) gold[r] = mean;
    }
    start = end;
  }
  return { proxy, gold };
}

function dot(a: Float64Array, b: Float64Array, from: number): number {
  let s = 0;
  for (let j = from; j < a.length; j++) s += a[j] * b[j];
  return s;
}

/**
 * Expected gold and proxy of the best-of-n sample for one prompt, for each n in `ns`.
 *
 * @param pool N samples' proxy and gold scores
 * @param ns n values, each an integer in [1, N]
 */
export function bestOfNPool(pool: BonPool, ns: readonly number[]): BonPoolPoint[] {
  const ranked = rankPool(pool);
  const size = ranked.proxy.length;
  return ns.map((n) => {
    const w = bonWeights(size, n);
    return { n, gold: dot(w, ranked.gold, n - 1), proxy: dot(w, ranked.proxy, n - 1) };
  });
}

function meanAndSe(values: Float64Array): [number, number] {
  const count = values.length;
  let sum = 0;
  for (let i = 0; i < count; i++) sum += values[i];
  const mean = sum / count;
  if (count < 2) return [mean, NaN];
  let ss = 0;
  for (let i = 0; i < count; i++) ss += (values[i] - mean) ** 2;
  return [mean, Math.sqrt(ss / (count - 1) / count)];
}

/**
 * Best-of-n curve over many prompts: the per-prompt estimator, averaged over prompts with standard
 * errors across prompts. Pools may differ in size but each must hold at least max(ns) samples.
 *
 * @param pools one pool per prompt (P pools)
 * @param ns n values (default: `defaultNs` of the smallest pool)
 */
export function bestOfNCurve(pools: readonly BonPool[], ns?: readonly number[]): BonCurvePoint[] {
  if (pools.length === 0) throw new RangeError("bestOfNCurve: no prompts (empty list of pools)");
  let minSize = Infinity;
  for (const p of pools) minSize = Math.min(minSize, p.proxy.length);
  const nList = ns ?? defaultNs(minSize);
  for (const n of nList) {
    if (!Number.isInteger(n) || n < 1 || n > minSize) {
      throw new RangeError(`bestOfNCurve: n = ${n} is not an integer in [1, ${minSize}] (smallest pool has ${minSize})`);
    }
  }
  const P = pools.length;
  const gold = nList.map(() => new Float64Array(P));
  const proxy = nList.map(() => new Float64Array(P));
  const goldGain = nList.map(() => new Float64Array(P));
  const proxyGain = nList.map(() => new Float64Array(P));
  pools.forEach((pool, p) => {
    const ranked = rankPool(pool);
    const size = ranked.proxy.length;
    const w1 = bonWeights(size, 1);
    const gold1 = dot(w1, ranked.gold, 0);
    const proxy1 = dot(w1, ranked.proxy, 0);
    nList.forEach((n, k) => {
      const w = bonWeights(size, n);
      gold[k][p] = dot(w, ranked.gold, n - 1);
      proxy[k][p] = dot(w, ranked.proxy, n - 1);
      goldGain[k][p] = gold[k][p] - gold1;
      proxyGain[k][p] = proxy[k][p] - proxy1;
    });
  });
  return nList.map((n, k) => {
    const kl = klBestOfN(n);
    const [g, gSe] = meanAndSe(gold[k]);
    const [r, rSe] = meanAndSe(proxy[k]);
    const [gg, ggSe] = meanAndSe(goldGain[k]);
    const [rg, rgSe] = meanAndSe(proxyGain[k]);
    return {
      n,
      kl,
      d: Math.sqrt(kl),
      gold: g,
      goldSe: gSe,
      proxy: r,
      proxySe: rSe,
      goldGain: gg,
      goldGainSe: ggSe,
      proxyGain: rg,
      proxyGainSe: rgSe,
      prompts: P,
    };
  });
}

/**
 * Views row-major score matrices of shape [P, N] (prompt-major) as P pools, without copying.
 *
 * @param proxy Float64Array of length P*N
 * @param gold Float64Array of length P*N
 * @param poolSize N
 */
export function poolsFromMatrix(proxy: Float64Array, gold: Float64Array, poolSize: number): BonPool[] {
  if (proxy.length !== gold.length) {
    throw new RangeError(`poolsFromMatrix: proxy has ${proxy.length} scores, gold ${gold.length}`);
  }
  if (!Number.isInteger(poolSize) || poolSize < 1 || proxy.length % poolSize !== 0) {
    throw new RangeError(`poolsFromMatrix: ${proxy.length} scores is not a whole number of pools of ${poolSize}`);
  }
  const pools: BonPool[] = [];
  for (let off = 0; off < proxy.length; off += poolSize) {
    pools.push({ proxy: proxy.subarray(off, off + poolSize), gold: gold.subarray(off, off + poolSize) });
  }
  return pools;
}
