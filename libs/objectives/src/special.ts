/**
 * Special functions needed by the estimators: log-gamma and log-binomial coefficients.
 */

// Lanczos approximation with g = 7 and nine coefficients (the widely published set; relative
// error around 1e-15 for positive arguments).
const LANCZOS_G = 7;
const LANCZOS_COEF = [
  0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059, 12.507343278686905,
  -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7,
];
const HALF_LOG_2PI = 0.5 * Math.log(2 * Math.PI);

/**
 * ln |Gamma(x)| for real x (not a non-positive integer, where Gamma has poles and this returns
 * Infinity). Lanczos for x >= 0.5, the reflection formula Gamma(x) Gamma(1-x) = pi / sin(pi x) below.
 */
export function lgamma(x: number): number {
  if (Number.isNaN(x)) return NaN;
  if (x === Infinity) return Infinity;
  if (x <= 0 && Number.isInteger(x)) return Infinity;
  if (x < 0.5) {
    return Math.log(Math.PI / Math.abs(Math.sin(Math.PI * x))) - lgamma(1 - x);
  }
  const z = x - 1;
  let sum = LANCZOS_COEF[0];
  for (let i = 1; i < LANCZOS_COEF.length; i++) sum += LANCZOS_COEF[i] / (z + i);
  const t = z + LANCZOS_G + 0.5;
  return HALF_LOG_2PI + (z + 0.5) * Math.log(t) - t + Math.log(sum);
}

/** ln C(n, k) for integers 0 <= k <= n, through lgamma (never factorials); -Infinity outside. */
export function logChoose(n: number, k: number): number {
  if (k < 0 || k > n) return -Infinity;
  if (k === 0 || k === n) return 0;
  return lgamma(n + 1) - lgamma(k + 1) - lgamma(n - k + 1);
}
