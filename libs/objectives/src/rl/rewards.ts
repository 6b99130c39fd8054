/**
 * What the policy is optimized against: gold itself, or a proxy (one reward model, or an ensemble
 * whose members are normalised to mean 0 / std 1 on the base policy's samples and aggregated by
 * mean, WCO or UWO; Coste et al. 2024).
 */
import type { RewardModel, Runtime } from "@goodhart/engine";
import { memberScorer } from "./member-scores.ts";
import { aggregate, applyNormalisation, type Aggregation, type Normalisation } from "../ensemble.ts";
import type { BuiltinTask } from "../task/task.ts";
import type { TaskPrompt } from "../task/prompts.ts";
import type { Rollout } from "./rollout.ts";

export interface RewardEvaluation {
  /** The optimized reward per sample. */
  reward: Float64Array;
  /** Normalised score of each member per sample (k rows), or null for gold. */
  members: Float64Array[] | null;
}

export interface RewardSource<P = TaskPrompt> {
  /** "gold" or "proxy:<aggregation>". */
  readonly name: string;
  score(rollout: Rollout<P>): Promise<RewardEvaluation>;
}

/** Gold of each completion (the built-in task's programmatic judge). */
export function goldOf(task: BuiltinTask, rollout: Rollout): Float64Array {
  return Float64Array.from(rollout.prompts, (p, i) => task.gold(p, rollout.words[i]!).total);
}

export function goldReward(task: BuiltinTask): RewardSource {
  return { name: "gold", score: async (rollout) => ({ reward: goldOf(task, rollout), members: null }) };
}

export { memberScores } from "./member-scores.ts";

export function proxyReward<P = TaskPrompt>(
  runtime: Runtime,
  members: readonly RewardModel[],
  normalisation: Normalisation,
  aggregation: Aggregation,
  pad: number,
  name: string,
): RewardSource<P> {
  if (members.length !== normalisation.mean.length)
    throw new RangeError(`proxyReward: ${members.length} members but normalisation for ${normalisation.mean.length}`);
  // All k members in one program per batch (member-scores.ts): every RL step and evaluation scores with them.
  const scorer = memberScorer(runtime, members, pad);
  return {
    name,
    async score(rollout) {
      const normalised = applyNormalisation(await scorer.score(rollout.sequences), normalisation);
      return { reward: aggregate(normalised, aggregation), members: normalised };
    },
  };
}
