/**
 * Named starting points for the best-of-n study, one per paper setup. A config file may start from
 * one with `preset: <name>` and override any field.
 */
import { DEFAULT_BON_STUDY, PROXY_SIZES, type BonStudyConfig } from "./bon-study.ts";
import { UWO_LAMBDA } from "../ensemble.ts";

export const BON_STUDY_PRESETS = {
  /**
   * Gao et al. 2023 in miniature: three proxy sizes x three training-set sizes, clean labels, a single
   * RM each, best-of-n up to N = 1024 on the built-in task, three seeds (27 proxies).
   */
  "gao-bon-small": {
    ...DEFAULT_BON_STUDY,
    name: "gao-bon-small",
    proxySizes: [PROXY_SIZES.tiny, PROXY_SIZES.small, PROXY_SIZES.medium],
    trainingSizes: [250, 1000, 4000],
    labelNoise: [0],
    ensemble: { size: 1, aggregations: [{ kind: "mean" }] },
  },
  /**
   * Coste et al. 2024: k = 5 member ensembles aggregated by mean, WCO and UWO (lambda 0.5 for
   * best-of-n), with clean and 25%-flipped labels, two proxy sizes, three seeds.
   */
  "coste-ensemble-noise": {
    ...DEFAULT_BON_STUDY,
    name: "coste-ensemble-noise",
    proxySizes: [PROXY_SIZES.tiny, PROXY_SIZES.small],
    trainingSizes: [2000],
    labelNoise: [0, 0.25],
    ensemble: { size: 5, aggregations: [{ kind: "mean" }, { kind: "wco" }, { kind: "uwo", lambda: UWO_LAMBDA.bon }] },
  },
  /** A one-minute smoke run: one tiny proxy, two data sizes, noisy labels, N = 256, one seed. */
  "quick-demo": {
    ...DEFAULT_BON_STUDY,
    name: "quick-demo",
    task: { kind: "builtin", seed: 0, prompts: { train: 500, validation: 50, test: 50 } },
    basePolicy: { ...DEFAULT_BON_STUDY.basePolicy, pretrainSteps: 300 },
    proxySizes: [PROXY_SIZES.tiny],
    trainingSizes: [300, 1500],
    labelNoise: [0.25],
    bon: { poolSize: 256, ns: "default", evalPrompts: 50 },
    seeds: [1],
  },
} as const satisfies Record<string, BonStudyConfig>;

export type BonStudyPresetName = keyof typeof BON_STUDY_PRESETS;
export const BON_STUDY_PRESET_NAMES = Object.keys(BON_STUDY_PRESETS) as BonStudyPresetName[];

/** A fresh copy of a preset; throws naming the known presets for an unknown name. */
export function bonStudyPreset(name: string): BonStudyConfig {
  if (!Object.hasOwn(BON_STUDY_PRESETS, name)) {
    throw new RangeError(`unknown preset "${name}"; expected one of ${BON_STUDY_PRESET_NAMES.join(", ")}`);
  }
  return structuredClone(BON_STUDY_PRESETS[name as BonStudyPresetName]) as BonStudyConfig;
}
