/**
 * Named starting points for the RL study. Each preset lists the fields that differ from
 * DEFAULT_RL_STUDY.
 */
import type { KindPreset } from "../kind.ts";
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
      "Coste et al. 2024's PPO setting on the built-in task: 25% label noise, five-member proxies, one member alone vs mean vs WCO vs UWO (lambda 0.1), KL penalty 0 and 0.01, PPO, three seeds.",
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
    },
  },
];
