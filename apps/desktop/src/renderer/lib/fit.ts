/**
 * The scaling-law forms of Gao et al. (2023) fitted to gold scores against d = sqrt(KL):
 * best-of-n `R(d) = d (a - b d)`, RL `R(d) = d (a - b ln d)`. Both are linear in (a, b), so
 * ordinary least squares on two basis functions gives the coefficients and their standard errors.
 * Peaks: `d* = a / (2b)` (BoN) and `d* = exp(a/b - 1)` (RL), defined when b > 0.
 */

export type FitForm = "bon" | "rl";

export interface CurveFit {
  form: FitForm;
  a: number;
  b: number;
  /** Standard errors of a and b (NaN with fewer than 3 points). */
  aSe: number;
  bSe: number;
  /** The fitted curve's maximum, or null when it has none (b <= 0). */
  peakD: number | null;
  peakValue: number | null;
  n: number;
}

/** The fitted value at d. */
export function fitValue(fit: Pick<CurveFit, "form" | "a" | "b">, d: number): number {
  if (fit.form === "bon") return d * (fit.a - fit.b * d);
  return d === 0 ? 0 : d * (fit.a - fit.b * Math.log(d));
}

/** Fits a form to (d, gold) points; null with fewer than 2 usable points or a singular system. */
export function fitCurve(points: readonly { d: number; y: number }[], form: FitForm): CurveFit | null {
  // Basis: R = a*u + b*v with u = d and v = -d^2 (BoN) or v = -d ln d (RL).
  let suu = 0, suv = 0, svv = 0, suy = 0, svy = 0, n = 0;
  const rows: [number, number, number][] = [];
  for (const p of points) {
    if (!Number.isFinite(p.d) || !Number.isFinite(p.y) || p.d < 0) continue;
    if (form === "rl" && p.d === 0) continue;
    const u = p.d;
    const v = form === "bon" ? -p.d * p.d : -p.d * Math.log(p.d);
    suu += u * u; suv += u * v; svv += v * v; suy += u * p.y; svy += v * p.y; n++;
    rows.push([u, v, p.y]);
  }
  const det = suu * svv - suv * suv;
  if (n < 2 || !(Math.abs(det) > 1e-12 * Math.max(1, suu * svv))) return null;
  const a = (svv * suy - suv * svy) / det;
  const b = (suu * svy - suv * suy) / det;
  let rss = 0;
  for (const [u, v, y] of rows) rss += (y - a * u - b * v) ** 2;
  const s2 = n > 2 ? rss / (n - 2) : NaN;
  const aSe = Math.sqrt((s2 * svv) / det);
  const bSe = Math.sqrt((s2 * suu) / det);
  let peakD: number | null = null;
  if (b > 0) peakD = form === "bon" ? a / (2 * b) : Math.exp(a / b - 1);
  if (peakD !== null && !(peakD > 0 && Number.isFinite(peakD))) peakD = null;
  const peakValue = peakD === null ? null : fitValue({ form, a, b }, peakD);
  return { form, a, b, aSe, bSe, peakD, peakValue, n };
}
