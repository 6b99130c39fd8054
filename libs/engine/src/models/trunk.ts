import type { Dim } from "../ir/dims.ts";
import { dimAdd } from "../ir/dims.ts";
import type { Tensor } from "../ir/tensor.ts";
import { concat, where, zeros } from "../ir/tensor.ts";
import { dropout } from "../nn/dropout.ts";
import { layerNorm } from "../nn/layer-norm.ts";
import type { HostTensor } from "../runtime/runtime.ts";
import type { ParameterStore } from "../train/parameter-store.ts";

/**
 * Shape of the decoder-only transformer trunk shared by every model in this folder (policy,
 * reference, reward models, value heads). Only `vocab` is required.
 */
export interface TrunkConfig {
  /** Vocabulary size (token ids are in [0, vocab)). */
  vocab: number;
  /** Longest sequence of real tokens (size of the learned position table). Default 256. */
  maxSeq?: number;
  /** Width of the residual stream. Default 128. */
  dModel?: number;
  /** Attention heads; must divide dModel. Default 4. */
  nHeads?: number;
  /** Transformer blocks. Default 2. */
  nLayers?: number;
  /** MLP hidden width. Default 4 * dModel. */
  dMlp?: number;
  /**
   * Dropout probability on the embeddings and on each block's attention and MLP outputs, applied
   * only in graphs built with a `dropoutSeed` (training). Default 0.
   */
  dropout?: number;
}

/** A trunk config with every default filled in. */
export type ResolvedTrunkConfig = Required<TrunkConfig>;

/** Defaults for the optional trunk fields (dMlp defaults to 4 * dModel). */
export const TRUNK_DEFAULTS = { maxSeq: 256, dModel: 128, nHeads: 4, nLayers: 2, dropout: 0 } as const;

/** Fills defaults and validates; errors name the offending field. */
export function resolveTrunkConfig(config: TrunkConfig, what = "model config"): ResolvedTrunkConfig {
  const dModel = config.dModel ?? TRUNK_DEFAULTS.dModel;
  const c: ResolvedTrunkConfig = {
    vocab: config.vocab,
    maxSeq: config.maxSeq ?? TRUNK_DEFAULTS.maxSeq,
    dModel,
    nHeads: config.nHeads ?? TRUNK_DEFAULTS.nHeads,
    nLayers: config.nLayers ?? TRUNK_DEFAULTS.nLayers,
    dMlp: config.dMlp ?? 4 * dModel,
    dropout: config.dropout ?? TRUNK_DEFAULTS.dropout,
  };
  for (const [k, v] of Object.entries(c)) {
    if (k !== "dropout" && (!Number.isInteger(v) || v <= 0)) throw new Error(`${what}: ${k} must be a positive integer, got ${String(v)}`);
  }
  if (!(c.dropout >= 0 && c.dropout < 1)) throw new Error(`${what}: dropout must be in [0, 1), got ${String(c.dropout)}`);
  if (c.dModel % c.nHeads !== 0) throw new Error(`${what}: dModel ${c.dModel} is not divisible by nHeads ${c.nHeads}`);
  return c;
}

/** Parameters a trunk with this config declares (embeddings, blocks, final layer norm). */
export function trunkParamCount(config: TrunkConfig): number {
  const c = resolveTrunkConfig(config);
  const C = c.dModel;
  const M = c.dMlp;
  const block = 2 * (2 * C) + (C * 3 * C + 3 * C) + (C * C + C) + (C * M + M) + (M * C + C);
  return c.vocab * C + c.maxSeq * C + c.nLayers * block + 2 * C;
}

/** The projections of one block that LoRA adapters may target. */
export const PROJECTIONS = ["attn.qkv", "attn.proj", "mlp.up", "mlp.down"] as const;
export type ProjectionKind = (typeof PROJECTIONS)[number];

/** Adds a low-rank term to a base projection; implemented by LoRA adapters. */
export interface ProjectionDelta {
  /** Extra output for projection `name` (e.g. `blocks.0.attn.qkv`) given its input, or undefined. */
  delta(name: string, x: Tensor): Tensor | undefined;
  /** Current values of the delta's own parameters, fed next to the base's. */
  feeds(): Record<string, HostTensor>;
}

/** Keys and values of every layer for a run of positions: each (B, H, T, D). */
export interface KvTensors {
  keys: Tensor[];
  values: Tensor[];
}

export interface TrunkForwardOptions {
  /**
   * (B, Tpast + T) bool: true for real tokens over every key position (past and new). Absent:
   * all tokens are real. Positions count real tokens only, so left and right padding agree.
   */
  mask?: Tensor;
  /**
   * Cached keys/values of earlier positions, (B, H, Tpast, D) per layer (needs `mask`; cache
   * slots not yet filled are simply masked out, so a fixed-capacity buffer works).
   */
  past?: KvTensors;
  /** A LoRA adapter applied to the targeted projections. */
  lora?: ProjectionDelta;
  /** int64 rank-0 seed input: turns on dropout (config.dropout); feed a new value every step. */
  dropoutSeed?: Tensor;
}

export interface TrunkOutput {
  /** (B, T, C) after the final layer norm. */
  hidden: Tensor;
  /** Keys/values of the new positions only (B, H, T, D); the caller appends them to its cache. */
  present: KvTensors;
}

/** A finite large negative score for masked keys (fully masked rows stay NaN-free). */
const MASKED = -1e9;

/** Float positions 0..n-1 along a possibly symbolic length: (n,). */
function arange(n: Dim): Tensor {
  return zeros([n], "float32").add(1).cumsum(0, { exclusive: true });
}

interface Projection {
  name: string;
  weight: Tensor;
  bias: Tensor;
}

/**
 * Token embeddings + learned positions, `nLayers` pre-LN blocks (GELU MLP) and a final layer
 * norm. Parameter names follow nn/causal-lm (`tok.weight`, `pos.weight`, `blocks.<i>.attn.qkv.weight`,
 * ..., `ln_f.weight`) under an optional prefix. Unlike nn/attention it takes cached keys/values and
 * optional LoRA terms, which generation and adapters need.
 */
export class Trunk {
  readonly config: ResolvedTrunkConfig;
  readonly tokWeight: Tensor;
  private readonly posWeight: Tensor;
  private readonly blocks: {
    ln1: (x: Tensor) => Tensor;
    ln2: (x: Tensor) => Tensor;
    qkv: Projection;
    proj: Projection;
    up: Projection;
    down: Projection;
  }[];
  private readonly lnF: (x: Tensor) => Tensor;

  /** Declares the trunk's parameters in `store` under `prefix` (initialisation happens here only). */
  constructor(
    readonly store: ParameterStore,
    config: TrunkConfig,
    readonly prefix = "",
  ) {
    const c = (this.config = resolveTrunkConfig(config));
    const C = c.dModel;
    const p = prefix;
    // GPT-2 init: N(0, 0.02), residual output projections scaled by 1/sqrt(2 * nLayers).
    const std = 0.02;
    const residualStd = std / Math.sqrt(2 * c.nLayers);
    const projection = (name: string, inDim: number, outDim: number, s: number): Projection => ({
      name,
      weight: store.param(`${name}.weight`, [inDim, outDim], { kind: "normal", std: s }),
      bias: store.param(`${name}.bias`, [outDim], { kind: "zeros" }),
    });
    this.tokWeight = store.param(`${p}tok.weight`, [c.vocab, C], { kind: "normal", std });
    this.posWeight = store.param(`${p}pos.weight`, [c.maxSeq, C], { kind: "normal", std: 0.01 });
    this.blocks = Array.from({ length: c.nLayers }, (_, i) => {
      const b = `${p}blocks.${i}`;
      return {
        ln1: layerNorm(store, `${b}.ln1`, C),
        qkv: projection(`${b}.attn.qkv`, C, 3 * C, std),
        proj: projection(`${b}.attn.proj`, C, C, residualStd),
        ln2: layerNorm(store, `${b}.ln2`, C),
        up: projection(`${b}.mlp.up`, C, c.dMlp, std),
        down: projection(`${b}.mlp.down`, c.dMlp, C, residualStd),
      };
    });
    this.lnF = layerNorm(store, `${p}ln_f`, C);
  }

  /** Base weights of every projection, by parameter-name stem (`<prefix>blocks.<i>.attn.qkv`). */
  projections(): { name: string; kind: ProjectionKind; inDim: number; outDim: number }[] {
    return this.blocks.flatMap((b) =>
      (["qkv", "proj", "up", "down"] as const).map((k, j) => ({
        name: b[k].name,
        kind: PROJECTIONS[j]!,
        inDim: b[k].weight.shape[0] as number,
        outDim: b[k].weight.shape[1] as number,
      })),
    );
  }

  /** ids (B, T) int64 -> hidden (B, T, C) and the keys/values of the new positions. */
  forward(ids: Tensor, options: TrunkForwardOptions = {}): TrunkOutput {
    const { mask, past, lora, dropoutSeed } = options;
    if (past && !mask) throw new Error("Trunk.forward: `past` needs a `mask` over past and new positions");
    const c = this.config;
    const [B, T] = ids.shape as [Dim, Dim];
    const H = c.nHeads;
    const D = c.dModel / H;
    const Tpast: Dim = past ? past.keys[0]!.shape[2]! : 0;
    const project = (pr: Projection, x: Tensor) => {
      const y = x.matmul(pr.weight).add(pr.bias);
      const d = lora?.delta(pr.name, x);
      return d ? y.add(d) : y;
    };

    // Position of each new token = number of real tokens before it in its row.
    let positions: Tensor;
    if (mask) {
      const before = mask.cast("float32").cumsum(1, { exclusive: true }); // (B, Tpast + T)
      positions = past ? before.slice(1, Tpast, undefined) : before; // (B, T)
    } else {
      positions = arange(T).unsqueeze(0); // (1, T)
    }
    const posIds = positions.clip(0, c.maxSeq - 1).cast("int64");
    // Each dropout site gets its own stream: seeds far apart in the hash's input.
    const drop = (t: Tensor, site: number) => (dropoutSeed && c.dropout > 0 ? dropout(t, c.dropout, dropoutSeed.add(site * 1_000_003)) : t);
    let x = drop(this.tokWeight.gather(ids).add(this.posWeight.gather(posIds)), 0); // (B, T, C)

    // Additive-free masking with `where`: future keys (causal) and padding keys get MASKED.
    const Tall = dimAdd(Tpast, T); // as concat spells it, so masks and keys share one symbolic length
    let future: Tensor | undefined;
    if (T !== 1) {
      const keyPos = arange(Tall); // (Tall,)
      const queryPos = past ? keyPos.slice(0, Tpast, undefined) : keyPos; // (T,)
      future = queryPos.unsqueeze(1).lt(keyPos.unsqueeze(0)); // (T, Tall)
    }
    const keyMask = mask?.reshape([B, 1, 1, Tall]); // (B, 1, 1, Tall)

    const present: KvTensors = { keys: [], values: [] };
    this.blocks.forEach((blk, i) => {
      const heads = (t: Tensor) => t.reshape([B, T, H, D]).transpose([0, 2, 1, 3]); // (B, H, T, D)
      const [q, k, v] = project(blk.qkv, blk.ln1(x)).split(2, [c.dModel, c.dModel, c.dModel]);
      const queries = heads(q!); // (B, H, T, D)
      const keys = heads(k!); // (B, H, T, D)
      const values = heads(v!); // (B, H, T, D)
      present.keys.push(keys);
      present.values.push(values);
      // With a cache, past and new keys are scored separately and never concatenated: copying a
      // growing cache inside every step cost more than the attention itself.
      let scores = queries.matmul(keys.T); // (B, H, T, T)
      if (past) scores = concat([queries.matmul(past.keys[i]!.T), scores], 3); // (B, H, T, Tpast + T)
      scores = scores.mul(1 / Math.sqrt(D));
      if (future) scores = where(future, MASKED, scores);
      if (keyMask) scores = where(keyMask, scores, MASKED);
      const weights = scores.softmax(-1); // (B, H, T, Tall)
      const mixed = past
        ? weights
            .slice(3, 0, Tpast)
            .matmul(past.values[i]!)
            .add(weights.slice(3, Tpast, undefined).reshape([B, H, T, T]).matmul(values)) // reshape names the new part's length T
        : weights.matmul(values); // (B, H, T, D)
      const att = mixed.transpose([0, 2, 1, 3]).reshape([B, T, c.dModel]); // (B, T, C)
      x = x.add(drop(project(blk.proj, att), 1 + 2 * i));
      x = x.add(drop(project(blk.down, project(blk.up, blk.ln2(x)).gelu()), 2 + 2 * i));
    });
    return { hidden: this.lnF(x), present };
  }
}
