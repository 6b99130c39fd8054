/**
 * Percentile bootstrap confidence intervals over prompts and seeds (Efron & Tibshirani 1993, ch. 13).
 *
 * The data of a study are crossed: every seed's proxies are evaluated on the same prompts. One
 * bootstrap replicate draws S seeds with replacement from the S seeds and, independently, P prompt
 * indices with replacement from the P prompts; the same prompt indices are used for every drawn
 * seed (and for every method compared), so paired comparisons stay paired. The statistic is
 * recomputed on the replicate; the interval is the (alpha/2, 1 - alpha/2) percentiles of the B
 * replicate values. With one seed only prompts are resampled.
 *
 * Replicates where the statistic is not finite (e.g. a refit whose curve has no peak) are counted
 * and left out of the percentiles: `failed` says how many, so a reader can tell when an interval
 * rests on fewer replicates than asked for. Seeded and deterministic (no Math.random).
 */
import { Rng, type Seed } from "@goodhart/engine";
import { quantileSorted } from "./describe.ts";

/** Default replicate count: enough for stable 2.5/97.5 percentiles (about +-0.5 percentile points). */
export const DEFAULT_BOOTSTRAP_REPLICATES = 1000;

export interface BootstrapOptions {
  /** Replicates B. Default 1000. */
  replicates?: number;
  /** Seed of the resampling. Default 0. */
  seed?: Seed;
  /** Confidence level. Default 0.95. */
  level?: number;
}

/** A resample: which seed indices and which prompt indices (both with repetition). */
export interface Resample {
  seeds: readonly number[];
  prompts: readonly number[];
}

export interface BootstrapInterval {
  /** The statistic on the original data. */
  estimate: number;
  low: number;
  high: number;
  level: number;
  /** Standard deviation of the replicate values (the bootstrap SE). */
  se: number;
  replicates: number;
  /** Replicates whose statistic was not finite (left out). */
  failed: number;
}

/** Draws one resample of `seeds` seeds and `prompts` prompts. */
export function drawResample(rng: Rng, seeds: number, prompts: number): Resample {
  return {
    seeds: seeds === 1 ? [0] : Array.from({ length: seeds }, () => rng.int(0, seeds)),
    prompts: Array.from({ length: prompts }, () => rng.int(0, prompts)),
  };
}

/** The identity resample (every seed and prompt once): the statistic on the original data. */
export function identityResample(seeds: number, prompts: number): Resample {
  return { seeds: Array.from({ length: seeds }, (_, i) => i), prompts: Array.from({ length: prompts }, (_, i) => i) };
}

/**
 * Percentile intervals of several statistics computed on the same replicates (so intervals of
 * related numbers, such as a fit's a, b and d*, come from one set of draws).
 *
 * @param shape number of seeds S >= 1 and prompts P >= 2
 * @param statistics name -> function of a resample returning the statistic
 */
export function bootstrapMany<K extends string>(
  shape: { seeds: number; prompts: number },
  statistics: Record<K, (r: Resample) => number>,
  options: BootstrapOptions = {},
): Record<K, BootstrapInterval> {
  const { seeds, prompts } = shape;
  if (!Number.isInteger(seeds) || seeds < 1) throw new RangeError(`bootstrap: need at least 1 seed; got ${seeds}`);
  if (!Number.isInteger(prompts) || prompts < 2) throw new RangeError(`bootstrap: need at least 2 prompts to resample; got ${prompts}`);
  const B = options.replicates ?? DEFAULT_BOOTSTRAP_REPLICATES;
  const level = options.level ?? 0.95;
  if (!Number.isInteger(B) || B < 10) throw new RangeError(`bootstrap: replicates must be an integer >= 10; got ${B}`);
  if (!(level > 0 && level < 1)) throw new RangeError(`bootstrap: level must be in (0, 1); got ${level}`);
  const names = Object.keys(statistics) as K[];
  const values = new Map<K, number[]>(names.map((k) => [k, []]));
  const rng = new Rng(options.seed ?? 0).fork("bootstrap");
  for (let b = 0; b < B; b++) {
    const r = drawResample(rng, seeds, prompts);
    for (const k of names) values.get(k)!.push(statistics[k](r));
  }
  const identity = identityResample(seeds, prompts);
  const out = {} as Record<K, BootstrapInterval>;
  for (const k of names) {
    const all = values.get(k)!;
    const finite = Float64Array.from(all.filter((v) => Number.isFinite(v))).sort();
    let mean = 0;
    for (const v of finite) mean += v / finite.length;
    let ss = 0;
    for (const v of finite) ss += (v - mean) ** 2;
    out[k] = {
      estimate: statistics[k](identity),
      low: quantileSorted(finite, (1 - level) / 2),
      high: quantileSorted(finite, 1 - (1 - level) / 2),
      level,
      se: finite.length > 1 ? Math.sqrt(ss / (finite.length - 1)) : Number.NaN,
      replicates: B,
      failed: B - finite.length,
    };
  }
  return out;
}

/** One statistic's percentile interval (see `bootstrapMany`). */
export function bootstrap(
  shape: { seeds: number; prompts: number },
  statistic: (r: Resample) => number,
  options: BootstrapOptions = {},
): BootstrapInterval {
  return bootstrapMany(shape, { value: statistic }, options).value;
}

/**
 * Mean over the resample of per-(seed, prompt) values: `values[s][p]`. The building block of most
 * statistics (a curve point, a difference between methods at one n).
 */
export function resampledMean(values: readonly ArrayLike<number>[], r: Resample): number {
  let sum = 0;
  for (const s of r.seeds) {
    const row = values[s]!;
    for (const p of r.prompts) sum += row[p]!;
  }
  return sum / (r.seeds.length * r.prompts.length);
}

/** Whether an interval excludes zero (a difference is significant either way). */
export function excludesZero(ci: Pick<BootstrapInterval, "low" | "high">): boolean {
  return ci.low > 0 || ci.high < 0;
}

/**
 * Whether a finding stated as "> 0" holds: its interval excludes zero on the finding's side
 * (DESIGN.md section 2). An interval wholly below zero is a significant result against the finding.
 */
export function aboveZero(ci: Pick<BootstrapInterval, "low">): boolean {
  return ci.low > 0;
}
