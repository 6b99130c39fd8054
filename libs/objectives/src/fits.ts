/**
 * Least-squares fits of the overoptimization scaling laws (Gao et al. 2023, eq. 1-2; the RL form is
 * also the one Rafailov et al. 2024 fit for direct alignment algorithms).
 *
 *   best-of-n:  R(d) = d (a - b d)        peak d* = a / (2b),       R(d*) = a^2 / (4b)
 *   RL / DAA:   R(d) = d (a - b ln d)     peak d* = e^(a/b - 1),    R(d*) = b d*
 *
 * with d = sqrt(KL) and R the gold gain over the initial policy. Both are linear in (a, b), so
 * ordinary least squares with the design columns [d, -d^2] (BoN) or [d, -d ln d] (RL) gives the
 * coefficients; there is no intercept since R(0) = 0. Standard errors use sigma^2 = RSS / (n - p)
 * and cov = sigma^2 (X^T X)^-1; the peak's standard errors use the delta method.
 *
 * Optional weights (e.g. 1 / SE^2 of each curve point) give weighted least squares with relative
 * weights: sigma^2 = sum w e^2 / (n - p) and cov = sigma^2 (X^T W X)^-1 (scipy's curve_fit with
 * absolute_sigma=False). Points at d = 0 carry no information on (a, b) and are then left out, so
 * the n = 1 point of a best-of-n curve (gain 0 with SE 0) can be passed as it is.
 */

/** Which functional form. */
export type FitForm = "bon" | "rl";

/** Result of `fitOveroptimization`. */
export interface OveroptimizationFit {
  form: FitForm;
  a: number;
  b: number;
  aSe: number;
  bSe: number;
  /** Covariance of (a, b): [[var a, cov], [cov, var b]]. */
  covariance: [[number, number], [number, number]];
  /** Residual sum of squares (weighted when weights were given: sum w e^2). */
  rss: number;
  /** sqrt(mean squared residual), unweighted, in reward units. */
  rmse: number;
  /** 1 - RSS / TSS with TSS about the (weighted) mean of R (the conservative choice without intercept). */
  r2: number;
  /** Points used in the fit. */
  points: number;
  weighted: boolean;
  /** The maximum of the fitted curve over d > 0, or null when the curve has none. */
  peak: { d: number; value: number; dSe: number; valueSe: number } | null;
  /** Why `peak` is null ("b <= 0: ..."), absent otherwise. */
  noPeakReason?: string;
}

/** The fitted curve's value at d. d ln d is taken as 0 at d = 0 (its limit). */
export function evaluateFit(form: FitForm, a: number, b: number, d: number): number {
  return form === "bon" ? d * (a - b * d) : d === 0 ? 0 : d * (a - b * Math.log(d));
}

function designRow(form: FitForm, d: number): [number, number] {
  return form === "bon" ? [d, -d * d] : [d, d === 0 ? 0 : -d * Math.log(d)];
}

/**
 * Fits R(d) by least squares.
 *
 * @param form "bon" for d (a - b d), "rl" for d (a - b ln d)
 * @param d x values, sqrt(KL) >= 0 (length n >= 3)
 * @param r gold gains at those d (length n)
 * @throws RangeError for mismatched lengths, fewer than 3 points, negative or non-finite values, or
 *   points that cannot separate a from b (degenerate design)
 */
export function fitOveroptimization(
  form: FitForm,
  dIn: ArrayLike<number>,
  rIn: ArrayLike<number>,
  options: { weights?: ArrayLike<number> } = {},
): OveroptimizationFit {
  if (form !== "bon" && form !== "rl") throw new RangeError(`fitOveroptimization: unknown form "${form}" (expected "bon" or "rl")`);
  if (rIn.length !== dIn.length) throw new RangeError(`fitOveroptimization: ${dIn.length} d values but ${rIn.length} rewards`);
  const { weights } = options;
  if (weights && weights.length !== dIn.length)
    throw new RangeError(`fitOveroptimization: ${dIn.length} points but ${weights.length} weights`);
  const d: number[] = [];
  const r: number[] = [];
  const w: number[] = [];
  for (let i = 0; i < dIn.length; i++) {
    if (!Number.isFinite(dIn[i]) || dIn[i] < 0)
      throw new RangeError(`fitOveroptimization: point ${i} has d = ${dIn[i]}; d = sqrt(KL) must be finite and >= 0`);
    if (!Number.isFinite(rIn[i])) throw new RangeError(`fitOveroptimization: point ${i} has reward ${rIn[i]}`);
    if (weights) {
      if (dIn[i] === 0) continue;
      if (!(weights[i] > 0) || !Number.isFinite(weights[i])) {
        throw new RangeError(
          `fitOveroptimization: point ${i} has weight ${weights[i]}; weights must be finite and > 0 (for 1/SE^2, SE must be > 0)`,
        );
      }
    }
    d.push(dIn[i]);
    r.push(rIn[i]);
    w.push(weights ? weights[i] : 1);
  }
  const n = d.length;
  if (n < 3) {
    throw new RangeError(
      `fitOveroptimization: need at least 3 points${weights ? " with d > 0" : ""} to fit 2 coefficients with a residual; got ${n}`,
    );
  }
  // Normal equations of a 2-column model; columns are scaled to unit norm first so the
  // conditioning check below is scale-free.
  const rows = Array.from({ length: n }, (_, i) => designRow(form, d[i]));
  const norm = [0, 1].map((c) => Math.sqrt(rows.reduce((acc, row, i) => acc + w[i] * row[c] ** 2, 0)));
  if (norm[0] === 0 || norm[1] === 0) {
    throw new RangeError("fitOveroptimization: degenerate input: every point has d = 0" + (form === "rl" ? " or d = 1" : ""));
  }
  let s00 = 0;
  let s01 = 0;
  let s11 = 0;
  let t0 = 0;
  let t1 = 0;
  for (let i = 0; i < n; i++) {
    const x0 = rows[i][0] / norm[0];
    const x1 = rows[i][1] / norm[1];
    s00 += w[i] * x0 * x0;
    s01 += w[i] * x0 * x1;
    s11 += w[i] * x1 * x1;
    t0 += w[i] * x0 * r[i];
    t1 += w[i] * x1 * r[i];
  }
  const det = s00 * s11 - s01 * s01;
  if (det < 1e-10) {
    throw new RangeError(
      "fitOveroptimization: degenerate input: the points do not separate a from b (need at least two distinct d > 0" +
        (form === "rl" ? ", not all at d = 1" : "") +
        ")",
    );
  }
  // Inverse of the scaled normal matrix, then undo the column scaling.
  const i00 = s11 / det;
  const i01 = -s01 / det;
  const i11 = s00 / det;
  const a = (i00 * t0 + i01 * t1) / norm[0];
  const b = (i01 * t0 + i11 * t1) / norm[1];
  let rss = 0;
  let sumSq = 0;
  let mean = 0;
  const wTotal = w.reduce((acc, x) => acc + x, 0);
  for (let i = 0; i < n; i++) mean += (w[i] * r[i]) / wTotal;
  let tss = 0;
  for (let i = 0; i < n; i++) {
    const e = r[i] - (a * rows[i][0] + b * rows[i][1]);
    rss += w[i] * e * e;
    sumSq += e * e;
    tss += w[i] * (r[i] - mean) ** 2;
  }
  const sigma2 = rss / (n - 2);
  const cov: [[number, number], [number, number]] = [
    [(sigma2 * i00) / (norm[0] * norm[0]), (sigma2 * i01) / (norm[0] * norm[1])],
    [(sigma2 * i01) / (norm[0] * norm[1]), (sigma2 * i11) / (norm[1] * norm[1])],
  ];
  const fit: OveroptimizationFit = {
    form,
    a,
    b,
    aSe: Math.sqrt(cov[0][0]),
    bSe: Math.sqrt(cov[1][1]),
    covariance: cov,
    rss,
    rmse: Math.sqrt(sumSq / n),
    r2: tss > 0 ? 1 - rss / tss : rss === 0 ? 1 : NaN,
    points: n,
    weighted: weights !== undefined,
    peak: null,
  };
  const delta = (g: [number, number]) =>
    Math.sqrt(Math.max(0, g[0] * g[0] * cov[0][0] + 2 * g[0] * g[1] * cov[0][1] + g[1] * g[1] * cov[1][1]));
  if (!(b > 0)) {
    fit.noPeakReason = `b = ${b} <= 0: the fitted curve never turns down, so it has no peak`;
  } else if (form === "bon") {
    if (!(a > 0)) {
      fit.noPeakReason = `a = ${a} <= 0: the fitted curve falls from d = 0, so it has no peak at d > 0`;
    } else {
      const dStar = a / (2 * b);
      fit.peak = {
        d: dStar,
        value: (a * a) / (4 * b),
        dSe: delta([1 / (2 * b), -a / (2 * b * b)]),
        valueSe: delta([a / (2 * b), -(a * a) / (4 * b * b)]),
      };
    }
  } else {
    const dStar = Math.exp(a / b - 1);
    fit.peak = {
      d: dStar,
      value: b * dStar,
      dSe: delta([dStar / b, (-dStar * a) / (b * b)]),
      valueSe: delta([dStar, dStar * (1 - a / b)]),
    };
  }
  return fit;
}
