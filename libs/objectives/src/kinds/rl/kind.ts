/**
 * The RL overoptimization study as an experiment kind: PPO or RLOO against single and ensemble
 * proxies (Gao et al. 2023; Coste et al. 2024).
 */
import { defineKind } from "../kind.ts";
import { planRlStudy } from "./plan.ts";
import { RL_STUDY_PRESET_LIST } from "./presets.ts";
import { rlStudySchema } from "./schema.ts";

export const rlStudyKind = defineKind({
  id: "rl-study",
  title: "RL overoptimization: PPO and RLOO against proxies (Gao et al.; Coste et al.)",
  description:
    "Train proxy reward models (single or ensembles, with label noise), optimize the base policy against each objective with PPO or RLOO (optionally with a KL penalty), and watch gold, proxy and KL (exact and k1/k2/k3) against the step and sqrt(KL).",
  diagnostic: false,
  schema: rlStudySchema(),
  presets: RL_STUDY_PRESET_LIST,
  defaultPreset: "rl-quick-demo",
  series: [
    {
      pattern: "gold",
      title: "Gold optimized directly",
      group: "gold/proxy",
      description: "The policy optimized against gold itself (the sanity check: gold should only rise).",
    },
    { pattern: "member:*", title: "Single proxy", group: "gold/proxy", description: "Optimized against one reward model alone." },
    {
      pattern: "proxy:*",
      title: "Ensemble objective",
      group: "gold/proxy",
      description: "Optimized against the ensemble's mean, WCO or UWO.",
    },
  ],
  metrics: [
    { pattern: "train.reward", title: "Optimized reward (rollouts)", group: "rl-reward", unit: "reward" },
    { pattern: "train.kl_*", title: "Rollout KL", group: "rl-kl", unit: "nats" },
    { pattern: "train.kl_coef", title: "KL coefficient", group: "rl-kl-coef", unit: "1/nats" },
    { pattern: "train.*_loss", title: "Loss terms", group: "rl-loss" },
    { pattern: "train.loss", title: "Total loss", group: "rl-loss" },
    { pattern: "train.clip_fraction", title: "Clip fraction", group: "rl-clip", unit: "fraction" },
    { pattern: "train.value_clip_fraction", title: "Value clip fraction", group: "rl-clip", unit: "fraction" },
    { pattern: "train.entropy", title: "Entropy (training)", group: "rl-entropy", unit: "nats" },
    { pattern: "train.value_error", title: "Value error (MSE to returns)", group: "rl-value" },
    { pattern: "train.approx_kl", title: "Approx. KL to the rollout policy", group: "rl-kl", unit: "nats" },
    { pattern: "train.grad_norm", title: "Gradient norm (before clipping)", group: "rl-grad" },
    { pattern: "train.completion_tokens", title: "Completion length", group: "rl-length", unit: "tokens" },
    { pattern: "eval.entropy", title: "Entropy (evaluation)", group: "rl-entropy", unit: "nats" },
    { pattern: "eval.disagreement", title: "Ensemble member disagreement (std)", group: "rl-onset" },
    { pattern: "onset.*", title: "Onset signals (fired, lead steps before the gold peak, false alarm)", group: "rl-onset" },
    { pattern: "member.*.val_accuracy", title: "Member validation accuracy", group: "rm-accuracy", unit: "fraction" },
  ],
  views: {
    headline: {
      type: "bar-at-max-x",
      title: "Gold at the last step, per objective (single member = baseline)",
      series: "proxy:*",
      y: "gold",
      errorBars: "se",
      baseline: "member:*",
    },
    panels: [
      { type: "curves", title: "Gold and proxy against sqrt(KL)", group: "gold/proxy", x: "sqrt-kl", y: "gold-and-proxy" },
      { type: "curves", title: "Gold and proxy against the step", group: "gold/proxy", x: "x", y: "gold-and-proxy" },
    ],
    summaryColumns: [
      { key: "proxy", title: "Proxy size", source: { result: "runs[].proxy" } },
      { key: "objective", title: "Objective", source: { result: "runs[].series" } },
      { key: "klCoef", title: "KL coefficient", unit: "1/nats", source: { result: "runs[].klCoef" } },
      { key: "seed", title: "Seed", source: { result: "runs[].seed" } },
      { key: "peakGold", title: "Peak gold", source: { result: "runs[].peakGold" } },
      { key: "finalGold", title: "Final gold", source: { result: "runs[].finalGold" }, se: { result: "runs[].finalGoldSe" } },
      { key: "goldDrop", title: "Gold drop (peak - final)", source: { result: "runs[].goldDrop" } },
      { key: "finalKl", title: "Final KL (exact)", unit: "nats", source: { result: "runs[].finalKl" } },
    ],
  },
  // Each grid point is a lab run of its own (resumable alone; what a worker executes).
  plan: planRlStudy,
  module: new URL("./run.ts", import.meta.url).href,
});
