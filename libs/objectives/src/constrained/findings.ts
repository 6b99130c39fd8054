/**
 * The constrained-RLHF study's findings (issue 15), each with a 95% percentile bootstrap interval
 * (stats/bootstrap.ts) and whether it holds:
 *
 * - xiMinusFixed / muMinusFixed: final gold gain of xi-PPO (mu-PPO) minus that of the tuned fixed
 *   weights, paired by seed and evaluation prompt; resampled over seeds and prompts. Moskovitz et
 *   al.: >= 0. Holds when the interval lies above 0 (DESIGN.md: a finding holds when its 95% CI
 *   excludes zero).
 * - nmThresholdError: || theta_NM - theta* || / || theta* || per seed, theta* the swept proxy point
 *   the methods used (joint, else individual, else the best observed point); resampled over seeds
 *   (theta* taken as given). Holds when the interval's upper end is <= 0.1.
 * - nmStepFraction: NM-PPO's steps / the sweep's steps (all weight vectors) per seed. Holds when
 *   the upper end is <= 0.2.
 */
import { bootstrapMany, resampledMean, type BootstrapInterval } from "../stats/bootstrap.ts";
import type { ProxyPoints } from "./surface.ts";

export interface ConstrainedFinding extends BootstrapInterval {
  seeds: number;
  prompts: number;
  holds: boolean;
  /** What "holds" means for this finding. */
  criterion: string;
}

export interface ConstrainedFindings {
  xiMinusFixed: ConstrainedFinding | null;
  muMinusFixed: ConstrainedFinding | null;
  nmThresholdError: ConstrainedFinding | null;
  nmStepFraction: ConstrainedFinding | null;
}

interface RunLike {
  method: string;
  seed: number;
  finalGoldPerPrompt: readonly number[];
}

function interval(
  values: number[][],
  seed: string,
  replicates: number | undefined,
): BootstrapInterval & { seeds: number; prompts: number } {
  const shape = { seeds: values.length, prompts: values[0]!.length };
  const ci = bootstrapMany(shape, { value: (r) => resampledMean(values, r) }, { replicates: replicates ?? 1000, seed }).value;
  return { ...ci, ...shape };
}

/** Final gold of `method` minus the fixed weights', per seed and prompt. */
export function methodMinusFixed(
  runs: readonly RunLike[],
  method: string,
  options: { replicates?: number } = {},
): ConstrainedFinding | null {
  const rows: number[][] = [];
  for (const run of runs.filter((r) => r.method === method).sort((a, b) => a.seed - b.seed)) {
    const fixed = runs.find((r) => r.method === "fixed" && r.seed === run.seed);
    if (fixed) rows.push(run.finalGoldPerPrompt.map((g, i) => g - fixed.finalGoldPerPrompt[i]!));
  }
  if (rows.length === 0 || rows[0]!.length < 2) return null;
  const ci = interval(rows, `${method}-minus-fixed`, options.replicates);
  return { ...ci, holds: ci.low > 0, criterion: "95% CI above 0" };
}

/** A per-seed number's interval over seeds (each seed's value stands for both of two dummy prompts). */
function perSeed(values: number[], seed: string, replicates: number | undefined, max: number): ConstrainedFinding | null {
  if (values.length === 0 || values.some((v) => !Number.isFinite(v))) return null;
  const ci = interval(
    values.map((v) => [v, v]),
    seed,
    replicates,
  );
  return { ...ci, prompts: 0, holds: ci.high <= max, criterion: `95% CI upper end <= ${max}` };
}

/** The proxy point the study's thresholds came from (joint, else individual, else the best observed point). */
export function referenceProxyPoint(pp: ProxyPoints): number[] {
  if (pp.joint && pp.joint.every((x) => x !== null)) return pp.joint.map((x) => x!.estimate);
  if (pp.individual.every((x) => x !== null)) return pp.individual.map((x) => x!.estimate);
  return [...pp.bestObserved.v];
}

export function relativeDistance(x: readonly number[], reference: readonly number[]): number {
  const norm = Math.hypot(...reference);
  return Math.hypot(...x.map((v, i) => v - reference[i]!)) / norm;
}

export function constrainedFindings(
  runs: readonly RunLike[],
  nm: readonly { seed: number; thresholds: number[]; steps: number }[],
  pp: ProxyPoints | null,
  sweepStepsPerSeed: number,
  options: { replicates?: number } = {},
): ConstrainedFindings {
  const reference = pp ? referenceProxyPoint(pp) : null;
  return {
    xiMinusFixed: methodMinusFixed(runs, "xi-ppo", options),
    muMinusFixed: methodMinusFixed(runs, "mu-ppo", options),
    nmThresholdError: reference
      ? perSeed(
          nm.map((r) => relativeDistance(r.thresholds, reference)),
          "nm-threshold-error",
          options.replicates,
          0.1,
        )
      : null,
    nmStepFraction:
      sweepStepsPerSeed > 0
        ? perSeed(
            nm.map((r) => r.steps / sweepStepsPerSeed),
            "nm-step-fraction",
            options.replicates,
            0.2,
          )
        : null,
  };
}
