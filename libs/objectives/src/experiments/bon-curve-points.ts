/**
 * A best-of-n curve (bon/estimator.ts) as the curve points a study reports to its sink: x = n,
 * the analytic best-of-n KL, proxy and gold gains with their standard errors. Shared by the
 * built-in bon study and the dataset task, so both store the same curve format.
 */
import { ANALYTIC_KL_ESTIMATOR } from "../bon/kl.ts";
import type { BonCurvePoint } from "../bon/estimator.ts";
import type { ExperimentCurvePoint } from "./sink.ts";

/**
 * The points of `series`; `klPrompts` names the prompts the KL is averaged over; `memberScores(i)`
 * gives each ensemble member's score at point i (null: a single proxy, no members stored).
 */
export function bonCurvePoints(
  series: string,
  curve: readonly BonCurvePoint[],
  klPrompts: string,
  memberScores: (i: number) => number[] | null = () => null,
): ExperimentCurvePoint[] {
  return curve.map((p, i) => ({
    series,
    x: p.n,
    xKind: "n",
    kl: p.kl,
    klEstimator: ANALYTIC_KL_ESTIMATOR,
    klPrompts,
    proxyScore: p.proxyGain,
    proxyScores: memberScores(i),
    goldScore: p.goldGain,
    proxySe: p.proxyGainSe,
    goldSe: p.goldGainSe,
    prompts: p.prompts,
    ...(p.klEstimate ? { klEstimates: [p.klEstimate] } : {}),
  }));
}
