import type { Tensor } from "../ir/tensor.ts";
import { where, zeros } from "../ir/tensor.ts";
import type { ParameterStore } from "../train/parameter-store.ts";
import { linear } from "./linear.ts";

export interface AttentionConfig {
  dModel: number;
  nHeads: number;
  /** Std of the output projection init; default 0.02. */
  projStd?: number;
}

/** A large negative logit for masked positions (finite so fully masked rows stay NaN-free). */
const MASKED = -1e9;

/** Positions 0..T-1 along a (symbolic) length, as float: cumulative sum of ones, exclusive. */
function positions(length: Tensor["shape"][number], dtype: Tensor["dtype"]): Tensor {
  return zeros([length], dtype).add(1).cumsum(0, { exclusive: true }); // (T,)
}

/**
 * Multi-head causal self-attention: (B, T, C) -> (B, T, C). `keyMask` (B, T) bool marks real
 * (non-padding) tokens; padded keys receive no attention. Parameters `<name>.qkv`, `<name>.proj`.
 */
export function causalSelfAttention(store: ParameterStore, name: string, config: AttentionConfig): (x: Tensor, keyMask?: Tensor) => Tensor {
  const { dModel: C, nHeads: H } = config;
  if (C % H !== 0) throw new Error(`attention ${name}: dModel ${C} is not divisible by nHeads ${H}`);
  const D = C / H;
  const qkv = linear(store, `${name}.qkv`, C, 3 * C);
  const proj = linear(store, `${name}.proj`, C, C, { std: config.projStd });
  return (x, keyMask) => {
    const [B, T] = x.shape as [Tensor["shape"][number], Tensor["shape"][number]];
    const heads = (t: Tensor) => t.reshape([B, T, H, D]).transpose([0, 2, 1, 3]); // (B, H, T, D)
    const [q, k, v] = qkv(x).split(2, [C, C, C]);
    const scores = heads(q!).matmul(heads(k!).T).mul(1 / Math.sqrt(D)); // (B, H, T, T)
    const pos = positions(T, x.dtype);
    const future = pos.unsqueeze(1).lt(pos.unsqueeze(0)); // (T, T): key after query
    let masked = where(future, MASKED, scores);
    if (keyMask) masked = where(keyMask.reshape([B, 1, 1, T]), masked, MASKED);
    const att = masked.softmax(-1); // (B, H, T, T)
    const out = att.matmul(heads(v!)).transpose([0, 2, 1, 3]).reshape([B, T, C]); // (B, T, C)
    return proj(out);
  };
}
