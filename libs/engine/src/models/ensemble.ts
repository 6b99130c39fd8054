import type { Tensor } from "../ir/tensor.ts";
import { concat } from "../ir/tensor.ts";
import { ParameterStore } from "../train/parameter-store.ts";
import type { ModelPlacement } from "./gpt.ts";
import { RewardModel, readLast, rewardModelParamCount } from "./reward-model.ts";
import type { ResolvedTrunkConfig, TrunkConfig } from "./trunk.ts";
import { Trunk, resolveTrunkConfig, trunkParamCount } from "./trunk.ts";
import { ValueHead } from "./value-head.ts";

/** How ensemble members share weights. */
export type EnsembleSharing = "independent" | "shared-trunk";

/** A k-member reward ensemble: the trunk fields plus membership. */
export interface RewardEnsembleConfig extends TrunkConfig {
  /** Number of members k. Default 5. */
  members?: number;
  /** "independent": k full reward models; "shared-trunk": one trunk, k scalar heads. Default "independent". */
  sharing?: EnsembleSharing;
}

export type ResolvedRewardEnsembleConfig = ResolvedTrunkConfig & { members: number; sharing: EnsembleSharing };

export function resolveRewardEnsembleConfig(config: RewardEnsembleConfig): ResolvedRewardEnsembleConfig {
  const members = config.members ?? 5;
  const sharing = config.sharing ?? "independent";
  if (!Number.isInteger(members) || members < 1)
    throw new Error(`RewardEnsemble config: members must be a positive integer, got ${members}`);
  if (sharing !== "independent" && sharing !== "shared-trunk")
    throw new Error(`RewardEnsemble config: sharing must be "independent" or "shared-trunk", got ${JSON.stringify(sharing)}`);
  return { ...resolveTrunkConfig(config, "RewardEnsemble config"), members, sharing };
}

/** Parameters of an ensemble with this config. */
export function rewardEnsembleParamCount(config: RewardEnsembleConfig): number {
  const c = resolveRewardEnsembleConfig(config);
  return c.sharing === "independent" ? c.members * rewardModelParamCount(c) : trunkParamCount(c) + c.members * (c.dModel + 1);
}

/**
 * k reward models in one parameter store. Independent members live under `members.<i>.` (each
 * initialised from its own names, so differently); a shared trunk has heads `heads.<i>`.
 */
export class RewardEnsemble {
  readonly kind = "reward-ensemble";
  readonly config: ResolvedRewardEnsembleConfig;
  readonly store: ParameterStore;
  private readonly memberModels: RewardModel[] = [];
  private readonly trunk: Trunk | undefined;
  private readonly heads: ValueHead[] = [];

  constructor(config: RewardEnsembleConfig, placement: ModelPlacement = {}) {
    const c = (this.config = resolveRewardEnsembleConfig(config));
    this.store = placement.store ?? new ParameterStore(placement.seed ?? 0);
    const prefix = placement.prefix ?? "";
    if (c.sharing === "independent") {
      for (let i = 0; i < c.members; i++)
        this.memberModels.push(new RewardModel(c, { store: this.store, prefix: `${prefix}members.${i}.` }));
    } else {
      this.trunk = new Trunk(this.store, c, prefix);
      for (let i = 0; i < c.members; i++) this.heads.push(new ValueHead(this.store, c.dModel, `${prefix}heads.${i}`));
    }
  }

  /** ids (B, T) int64, mask (B, T) bool -> per-member rewards (k, B). */
  scores(ids: Tensor, mask: Tensor, options: { dropoutSeed?: Tensor } = {}): Tensor {
    return concat(
      this.memberScores(ids, mask, options).map((s) => s.unsqueeze(0)),
      0,
    ); // k x (1, B) -> (k, B)
  }

  /** Each member's rewards (B,), e.g. to give members different batches in one training loss. */
  memberScores(ids: Tensor, mask: Tensor, options: { dropoutSeed?: Tensor } = {}): Tensor[] {
    if (this.trunk) {
      const { hidden } = this.trunk.forward(ids, { mask, ...options }); // (B, T, C), computed once for all heads
      return this.heads.map((h) => readLast(h.values(hidden), mask));
    }
    // Members draw different dropout masks: each gets its own seed offset.
    return this.memberModels.map((m, i) => m.scores(ids, mask, { dropoutSeed: options.dropoutSeed?.add(7919 * (i + 1)) }));
  }

  parameterCount(): number {
    return rewardEnsembleParamCount(this.config);
  }
}
