/**
 * Named starting points for constrained RLHF (Moskovitz et al. 2024) on the built-in task. Each
 * preset lists the fields that differ from DEFAULT_CONSTRAINED_RLHF; both stay within about 15
 * minutes on two idle cores (docs/constrained-rlhf.md, "Benchmark").
 */
import type { KindPreset } from "../kind.ts";

const MOSKOVITZ = "Moskovitz et al. 2024";

export const CONSTRAINED_RLHF_PRESET_LIST: readonly KindPreset[] = [
  {
    name: "moskovitz-proxy-points",
    title: "Moskovitz et al.: proxy points of two component RMs",
    description:
      "Reward models for informativeness and fluency, a fixed-weight PPO sweep over five weightings (KL penalty 0.02), the quadratic gold surface over the two components with its joint proxy point and each component's own, with bootstrap intervals; three seeds.",
    papers: [MOSKOVITZ],
    datasets: ["builtin"],
    overrides: {
      name: "moskovitz-proxy-points",
      sweep: {
        weights: [
          [1, 0],
          [0.75, 0.25],
          [0.5, 0.5],
          [0.25, 0.75],
          [0, 1],
        ],
      },
      methods: [],
    },
  },
  {
    name: "moskovitz-constrained",
    title: "Moskovitz et al.: constrained PPO at the proxy points",
    description:
      "The proxy-point sweep (three weightings), then the tuned fixed weights, PPO-SAT, All-PPO, mu-PPO and xi-PPO against the proxy points, and NM-PPO searching the thresholds inside one run with a few gold queries; three seeds.",
    papers: [MOSKOVITZ],
    datasets: ["builtin"],
    overrides: { name: "moskovitz-constrained" },
  },
];
