/**
 * KL(pi || pi_ref) between a policy and its reference, per token and per sequence, and the names
 * under which each estimate is stored (DESIGN.md section 2: a KL is always stored with the
 * estimator that produced it).
 *
 * Exact: over the whole vocabulary at each position, KL_t = sum_v p(v) (ln p(v) - ln q(v)),
 * p = pi(.|prefix), q = pi_ref(.|prefix). A sequence's KL is the sum over its tokens (the chain rule
 * of KL, with the prefixes drawn from pi).
 *
 * Sampled, from the log-ratio of the token actually drawn from pi (Schulman 2020, "Approximating KL
 * divergence"), with lr = ln q(x) - ln p(x), r = e^lr:
 *   k1 = -lr                 unbiased, high variance, can be negative;
 *   k2 = lr^2 / 2            biased (low bias when p and q are close), always >= 0;
 *   k3 = (r - 1) - lr        unbiased, always >= 0, low variance.
 */

export const KL_ESTIMATORS = ["exact", "k1", "k2", "k3"] as const;
export type KlEstimator = (typeof KL_ESTIMATORS)[number];

/** Stored estimator names ("exact" is the full-vocabulary sum per token). */
export const KL_ESTIMATOR_NAMES: Readonly<Record<KlEstimator, string>> = {
  exact: "exact-token",
  k1: "k1",
  k2: "k2",
  k3: "k3",
};

/** k1 of one sampled token from its log-probs under the policy (logP) and the reference (logQ). */
export function klK1(logP: number, logQ: number): number {
  return logP - logQ;
}

/** k2 = (ln q - ln p)^2 / 2. */
export function klK2(logP: number, logQ: number): number {
  const lr = logQ - logP;
  return 0.5 * lr * lr;
}

/** k3 = (q/p - 1) - ln(q/p); expm1 keeps precision when q/p is near 1. */
export function klK3(logP: number, logQ: number): number {
  const lr = logQ - logP;
  return Math.expm1(lr) - lr;
}

/** A sampled estimator by name. */
export function sampledKl(estimator: Exclude<KlEstimator, "exact">, logP: number, logQ: number): number {
  if (estimator === "k1") return klK1(logP, logQ);
  if (estimator === "k2") return klK2(logP, logQ);
  return klK3(logP, logQ);
}

/** Log-softmax of one row of logits (float64, max-shifted). */
export function logSoftmaxRow(logits: ArrayLike<number>, offset = 0, width = logits.length - offset): Float64Array {
  let max = -Infinity;
  for (let v = 0; v < width; v++) max = Math.max(max, logits[offset + v]!);
  let sum = 0;
  for (let v = 0; v < width; v++) sum += Math.exp(logits[offset + v]! - max);
  const lse = max + Math.log(sum);
  const out = new Float64Array(width);
  for (let v = 0; v < width; v++) out[v] = logits[offset + v]! - lse;
  return out;
}

/**
 * Exact KL(p || q) of two distributions over one vocabulary given as log-probabilities (float64
 * sum; terms with p = 0 contribute 0).
 * @throws RangeError on length mismatch
 */
export function exactKl(logP: ArrayLike<number>, logQ: ArrayLike<number>): number {
  if (logP.length !== logQ.length) throw new RangeError(`exactKl: ${logP.length} policy log-probs but ${logQ.length} reference log-probs`);
  let kl = 0;
  for (let v = 0; v < logP.length; v++) {
    const p = Math.exp(logP[v]!);
    if (p > 0) kl += p * (logP[v]! - logQ[v]!);
  }
  return kl;
}

/**
 * Exact per-token KL from logits laid out (positions, V) row-major: one value per position.
 * @throws RangeError when the arrays do not hold whole rows of `vocab` entries
 */
export function exactTokenKlFromLogits(policyLogits: ArrayLike<number>, referenceLogits: ArrayLike<number>, vocab: number): Float64Array {
  if (policyLogits.length !== referenceLogits.length || policyLogits.length % vocab !== 0) {
    throw new RangeError(
      `exactTokenKlFromLogits: ${policyLogits.length} policy and ${referenceLogits.length} reference logits are not whole rows of vocabulary ${vocab}`,
    );
  }
  const rows = policyLogits.length / vocab;
  const out = new Float64Array(rows);
  for (let t = 0; t < rows; t++)
    out[t] = exactKl(logSoftmaxRow(policyLogits, t * vocab, vocab), logSoftmaxRow(referenceLogits, t * vocab, vocab));
  return out;
}

/** Per-sequence KL estimates: each token's contribution summed over a sequence's completion tokens. */
export interface SequenceKl {
  exact: number;
  k1: number;
  k2: number;
  k3: number;
}

/**
 * Sums the per-token estimates of one sequence. `exactPerToken` holds the full-vocabulary KL at
 * each completion position; `logP`/`logQ` the sampled token's log-probs there.
 */
export function sequenceKl(exactPerToken: ArrayLike<number>, logP: ArrayLike<number>, logQ: ArrayLike<number>): SequenceKl {
  if (exactPerToken.length !== logP.length || logP.length !== logQ.length) {
    throw new RangeError(`sequenceKl: ${exactPerToken.length} exact terms, ${logP.length} policy and ${logQ.length} reference log-probs`);
  }
  const out: SequenceKl = { exact: 0, k1: 0, k2: 0, k3: 0 };
  for (let t = 0; t < logP.length; t++) {
    out.exact += exactPerToken[t]!;
    out.k1 += klK1(logP[t]!, logQ[t]!);
    out.k2 += klK2(logP[t]!, logQ[t]!);
    out.k3 += klK3(logP[t]!, logQ[t]!);
  }
  return out;
}
