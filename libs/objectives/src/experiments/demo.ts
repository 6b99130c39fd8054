/**
 * The demo study `goodhart demo` runs: three proxy sizes, a 5-member ensemble aggregated by mean,
 * WCO and UWO, clean and 25%-flipped labels, three seeds, best-of-n up to N = 128 on 100 prompts of
 * the built-in task, proxies starting from pretrained trunks of their size. Sizes are
 * tiny by any absolute standard so the whole study fits in a few minutes on two CPU cores.
 */
import { UWO_LAMBDA } from "../ensemble.ts";
import { DEFAULT_BON_STUDY, type BonStudyConfig } from "../kinds/bon-study/schema.ts";
import type { BonStudyOptions } from "./bon-study.ts";

/** Proxy sizes of the demo (layers x width): small 1x16, medium 1x32, large 2x32. */
export const DEMO_PROXY_SIZES = [
  { name: "small", layers: 1, dModel: 16, heads: 2 },
  { name: "medium", layers: 1, dModel: 32, heads: 4 },
  { name: "large", layers: 2, dModel: 32, heads: 4 },
];

/** The demo study config (see the module doc; every number is documented in the README). */
export const DEMO_STUDY: BonStudyConfig = {
  ...DEFAULT_BON_STUDY,
  name: "demo",
  task: { kind: "builtin", seed: 0, prompts: { train: 2000, validation: 200, test: 200 } },
  basePolicy: { preset: "builtin-tiny", layers: 2, dModel: 64, heads: 4, pretrainSteps: 1000 },
  proxySizes: DEMO_PROXY_SIZES,
  trainingSizes: [1500],
  labelNoise: [0, 0.25],
  ensemble: { size: 5, aggregations: [{ kind: "mean" }, { kind: "wco" }, { kind: "uwo", lambda: UWO_LAMBDA.bon }] },
  // Coste et al.'s comparison with its uncertainty: 100 evaluation prompts and 3 seeds, so the
  // summary's intervals (prompts and seeds resampled) can tell an aggregation's effect from noise.
  bon: { poolSize: 128, ns: "default", evalPrompts: 100 },
  seeds: [1, 2, 3],
};

/** Study-wide options of the demo. */
export const DEMO_OPTIONS: BonStudyOptions = {
  rmTraining: { epochs: 2, batchSize: 64, lr: 5e-3 },
  validationPrompts: 100,
};
