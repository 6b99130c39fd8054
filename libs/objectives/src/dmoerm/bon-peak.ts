/**
 * Best-of-n with DMoERM as the proxy against best-of-n with the single RM (Quan 2024 evaluates its
 * RM by best-of-n as well as by agreement): the same pools of base-policy samples, picked by each
 * proxy, scored by gold. Per series the unbiased best-of-n estimator gives each prompt's gold gain
 * at every n (gold recentred on the pool mean, so the initial policy scores 0), and the headline
 * is the difference of the peak gold gains, with a paired percentile bootstrap over prompts.
 *
 * The peak compared is the observed one (the largest mean gold gain over the n grid), which exists
 * for every curve; the fitted d (a - b d) peak is reported per series beside it, but it is
 * undefined whenever a curve has not turned down within the pool (b <= 0), which makes it a poor
 * difference statistic for a small pool.
 */
import { bestOfNPromptValues, poolsFromMatrix, type BonPromptValues } from "../bon/estimator.ts";
import { defaultNs, klBestOfN } from "../bon/kl.ts";
import { bonSeriesIntervals } from "../bon/statistics.ts";
import {
  aboveZero,
  bootstrapMany,
  resampledMean,
  type BootstrapInterval,
  type BootstrapOptions,
  type Resample,
} from "../stats/bootstrap.ts";

export interface BonSeriesSummary {
  /** Mean gold gain at each n of `ns`. */
  goldGain: number[];
  /** Observed peak gold gain (max over n) and where it is. */
  observedPeak: BootstrapInterval;
  observedPeakN: number;
  /** Fitted d (a - b d) peak value; its estimate is NaN when the fitted curve has no peak. */
  fittedPeak: BootstrapInterval;
}

export interface BonPeakComparison {
  prompts: number;
  poolSize: number;
  ns: number[];
  /** sqrt(KL_bon(n)) per n (analytic). */
  d: number[];
  dmoerm: BonSeriesSummary;
  single: BonSeriesSummary;
  /** Observed peak gold gain with DMoERM as the proxy minus with the single RM. */
  peakDifference: BootstrapInterval & { holds: boolean };
}

function observedPeak(v: BonPromptValues, r: Resample): number {
  let best = -Infinity;
  for (const gains of v.goldGain) best = Math.max(best, resampledMean([gains], r));
  return best;
}

function summary(v: BonPromptValues, peak: BootstrapInterval, options: BootstrapOptions): BonSeriesSummary {
  const goldGain = v.goldGain.map((g) => g.reduce((s, x) => s + x, 0) / g.length);
  const fitted = bonSeriesIntervals([v], options).peakValue;
  return { goldGain, observedPeak: peak, observedPeakN: v.ns[goldGain.indexOf(Math.max(...goldGain))]!, fittedPeak: fitted };
}

/**
 * @param gold gold score of each sample, prompt-major [prompts * poolSize]
 * @param proxies each proxy's score of the same samples, same layout
 */
export function compareBonPeaks(
  gold: Float64Array,
  proxies: { dmoerm: Float64Array; single: Float64Array },
  poolSize: number,
  options: BootstrapOptions = {},
): BonPeakComparison {
  const ns = defaultNs(poolSize);
  const dm = bestOfNPromptValues(poolsFromMatrix(proxies.dmoerm, gold, poolSize), ns);
  const single = bestOfNPromptValues(poolsFromMatrix(proxies.single, gold, poolSize), ns);
  const prompts = gold.length / poolSize;
  const ci = bootstrapMany(
    { seeds: 1, prompts },
    {
      dmoerm: (r) => observedPeak(dm, r),
      single: (r) => observedPeak(single, r),
      difference: (r) => observedPeak(dm, r) - observedPeak(single, r),
    },
    options,
  );
  return {
    prompts,
    poolSize,
    ns,
    d: ns.map((n) => Math.sqrt(klBestOfN(n))),
    dmoerm: summary(dm, ci.dmoerm, options),
    single: summary(single, ci.single, options),
    peakDifference: { ...ci.difference, holds: aboveZero(ci.difference) },
  };
}
