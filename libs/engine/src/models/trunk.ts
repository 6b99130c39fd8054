import type { Dim } from "../ir/dims.ts";
import { dimAdd } from "../ir/dims.ts";
import type { Tensor } from "../ir/tensor.ts";
import { concat, where, zeros } from "../ir/tensor.ts";
import type { Activation } from "../nn/activations.ts";
import { ACTIVATIONS, activate } from "../nn/activations.ts";
import { dropout } from "../nn/dropout.ts";
import { applyLayerNorm } from "../nn/layer-norm.ts";
import { applyRmsNorm } from "../nn/rms-norm.ts";
import type { RopeScaling } from "../nn/rotary.ts";
import { applyRotary, ropeInverseFrequencies, rotaryTables } from "../nn/rotary.ts";
import type { HostTensor } from "../runtime/runtime.ts";
import type { Init, ParameterStore } from "../train/parameter-store.ts";

/**
 * Shape of the decoder-only transformer trunk shared by every model in this folder (policy,
 * reference, reward models, value heads). Only `vocab` is required; the defaults are the lab's own
 * GPT-2-style trunk. The other fields cover GPT-2, GPT-NeoX/Pythia and Llama checkpoints
 * (models/hf-config.ts translates their config.json).
 */
export interface TrunkConfig {
  /** Vocabulary size (token ids are in [0, vocab)). */
  vocab: number;
  /** Longest sequence of real tokens (learned position table, or rotary table). Default 256. */
  maxSeq?: number;
  /** Width of the residual stream. Default 128. */
  dModel?: number;
  /** Attention (query) heads. Default 4. */
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
  /** "learned" position table added to the embeddings (GPT-2), or "rotary" on queries/keys. Default "learned". */
  positions?: "learned" | "rotary";
  /** "layernorm" (weight and bias) or "rmsnorm" (weight only, Llama). Default "layernorm". */
  norm?: "layernorm" | "rmsnorm";
  /** Epsilon of every norm. Default 1e-5. */
  normEps?: number;
  /** MLP nonlinearity. Default "gelu" (exact). */
  activation?: Activation;
  /** Gated MLP down(act(gate x) * up x) (Llama's SwiGLU) instead of down(act(up x)). Default false. */
  gatedMlp?: boolean;
  /** x + attn(ln1 x) + mlp(ln2 x) (GPT-NeoX) instead of two sequential residual steps. Default false. */
  parallelResidual?: boolean;
  /** Key/value heads (grouped-query attention); must divide nHeads. Default nHeads. */
  nKvHeads?: number;
  /** Width of one head. Default dModel / nHeads. */
  headDim?: number;
  /** One fused q|k|v projection (`attn.qkv`) or three (`attn.q`, `attn.k`, `attn.v`). Default true. */
  fusedQkv?: boolean;
  /** Biases on the attention projections. Default true. */
  attnBias?: boolean;
  /** Biases on the MLP projections. Default true. */
  mlpBias?: boolean;
  /** Fraction of each head's dims that rotary turns (GPT-NeoX rotary_pct). Default 1. */
  rotaryPct?: number;
  /** Rotary base theta. Default 10000. */
  ropeTheta?: number;
  /** Rotary frequency scaling. Default null (none). */
  ropeScaling?: RopeScaling | null;
}

/** A trunk config with every default filled in. */
export type ResolvedTrunkConfig = Required<TrunkConfig>;

/** Defaults for the optional trunk fields (dMlp defaults to 4 * dModel, headDim to dModel / nHeads, nKvHeads to nHeads). */
export const TRUNK_DEFAULTS = {
  maxSeq: 256,
  dModel: 128,
  nHeads: 4,
  nLayers: 2,
  dropout: 0,
  positions: "learned",
  norm: "layernorm",
  normEps: 1e-5,
  activation: "gelu",
  gatedMlp: false,
  parallelResidual: false,
  fusedQkv: true,
  attnBias: true,
  mlpBias: true,
  rotaryPct: 1,
  ropeTheta: 10000,
  ropeScaling: null,
} as const;

const INTEGER_FIELDS = ["vocab", "maxSeq", "dModel", "nHeads", "nLayers", "dMlp", "nKvHeads", "headDim"] as const;
const BOOLEAN_FIELDS = ["gatedMlp", "parallelResidual", "fusedQkv", "attnBias", "mlpBias"] as const;

/** Fills defaults and validates; errors name the offending field. */
export function resolveTrunkConfig(config: TrunkConfig, what = "model config"): ResolvedTrunkConfig {
  const d = TRUNK_DEFAULTS;
  const dModel = config.dModel ?? d.dModel;
  const nHeads = config.nHeads ?? d.nHeads;
  if (config.headDim === undefined && Number.isInteger(dModel) && Number.isInteger(nHeads) && dModel % nHeads !== 0) {
    throw new Error(`${what}: dModel ${dModel} is not divisible by nHeads ${nHeads}`);
  }
  const c: ResolvedTrunkConfig = {
    vocab: config.vocab,
    maxSeq: config.maxSeq ?? d.maxSeq,
    dModel,
    nHeads,
    nLayers: config.nLayers ?? d.nLayers,
    dMlp: config.dMlp ?? 4 * dModel,
    dropout: config.dropout ?? d.dropout,
    positions: config.positions ?? d.positions,
    norm: config.norm ?? d.norm,
    normEps: config.normEps ?? d.normEps,
    activation: config.activation ?? d.activation,
    gatedMlp: config.gatedMlp ?? d.gatedMlp,
    parallelResidual: config.parallelResidual ?? d.parallelResidual,
    nKvHeads: config.nKvHeads ?? nHeads,
    headDim: config.headDim ?? dModel / nHeads,
    fusedQkv: config.fusedQkv ?? d.fusedQkv,
    attnBias: config.attnBias ?? d.attnBias,
    mlpBias: config.mlpBias ?? d.mlpBias,
    rotaryPct: config.rotaryPct ?? d.rotaryPct,
    ropeTheta: config.ropeTheta ?? d.ropeTheta,
    ropeScaling: config.ropeScaling ?? d.ropeScaling,
  };
  for (const k of INTEGER_FIELDS) {
    const v = c[k];
    if (!Number.isInteger(v) || v <= 0) throw new Error(`${what}: ${k} must be a positive integer, got ${String(v)}`);
  }
  for (const k of BOOLEAN_FIELDS)
    if (typeof c[k] !== "boolean") throw new Error(`${what}: ${k} must be true or false, got ${JSON.stringify(c[k])}`);
  if (!(c.dropout >= 0 && c.dropout < 1)) throw new Error(`${what}: dropout must be in [0, 1), got ${String(c.dropout)}`);
  if (c.positions !== "learned" && c.positions !== "rotary")
    throw new Error(`${what}: positions must be "learned" or "rotary", got ${JSON.stringify(c.positions)}`);
  if (c.norm !== "layernorm" && c.norm !== "rmsnorm")
    throw new Error(`${what}: norm must be "layernorm" or "rmsnorm", got ${JSON.stringify(c.norm)}`);
  if (!ACTIVATIONS.includes(c.activation))
    throw new Error(`${what}: activation must be one of ${ACTIVATIONS.join(", ")}, got ${JSON.stringify(c.activation)}`);
  if (!(c.normEps > 0)) throw new Error(`${what}: normEps must be positive, got ${String(c.normEps)}`);
  if (c.nHeads % c.nKvHeads !== 0) throw new Error(`${what}: nHeads ${c.nHeads} is not divisible by nKvHeads ${c.nKvHeads}`);
  if (c.positions === "rotary") {
    if (!(c.rotaryPct > 0 && c.rotaryPct <= 1)) throw new Error(`${what}: rotaryPct must be in (0, 1], got ${String(c.rotaryPct)}`);
    const r = rotaryDims(c);
    if (r < 2 || r % 2 !== 0)
      throw new Error(`${what}: rotaryPct ${c.rotaryPct} of headDim ${c.headDim} turns ${r} dims; it must be an even number >= 2`);
    if (!(c.ropeTheta > 0)) throw new Error(`${what}: ropeTheta must be positive, got ${String(c.ropeTheta)}`);
    const s = c.ropeScaling;
    if (s !== null) {
      if (s.type !== "linear" && s.type !== "llama3")
        throw new Error(`${what}: ropeScaling.type must be "linear" or "llama3", got ${JSON.stringify((s as { type: unknown }).type)}`);
      const numbers =
        s.type === "linear"
          ? { factor: s.factor }
          : {
              factor: s.factor,
              lowFreqFactor: s.lowFreqFactor,
              highFreqFactor: s.highFreqFactor,
              originalMaxPositions: s.originalMaxPositions,
            };
      for (const [k, v] of Object.entries(numbers))
        if (!(typeof v === "number" && v > 0)) throw new Error(`${what}: ropeScaling.${k} must be a positive number, got ${String(v)}`);
      if (s.type === "llama3" && !(s.highFreqFactor > s.lowFreqFactor))
        throw new Error(`${what}: ropeScaling.highFreqFactor must exceed lowFreqFactor`);
    }
  }
  return c;
}

/** Dims of each head that rotary turns (GPT-NeoX: int(headDim * rotary_pct)). */
export function rotaryDims(c: ResolvedTrunkConfig): number {
  return Math.floor(c.headDim * c.rotaryPct);
}

/** One parameter the trunk declares: name (without prefix), shape and initialisation. */
export interface TrunkParameterSpec {
  name: string;
  shape: number[];
  init: Init;
}

/**
 * Every parameter of a trunk with this config, in declaration order. The single source of truth
 * for the constructor, the parameter count and checkpoint name maps. GPT-2 init: weights
 * N(0, 0.02), residual output projections N(0, 0.02/sqrt(2 nLayers)), positions N(0, 0.01),
 * biases 0, norm gains 1.
 */
export function trunkParameterSpecs(config: TrunkConfig): TrunkParameterSpec[] {
  const c = resolveTrunkConfig(config);
  const C = c.dModel;
  const qDim = c.nHeads * c.headDim;
  const kvDim = c.nKvHeads * c.headDim;
  const std = 0.02;
  const residualStd = std / Math.sqrt(2 * c.nLayers);
  const specs: TrunkParameterSpec[] = [{ name: "tok.weight", shape: [c.vocab, C], init: { kind: "normal", std } }];
  if (c.positions === "learned") specs.push({ name: "pos.weight", shape: [c.maxSeq, C], init: { kind: "normal", std: 0.01 } });
  const norm = (name: string) => {
    specs.push({ name: `${name}.weight`, shape: [C], init: { kind: "ones" } });
    if (c.norm === "layernorm") specs.push({ name: `${name}.bias`, shape: [C], init: { kind: "zeros" } });
  };
  const projection = (name: string, inDim: number, outDim: number, s: number, bias: boolean) => {
    specs.push({ name: `${name}.weight`, shape: [inDim, outDim], init: { kind: "normal", std: s } });
    if (bias) specs.push({ name: `${name}.bias`, shape: [outDim], init: { kind: "zeros" } });
  };
  for (let i = 0; i < c.nLayers; i++) {
    const b = `blocks.${i}`;
    norm(`${b}.ln1`);
    if (c.fusedQkv) projection(`${b}.attn.qkv`, C, qDim + 2 * kvDim, std, c.attnBias);
    else {
      projection(`${b}.attn.q`, C, qDim, std, c.attnBias);
      projection(`${b}.attn.k`, C, kvDim, std, c.attnBias);
      projection(`${b}.attn.v`, C, kvDim, std, c.attnBias);
    }
    projection(`${b}.attn.proj`, qDim, C, residualStd, c.attnBias);
    norm(`${b}.ln2`);
    if (c.gatedMlp) projection(`${b}.mlp.gate`, C, c.dMlp, std, c.mlpBias);
    projection(`${b}.mlp.up`, C, c.dMlp, std, c.mlpBias);
    projection(`${b}.mlp.down`, c.dMlp, C, residualStd, c.mlpBias);
  }
  norm("ln_f");
  return specs;
}

/** Parameters a trunk with this config declares (embeddings, blocks, final norm). */
export function trunkParamCount(config: TrunkConfig): number {
  return trunkParameterSpecs(config).reduce((n, p) => n + p.shape.reduce((a, b) => a * b, 1), 0);
}

/**
 * Values to start parameters from instead of their random init (a checkpoint's): given the full
 * parameter name and shape, the values (adopted without a copy), or undefined to initialise as usual.
 */
export type InitialValues = (name: string, shape: readonly number[]) => Float32Array | undefined;

/** The projections of one block that LoRA adapters may target (which exist depends on the config). */
export const PROJECTIONS = ["attn.qkv", "attn.q", "attn.k", "attn.v", "attn.proj", "mlp.gate", "mlp.up", "mlp.down"] as const;
export type ProjectionKind = (typeof PROJECTIONS)[number];

/** Adds a low-rank term to a base projection; implemented by LoRA adapters. */
export interface ProjectionDelta {
  /** Extra output for projection `name` (e.g. `blocks.0.attn.qkv`) given its input, or undefined. */
  delta(name: string, x: Tensor): Tensor | undefined;
  /** Current values of the delta's own parameters, fed next to the base's. */
  feeds(): Record<string, HostTensor>;
}

/** Keys and values of every layer for a run of positions: each (B, nKvHeads, T, headDim). */
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
   * Cached keys/values of earlier positions, (B, nKvHeads, Tpast, headDim) per layer (needs `mask`; cache
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
  /** Keys/values of the new positions only (B, nKvHeads, T, headDim); the caller appends them to its cache. */
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
  kind: ProjectionKind;
  weight: Tensor;
  bias: Tensor | undefined;
}

interface Block {
  ln1: (x: Tensor) => Tensor;
  ln2: (x: Tensor) => Tensor;
  projections: Map<ProjectionKind, Projection>;
}

/**
 * Token embeddings (+ learned positions), `nLayers` pre-norm blocks and a final norm; configurable
 * to GPT-2, GPT-NeoX/Pythia and Llama (see {@link TrunkConfig}). Parameter names: `tok.weight`,
 * `pos.weight`, `blocks.<i>.ln1.weight`, `blocks.<i>.attn.qkv.weight` (or `attn.q|k|v`),
 * `attn.proj`, `ln2`, `mlp.gate|up|down`, `ln_f`, under an optional prefix; every projection
 * weight is (in, out). Takes cached keys/values and optional LoRA terms, which generation and
 * adapters need.
 */
export class Trunk {
  readonly config: ResolvedTrunkConfig;
  readonly tokWeight: Tensor;
  private readonly posWeight: Tensor | undefined;
  private readonly rope: { cos: Tensor; sin: Tensor } | undefined;
  private readonly blocks: Block[];
  private readonly lnF: (x: Tensor) => Tensor;

  /**
   * Declares the trunk's parameters in `store` under `prefix`. Each starts from `initial` when it
   * gives values (a checkpoint, so nothing random is drawn first), otherwise from its init.
   */
  constructor(
    readonly store: ParameterStore,
    config: TrunkConfig,
    readonly prefix = "",
    initial?: InitialValues,
  ) {
    const c = (this.config = resolveTrunkConfig(config));
    const p = prefix;
    const params = new Map<string, Tensor>();
    for (const spec of trunkParameterSpecs(c)) {
      const name = `${p}${spec.name}`;
      const values = initial?.(name, spec.shape);
      params.set(spec.name, store.param(name, spec.shape, values ? { kind: "values", values } : spec.init));
    }
    const norm = (name: string) => {
      const gain = params.get(`${name}.weight`)!;
      if (c.norm === "rmsnorm") return (x: Tensor) => applyRmsNorm(x, gain, c.normEps);
      const bias = params.get(`${name}.bias`)!;
      return (x: Tensor) => applyLayerNorm(x, gain, bias, c.normEps);
    };
    this.tokWeight = params.get("tok.weight")!;
    this.posWeight = params.get("pos.weight");
    this.rope =
      c.positions === "rotary" ? rotaryTables(c.maxSeq, ropeInverseFrequencies(rotaryDims(c), c.ropeTheta, c.ropeScaling)) : undefined;
    this.blocks = Array.from({ length: c.nLayers }, (_, i) => {
      const b = `blocks.${i}`;
      const projections = new Map<ProjectionKind, Projection>();
      for (const kind of PROJECTIONS) {
        const weight = params.get(`${b}.${kind}.weight`);
        if (weight) projections.set(kind, { name: `${p}${b}.${kind}`, kind, weight, bias: params.get(`${b}.${kind}.bias`) });
      }
      return { ln1: norm(`${b}.ln1`), ln2: norm(`${b}.ln2`), projections };
    });
    this.lnF = norm("ln_f");
  }

  /** Base weights of every projection, by parameter-name stem (`<prefix>blocks.<i>.attn.qkv`). */
  projections(): { name: string; kind: ProjectionKind; inDim: number; outDim: number }[] {
    return this.blocks.flatMap((b) =>
      [...b.projections.values()].map((pr) => ({
        name: pr.name,
        kind: pr.kind,
        inDim: pr.weight.shape[0] as number,
        outDim: pr.weight.shape[1] as number,
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
    const Hkv = c.nKvHeads;
    const D = c.headDim;
    const Tpast: Dim = past ? past.keys[0]!.shape[2]! : 0;
    const project = (blk: Block, kind: ProjectionKind, x: Tensor) => {
      const pr = blk.projections.get(kind)!;
      const y = x.matmul(pr.weight);
      const withBias = pr.bias ? y.add(pr.bias) : y;
      const d = lora?.delta(pr.name, x);
      return d ? withBias.add(d) : withBias;
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
    const embedded = this.tokWeight.gather(ids); // (B, T, C)
    let x = drop(this.posWeight ? embedded.add(this.posWeight.gather(posIds)) : embedded, 0);
    // Rotary angles of the new positions, shared by every layer: (B or 1, 1, T, R/2).
    const rot = this.rope && { cos: this.rope.cos.gather(posIds).unsqueeze(1), sin: this.rope.sin.gather(posIds).unsqueeze(1) };

    // Additive-free masking with `where`: future keys (causal) and padding keys get MASKED.
    const Tall = dimAdd(Tpast, T); // as concat spells it, so masks and keys share one symbolic length
    let future: Tensor | undefined;
    if (T !== 1) {
      const keyPos = arange(Tall); // (Tall,)
      const queryPos = past ? keyPos.slice(0, Tpast, undefined) : keyPos; // (T,)
      future = queryPos.unsqueeze(1).lt(keyPos.unsqueeze(0)); // (T, Tall)
    }
    const keyMask = mask?.reshape([B, 1, 1, Tall]); // (B, 1, 1, Tall)
    // Grouped-query attention: query head h reads key/value head floor(h / group).
    const group = H / Hkv;
    const shareKv = (t: Tensor) => {
      if (group === 1) return t;
      const Tk = t.shape[2]!;
      return t.reshape([B, Hkv, 1, Tk, D]).expand([B, Hkv, group, Tk, D]).reshape([B, H, Tk, D]); // (B, H, Tk, D)
    };

    const present: KvTensors = { keys: [], values: [] };
    this.blocks.forEach((blk, i) => {
      const heads = (t: Tensor, n: number) => t.reshape([B, T, n, D]).transpose([0, 2, 1, 3]); // (B, n, T, D)
      const h1 = blk.ln1(x);
      const [q, k, v] = c.fusedQkv
        ? project(blk, "attn.qkv", h1).split(2, [H * D, Hkv * D, Hkv * D])
        : [project(blk, "attn.q", h1), project(blk, "attn.k", h1), project(blk, "attn.v", h1)];
      let queries = heads(q!, H); // (B, H, T, D)
      let keys = heads(k!, Hkv); // (B, Hkv, T, D)
      const values = heads(v!, Hkv); // (B, Hkv, T, D)
      if (rot) {
        queries = applyRotary(queries, rot.cos, rot.sin);
        keys = applyRotary(keys, rot.cos, rot.sin);
      }
      present.keys.push(keys); // cached after rotation, as Hugging Face does
      present.values.push(values);
      // With a cache, past and new keys are scored separately and never concatenated: copying a
      // growing cache inside every step cost more than the attention itself.
      let scores = queries.matmul(shareKv(keys).T); // (B, H, T, T)
      if (past) scores = concat([queries.matmul(shareKv(past.keys[i]!).T), scores], 3); // (B, H, T, Tpast + T)
      scores = scores.mul(1 / Math.sqrt(D));
      if (future) scores = where(future, MASKED, scores);
      if (keyMask) scores = where(keyMask, scores, MASKED);
      const weights = scores.softmax(-1); // (B, H, T, Tall)
      const mixed = past
        ? weights
            .slice(3, 0, Tpast)
            .matmul(shareKv(past.values[i]!))
            .add(weights.slice(3, Tpast, undefined).reshape([B, H, T, T]).matmul(shareKv(values))) // reshape names the new part's length T
        : weights.matmul(shareKv(values)); // (B, H, T, D)
      const att = mixed.transpose([0, 2, 1, 3]).reshape([B, T, H * D]); // (B, T, H*D)
      const attnOut = drop(project(blk, "attn.proj", att), 1 + 2 * i); // (B, T, C)
      const mlp = (h: Tensor) => {
        const hidden = c.gatedMlp
          ? activate(c.activation, project(blk, "mlp.gate", h)).mul(project(blk, "mlp.up", h))
          : activate(c.activation, project(blk, "mlp.up", h)); // (B, T, M)
        return drop(project(blk, "mlp.down", hidden), 2 + 2 * i); // (B, T, C)
      };
      if (c.parallelResidual) {
        x = x.add(attnOut).add(mlp(blk.ln2(x)));
      } else {
        x = x.add(attnOut);
        x = x.add(mlp(blk.ln2(x)));
      }
    });
    return { hidden: this.lnF(x), present };
  }
}
