import type { Tensor } from "../ir/tensor.ts";

/** RMSNorm (Llama): x / sqrt(mean(x^2) + eps) * gain over the last axis; no centring, no bias. */
export function applyRmsNorm(x: Tensor, gain: Tensor, eps = 1e-6): Tensor {
  return x.div(x.square().mean([-1], true).add(eps).sqrt()).mul(gain); // (..., C)
}
