/**
 * Several seeds' curves averaged on one shared x grid (d = sqrt(KL)), mean +- SE across seeds.
 *
 * Runs of different seeds need not share their x values (RL checkpoints land at different KLs;
 * best-of-n KL estimated from the pool differs per run), so each curve is linearly interpolated
 * onto the grid before averaging. The grid is the sorted union of every curve's x values inside
 * the range all curves cover: no curve is ever extrapolated, so a point is an average of all seeds.
 */
import { meanAndSe } from "./describe.ts";

/** One seed's curve: x ascending (at a repeated x the first point counts), y at those x. */
export interface SeedCurve {
  x: ArrayLike<number>;
  y: ArrayLike<number>;
}

/** The averaged curve: per grid x, the mean and SE across seeds (SE NaN with one seed). */
export interface SeedAverage {
  x: number[];
  mean: number[];
  se: number[];
  seeds: number;
}

/**
 * y of a piecewise-linear curve at `at`. Points must be sorted by x; `at` must lie inside
 * [x[0], x[last]] (the caller builds grids that never extrapolate).
 */
export function interpolate(x: ArrayLike<number>, y: ArrayLike<number>, at: number): number {
  const n = x.length;
  if (n === 0) throw new RangeError("interpolate: empty curve");
  if (at < x[0]! || at > x[n - 1]!) throw new RangeError(`interpolate: x = ${at} is outside the curve's range [${x[0]}, ${x[n - 1]}]`);
  let hi = 0;
  while (hi < n - 1 && x[hi]! < at) hi++;
  if (x[hi] === at || hi === 0) return y[hi]!;
  const lo = hi - 1;
  const t = (at - x[lo]!) / (x[hi]! - x[lo]!);
  return y[lo]! + t * (y[hi]! - y[lo]!);
}

function checkCurve(c: SeedCurve, i: number): void {
  if (c.x.length !== c.y.length) throw new RangeError(`seed curve ${i}: ${c.x.length} x values but ${c.y.length} y values`);
  if (c.x.length === 0) throw new RangeError(`seed curve ${i}: no points`);
  for (let j = 0; j < c.x.length; j++) {
    if (!Number.isFinite(c.x[j]) || !Number.isFinite(c.y[j]))
      throw new RangeError(`seed curve ${i}: point ${j} is not finite (x ${c.x[j]}, y ${c.y[j]})`);
    if (j > 0 && c.x[j]! < c.x[j - 1]!)
      throw new RangeError(`seed curve ${i}: x must be ascending (point ${j}: ${c.x[j]} after ${c.x[j - 1]})`);
  }
}

/** The shared grid of several curves (see module doc). */
export function sharedGrid(curves: readonly SeedCurve[]): number[] {
  if (curves.length === 0) throw new RangeError("sharedGrid: no curves");
  curves.forEach(checkCurve);
  const lo = Math.max(...curves.map((c) => c.x[0]!));
  const hi = Math.min(...curves.map((c) => c.x[c.x.length - 1]!));
  if (lo > hi) throw new RangeError(`sharedGrid: the curves share no x range (latest start ${lo}, earliest end ${hi})`);
  const xs = new Set<number>();
  for (const c of curves) for (let j = 0; j < c.x.length; j++) if (c.x[j]! >= lo && c.x[j]! <= hi) xs.add(c.x[j]!);
  return [...xs].sort((a, b) => a - b);
}

/** Averages seed curves on their shared grid (or on `grid`, which must lie inside every curve's range). */
export function averageSeeds(curves: readonly SeedCurve[], grid?: readonly number[]): SeedAverage {
  const x = grid ? [...grid] : sharedGrid(curves);
  if (grid) curves.forEach(checkCurve);
  const mean: number[] = [];
  const se: number[] = [];
  const column = new Float64Array(curves.length);
  for (const at of x) {
    curves.forEach((c, i) => (column[i] = interpolate(c.x, c.y, at)));
    const s = meanAndSe(column);
    mean.push(s.mean);
    se.push(s.se);
  }
  return { x, mean, se, seeds: curves.length };
}
