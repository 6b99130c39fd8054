/**
 * Reward models initialised from a pretrained language model's trunk (Gao et al. 2023 and Coste et
 * al. 2024 start their reward models from pretrained LMs): every trunk parameter (embeddings,
 * blocks, final layer norm) is copied from the LM, the scalar head stays freshly initialised.
 */
import type { Gpt, RewardModel } from "@goodhart/engine";

/** Shape fields that must agree for the LM's trunk to fit the reward model's. */
const SHAPE_FIELDS = ["vocab", "maxSeq", "dModel", "nHeads", "nLayers", "dMlp"] as const;

/**
 * Copies the LM's trunk weights into the reward model (whose head is untouched).
 * @returns the number of parameters copied
 * @throws when the trunks differ in shape (naming the field) or a trunk parameter is missing
 */
export function initRewardTrunkFromLm(reward: RewardModel, lm: Gpt): number {
  for (const f of SHAPE_FIELDS) {
    if (reward.config[f] !== lm.config[f])
      throw new RangeError(`reward trunk init: the reward model has ${f} ${reward.config[f]}, the pretrained LM ${lm.config[f]}`);
  }
  const lmPrefix = lm.prefix;
  let copied = 0;
  for (const p of reward.store.list()) {
    if (p.name.includes("score_head")) continue;
    const source = lm.store.get(`${lmPrefix}${p.name}`); // throws naming a missing parameter
    reward.store.set(p.name, Float32Array.from(source.value));
    copied += p.value.length;
  }
  return copied;
}
