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
