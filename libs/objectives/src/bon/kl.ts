/**
 * Analytic KL of best-of-n sampling and the default list of n.
 */

/**
 * KL(pi_bon || pi_init) = ln n - (n-1)/n, in nats (Gao et al. 2023, from Stiennon et al. 2020).
 * It is an upper bound that is tight when the proxy has no ties; it is the estimator the
 * literature plots against, and callers store it as the "analytic-bon" KL estimator.
 *
 * @param n number of samples drawn per prompt, an integer >= 1
 */
export function klBestOfN(n: number): number {
  if (!Number.isInteger(n) || n < 1) throw new RangeError(`klBestOfN: n must be an integer >= 1; got ${n}`);
  return Math.log(n) - (n - 1) / n;
}

/**
 * The n values a best-of-n curve is evaluated at for a pool of N samples per prompt:
 * 1, 2, 4, ... up to N, and N itself when it is not a power of two (it is the most optimized point
 * the pool supports, so leaving it out would waste the pool).
 *
 * @param poolSize N, an integer >= 1
 */
export function defaultNs(poolSize: number): number[] {
  if (!Number.isInteger(poolSize) || poolSize < 1) {
    throw new RangeError(`defaultNs: pool size must be an integer >= 1; got ${poolSize}`);
  }
  const ns: number[] = [];
  for (let n = 1; n <= poolSize; n *= 2) ns.push(n);
  if (ns[ns.length - 1] !== poolSize) ns.push(poolSize);
  return ns;
}

/**
 * Beirami et al. 2024 ("Theoretical guarantees on the best-of-n alignment policy", section 4):
 * an estimate of the actual KL(pi_bon || pi_init) from the reference probability eps of one
 * best-of-n pick,
 *
 *   KL^(eps) = (1-eps)^n (ln n + (n-1) ln(1-eps) - (n-1)/n) + (1 - (1-eps)^n) ln((1 - (1-eps)^n) / eps)
 *
 * It is the exact KL when the picked outcome is the top-reward outcome of mass eps and the rest of
 * the distribution is continuous; 0 <= KL^ <= ln n - (n-1)/n, with equality on the right as
 * eps -> 0. Averaging it over best-of-n picks estimates the policy's KL; it falls below the
 * analytic bound when the picks are likely outcomes (low-entropy prompts), where the bound is loose.
 *
 * @param n best-of-n n >= 1
 * @param eps pi_init(y | x) of the picked completion, in (0, 1]
 */
export function klBestOfNBeirami(n: number, eps: number): number {
  if (!Number.isInteger(n) || n < 1) throw new RangeError(`klBestOfNBeirami: n must be an integer >= 1; got ${n}`);
  if (!(eps > 0 && eps <= 1)) throw new RangeError(`klBestOfNBeirami: eps must be a probability in (0, 1]; got ${eps}`);
  if (n === 1) return 0;
  if (eps === 1) return 0; // a deterministic reference: every policy over its support is the same
  const logRest = n * Math.log1p(-eps); // ln (1-eps)^n
  const rest = Math.exp(logRest);
  const top = -Math.expm1(logRest); // 1 - (1-eps)^n, accurate for small eps
  const continuous = rest * (Math.log(n) + (n - 1) * Math.log1p(-eps) - (n - 1) / n);
  return continuous + top * (Math.log(top) - Math.log(eps));
}

/** Name of the KL estimator of `klBestOfNBeirami` averaged over the pool's best-of-n picks. */
export const BEIRAMI_KL_ESTIMATOR = "beirami-bon";
/** Name of the analytic bound `klBestOfN`. */
export const ANALYTIC_KL_ESTIMATOR = "analytic-bon";
