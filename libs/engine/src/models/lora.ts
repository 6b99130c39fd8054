import type { Tensor } from "../ir/tensor.ts";
import type { HostTensor } from "../runtime/runtime.ts";
import { ParameterStore } from "../train/parameter-store.ts";
import type { ProjectionDelta, ProjectionKind, Trunk } from "./trunk.ts";
import { PROJECTIONS } from "./trunk.ts";

/** A LoRA adapter's shape. */
export interface LoraConfig {
  /** Rank r of the update A B. Default 8. */
  rank?: number;
  /** Scale numerator: the update is (alpha / r) x A B. Default 2 * rank. */
  alpha?: number;
  /** Which block projections get an update. Default: every attention projection the base has (["attn.qkv", "attn.proj"], or q, k, v and proj). */
  targets?: ProjectionKind[];
  /** Seed of the adapter's own parameter store (A's init). Default 0. */
  seed?: number;
}

export type ResolvedLoraConfig = Required<LoraConfig>;

/** Attention projections, the default LoRA targets (those the base has). */
const ATTENTION_PROJECTIONS: readonly ProjectionKind[] = ["attn.qkv", "attn.q", "attn.k", "attn.v", "attn.proj"];

/** Fills defaults and validates; with `available` (the base's projection kinds) targets must be among them. */
export function resolveLoraConfig(config: LoraConfig, what: string, available?: readonly ProjectionKind[]): ResolvedLoraConfig {
  const rank = config.rank ?? 8;
  const targets = config.targets ?? (available ? ATTENTION_PROJECTIONS.filter((k) => available.includes(k)) : ["attn.qkv", "attn.proj"]);
  const c: ResolvedLoraConfig = { rank, alpha: config.alpha ?? 2 * rank, targets, seed: config.seed ?? 0 };
  if (!Number.isInteger(c.rank) || c.rank < 1) throw new Error(`${what}: rank must be a positive integer, got ${c.rank}`);
  if (!Number.isFinite(c.alpha)) throw new Error(`${what}: alpha must be a finite number, got ${c.alpha}`);
  if (c.targets.length === 0) throw new Error(`${what}: targets is empty`);
  for (const t of c.targets) {
    if (!PROJECTIONS.includes(t)) throw new Error(`${what}: unknown target ${JSON.stringify(t)}; use ${PROJECTIONS.join(", ")}`);
    if (available && !available.includes(t))
      throw new Error(`${what}: target ${JSON.stringify(t)} is not a projection of this model; it has ${available.join(", ")}`);
  }
  return c;
}

/** Anything built on a trunk (Gpt, RewardModel) can carry adapters. */
export interface HasTrunk {
  readonly trunk: Trunk;
}

/**
 * A low-rank update W + (alpha/r) A B on chosen projections of a frozen base. A ~ U(+-1/sqrt(in)),
 * B = 0, so the adapted model equals the base at step 0. Its parameters live in its own store
 * (names `lora.<name>.<projection>.A|B`): train it with `createTrainer({params: adapter.store})`
 * and feed the base's `store.feeds()` with each batch; the base is never updated.
 */
export class LoraAdapter implements ProjectionDelta {
  readonly config: ResolvedLoraConfig;
  readonly store: ParameterStore;
  readonly scale: number;
  private readonly factors = new Map<string, { a: Tensor; b: Tensor; inDim: number; outDim: number }>();

  constructor(
    base: HasTrunk,
    readonly name: string,
    config: LoraConfig = {},
  ) {
    if (!/^[\w-]+$/.test(name)) throw new Error(`LoRA adapter name ${JSON.stringify(name)} must match [\\w-]+`);
    const available = [...new Set(base.trunk.projections().map((p) => p.kind))];
    this.config = resolveLoraConfig(config, `LoRA adapter ${name}`, available);
    this.store = new ParameterStore(this.config.seed);
    this.scale = this.config.alpha / this.config.rank;
    const r = this.config.rank;
    for (const p of base.trunk.projections()) {
      if (!this.config.targets.includes(p.kind)) continue;
      const a = this.store.param(`lora.${name}.${p.name}.A`, [p.inDim, r], { kind: "uniform", bound: 1 / Math.sqrt(p.inDim) });
      const b = this.store.param(`lora.${name}.${p.name}.B`, [r, p.outDim], { kind: "zeros" });
      this.factors.set(p.name, { a, b, inDim: p.inDim, outDim: p.outDim });
    }
  }

  /** x (..., in) -> (alpha/r) x A B (..., out) for targeted projections. */
  delta(projection: string, x: Tensor): Tensor | undefined {
    const f = this.factors.get(projection);
    return f && x.matmul(f.a).matmul(f.b).mul(this.scale); // (..., r) -> (..., out)
  }

  /** The adapter's parameter feeds (A and B factors). */
  feeds(): Record<string, HostTensor> {
    return this.store.feeds();
  }

  /** The dense update (alpha/r) A B for one projection, computed on the host: (in, out) row-major. */
  denseUpdate(projection: string): Float32Array {
    const f = this.factors.get(projection);
    if (!f) throw new Error(`LoRA adapter ${this.name} does not target ${projection}`);
    const r = this.config.rank;
    const A = this.store.get(`lora.${this.name}.${projection}.A`).value;
    const B = this.store.get(`lora.${this.name}.${projection}.B`).value;
    const out = new Float32Array(f.inDim * f.outDim);
    for (let i = 0; i < f.inDim; i++)
      for (let k = 0; k < r; k++) {
        const aik = A[i * r + k]! * this.scale;
        if (aik === 0) continue;
        for (let j = 0; j < f.outDim; j++) out[i * f.outDim + j] += aik * B[k * f.outDim + j]!;
      }
    return out;
  }

  /** Projections this adapter updates. */
  targetsResolved(): string[] {
    return [...this.factors.keys()];
  }

  parameterCount(): number {
    return this.store.count();
  }
}

/**
 * Adds an adapter's update into base weights: W <- W + (alpha/r) A B for every targeted
 * projection, in `store` (default: the base's own store, which then no longer equals the base).
 */
export function mergeLora(base: HasTrunk, adapter: LoraAdapter, store: ParameterStore = base.trunk.store): void {
  for (const projection of adapter.targetsResolved()) {
    const name = `${projection}.weight`;
    const w = store.get(name).value;
    const d = adapter.denseUpdate(projection);
    if (d.length !== w.length) throw new Error(`mergeLora: ${name} has ${w.length} values, the update ${d.length}`);
    const merged = new Float32Array(w.length);
    for (let i = 0; i < w.length; i++) merged[i] = w[i]! + d[i]!;
    store.set(name, merged);
  }
}

/** Several named adapters over one frozen base, picked per forward with `bank.get(name)`. */
export class LoraBank {
  private readonly adapters = new Map<string, LoraAdapter>();

  constructor(readonly base: HasTrunk) {}

  /** Creates an adapter; names are unique within the bank. */
  add(name: string, config: LoraConfig = {}): LoraAdapter {
    if (this.adapters.has(name)) throw new Error(`LoRA bank already has an adapter named ${JSON.stringify(name)}`);
    const adapter = new LoraAdapter(this.base, name, config);
    this.adapters.set(name, adapter);
    return adapter;
  }

  get(name: string): LoraAdapter {
    const a = this.adapters.get(name);
    if (!a) throw new Error(`no LoRA adapter ${JSON.stringify(name)}; the bank has ${[...this.adapters.keys()].join(", ") || "none"}`);
    return a;
  }

  names(): string[] {
    return [...this.adapters.keys()];
  }
}
