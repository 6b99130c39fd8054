import type { Tensor } from "../ir/tensor.ts";
import type { ParameterStore } from "../train/parameter-store.ts";
import { embedding } from "./embedding.ts";
import { layerNorm } from "./layer-norm.ts";
import { linear } from "./linear.ts";
import { transformerBlock } from "./transformer-block.ts";

/** A small decoder-only transformer used by the engine's tests and benchmark. */
export interface CausalLmConfig {
  vocab: number;
  /** Maximum sequence length (size of the learned position table). */
  maxSeq: number;
  dModel: number;
  nHeads: number;
  nLayers: number;
  /** MLP width; default 4 * dModel. */
  dMlp?: number;
}

/**
 * Token ids (B, T) -> logits (B, T, vocab): token + learned position embeddings, `nLayers`
 * pre-LN blocks, final layer norm, untied output head.
 */
export function causalLm(store: ParameterStore, config: CausalLmConfig): (ids: Tensor, keyMask?: Tensor) => Tensor {
  const tok = embedding(store, "tok", config.vocab, config.dModel);
  const pos = store.param("pos.weight", [config.maxSeq, config.dModel], { kind: "normal", std: 0.01 });
  const blocks = Array.from({ length: config.nLayers }, (_, i) =>
    transformerBlock(store, `blocks.${i}`, { dModel: config.dModel, nHeads: config.nHeads, dMlp: config.dMlp, nLayers: config.nLayers }),
  );
  const lnF = layerNorm(store, "ln_f", config.dModel);
  const head = linear(store, "head", config.dModel, config.vocab, { bias: false });
  return (ids, keyMask) => {
    const T = ids.shape[1]!;
    const table = typeof T === "number" && T === config.maxSeq ? pos : pos.slice(0, 0, T); // (T, C)
    let x = tok(ids).add(table); // (B, T, C)
    for (const block of blocks) x = block(x, keyMask);
    return head(lnF(x)); // (B, T, V)
  };
}

/** Parameters of a causal LM with this config (what {@link causalLm} allocates). */
export function causalLmParamCount(c: CausalLmConfig): number {
  const C = c.dModel;
  const M = c.dMlp ?? 4 * C;
  const block = 2 * 2 * C + (C * 3 * C + 3 * C) + (C * C + C) + (C * M + M) + (M * C + C);
  return c.vocab * C + c.maxSeq * C + c.nLayers * block + 2 * C + C * c.vocab;
}

