import type { Tensor } from "../ir/tensor.ts";
import { ParameterStore } from "../train/parameter-store.ts";
import type { InitialValues, KvTensors, ResolvedTrunkConfig, TrunkConfig, TrunkForwardOptions } from "./trunk.ts";
import { Trunk, resolveTrunkConfig, trunkParamCount } from "./trunk.ts";

/** A decoder-only language model: the trunk plus an output head over the vocabulary. */
export interface GptConfig extends TrunkConfig {
  /** Share the token embedding as the output head (logits = h E^T). Default true. */
  tiedHead?: boolean;
}

export type ResolvedGptConfig = ResolvedTrunkConfig & { tiedHead: boolean };

/** Fills defaults ({@link TRUNK_DEFAULTS}, tiedHead true) and validates. */
export function resolveGptConfig(config: GptConfig): ResolvedGptConfig {
  return { ...resolveTrunkConfig(config, "Gpt config"), tiedHead: config.tiedHead ?? true };
}

/** Parameters of a Gpt with this config. */
export function gptParamCount(config: GptConfig): number {
  const c = resolveGptConfig(config);
  return trunkParamCount(c) + (c.tiedHead ? 0 : c.dModel * c.vocab);
}

/** Where a model keeps its parameters: a new seeded store, or an existing one under a prefix. */
export interface ModelPlacement {
  /** Seed of a new parameter store (ignored when `store` is given). Default 0. */
  seed?: number;
  /** Declare parameters in this store instead of a new one. */
  store?: ParameterStore;
  /** Parameter-name prefix, e.g. `policy.`. Default "". */
  prefix?: string;
  /** Start parameters from these values (a checkpoint) instead of their random init. */
  initial?: InitialValues;
}

/**
 * The policy / reference LM. `logits(ids, {mask})` is the full forward; `forward` also takes and
 * returns cached keys/values, which generation compiles into its decode program.
 */
export class Gpt {
  readonly kind = "gpt";
  readonly config: ResolvedGptConfig;
  readonly store: ParameterStore;
  readonly trunk: Trunk;
  readonly prefix: string;
  /** Names of the parameters this model declared, in declaration order. */
  readonly parameterNames: string[];
  private readonly head: Tensor | undefined;

  constructor(config: GptConfig, placement: ModelPlacement = {}) {
    this.config = resolveGptConfig(config);
    this.store = placement.store ?? new ParameterStore(placement.seed ?? 0);
    const prefix = (this.prefix = placement.prefix ?? "");
    const before = new Set(this.store.list().map((p) => p.name));
    this.trunk = new Trunk(this.store, this.config, prefix, placement.initial);
    const headName = `${prefix}head.weight`;
    const headShape = [this.config.dModel, this.config.vocab];
    const headValues = this.config.tiedHead ? undefined : placement.initial?.(headName, headShape);
    this.head = this.config.tiedHead
      ? undefined
      : this.store.param(headName, headShape, headValues ? { kind: "values", values: headValues } : { kind: "normal", std: 0.02 });
    this.parameterNames = this.store
      .list()
      .map((p) => p.name)
      .filter((n) => !before.has(n));
  }

  /**
   * A copy with the same config and current weights, placed elsewhere: e.g. the frozen reference
   * `policy.clone({ prefix: "ref." })`, whose inputs (`p.ref.*`) can sit in one graph with the
   * policy's (a KL or DPO loss) while only the policy's store is trained.
   */
  clone(placement: ModelPlacement = {}): Gpt {
    const copy = new Gpt(this.config, placement);
    copy.parameterNames.forEach((name, i) => copy.store.set(name, Float32Array.from(this.store.get(this.parameterNames[i]!).value)));
    return copy;
  }

  /** ids (B, T) int64 -> logits (B, T, V) and the keys/values of past + new positions. */
  forward(ids: Tensor, options: TrunkForwardOptions = {}): { logits: Tensor; present: KvTensors; hidden: Tensor } {
    const { hidden, present } = this.trunk.forward(ids, options); // (B, T, C)
    const logits = this.head ? hidden.matmul(this.head) : hidden.matmul(this.trunk.tokWeight.T); // (B, T, V)
    return { logits, present, hidden };
  }

  /** ids (B, T) int64 (mask (B, T) bool marks real tokens) -> logits (B, T, V). */
  logits(ids: Tensor, options: TrunkForwardOptions = {}): Tensor {
    return this.forward(ids, options).logits;
  }

  /** Parameters this model declared (its own, not others sharing the store). */
  parameterCount(): number {
    return gptParamCount(this.config);
  }
}
