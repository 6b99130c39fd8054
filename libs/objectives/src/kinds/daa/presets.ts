/**
 * Named starting points for the direct alignment study: the fields that differ from
 * DEFAULT_DAA_STUDY (a config may start from one with `preset: <name>` and override any field).
 */
import { deepMerge } from "../../config/paths.ts";
import { RPO_PAPER_ETA } from "../../daa/losses.ts";
import type { KindPreset } from "../kind.ts";
import { HH_RLHF_SFT_POLICY, HH_RLHF_TASK } from "../hh-rlhf-data.ts";
import { DEFAULT_DAA_STUDY, type DaaStudyConfig } from "./schema.ts";

const RAFAILOV = "Rafailov et al. 2024";
const LIU = "Liu et al. 2024";

export const DAA_PRESET_LIST: readonly KindPreset[] = [
  {
    name: "daa-scaling",
    title: "Rafailov et al.: direct alignment scaling laws",
    description:
      "DPO, IPO and SLiC at four betas (0.05, 0.1, 0.3, 1), three seeds, 1024 gold-labelled comparisons, two epochs of LoRA; win rate and KL at four checkpoints inside epoch 1 and at each epoch end; d (a - b ln d) frontier per loss.",
    papers: [RAFAILOV],
    datasets: ["builtin"],
    overrides: { name: "daa-scaling", losses: ["dpo", "ipo", "slic"] },
  },
  {
    name: "rpo-vs-dpo",
    title: "Liu et al.: RPO against DPO",
    description: `DPO and RPO at the same four betas, RPO with the paper's eta ${RPO_PAPER_ETA} and a 100 times larger 0.5 (where the NLL gradient is comparable to DPO's), three seeds: does the chosen responses' NLL keep their log-probability up, and what does it do to gold?`,
    papers: [LIU, RAFAILOV],
    datasets: ["builtin"],
    overrides: { name: "rpo-vs-dpo", losses: ["dpo", "rpo"], rpoEtas: [RPO_PAPER_ETA, 0.5] },
  },
  {
    name: "hh-rlhf-dpo",
    title: "DPO and IPO on HH-RLHF style preference data",
    description:
      "Rafailov et al. on real labels: the dataset's chosen/rejected pairs are the label set (512 of them), gold is a 2-layer reward model trained on all of the training split's labels, pi_init and the reference an SFT policy on the chosen responses. DPO and IPO at betas 0.1 and 0.5, one epoch of LoRA, two seeds; win rate and gold gain on 32 held-out prompts. Needs an imported pairwise dataset.",
    papers: [RAFAILOV],
    datasets: ["pairwise preferences (HH-RLHF harmless-base)"],
    requires: [
      { path: "task.dataset.datasetId", description: "the id of an imported pairwise dataset (goodhart datasets list)", example: 1 },
    ],
    overrides: {
      name: "hh-rlhf-dpo",
      task: HH_RLHF_TASK,
      basePolicy: HH_RLHF_SFT_POLICY,
      losses: ["dpo", "ipo"],
      betas: [0.1, 0.5],
      labels: { pairs: 512, noise: 0 },
      training: { epochs: 1, batchSize: 32, lr: 2e-3, finetune: "lora", loraRank: 8 },
      evaluation: { prompts: 32, samplesPerPrompt: 2, heldOutPairs: 128, epochOneFractions: [0.125, 0.25, 0.5, 0.75] },
      seeds: [1, 2],
    },
  },
];

/** A fresh copy of a preset's full config. */
export function daaPreset(name: string): DaaStudyConfig {
  const preset = DAA_PRESET_LIST.find((p) => p.name === name);
  if (!preset) throw new RangeError(`unknown preset "${name}"; expected one of ${DAA_PRESET_LIST.map((p) => p.name).join(", ")}`);
  return deepMerge(DEFAULT_DAA_STUDY, preset.overrides) as DaaStudyConfig;
}
