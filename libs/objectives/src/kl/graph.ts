/**
 * The exact per-token KL inside a graph, so a program returns (B, T) values instead of two
 * (B, T, V) logit tensors: KL_t = sum_v softmax(a)_v (log_softmax(a)_v - log_softmax(b)_v).
 */
import type { Tensor } from "@goodhart/engine";

/** policyLogits, referenceLogits (B, T, V) -> exact KL(pi || pi_ref) at every position (B, T). */
export function exactTokenKlGraph(policyLogits: Tensor, referenceLogits: Tensor): Tensor {
  const logP = policyLogits.logSoftmax(-1); // (B, T, V)
  const logQ = referenceLogits.logSoftmax(-1); // (B, T, V)
  return logP.exp().mul(logP.sub(logQ)).sum([-1]); // (B, T)
}
