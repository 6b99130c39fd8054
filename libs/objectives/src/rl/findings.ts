/**
 * The RL study's findings across seeds, each with a 95% percentile bootstrap interval over seeds
 * and evaluation prompts (stats/bootstrap.ts; the same prompt indices for every seed and both
 * sides of a difference, so comparisons stay paired). Every finding here is "> 0" and holds when its
 * interval lies above 0.
 *
 * - goldDropSingle: peak minus final gold gain of single-proxy runs without KL penalty (Gao et
 *   al.: > 0 means the run overoptimized). The peak is the best evaluation of each run, chosen on
 *   the same data, so the estimate leans high; the interval is over prompts and seeds given those
 *   peak steps.
 * - <objective>MinusSingle at a KL coefficient: final gold gain of the ensemble objective minus
 *   that of one member alone, same seed (same proxies) and prompts (Coste et al.: > 0).
 */
import { aboveZero, bootstrapMany, resampledMean, type BootstrapInterval } from "../stats/bootstrap.ts";
import type { RlObjective } from "../kinds/rl/schema.ts";
import type { RlRunResult } from "./study.ts";

export interface RlFinding extends BootstrapInterval {
  seeds: number;
  prompts: number;
  holds: boolean;
}

function finding(values: number[][], options: { replicates?: number; seed: string }): RlFinding | null {
  if (values.length === 0 || values[0]!.length < 2) return null;
  const shape = { seeds: values.length, prompts: values[0]!.length };
  const ci = bootstrapMany(
    shape,
    { value: (r) => resampledMean(values, r) },
    { replicates: options.replicates ?? 1000, seed: options.seed },
  ).value;
  return { ...ci, seeds: shape.seeds, prompts: shape.prompts, holds: aboveZero(ci) };
}

/** Peak minus final gold of the single-proxy runs of one proxy size at KL coefficient 0. */
export function goldDropSingle(runs: readonly RlRunResult[], proxy: string, options: { replicates?: number } = {}): RlFinding | null {
  const rows = runs
    .filter((r) => r.objective === "single" && r.klCoef === 0 && r.proxy === proxy)
    .sort((a, b) => a.seed - b.seed)
    .map((r) => r.peakGoldPerPrompt.map((p, i) => p - r.finalGoldPerPrompt[i]!));
  return finding(rows, { ...options, seed: `gold-drop-${proxy}` });
}

/** Final gold of `objective` minus final gold of "single", paired by seed, at one KL coefficient. */
export function objectiveMinusSingle(
  runs: readonly RlRunResult[],
  objective: RlObjective,
  klCoef: number,
  options: { replicates?: number } = {},
): RlFinding | null {
  const rows: number[][] = [];
  const bySeed = (o: RlObjective) =>
    new Map(runs.filter((r) => r.objective === o && r.klCoef === klCoef).map((r) => [`${r.proxy}/${r.seed}`, r]));
  const single = bySeed("single");
  for (const [key, run] of [...bySeed(objective)].sort(([a], [b]) => a.localeCompare(b))) {
    const base = single.get(key);
    if (base) rows.push(run.finalGoldPerPrompt.map((g, i) => g - base.finalGoldPerPrompt[i]!));
  }
  return finding(rows, { ...options, seed: `${objective}-minus-single-${klCoef}` });
}
