/**
 * Named starting points for the best-of-n study, one per paper setup. Each preset is the fields
 * that differ from DEFAULT_BON_STUDY; a config may start from one (`preset: <name>`, or the CLI's
 * `--preset`) and override any field.
 */
import { UWO_LAMBDA } from "../../ensemble.ts";
import { deepMerge } from "../../config/paths.ts";
import type { KindPreset } from "../kind.ts";
import { HH_RLHF_SFT_POLICY, HH_RLHF_TASK } from "../hh-rlhf-data.ts";
import { hhRlhfBonPreset } from "../../task/dataset/presets.ts";
import { DEFAULT_BON_STUDY, PROXY_SIZES, type BonStudyConfig } from "./schema.ts";

const GAO = "Gao et al. 2023";
const COSTE = "Coste et al. 2024";
const MEAN_WCO_UWO = [{ kind: "mean" }, { kind: "wco" }, { kind: "uwo", lambda: UWO_LAMBDA.bon }];
/** The dataset task's hh-rlhf-bon settings (task/dataset/presets.ts), one place for its numbers. */
const HH = hhRlhfBonPreset(0, "full");

export const BON_STUDY_PRESET_LIST: readonly KindPreset[] = [
  {
    name: "quick-demo",
    title: "Quick demo",
    description: "A one-minute smoke run: one tiny proxy, two data sizes, 25% label noise, N = 256, one seed.",
    papers: [GAO, COSTE],
    datasets: ["builtin"],
    overrides: {
      name: "quick-demo",
      task: { prompts: { train: 500, validation: 50, test: 50 } },
      basePolicy: { pretrainSteps: 300 },
      proxySizes: [PROXY_SIZES.tiny],
      trainingSizes: [300, 1500],
      labelNoise: [0.25],
      bon: { poolSize: 256, evalPrompts: 50 },
      seeds: [1],
    },
  },
  {
    name: "gao-bon",
    title: "Gao et al.: best-of-n scaling",
    description:
      "Gao et al. 2023's best-of-n design on the built-in task: four proxy sizes x three training-set sizes, clean labels, a single RM each, N = 1024, three seeds (36 proxies).",
    papers: [GAO],
    datasets: ["builtin"],
    overrides: {
      name: "gao-bon",
      proxySizes: [PROXY_SIZES.tiny, PROXY_SIZES.small, PROXY_SIZES.medium, PROXY_SIZES.large],
      trainingSizes: [500, 2000, 8000],
      labelNoise: [0],
    },
  },
  {
    name: "gao-bon-small",
    title: "Gao et al. in miniature",
    description:
      "Three proxy sizes x three smaller training-set sizes, clean labels, a single RM each, N = 1024, three seeds (27 proxies).",
    papers: [GAO],
    datasets: ["builtin"],
    overrides: {
      name: "gao-bon-small",
      proxySizes: [PROXY_SIZES.tiny, PROXY_SIZES.small, PROXY_SIZES.medium],
      trainingSizes: [250, 1000, 4000],
      labelNoise: [0],
    },
  },
  {
    name: "coste-bon",
    title: "Coste et al.: ensembles against best-of-n overoptimization",
    description:
      "Coste et al. 2024's best-of-n setup: k = 5 member ensembles aggregated by mean, WCO and UWO (lambda 0.5), clean and 25%-flipped labels, three proxy sizes, 2000 comparisons, three seeds.",
    papers: [COSTE],
    datasets: ["builtin"],
    overrides: {
      name: "coste-bon",
      proxySizes: [PROXY_SIZES.tiny, PROXY_SIZES.small, PROXY_SIZES.medium],
      trainingSizes: [2000],
      labelNoise: [0, 0.25],
      ensemble: { size: 5, aggregations: MEAN_WCO_UWO },
    },
  },
  {
    name: "coste-ensemble-noise",
    title: "Coste et al. in miniature",
    description: "k = 5 ensembles (mean, WCO, UWO) with clean and 25%-flipped labels, two proxy sizes, 2000 comparisons, three seeds.",
    papers: [COSTE],
    datasets: ["builtin"],
    overrides: {
      name: "coste-ensemble-noise",
      proxySizes: [PROXY_SIZES.tiny, PROXY_SIZES.small],
      trainingSizes: [2000],
      labelNoise: [0, 0.25],
      ensemble: { size: 5, aggregations: MEAN_WCO_UWO },
    },
  },
  {
    name: "hh-rlhf-bon",
    title: "Best-of-n on HH-RLHF style preference data",
    description:
      "Gao/Coste on real labels: an SFT policy on the dataset's chosen responses, a 2-layer gold RM on all training labels, 1-layer proxies on 250/500/1000 comparisons with 0 and 25% noise, N = 32 on 32 held-out prompts. Needs an imported pairwise dataset (HH-RLHF harmless-base test: 95 s wall and 144 CPU-s measured on 2 lightly loaded cores).",
    papers: [GAO, COSTE],
    datasets: ["pairwise preferences (HH-RLHF harmless-base)"],
    requires: [
      { path: "task.dataset.datasetId", description: "the id of an imported pairwise dataset (goodhart datasets list)", example: 1 },
    ],
    overrides: {
      name: "hh-rlhf-bon",
      task: HH_RLHF_TASK,
      basePolicy: HH_RLHF_SFT_POLICY,
      proxySizes: HH.proxies.sizes,
      trainingSizes: HH.proxies.trainingSizes,
      labelNoise: HH.proxies.labelNoise,
      bon: HH.bon,
      seeds: HH.proxies.seeds,
    },
  },
];

export const BON_STUDY_PRESET_NAMES: readonly string[] = BON_STUDY_PRESET_LIST.map((p) => p.name);

/** A fresh copy of a preset's full config; throws naming the known presets for an unknown name. */
export function bonStudyPreset(name: string): BonStudyConfig {
  const preset = BON_STUDY_PRESET_LIST.find((p) => p.name === name);
  if (!preset) throw new RangeError(`unknown preset "${name}"; expected one of ${BON_STUDY_PRESET_NAMES.join(", ")}`);
  return deepMerge(DEFAULT_BON_STUDY, preset.overrides) as BonStudyConfig;
}
