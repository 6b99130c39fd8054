import type { Dim } from "../ir/dims.ts";
import type { Tensor } from "../ir/tensor.ts";
import { zeros } from "../ir/tensor.ts";
import { ParameterStore } from "../train/parameter-store.ts";
import type { ModelPlacement } from "./gpt.ts";
import type { ProjectionDelta, ResolvedTrunkConfig, TrunkConfig } from "./trunk.ts";
import { Trunk, resolveTrunkConfig, trunkParamCount } from "./trunk.ts";
import { ValueHead } from "./value-head.ts";

/** A reward model: a trunk plus a scalar head read at the last real token. Same fields as the trunk. */
export type RewardModelConfig = TrunkConfig;

/** Parameters of a reward model with this config (trunk + C weights + 1 bias). */
export function rewardModelParamCount(config: RewardModelConfig): number {
  return trunkParamCount(config) + resolveTrunkConfig(config).dModel + 1;
}

/**
 * One-hot (B, T) float selecting each row's last real token: the largest position whose mask is
 * true. Works for left, right or no padding, so padding never changes which hidden state is read.
 */
export function lastRealToken(mask: Tensor): Tensor {
  const T = mask.shape[1] as Dim;
  const pos = zeros([T], "float32").add(1).cumsum(0, { exclusive: true }); // (T,)
  const last = mask.cast("float32").mul(pos).max([1], true); // (B, 1)
  return pos.eq(last).cast("float32").mul(mask.cast("float32")); // (B, T)
}

/** Reads per-token values (B, T) at each row's last real token -> (B,). */
export function readLast(values: Tensor, mask: Tensor): Tensor {
  return values.mul(lastRealToken(mask)).sum([1]);
}

/**
 * Bradley-Terry style reward model. `scores(ids, mask)` is a graph tensor (B,), so a loss such as
 * `-log sigmoid(r(chosen) - r(rejected))` can be built in the DSL and trained with createTrainer.
 */
export class RewardModel {
  readonly kind = "reward-model";
  readonly config: ResolvedTrunkConfig;
  readonly store: ParameterStore;
  readonly trunk: Trunk;
  readonly head: ValueHead;

  constructor(config: RewardModelConfig, placement: ModelPlacement = {}) {
    this.config = resolveTrunkConfig(config, "RewardModel config");
    this.store = placement.store ?? new ParameterStore(placement.seed ?? 0);
    const prefix = placement.prefix ?? "";
    this.trunk = new Trunk(this.store, this.config, prefix, placement.initial);
    this.head = new ValueHead(this.store, this.config.dModel, `${prefix}score_head`);
  }

  /** ids (B, T) int64, mask (B, T) bool -> rewards (B,) read at each row's last real token. */
  scores(ids: Tensor, mask: Tensor, options: { lora?: ProjectionDelta; dropoutSeed?: Tensor } = {}): Tensor {
    const { hidden } = this.trunk.forward(ids, { mask, ...options }); // (B, T, C)
    return readLast(this.head.values(hidden), mask); // (B,)
  }

  parameterCount(): number {
    return rewardModelParamCount(this.config);
  }
}
