import type { Tensor } from "../ir/tensor.ts";
import { randomUniform, where } from "../ir/tensor.ts";

/**
 * Inverted dropout: zero each element with probability p and scale the rest by 1/(1-p). The mask
 * is a pure function of the int64 `seed` input, so feed a new seed each step.
 */
export function dropout(x: Tensor, p: number, seed: Tensor): Tensor {
  if (p <= 0) return x;
  if (p >= 1) throw new Error(`dropout: p must be < 1, got ${p}`);
  const keep = randomUniform(seed, x.shape, x.dtype).gt(p);
  return where(keep, x.mul(1 / (1 - p)), 0);
}
