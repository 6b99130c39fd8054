/**
 * Constrained RLHF with composite reward models (Moskovitz et al. 2024) as an experiment kind:
 * component reward models, proxy points from a fixed-weight sweep, and constrained PPO variants.
 */
import { defineKind } from "../kind.ts";
import { CONSTRAINED_RLHF_PRESET_LIST } from "./presets.ts";
import { constrainedRlhfSchema } from "./schema.ts";

export const constrainedRlhfKind = defineKind({
  id: "constrained-rlhf",
  title: "Constrained RLHF with composite reward models (Moskovitz et al.)",
  description:
    "Train one reward model per gold component, find each component's proxy point (the value beyond which gold falls) from a fixed-weight PPO sweep, and compare fixed weights with PPO-SAT, All-PPO, mu-PPO, xi-PPO (learned Lagrange multipliers) and NM-PPO (Nelder-Mead over the thresholds).",
  diagnostic: false,
  schema: constrainedRlhfSchema(),
  presets: CONSTRAINED_RLHF_PRESET_LIST,
  defaultPreset: "moskovitz-constrained",
  series: [
    {
      pattern: "sweep-*",
      title: "Fixed-weight sweep",
      group: "constrained",
      description:
        "PPO on a fixed weighting of the component rewards; the weighting of highest mean final gold is the fixed-weight baseline (result tunedWeights).",
    },
    { pattern: "*-ppo/*", title: "Constrained PPO", group: "constrained", description: "All-PPO, mu-PPO, xi-PPO, NM-PPO." },
    { pattern: "ppo-sat/*", title: "PPO-SAT", group: "constrained", description: "Fixed weights on rewards saturated at the thresholds." },
  ],
  metrics: [
    { pattern: "constrained/*/gold", title: "Gold gain (evaluation)", group: "constrained-gold", unit: "reward" },
    { pattern: "constrained/*/component/*", title: "Component value (normalised RM score)", group: "constrained-components" },
    { pattern: "constrained/*/threshold/*", title: "Threshold theta", group: "constrained-components" },
    { pattern: "constrained/*/lambda/*", title: "Lagrange multiplier lambda", group: "constrained-multipliers" },
    { pattern: "constrained/*/kl", title: "KL(pi || pi_init) (exact)", group: "constrained-kl", unit: "nats" },
    { pattern: "constrained/*/train.*", title: "Training (rollouts)", group: "constrained-train" },
    { pattern: "proxy-point/*", title: "Proxy points (estimate, 95% CI) and the surface fit", group: "constrained-proxy-points" },
    { pattern: "components/*", title: "Component RM accuracy and correlations", group: "constrained-components-rm" },
  ],
  views: {
    headline: { type: "curves", title: "Gold gain against the step, per method", group: "constrained", x: "x", y: "gold" },
    panels: [{ type: "curves", title: "Gold gain against sqrt(KL), per method", group: "constrained", x: "sqrt-kl", y: "gold" }],
    summaryColumns: [
      { key: "method", title: "Method", source: { result: "runs[].method" } },
      { key: "seed", title: "Seed", source: { result: "runs[].seed" } },
      { key: "finalGold", title: "Final gold", source: { result: "runs[].finalGold" }, se: { result: "runs[].finalGoldSe" } },
      { key: "peakGold", title: "Peak gold", source: { result: "runs[].peakGold" } },
      { key: "finalKl", title: "Final KL (exact)", unit: "nats", source: { result: "runs[].finalKl" } },
      { key: "steps", title: "Steps", unit: "steps", source: { result: "runs[].steps" } },
    ],
  },
  module: new URL("./run.ts", import.meta.url).href,
});
