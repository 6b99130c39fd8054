/**
 * Named starting points for the RL study. Each preset lists the fields that differ from
 * DEFAULT_RL_STUDY.
 */
import type { KindPreset } from "../kind.ts";
import { HH_RLHF_SFT_POLICY, HH_RLHF_TASK } from "../hh-rlhf-data.ts";
import { PROXY_SIZES } from "../bon-study/schema.ts";

const GAO = "Gao et al. 2023";
const COSTE = "Coste et al. 2024";

export const RL_STUDY_PRESET_LIST: readonly KindPreset[] = [
  {
    name: "rl-quick-demo",
    title: "RL quick demo",
    description: "A few-minute run: a tiny base policy, one small proxy without KL penalty and gold itself as objectives, RLOO, one seed.",
    papers: [GAO],
    datasets: ["builtin"],
    overrides: {
      name: "rl-quick-demo",
      task: { prompts: { train: 500, validation: 50, test: 50 } },
      basePolicy: { layers: 1, dModel: 32, heads: 2, pretrainSteps: 200 },
      proxySizes: [{ name: "policy-size", layers: 1, dModel: 32, heads: 2 }],
      trainingSize: 1000,
      objectives: ["gold", "single"],
      rl: { steps: 40 },
      evaluation: { every: 5, prompts: 32 },
      seeds: [1],
    },
  },
  {
    name: "gao-rl",
    title: "Gao et al.: RL against proxies of three sizes",
    description:
      "Gao et al. 2023's RL design on the built-in task: single proxies of three sizes, clean labels, no KL penalty, RLOO, three seeds; gold against sqrt(KL) fitted by d (a - b ln d).",
    papers: [GAO],
    datasets: ["builtin"],
    overrides: {
      name: "gao-rl",
      proxySizes: [PROXY_SIZES.tiny, PROXY_SIZES.small, PROXY_SIZES.medium],
      objectives: ["single"],
      klCoefs: [0],
      labelNoise: 0,
    },
  },
  {
    name: "coste-rl",
    title: "Coste et al.: ensembles under RL",
    description:
      "Coste et al. 2024's PPO setting on the built-in task: 25% label noise, five-member proxies, one member alone vs mean vs WCO vs UWO (lambda 0.1), KL penalty 0 and 0.01, PPO, three seeds, gold evaluated every 5 steps.",
    papers: [COSTE],
    datasets: ["builtin"],
    overrides: {
      name: "coste-rl",
      proxySizes: [PROXY_SIZES.small],
      labelNoise: 0.25,
      ensembleSize: 5,
      objectives: ["single", "mean", "wco", "uwo"],
      uwoLambda: 0.1,
      klCoefs: [0, 0.01],
      rl: { algorithm: "ppo", promptsPerStep: 32, samplesPerPrompt: 1 },
      // 20 evaluations per run rather than 10: Coste et al. evaluate every 100 of 3000 PPO steps (30 per
      // run). Evaluations use their own seeds, so training is unchanged; they only see the curve more often
      // (docs/rl.md, "coste-rl: what changed and why").
      evaluation: { every: 5 },
    },
  },
  {
    name: "hh-rlhf-rl",
    title: "RL against proxies on HH-RLHF style preference data",
    description:
      "Gao et al. and Coste et al. on real labels: pi_init an SFT policy on the dataset's chosen responses, gold a 2-layer reward model trained on all of the training split's labels, a 2-member 1-layer proxy trained on 1000 of the dataset's comparisons with 25% label noise; RLOO against member 0, the ensemble's WCO and gold itself, no KL penalty, one seed; gold and proxy against KL on 16 held-out prompts. Small. Needs an imported pairwise dataset.",
    papers: [GAO, COSTE],
    datasets: ["pairwise preferences (HH-RLHF harmless-base)"],
    requires: [
      { path: "task.dataset.datasetId", description: "the id of an imported pairwise dataset (goodhart datasets list)", example: 1 },
    ],
    overrides: {
      name: "hh-rlhf-rl",
      task: HH_RLHF_TASK,
      basePolicy: HH_RLHF_SFT_POLICY,
      proxySizes: [{ name: "1x32", layers: 1, dModel: 32, heads: 2 }],
      trainingSize: 1000,
      labelNoise: 0.25,
      ensembleSize: 2,
      objectives: ["gold", "single", "wco"],
      klCoefs: [0],
      rl: { algorithm: "rloo", steps: 30, promptsPerStep: 8, samplesPerPrompt: 2 },
      evaluation: { every: 5, prompts: 16, samplesPerPrompt: 2 },
      rmTraining: { epochs: 2, batchSize: 32, lr: 3e-3 },
      seeds: [1],
    },
  },
];
