/**
 * Uncertainty of best-of-n results: bootstrap intervals (prompts and seeds resampled, see
 * stats/bootstrap.ts) of a series' fitted d (a - b d), its peak, the observed peak and the value at
 * the largest n, and of the difference between two series (e.g. an aggregation minus the average
 * single member). Input: per seed, the per-prompt values of `bestOfNPromptValues`; every seed is
 * evaluated on the same prompts and the same n list (the study's shared pools), so one resample
 * of prompt indices applies to all seeds and all series, and comparisons stay paired.
 */
import { fitOveroptimization } from "../fits.ts";
import { bootstrapMany, type BootstrapInterval, type BootstrapOptions, type Resample } from "../stats/bootstrap.ts";
import type { BonPromptValues } from "./estimator.ts";
import { klBestOfN } from "./kl.ts";

/** Names of the statistics `bonSeriesIntervals` returns. */
export const BON_SERIES_STATISTICS = [
  "a",
  "b",
  "peakD",
  "peakValue",
  "observedPeak",
  "observedPeakD",
  "goldAtMaxN",
  "proxyAtMaxN",
] as const;
export type BonSeriesStatistic = (typeof BON_SERIES_STATISTICS)[number];

function checkAligned(perSeed: readonly BonPromptValues[], what: string): { ns: number[]; prompts: number } {
  if (perSeed.length === 0) throw new RangeError(`${what}: no seeds`);
  const ns = perSeed[0]!.ns;
  const prompts = perSeed[0]!.goldGain[0]!.length;
  perSeed.forEach((v, s) => {
    if (v.ns.join(",") !== ns.join(","))
      throw new RangeError(`${what}: seed ${s} has n values ${v.ns.join(",")}, seed 0 has ${ns.join(",")}`);
    if (v.goldGain[0]!.length !== prompts)
      throw new RangeError(`${what}: seed ${s} has ${v.goldGain[0]!.length} prompts, seed 0 has ${prompts}`);
  });
  return { ns, prompts };
}

/** Mean and SE over the resample's (seed, prompt) units of `rows[s][p]`. */
function unitMeanSe(rows: readonly ArrayLike<number>[], r: Resample): [number, number] {
  let sum = 0;
  let sumSq = 0;
  for (const s of r.seeds) {
    const row = rows[s]!;
    for (const p of r.prompts) {
      const v = row[p]!;
      sum += v;
      sumSq += v * v;
    }
  }
  const count = r.seeds.length * r.prompts.length;
  const mean = sum / count;
  const variance = Math.max(0, (sumSq - count * mean * mean) / (count - 1));
  return [mean, Math.sqrt(variance / count)];
}

/** The mean gold-gain curve of a resample and its SEs, per n. */
function resampledCurve(perSeed: readonly BonPromptValues[], field: "goldGain" | "proxyGain", k: number, r: Resample): [number, number] {
  return unitMeanSe(
    perSeed.map((v) => v[field][k]!),
    r,
  );
}

/** All of a series' statistics on one resample (NaN where undefined, e.g. no fitted peak). */
function seriesStatistics(perSeed: readonly BonPromptValues[], ns: readonly number[], r: Resample): Record<BonSeriesStatistic, number> {
  const d = ns.map((n) => Math.sqrt(klBestOfN(n)));
  const mean: number[] = [];
  const se: number[] = [];
  ns.forEach((_, k) => {
    const [m, e] = resampledCurve(perSeed, "goldGain", k, r);
    mean.push(m);
    se.push(e);
  });
  let peak = 0;
  for (let k = 1; k < ns.length; k++) if (mean[k]! > mean[peak]!) peak = k;
  const out: Record<BonSeriesStatistic, number> = {
    a: Number.NaN,
    b: Number.NaN,
    peakD: Number.NaN,
    peakValue: Number.NaN,
    observedPeak: mean[peak]!,
    observedPeakD: d[peak]!,
    goldAtMaxN: mean[ns.length - 1]!,
    proxyAtMaxN: resampledCurve(perSeed, "proxyGain", ns.length - 1, r)[0],
  };
  try {
    // Weighted by 1/SE^2 as the per-run fit is (d = 0 points carry no information and are skipped).
    const weightsOk = ns.every((_, k) => d[k] === 0 || se[k]! > 0);
    const f = fitOveroptimization("bon", d, mean, weightsOk ? { weights: se.map((e, k) => (d[k] === 0 ? 0 : 1 / e ** 2)) } : {});
    out.a = f.a;
    out.b = f.b;
    if (f.peak) {
      out.peakD = f.peak.d;
      out.peakValue = f.peak.value;
    }
  } catch {
    // A degenerate resample (e.g. too few distinct d): the fit's statistics stay NaN and count as failed.
  }
  return out;
}

/**
 * Bootstrap intervals of one series' headline numbers: the fit's a and b, fitted peak d* and
 * R(d*), the observed peak gold and its d, and gold and proxy at the largest n.
 */
export function bonSeriesIntervals(
  perSeed: readonly BonPromptValues[],
  options: BootstrapOptions = {},
): Record<BonSeriesStatistic, BootstrapInterval> {
  const { ns, prompts } = checkAligned(perSeed, "bonSeriesIntervals");
  // One pass per resample computes every statistic; the per-name functions read the cached result.
  let cacheKey: Resample | null = null;
  let cached: Record<BonSeriesStatistic, number> | null = null;
  const stats = (r: Resample) => {
    if (cacheKey !== r) {
      cacheKey = r;
      cached = seriesStatistics(perSeed, ns, r);
    }
    return cached!;
  };
  const fns = Object.fromEntries(BON_SERIES_STATISTICS.map((k) => [k, (r: Resample) => stats(r)[k]])) as Record<
    BonSeriesStatistic,
    (r: Resample) => number
  >;
  return bootstrapMany({ seeds: perSeed.length, prompts }, fns, options);
}

/**
 * Interval of the paired difference `a - b` of gold gain at the largest n (or at `n`), where `a`
 * and `b` are two series evaluated on the same seeds and prompts (e.g. WCO and the average single
 * member). Each is given per seed.
 */
export function bonDifferenceInterval(
  a: readonly BonPromptValues[],
  b: readonly BonPromptValues[],
  options: BootstrapOptions & { n?: number; field?: "goldGain" | "proxyGain" } = {},
): BootstrapInterval {
  const { ns, prompts } = checkAligned([...a, ...b], "bonDifferenceInterval");
  if (a.length !== b.length) throw new RangeError(`bonDifferenceInterval: ${a.length} seeds against ${b.length}`);
  const n = options.n ?? ns[ns.length - 1]!;
  const k = ns.indexOf(n);
  if (k < 0) throw new RangeError(`bonDifferenceInterval: n = ${n} is not among the curve's n values ${ns.join(", ")}`);
  const field = options.field ?? "goldGain";
  const diff = a.map((v, s) => Float64Array.from(v[field][k]!, (x, p) => x - b[s]![field][k]![p]!));
  return bootstrapMany({ seeds: a.length, prompts }, { diff: (r) => unitMeanSe(diff, r)[0] }, options).diff;
}

/** The per-prompt average of several series (e.g. the average single member of an ensemble), per seed. */
export function averageSeries(series: readonly BonPromptValues[]): BonPromptValues {
  if (series.length === 0) throw new RangeError("averageSeries: no series");
  const { ns } = checkAligned(series, "averageSeries");
  const avg = (field: "gold" | "proxy" | "goldGain" | "proxyGain") =>
    ns.map((_, k) => {
      const out = new Float64Array(series[0]![field][k]!.length);
      for (const s of series) s[field][k]!.forEach((v, p) => (out[p]! += v / series.length));
      return out;
    });
  const kl = series.every((s) => s.kl)
    ? ns.map((_, k) => {
        const out = new Float64Array(series[0]!.kl![k]!.length);
        for (const s of series) s.kl![k]!.forEach((v, p) => (out[p]! += v / series.length));
        return out;
      })
    : null;
  return { ns: [...ns], gold: avg("gold"), proxy: avg("proxy"), goldGain: avg("goldGain"), proxyGain: avg("proxyGain"), kl };
}
