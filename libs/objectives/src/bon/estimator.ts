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
import { BEIRAMI_KL_ESTIMATOR, klBestOfN, klBestOfNBeirami, defaultNs } from "./kl.ts";

/** One prompt's pool: proxy and gold scores of the same N samples, index-aligned. */
export interface BonPool {
  proxy: ArrayLike<number>;
  gold: ArrayLike<number>;
  /** ln pi_init(y | x) of each sample (for the Beirami KL estimate); optional. */
  logProb?: ArrayLike<number>;
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
  /** The Beirami et al. 2024 estimate of the actual KL, mean over prompts and its SE (pools with logProb only). */
  klEstimate?: { estimator: string; kl: number; se: number };
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
      throw new RangeError(`best-of-n pool: sample ${i} has a non-finite score (proxy ${pool.proxy[i]}, gold ${pool.gold[i]})`);
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
  const r = rankPool(pool);
  const size = r.proxy.length;
  return ns.map((n) => {
    const w = bonWeights(size, n);
    return { n, gold: dot(w, r.gold, n - 1), proxy: dot(w, r.proxy, n - 1) };
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
 * Per-prompt best-of-n values, the raw material of curves, standard errors and bootstraps:
 * `goldGain[k][p]` is prompt p's expected gold of the best-of-ns[k] pick minus its pool mean (gold
 * recentred so the initial policy scores 0), likewise `proxyGain`; `gold`/`proxy` are not
 * recentred. `kl[k][p]` is the Beirami KL estimate averaged over prompt p's best-of-n picks
 * (present only when every pool has `logProb`).
 */
export interface BonPromptValues {
  ns: number[];
  gold: Float64Array[];
  proxy: Float64Array[];
  goldGain: Float64Array[];
  proxyGain: Float64Array[];
  kl: Float64Array[] | null;
}

/** Checks the pools and n list (see `bestOfNCurve`) and returns the n list to use. */
function checkedNs(pools: readonly BonPool[], ns: readonly number[] | undefined, what: string): number[] {
  if (pools.length === 0) throw new RangeError(`${what}: no prompts (empty list of pools)`);
  let minSize = Infinity;
  for (const p of pools) minSize = Math.min(minSize, p.proxy.length);
  const nList = ns ? [...ns] : defaultNs(minSize);
  for (const n of nList) {
    if (!Number.isInteger(n) || n < 1 || n > minSize) {
      throw new RangeError(`${what}: n = ${n} is not an integer in [1, ${minSize}] (smallest pool has ${minSize})`);
    }
  }
  return nList;
}

/** Ranks a pool's samples ascending by proxy; each tie block lists the ranks of equal proxy scores. */
function rankOrder(proxy: ArrayLike<number>): { order: number[]; blocks: [number, number][] } {
  const size = proxy.length;
  const order = Array.from({ length: size }, (_, i) => i);
  order.sort((a, b) => proxy[a]! - proxy[b]! || a - b);
  const blocks: [number, number][] = [];
  let start = 0;
  while (start < size) {
    let end = start + 1;
    while (end < size && proxy[order[end]!] === proxy[order[start]!]) end++;
    if (end - start > 1) blocks.push([start, end]);
    start = end;
  }
  return { order, blocks };
}

/** Values in rank order with each tie block replaced by its mean (random tie-breaking's expectation). */
function ranked(values: ArrayLike<number>, rank: { order: number[]; blocks: [number, number][] }): Float64Array {
  const out = Float64Array.from(rank.order, (i) => values[i]!);
  for (const [a, b] of rank.blocks) {
    let sum = 0;
    for (let r = a; r < b; r++) sum += out[r]!;
    for (let r = a; r < b; r++) out[r] = sum / (b - a);
  }
  return out;
}

/** Per-prompt best-of-n values for every n (see `BonPromptValues`). */
export function bestOfNPromptValues(pools: readonly BonPool[], ns?: readonly number[]): BonPromptValues {
  const nList = checkedNs(pools, ns, "bestOfNPromptValues");
  const P = pools.length;
  const withKl = pools.every((p) => p.logProb !== undefined);
  const make = () => nList.map(() => new Float64Array(P));
  const out: BonPromptValues = { ns: nList, gold: make(), proxy: make(), goldGain: make(), proxyGain: make(), kl: withKl ? make() : null };
  pools.forEach((pool, p) => {
    const r = rankPool(pool); // validates and ranks proxy and gold
    const size = r.proxy.length;
    const w1 = bonWeights(size, 1);
    const gold1 = dot(w1, r.gold, 0);
    const proxy1 = dot(w1, r.proxy, 0);
    let rank: ReturnType<typeof rankOrder> | null = null;
    let eps: Float64Array | null = null;
    if (withKl) {
      const lp = pool.logProb!;
      if (lp.length !== size) throw new RangeError(`best-of-n pool ${p}: ${size} samples but ${lp.length} log-probabilities`);
      rank = rankOrder(pool.proxy);
      eps = Float64Array.from({ length: size }, (_, i) => {
        const e = Math.exp(lp[i]!);
        if (!(e > 0 && e <= 1 + 1e-9))
          throw new RangeError(`best-of-n pool ${p}: sample ${i} has log-probability ${lp[i]}, not a log of a probability in (0, 1]`);
        return Math.min(1, e);
      });
    }
    nList.forEach((n, k) => {
      const w = bonWeights(size, n);
      out.gold[k]![p] = dot(w, r.gold, n - 1);
      out.proxy[k]![p] = dot(w, r.proxy, n - 1);
      out.goldGain[k]![p] = out.gold[k]![p]! - gold1;
      out.proxyGain[k]![p] = out.proxy[k]![p]! - proxy1;
      if (out.kl && rank && eps) {
        const perSample = Float64Array.from(eps, (e) => klBestOfNBeirami(n, e));
        out.kl[k]![p] = dot(w, ranked(perSample, rank), n - 1);
      }
    });
  });
  return out;
}

/** A curve (means over prompts with SEs) from per-prompt values. */
export function curveFromPromptValues(v: BonPromptValues): BonCurvePoint[] {
  const P = v.gold[0]!.length;
  return v.ns.map((n, k) => {
    const kl = klBestOfN(n);
    const [g, gSe] = meanAndSe(v.gold[k]!);
    const [r, rSe] = meanAndSe(v.proxy[k]!);
    const [gg, ggSe] = meanAndSe(v.goldGain[k]!);
    const [rg, rgSe] = meanAndSe(v.proxyGain[k]!);
    const point: BonCurvePoint = {
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
    if (v.kl) {
      const [e, eSe] = meanAndSe(v.kl[k]!);
      point.klEstimate = { estimator: BEIRAMI_KL_ESTIMATOR, kl: e, se: eSe };
    }
    return point;
  });
}

/**
 * Best-of-n curve over many prompts: the per-prompt estimator, averaged over prompts with standard
 * errors across prompts. Pools may differ in size but each must hold at least max(ns) samples.
 * With `logProb` on every pool, each point also carries the Beirami KL estimate.
 *
 * @param pools one pool per prompt (P pools)
 * @param ns n values (default: `defaultNs` of the smallest pool)
 */
export function bestOfNCurve(pools: readonly BonPool[], ns?: readonly number[]): BonCurvePoint[] {
  checkedNs(pools, ns, "bestOfNCurve");
  return curveFromPromptValues(bestOfNPromptValues(pools, ns));
}

/**
 * Views row-major score matrices of shape [P, N] (prompt-major) as P pools, without copying.
 *
 * @param proxy Float64Array of length P*N
 * @param gold Float64Array of length P*N
 * @param poolSize N
 * @param logProb optional ln pi_init of each sample, same layout
 */
export function poolsFromMatrix(proxy: Float64Array, gold: Float64Array, poolSize: number, logProb?: Float64Array): BonPool[] {
  if (proxy.length !== gold.length) {
    throw new RangeError(`poolsFromMatrix: proxy has ${proxy.length} scores, gold ${gold.length}`);
  }
  if (!Number.isInteger(poolSize) || poolSize < 1 || proxy.length % poolSize !== 0) {
    throw new RangeError(`poolsFromMatrix: ${proxy.length} scores is not a whole number of pools of ${poolSize}`);
  }
  if (logProb && logProb.length !== proxy.length)
    throw new RangeError(`poolsFromMatrix: ${proxy.length} scores but ${logProb.length} log-probabilities`);
  const pools: BonPool[] = [];
  for (let off = 0; off < proxy.length; off += poolSize) {
    const pool: BonPool = { proxy: proxy.subarray(off, off + poolSize), gold: gold.subarray(off, off + poolSize) };
    if (logProb) pool.logProb = logProb.subarray(off, off + poolSize);
    pools.push(pool);
  }
  return pools;
}
