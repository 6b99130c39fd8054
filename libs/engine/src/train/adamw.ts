import type { Tensor } from "../ir/tensor.ts";
import { scalar } from "../ir/tensor.ts";

/** AdamW hyper-parameters (Loshchilov & Hutter: weight decay decoupled from the adaptive step). */
export interface AdamWConfig {
  beta1?: number;
  beta2?: number;
  eps?: number;
  /** Decoupled weight decay, applied as p -= lr * weightDecay * p. Default 0.01. */
  weightDecay?: number;
  /** Clip gradients to this global L2 norm before the update; default none. */
  maxGradNorm?: number;
}

export const ADAMW_DEFAULTS: Required<Omit<AdamWConfig, "maxGradNorm">> = { beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0.01 };

/** Host-side scalars for step t (1-based): learning rate and both bias corrections 1 - beta^t. */
export function adamwScalars(config: AdamWConfig, t: number, lr: number): { lr: number; bc1: number; bc2: number } {
  const c = { ...ADAMW_DEFAULTS, ...config };
  return { lr, bc1: 1 - c.beta1 ** t, bc2: 1 - c.beta2 ** t };
}

/** Global L2 norm of gradients as a graph tensor, and the factor that clips it to maxNorm (1 when unclipped). */
export function clipFactor(grads: readonly Tensor[], maxNorm: number | undefined): { norm: Tensor; factor: Tensor | null } {
  let sq: Tensor | null = null;
  for (const g of grads) {
    const s = g.square().sum();
    sq = sq ? sq.add(s) : s;
  }
  const norm = sq!.sqrt();
  if (maxNorm === undefined) return { norm, factor: null };
  // min(1, maxNorm / norm); the epsilon keeps a zero gradient finite.
  return { norm, factor: norm.add(1e-6).rdiv(maxNorm).clip(0, 1) };
}

/**
 * One AdamW update as graph nodes: returns the new parameter and moments. `lr`, `bc1` and `bc2`
 * are rank-0 program inputs so one compiled program serves every step.
 */
export function adamwGraphUpdate(
  p: Tensor,
  g: Tensor,
  m: Tensor,
  v: Tensor,
  s: { lr: Tensor; bc1: Tensor; bc2: Tensor },
  config: AdamWConfig,
  decay: boolean,
): { p: Tensor; m: Tensor; v: Tensor } {
  const c = { ...ADAMW_DEFAULTS, ...config };
  const m2 = m.mul(c.beta1).add(g.mul(1 - c.beta1));
  const v2 = v.mul(c.beta2).add(g.square().mul(1 - c.beta2));
  const step = m2.div(s.bc1).div(v2.div(s.bc2).sqrt().add(c.eps));
  const decayed = decay && c.weightDecay !== 0 ? p.mul(s.lr.mul(-c.weightDecay).add(scalar(1))) : p;
  return { p: decayed.sub(step.mul(s.lr)), m: m2, v: v2 };
}

/** The same update on the host, in place; `scale` is the gradient clip factor. */
export function adamwHostUpdate(
  p: Float32Array,
  g: Float32Array,
  m: Float32Array,
  v: Float32Array,
  s: { lr: number; bc1: number; bc2: number; scale: number },
  config: AdamWConfig,
  decay: boolean,
): void {
  const c = { ...ADAMW_DEFAULTS, ...config };
  const b1 = c.beta1;
  const b2 = c.beta2;
  const keep = decay ? 1 - s.lr * c.weightDecay : 1;
  const { lr, bc1, bc2, scale } = s;
  for (let i = 0; i < p.length; i++) {
    const gi = g[i]! * scale;
    const mi = b1 * m[i]! + (1 - b1) * gi;
    const vi = b2 * v[i]! + (1 - b2) * gi * gi;
    m[i] = mi;
    v[i] = vi;
    p[i] = p[i]! * keep - (lr * (mi / bc1)) / (Math.sqrt(vi / bc2) + c.eps);
  }
}
