/**
 * The RL scaling-law fit of one run (Gao et al. 2023): gold gain R(d) = d (a - b ln d) against
 * d = sqrt(KL(pi || pi_init)) over the evaluation points, its peak d* = e^(a/b - 1), and 95%
 * bootstrap intervals over evaluation prompts (every point's per-prompt gold and KL resampled with
 * the same prompt indices, then refitted).
 */
import { fitOveroptimization } from "../fits.ts";
import { bootstrapMany, type BootstrapInterval, type Resample } from "../stats/bootstrap.ts";
import type { EvalPoint } from "./evaluate.ts";

export interface RlFit {
  a: number;
  b: number;
  aSe: number;
  bSe: number;
  r2: number;
  /** Residual sum of squares. */
  rss: number;
  /** d* and R(d*), or null when the fitted curve has no interior maximum (b <= 0). */
  peakD: number | null;
  peakValue: number | null;
  intervals: Record<"a" | "b" | "peakD", BootstrapInterval> | null;
}

/** Gold gain per prompt at each point: gold_p(step) - gold_p(step 0), the base policy scoring 0. */
function goldGains(points: readonly EvalPoint[]): Float64Array[] {
  const base = points[0]!.perPrompt.gold;
  return points.map((p) => Float64Array.from(p.perPrompt.gold, (g, i) => g - base[i]!));
}

function fitOn(points: readonly EvalPoint[], gains: readonly Float64Array[], prompts: readonly number[]) {
  const mean = (xs: ArrayLike<number>) => prompts.reduce((s, i) => s + xs[i]!, 0) / prompts.length;
  const d = points.map((p) => Math.sqrt(Math.max(0, mean(p.perPrompt.klExact))));
  return fitOveroptimization("rl", d, gains.map(mean));
}

/** @returns null when the points cannot be fitted (fewer than 3, or no spread in d) */
export function fitRlRun(points: readonly EvalPoint[], options: { replicates?: number; seed?: string } = {}): RlFit | null {
  if (points.length < 3) return null;
  const gains = goldGains(points);
  const P = points[0]!.prompts;
  const all = Array.from({ length: P }, (_, i) => i);
  let f;
  try {
    f = fitOn(points, gains, all);
  } catch {
    return null;
  }
  const peak = (r: Resample) => {
    try {
      const g = fitOn(points, gains, r.prompts);
      return g.b > 0 ? Math.exp(g.a / g.b - 1) : NaN;
    } catch {
      return NaN;
    }
  };
  const coef = (key: "a" | "b") => (r: Resample) => {
    try {
      return fitOn(points, gains, r.prompts)[key];
    } catch {
      return NaN;
    }
  };
  const intervals =
    P >= 2
      ? bootstrapMany(
          { seeds: 1, prompts: P },
          { a: coef("a"), b: coef("b"), peakD: peak },
          { replicates: options.replicates ?? 500, seed: options.seed ?? "rl-fit" },
        )
      : null;
  const peakD = f.b > 0 ? Math.exp(f.a / f.b - 1) : null;
  return {
    a: f.a,
    b: f.b,
    aSe: f.aSe,
    bSe: f.bSe,
    r2: f.r2,
    rss: f.rss,
    peakD,
    peakValue: peakD === null ? null : peakD * (f.a - f.b * Math.log(peakD)),
    intervals,
  };
}
