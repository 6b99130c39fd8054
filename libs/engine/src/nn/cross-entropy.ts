import type { Tensor } from "../ir/tensor.ts";
import { gatherLogProbs } from "./log-probs.ts";

/**
 * Softmax cross-entropy: logits (..., V), int64 targets (...) -> scalar mean loss. With `weights`
 * (...) (e.g. 1 on answer tokens, 0 on prompt and padding) the mean is over the weight mass.
 */
export function softmaxCrossEntropy(logits: Tensor, targets: Tensor, weights?: Tensor): Tensor {
  // The target's entry is gathered, not multiplied out of a vocabulary-wide one-hot (a (B, T, V)
  // float tensor, 100 MB at GPT-2's vocabulary and 512 tokens); the values are the same.
  const nll = gatherLogProbs(logits, targets).neg(); // (...)
  if (!weights) return nll.mean();
  return nll.mul(weights).sum().div(weights.sum().add(1e-9));
}

/** Fraction of positions whose argmax matches the target, weighted like the loss (no gradient). */
export function tokenAccuracy(logits: Tensor, targets: Tensor, weights?: Tensor): Tensor {
  const hit = logits.argmax(-1).eq(targets).cast(logits.dtype);
  if (!weights) return hit.mean();
  return hit.mul(weights).sum().div(weights.sum().add(1e-9));
}
