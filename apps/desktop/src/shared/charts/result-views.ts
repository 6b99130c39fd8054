/**
 * The result views of the science kinds, decided once for the Runs screen, Compare and the report:
 * - `rl-study` (issue 13): gold, proxy and each member against sqrt(KL) with SE bands, the stored
 *   fit d (a - b ln d) and its peak d* with the stored 95% interval; KL by estimator (exact, k1,
 *   k2, k3) against the step; the training metrics as small multiples; the onset detector's
 *   signals with the step each fired and the gold peak marked.
 * - `daa` (issue 14): gold win rate and KL against training progress in epochs; the win rate
 *   against sqrt(KL) frontier per loss with the study's stored family-level fit; held-out chosen
 *   and rejected log-probs.
 * - `constrained-rlhf` (issue 15): gold against the step per method, the multipliers over time,
 *   each component against its threshold, the stored gold surface with the proxy points marked.
 * Everything drawn is stored data: curve points, metric series and fits as the studies wrote them.
 * Nothing is fitted here; the onset panels' finite differences are the detector's own inputs
 * (libs/objectives rl/onset.ts), recomputed from the stored points so they can be drawn.
 */
import { constrainedView } from "./constrained-view.ts";
import { daaView } from "./daa-view.ts";
import type { ResultView, ViewOptions, ViewRun } from "./result-view-parts.ts";
import { rlView } from "./rl-view.ts";

export type { MetricColumns, ResultView, ViewFigure, ViewOptions, ViewRun, ViewSection } from "./result-view-parts.ts";
export { short } from "./result-view-parts.ts";
export { daaCurves } from "./daa-view.ts";

/** The kinds that have a result view. */
export const RESULT_VIEW_KINDS: readonly string[] = ["rl-study", "daa", "constrained-rlhf"];

/** The result view of `kind` over `runs`, or null when the kind has none (or the runs hold nothing it draws). */
export function resultView(kind: string | null | undefined, runs: readonly ViewRun[], options: ViewOptions = {}): ResultView | null {
  if (kind === "rl-study") return rlView(runs, options);
  if (kind === "daa") return daaView(runs, options);
  if (kind === "constrained-rlhf") return constrainedView(runs, options);
  return null;
}
