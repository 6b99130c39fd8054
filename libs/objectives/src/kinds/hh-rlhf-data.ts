/**
 * The data side every kind's HH-RLHF preset shares (hh-rlhf-bon, hh-rlhf-rl, hh-rlhf-dpo): the
 * dataset task's split, token limits and gold size, and the SFT policy pi_init, all from the
 * dataset task's hh-rlhf-bon settings (task/dataset/presets.ts), so the kinds' presets train the
 * same gold and pi_init and share their caches.
 */
import { hhRlhfBonPreset } from "../task/dataset/presets.ts";

const HH = hhRlhfBonPreset(0, "full");

/** `task` of an HH-RLHF preset, less the dataset id the user picks. */
export const HH_RLHF_TASK = {
  kind: "dataset",
  seed: HH.seed,
  dataset: {
    tokenizer: "byte",
    heldOutFraction: HH.heldOutFraction,
    maxPromptTokens: HH.maxPromptTokens,
    maxResponseTokens: HH.maxResponseTokens,
    gold: { name: HH.gold.name, layers: HH.gold.layers, dModel: HH.gold.dModel, heads: HH.gold.heads },
  },
};

/** `basePolicy` of an HH-RLHF preset: the byte-level SFT policy. */
export const HH_RLHF_SFT_POLICY = {
  preset: "sft-byte",
  layers: HH.policy.layers,
  dModel: HH.policy.dModel,
  heads: HH.policy.heads,
  pretrainSteps: HH.policy.steps,
};
