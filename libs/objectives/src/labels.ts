/**
 * Synthetic preference labels from gold scores (Gao et al. 2023: the gold RM labels the
 * comparisons; Coste et al. 2024: 25% label noise = each label flipped with probability 0.25).
 * `drawLabelFlips` is the project's one label flipper: label sets stored by libs/storage record
 * flips drawn here, storage draws none itself.
 */
import type { Rng } from "@goodhart/engine";

/**
 * Label noise: which of `count` labels to flip, each independently with probability `p`. Draws
 * exactly one uniform per label, in order, so the flips of a prefix do not depend on how many
 * labels follow and the same (stream, p) always gives the same flips.
 *
 * @param rng the stream for the flips (pass a dedicated fork, e.g. rng.fork("label-noise"))
 * @returns one boolean per label, true = flipped
 */
export function drawLabelFlips(count: number, rng: Rng, p: number): boolean[] {
  if (!Number.isSafeInteger(count) || count < 0) throw new RangeError(`drawLabelFlips: count must be a non-negative integer; got ${count}`);
  if (!(p >= 0 && p <= 1)) throw new RangeError(`drawLabelFlips: p must be in [0, 1]; got ${p}`);
  return Array.from({ length: count }, () => rng.uniform() < p);
}

/** One labelled comparison. */
export interface GoldLabel {
  /** Index of the input pair. */
  pair: number;
  /** Which response is labelled chosen after noise: 0 = the pair's first, 1 = its second. */
  chosen: 0 | 1;
  /** Which response has the higher gold score (the label before noise). */
  goldChosen: 0 | 1;
  /** True when the noise flipped this label (then chosen !== goldChosen). */
  flipped: boolean;
  /** |gold_a - gold_b|. */
  margin: number;
}

export interface LabelOptions {
  /** Probability of flipping each kept label, in [0, 1). */
  noise: number;
  /** Pairs with |gold_a - gold_b| <= tieTolerance are dropped as ties (default 1e-9). */
  tieTolerance?: number;
}

export interface LabelResult {
  labels: GoldLabel[];
  /** Indices of the pairs dropped as ties. */
  droppedTies: number[];
  /** Number of flipped labels (also marked per label). */
  flippedCount: number;
}

/**
 * Labels pairs by gold score: the higher-gold response is chosen, ties are dropped, then each kept
 * label is flipped with probability `noise`, drawing exactly one uniform per kept pair from `rng`
 * in pair order (so the flips are reproducible and independent of the gold values).
 *
 * @param goldA gold score of each pair's first response (length M)
 * @param goldB gold score of each pair's second response (length M)
 * @param rng the stream for the flips (pass a dedicated fork, e.g. rng.fork("label-noise"))
 */
export function labelByGold(goldA: ArrayLike<number>, goldB: ArrayLike<number>, rng: Rng, options: LabelOptions): LabelResult {
  const { noise } = options;
  const tol = options.tieTolerance ?? 1e-9;
  if (goldA.length !== goldB.length) throw new RangeError(`labelByGold: ${goldA.length} first responses but ${goldB.length} second`);
  if (!(noise >= 0 && noise < 1)) throw new RangeError(`labelByGold: noise must be in [0, 1); got ${noise}`);
  if (!(tol >= 0)) throw new RangeError(`labelByGold: tieTolerance must be >= 0; got ${tol}`);
  const kept: { pair: number; goldChosen: 0 | 1; margin: number }[] = [];
  const droppedTies: number[] = [];
  for (let i = 0; i < goldA.length; i++) {
    const a = goldA[i];
    const b = goldB[i];
    if (!Number.isFinite(a) || !Number.isFinite(b)) throw new RangeError(`labelByGold: pair ${i} has a non-finite gold score (${a}, ${b})`);
    const margin = Math.abs(a - b);
    if (margin <= tol) droppedTies.push(i);
    else kept.push({ pair: i, goldChosen: a > b ? 0 : 1, margin });
  }
  const flips = drawLabelFlips(kept.length, rng, noise);
  const labels: GoldLabel[] = kept.map(({ pair, goldChosen, margin }, k) => {
    const flipped = flips[k]!;
    return { pair, goldChosen, chosen: flipped ? ((1 - goldChosen) as 0 | 1) : goldChosen, flipped, margin };
  });
  return { labels, droppedTies, flippedCount: flips.filter(Boolean).length };
}
