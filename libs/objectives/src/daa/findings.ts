/**
 * Study-level statistics of a direct alignment study, each with a 95% percentile bootstrap interval
 * over seeds and prompts (stats/bootstrap.ts: one resample of seeds and prompts applies to every
 * run, so comparisons between losses stay paired):
 *
 * - the frontier fit per loss: R(d) = d (a - b ln d) (fits.ts, form "rl") over every checkpoint
 *   after step 0 of every beta, with d = sqrt(exact KL) and R the gold win rate minus 1/2 or the
 *   gold gain; its peak d* = e^(a/b - 1) and R(d*);
 * - daa_winrate_drop_epoch1: the largest gold win rate among the checkpoints inside epoch 1 minus
 *   the win rate at the end of epoch 1 (smallest beta). It is >= 0 by construction; the finding is
 *   that its interval excludes 0 (the peak is reliably before the epoch ends). The maximum makes the
 *   estimate biased upward by noise, which is why the interval, not the estimate, decides;
 * - rpo_minus_dpo_chosen_logp and rpo_minus_dpo_gold: at the last checkpoint, RPO (the given eta)
 *   minus DPO at the same beta, averaged over the betas both ran: held-out chosen log-prob (pairs
 *   resampled) and gold gain (prompts resampled).
 */
import { fitOveroptimization } from "../fits.ts";
import { bootstrapMany, resampledMean, type BootstrapInterval, type BootstrapOptions, type Resample } from "../stats/bootstrap.ts";
import type { DaaEvaluation } from "./evaluate.ts";

/** The runs of one (loss, eta, beta): one list of evaluations per seed, in the study's seed order. */
export interface DaaCell {
  loss: string;
  eta: number | null;
  beta: number;
  seeds: readonly (readonly DaaEvaluation[])[];
}

export interface FrontierFit {
  loss: string;
  target: "win-rate" | "gold";
  a: number;
  b: number;
  aSe: number;
  bSe: number;
  r2: number;
  /** Residual sum of squares of the fit. */
  rss: number;
  points: number;
  peakD: number | null;
  peakValue: number | null;
  /** Bootstrap intervals of a, b, peakD and peakValue (null with fewer than 2 prompts). */
  intervals: Record<"a" | "b" | "peakD" | "peakValue", BootstrapInterval> | null;
}

export interface DaaFinding extends BootstrapInterval {
  seeds: number;
  prompts: number;
}

type PromptKey = "kl" | "winRate" | "goldGain";

/** Mean of a per-prompt value at checkpoint k of a cell, over the resample's seeds and prompts. */
function cellMean(cell: DaaCell, k: number, key: PromptKey, r: Resample): number {
  return resampledMean(
    cell.seeds.map((evals) => evals[k]!.perPrompt[key]),
    r,
  );
}

function frontierPoints(cells: readonly DaaCell[], target: FrontierFit["target"], r: Resample): { d: number[]; y: number[] } {
  const d: number[] = [];
  const y: number[] = [];
  for (const cell of cells) {
    const checkpoints = cell.seeds[0]!.length;
    for (let k = 0; k < checkpoints; k++) {
      if (cell.seeds[0]![k]!.step === 0) continue;
      d.push(Math.sqrt(Math.max(0, cellMean(cell, k, "kl", r))));
      y.push(target === "win-rate" ? cellMean(cell, k, "winRate", r) - 0.5 : cellMean(cell, k, "goldGain", r));
    }
  }
  return { d, y };
}

function shapeOf(cells: readonly DaaCell[]): { seeds: number; prompts: number } {
  return { seeds: cells[0]!.seeds.length, prompts: cells[0]!.seeds[0]![0]!.perPrompt.kl.length };
}

function identity(shape: { seeds: number; prompts: number }): Resample {
  return { seeds: Array.from({ length: shape.seeds }, (_, i) => i), prompts: Array.from({ length: shape.prompts }, (_, i) => i) };
}

/**
 * Fits d (a - b ln d) to one loss's checkpoints (all betas), with bootstrap intervals.
 * @throws RangeError when the points cannot be fitted (fewer than 3, or all at one d)
 */
export function fitFrontier(
  loss: string,
  cells: readonly DaaCell[],
  target: FrontierFit["target"],
  options: BootstrapOptions = {},
): FrontierFit {
  if (cells.length === 0) throw new RangeError(`fitFrontier: no runs of loss ${loss}`);
  const shape = shapeOf(cells);
  const pts = frontierPoints(cells, target, identity(shape));
  const f = fitOveroptimization("rl", pts.d, pts.y);
  const refit = (r: Resample) => {
    try {
      const p = frontierPoints(cells, target, r);
      return fitOveroptimization("rl", p.d, p.y);
    } catch {
      return null;
    }
  };
  let intervals: FrontierFit["intervals"] = null;
  if (shape.prompts >= 2) {
    // One refit per replicate serves all four statistics.
    let last: { r: Resample; fit: ReturnType<typeof refit> } | null = null;
    const fitOf = (r: Resample) => (last && last.r === r ? last.fit : (last = { r, fit: refit(r) }).fit);
    intervals = bootstrapMany(
      shape,
      {
        a: (r) => fitOf(r)?.a ?? NaN,
        b: (r) => fitOf(r)?.b ?? NaN,
        peakD: (r) => fitOf(r)?.peak?.d ?? NaN,
        peakValue: (r) => fitOf(r)?.peak?.value ?? NaN,
      },
      { ...options, seed: options.seed ?? `frontier/${loss}/${target}` },
    );
  }
  return {
    loss,
    target,
    a: f.a,
    b: f.b,
    aSe: f.aSe,
    bSe: f.bSe,
    r2: f.r2,
    rss: f.rss,
    points: f.points,
    peakD: f.peak?.d ?? null,
    peakValue: f.peak?.value ?? null,
    intervals,
  };
}

/** Peak gold win rate inside epoch 1 minus the win rate at the end of epoch 1, for one cell. */
export function winRateDropEpochOne(cell: DaaCell, options: BootstrapOptions = {}): DaaFinding {
  const evals = cell.seeds[0]!;
  const inside = evals.map((e, k) => ({ e, k })).filter(({ e }) => e.epochFraction > 0 && e.epochFraction <= 1);
  const end = inside.find(({ e }) => e.epochFraction === 1);
  if (!end || inside.length < 2) throw new RangeError("winRateDropEpochOne: need checkpoints inside epoch 1 and at its end");
  const shape = shapeOf([cell]);
  const ci = bootstrapMany(
    shape,
    { drop: (r) => Math.max(...inside.map(({ k }) => cellMean(cell, k, "winRate", r))) - cellMean(cell, end.k, "winRate", r) },
    { ...options, seed: options.seed ?? "daa-winrate-drop" },
  ).drop;
  return { ...ci, ...shape };
}

/**
 * RPO minus DPO at the last checkpoint, averaged over the betas both ran: held-out chosen log-prob
 * ("chosen-logp") or gold gain ("gold"). `pairs` are matched by beta.
 */
export function rpoMinusDpo(
  pairs: readonly { rpo: DaaCell; dpo: DaaCell }[],
  what: "chosen-logp" | "gold",
  options: BootstrapOptions = {},
): DaaFinding {
  if (pairs.length === 0) throw new RangeError("rpoMinusDpo: no beta with both an RPO and a DPO run");
  const first = pairs[0]!.rpo.seeds[0]!;
  const last = first.length - 1;
  const values = (cell: DaaCell) =>
    cell.seeds.map((evals) => (what === "gold" ? evals[last]!.perPrompt.goldGain : evals[last]!.perPair.chosenLogp));
  const shape = { seeds: pairs[0]!.rpo.seeds.length, prompts: values(pairs[0]!.rpo)[0]!.length };
  const ci = bootstrapMany(
    shape,
    { diff: (r) => pairs.reduce((s, p) => s + resampledMean(values(p.rpo), r) - resampledMean(values(p.dpo), r), 0) / pairs.length },
    { ...options, seed: options.seed ?? `rpo-minus-dpo/${what}` },
  ).diff;
  return { ...ci, ...shape };
}
