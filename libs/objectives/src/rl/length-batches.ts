/**
 * Batches of rows of similar length, for inference programs whose rows do not depend on each other
 * (reward scoring, the rollout analysis). A batch is padded to its longest row, and at RL's sizes
 * the programs are compute-bound, so one batch over completions of 5 to 50 tokens spends about
 * half its work on padding; batches of similar lengths spend little, at the cost of a few more
 * program runs (docs/rl.md, "Benchmark").
 */

export interface LengthBatchOptions {
  /** Rows per batch at most. */
  maxRows: number;
  /** A batch's padded size (rows x longest) stays within `slack` x its real tokens. */
  slack: number;
}

export const LENGTH_BATCHES: LengthBatchOptions = { maxRows: 64, slack: 1.2 };

/**
 * Row indices grouped into batches: sorted by length (stable, so equal lengths keep their order),
 * then cut greedily wherever the next row would exceed `maxRows` or the padding budget.
 */
export function lengthBatches(lengths: readonly number[], options: LengthBatchOptions = LENGTH_BATCHES): number[][] {
  if (!(options.maxRows >= 1) || !(options.slack >= 1))
    throw new RangeError(`lengthBatches: maxRows must be >= 1 and slack >= 1; got ${JSON.stringify(options)}`);
  const order = lengths.map((_, i) => i).sort((a, b) => lengths[a]! - lengths[b]!);
  const batches: number[][] = [];
  let batch: number[] = [];
  let tokens = 0;
  for (const i of order) {
    const len = lengths[i]!;
    // Sorted ascending, so the new row is the batch's longest: padded size (rows + 1) x len.
    if (batch.length > 0 && (batch.length >= options.maxRows || (batch.length + 1) * len > options.slack * (tokens + len))) {
      batches.push(batch);
      batch = [];
      tokens = 0;
    }
    batch.push(i);
    tokens += len;
  }
  if (batch.length) batches.push(batch);
  return batches;
}
