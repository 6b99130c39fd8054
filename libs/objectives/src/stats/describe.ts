/**
 * Means and standard errors: the uncertainty every reported number carries (DESIGN.md section 2).
 */

/** Mean and standard error of the mean (sample std / sqrt(count)); SE is NaN with fewer than 2 values. */
export function meanAndSe(values: ArrayLike<number>): { mean: number; se: number; count: number } {
  const count = values.length;
  if (count === 0) return { mean: Number.NaN, se: Number.NaN, count };
  let sum = 0;
  for (let i = 0; i < count; i++) sum += values[i]!;
  const mean = sum / count;
  if (count < 2) return { mean, se: Number.NaN, count };
  let ss = 0;
  for (let i = 0; i < count; i++) ss += (values[i]! - mean) ** 2;
  return { mean, se: Math.sqrt(ss / (count - 1) / count), count };
}

/** The q-quantile (0 <= q <= 1) of sorted values, linearly interpolated (numpy's default "linear"). */
export function quantileSorted(sorted: ArrayLike<number>, q: number): number {
  const n = sorted.length;
  if (n === 0) return Number.NaN;
  if (!(q >= 0 && q <= 1)) throw new RangeError(`quantile: q must be in [0, 1]; got ${q}`);
  const h = (n - 1) * q;
  const lo = Math.floor(h);
  const hi = Math.min(n - 1, lo + 1);
  return sorted[lo]! + (h - lo) * (sorted[hi]! - sorted[lo]!);
}
