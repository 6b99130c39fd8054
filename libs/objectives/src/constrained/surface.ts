/**
 * The gold surface over component values and the proxy points read off it (Moskovitz et al. 2024).
 *
 * A fixed-weight sweep gives evaluation points (v, g): the mean value v_i of each component reward
 * model and the mean gold g of the policy's samples at an evaluation. The surface is the full
 * quadratic in the component values fitted by least squares,
 *   g(v) = c + sum_i b_i v_i + sum_{i <= j} a_ij v_i v_j,
 * the lowest-order form with an interior maximum. The joint proxy point is its stationary point
 * grad g = 0 when the quadratic part is negative definite (a maximum), else there is none. Each
 * component's own proxy point theta_i is the peak of the one-dimensional quadratic g ~ c + b v_i +
 * a v_i^2 fitted over the same points (the component value beyond which gold falls), when a < 0.
 * Both are restricted to the range of values the sweep reached: a peak outside it was not observed,
 * and within the data gold is highest at the boundary (an unrestricted quadratic's vertex can lie
 * far away when gold falls almost linearly).
 *
 * Intervals: percentile bootstrap over evaluation prompts and seeds (stats/bootstrap.ts): each
 * replicate recomputes every point's means on the resampled prompts and seeds and refits.
 */
import { bootstrapMany, type BootstrapInterval, type Resample } from "../stats/bootstrap.ts";

export interface SurfacePoint {
  /** Mean value of each component at this evaluation. */
  v: readonly number[];
  gold: number;
}

export interface QuadraticSurface {
  components: number;
  c: number;
  b: number[];
  /** Symmetric N x N matrix with g = c + b.v + v' A v. */
  a: number[][];
  r2: number;
  nPoints: number;
}

/** Solves M x = y (M square) by Gaussian elimination with partial pivoting; null when singular. */
export function solveLinear(m: readonly (readonly number[])[], y: readonly number[]): number[] | null {
  const n = y.length;
  const aug = m.map((row, i) => [...row, y[i]!]);
  for (let col = 0; col < n; col++) {
    let pivot = col;
    for (let r = col + 1; r < n; r++) if (Math.abs(aug[r]![col]!) > Math.abs(aug[pivot]![col]!)) pivot = r;
    const scale = Math.max(1, ...aug.map((row) => Math.abs(row[col]!)));
    if (Math.abs(aug[pivot]![col]!) < 1e-12 * scale) return null;
    [aug[col], aug[pivot]] = [aug[pivot]!, aug[col]!];
    for (let r = 0; r < n; r++) {
      if (r === col) continue;
      const f = aug[r]![col]! / aug[col]![col]!;
      if (f !== 0) for (let k = col; k <= n; k++) aug[r]![k]! -= f * aug[col]![k]!;
    }
  }
  return aug.map((row, i) => row[n]! / row[i]!);
}

/** Least squares of y on the columns of X (rows = observations); null when X'X is singular. */
function leastSquares(x: readonly number[][], y: readonly number[]): number[] | null {
  const p = x[0]!.length;
  const xtx = Array.from({ length: p }, () => new Array<number>(p).fill(0));
  const xty = new Array<number>(p).fill(0);
  x.forEach((row, r) => {
    for (let i = 0; i < p; i++) {
      xty[i]! += row[i]! * y[r]!;
      for (let j = 0; j < p; j++) xtx[i]![j]! += row[i]! * row[j]!;
    }
  });
  return solveLinear(xtx, xty);
}

function r2Of(x: readonly number[][], y: readonly number[], beta: readonly number[]): number {
  const mean = y.reduce((s, v) => s + v, 0) / y.length;
  let rss = 0;
  let tss = 0;
  x.forEach((row, r) => {
    const fit = row.reduce((s, v, i) => s + v * beta[i]!, 0);
    rss += (y[r]! - fit) ** 2;
    tss += (y[r]! - mean) ** 2;
  });
  return tss > 0 ? 1 - rss / tss : NaN;
}

/** The full quadratic surface; null with too few points or a degenerate design. */
export function fitQuadraticSurface(points: readonly SurfacePoint[]): QuadraticSurface | null {
  if (points.length === 0) return null;
  const n = points[0]!.v.length;
  const pairs: [number, number][] = [];
  for (let i = 0; i < n; i++) for (let j = i; j < n; j++) pairs.push([i, j]);
  const p = 1 + n + pairs.length;
  if (points.length < p) return null;
  const x = points.map((pt) => {
    if (pt.v.length !== n) throw new RangeError(`fitQuadraticSurface: points have ${n} and ${pt.v.length} components`);
    return [1, ...pt.v, ...pairs.map(([i, j]) => pt.v[i]! * pt.v[j]!)];
  });
  const y = points.map((pt) => pt.gold);
  const beta = leastSquares(x, y);
  if (!beta || beta.some((v) => !Number.isFinite(v))) return null;
  const a = Array.from({ length: n }, () => new Array<number>(n).fill(0));
  pairs.forEach(([i, j], k) => {
    const coef = beta[1 + n + k]!;
    if (i === j) a[i]![i] = coef;
    else a[i]![j] = a[j]![i] = coef / 2;
  });
  return { components: n, c: beta[0]!, b: beta.slice(1, 1 + n), a, r2: r2Of(x, y, beta), nPoints: points.length };
}

export function evaluateSurface(s: QuadraticSurface, v: readonly number[]): number {
  let g = s.c;
  for (let i = 0; i < s.components; i++) {
    g += s.b[i]! * v[i]!;
    for (let j = 0; j < s.components; j++) g += s.a[i]![j]! * v[i]! * v[j]!;
  }
  return g;
}

/** Whether a symmetric matrix is negative definite (Cholesky of -A succeeds). */
export function negativeDefinite(a: readonly (readonly number[])[]): boolean {
  const n = a.length;
  const l = Array.from({ length: n }, () => new Array<number>(n).fill(0));
  for (let i = 0; i < n; i++) {
    for (let j = 0; j <= i; j++) {
      let s = -a[i]![j]!;
      for (let k = 0; k < j; k++) s -= l[i]![k]! * l[j]![k]!;
      if (i === j) {
        if (!(s > 0)) return false;
        l[i]![i] = Math.sqrt(s);
      } else l[i]![j] = s / l[j]![j]!;
    }
  }
  return true;
}

/** The surface's maximum (joint proxy point): grad = b + 2 A v = 0; null when A is not negative definite. */
export function surfaceMaximum(s: QuadraticSurface): number[] | null {
  if (!negativeDefinite(s.a)) return null;
  return solveLinear(
    s.a.map((row) => row.map((x) => 2 * x)),
    s.b.map((x) => -x),
  );
}

/** Peak of g ~ c + b v + a v^2 over one component's values; null when the fit opens upwards. */
export function componentProxyPoint(values: readonly number[], gold: readonly number[]): number | null {
  if (values.length < 3) return null;
  const beta = leastSquares(
    values.map((v) => [1, v, v * v]),
    gold,
  );
  if (!beta || !(beta[2]! < 0)) return null;
  return -beta[1]! / (2 * beta[2]!);
}

/** Per-prompt data of one evaluation point of one seed's sweep. */
export interface SweepPointData {
  /** components[i][p]: component i's mean value on prompt p. */
  components: readonly ArrayLike<number>[];
  gold: ArrayLike<number>;
}

export interface ProxyPoints {
  components: string[];
  surface: QuadraticSurface | null;
  /** Joint proxy point (the surface's maximum) per component, null when the surface has none. */
  joint: (BootstrapInterval | null)[] | null;
  /** Each component's own proxy point. */
  individual: (BootstrapInterval | null)[];
  /** The evaluation point (of any seed) of highest gold: a threshold when no fit has a peak. */
  bestObserved: { v: number[]; gold: number };
  /** The observed range of each component's values; proxy points are restricted to it. */
  range: [number, number][];
}

function pointsOf(data: readonly (readonly SweepPointData[])[], r: Resample): SurfacePoint[] {
  const out: SurfacePoint[] = [];
  for (const s of r.seeds) {
    for (const point of data[s]!) {
      const mean = (xs: ArrayLike<number>) => r.prompts.reduce((sum, p) => sum + xs[p]!, 0) / r.prompts.length;
      out.push({ v: point.components.map(mean), gold: mean(point.gold) });
    }
  }
  return out;
}

/**
 * Surface, joint and individual proxy points of a sweep with bootstrap intervals.
 * @param data data[seed][point]: every seed's evaluation points (same prompts everywhere)
 */
export function proxyPoints(
  components: readonly string[],
  data: readonly (readonly SweepPointData[])[],
  options: { replicates?: number; seed?: string } = {},
): ProxyPoints {
  const n = components.length;
  const prompts = data[0]?.[0]?.gold.length ?? 0;
  if (data.length === 0 || data.some((d) => d.length === 0)) throw new RangeError("proxyPoints: every seed needs evaluation points");
  const identity: Resample = { seeds: data.map((_, i) => i), prompts: Array.from({ length: prompts }, (_, i) => i) };
  const all = pointsOf(data, identity);
  const surface = fitQuadraticSurface(all);
  const range = components.map((_, i) => [Math.min(...all.map((p) => p.v[i]!)), Math.max(...all.map((p) => p.v[i]!))] as [number, number]);
  // A peak outside the values the sweep reached was not observed: gold is highest at the boundary.
  const clamp = (v: number, i: number) => Math.min(range[i]![1], Math.max(range[i]![0], v));
  // One fit per replicate, shared by every statistic (bootstrapMany asks each statistic in turn).
  let last: Resample | null = null;
  let cached: { joint: number[] | null; individual: (number | null)[] } = { joint: null, individual: [] };
  const fitAll = (r: Resample) => {
    if (r !== last) {
      const pts = pointsOf(data, r);
      const surf = fitQuadraticSurface(pts);
      const max = surf ? surfaceMaximum(surf) : null;
      cached = {
        joint: max ? max.map(clamp) : null,
        individual: components.map((_, i) => {
          const peak = componentProxyPoint(
            pts.map((p) => p.v[i]!),
            pts.map((p) => p.gold),
          );
          return peak === null ? null : clamp(peak, i);
        }),
      };
      last = r;
    }
    return cached;
  };
  const stats: Record<string, (r: Resample) => number> = {};
  for (let i = 0; i < n; i++) {
    stats[`joint${i}`] = (r) => fitAll(r).joint?.[i] ?? NaN;
    stats[`individual${i}`] = (r) => fitAll(r).individual[i] ?? NaN;
  }
  const ci = bootstrapMany({ seeds: data.length, prompts }, stats, {
    replicates: options.replicates ?? 1000,
    seed: options.seed ?? "proxy-points",
  });
  const orNull = (b: BootstrapInterval) => (Number.isFinite(b.estimate) ? b : null);
  const joint = surface && surfaceMaximum(surface) ? components.map((_, i) => orNull(ci[`joint${i}`]!)) : null;
  let best = all[0]!;
  for (const p of all) if (p.gold > best.gold) best = p;
  return {
    components: [...components],
    surface,
    joint,
    individual: components.map((_, i) => orNull(ci[`individual${i}`]!)),
    bestObserved: { v: [...best.v], gold: best.gold },
    range,
  };
}
