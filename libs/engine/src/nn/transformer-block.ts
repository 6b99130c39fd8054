import type { Tensor } from "../ir/tensor.ts";
import type { ParameterStore } from "../train/parameter-store.ts";
import { causalSelfAttention } from "./attention.ts";
import { layerNorm } from "./layer-norm.ts";
import { linear } from "./linear.ts";

export interface BlockConfig {
  dModel: number;
  nHeads: number;
  /** MLP hidden width; default 4 * dModel. */
  dMlp?: number;
  /** Number of blocks in the stack, used to scale residual projections' init (GPT-2). */
  nLayers?: number;
}

/** Pre-LN decoder block: x + attn(ln1(x)), then x + mlp(ln2(x)) with GELU. (B, T, C) -> (B, T, C). */
export function transformerBlock(store: ParameterStore, name: string, config: BlockConfig): (x: Tensor, keyMask?: Tensor) => Tensor {
  const C = config.dModel;
  const residualStd = 0.02 / Math.sqrt(2 * (config.nLayers ?? 1));
  const ln1 = layerNorm(store, `${name}.ln1`, C);
  const attn = causalSelfAttention(store, `${name}.attn`, { dModel: C, nHeads: config.nHeads, projStd: residualStd });
  const ln2 = layerNorm(store, `${name}.ln2`, C);
  const up = linear(store, `${name}.mlp.up`, C, config.dMlp ?? 4 * C);
  const down = linear(store, `${name}.mlp.down`, config.dMlp ?? 4 * C, C, { std: residualStd });
  return (x, keyMask) => {
    const h = x.add(attn(ln1(x), keyMask));
    return h.add(down(up(ln2(h)).gelu()));
  };
}
