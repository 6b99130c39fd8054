/**
 * Direct alignment overoptimization as an experiment kind: DPO, IPO, SLiC and RPO over a grid of
 * betas (KL budgets) on the built-in task (Rafailov et al. 2024; Liu et al. 2024).
 */
import { defineKind, meanSeColumn } from "../kind.ts";
import { planDaaStudy } from "./plan.ts";
import { DAA_PRESET_LIST } from "./presets.ts";
import { daaStudySchema } from "./schema.ts";

export const daaKind = defineKind({
  id: "daa",
  title: "Direct alignment overoptimization (Rafailov et al.; Liu et al.)",
  description:
    "Train the base policy with DPO, IPO, SLiC or RPO on gold-labelled comparisons at several betas; watch gold win rate, gold and KL(pi || pi_ref) at checkpoints inside the first epoch and after, and fit d (a - b ln d) per loss.",
  diagnostic: false,
  schema: daaStudySchema(),
  presets: DAA_PRESET_LIST,
  defaultPreset: "daa-scaling",
  series: [
    {
      pattern: "dpo:*",
      title: "DPO",
      group: "daa",
      description:
        "One series per beta; x = optimizer step, KL exact per token over the vocabulary (k3 stored too), gold = gain over the reference's samples, proxy = the implicit reward of the policy's samples.",
    },
    { pattern: "ipo:*", title: "IPO", group: "daa" },
    { pattern: "slic:*", title: "SLiC", group: "daa" },
    { pattern: "rpo*", title: "RPO", group: "daa" },
  ],
  metrics: [
    { pattern: "eval.win_rate", title: "Gold win rate against the reference's samples", group: "win-rate", unit: "fraction" },
    { pattern: "eval.epoch_fraction", title: "Training progress", group: "progress", unit: "epochs" },
    { pattern: "eval.kl", title: "KL(pi || pi_ref), exact per token", group: "kl", unit: "nats" },
    { pattern: "eval.kl_k3", title: "KL(pi || pi_ref), k3", group: "kl", unit: "nats" },
    { pattern: "eval.gold_gain", title: "Gold gain over the reference", group: "gold", unit: "reward" },
    { pattern: "eval.implicit_accuracy", title: "Implicit-reward accuracy on held-out pairs", group: "implicit", unit: "fraction" },
    { pattern: "eval.chosen_logp", title: "Held-out chosen log-prob", group: "log-probs", unit: "nats" },
    { pattern: "eval.rejected_logp", title: "Held-out rejected log-prob", group: "log-probs", unit: "nats" },
    { pattern: "train.loss", title: "Training loss", group: "training" },
    { pattern: "train.margin", title: "Log-ratio margin h of the batch", group: "training", unit: "nats" },
    { pattern: "labels.*", title: "Labels kept and flipped", group: "labels", unit: "comparisons" },
  ],
  views: {
    headline: { type: "curves", title: "Gold gain against sqrt(KL), per loss and beta", group: "daa", x: "sqrt-kl", y: "gold" },
    panels: [{ type: "curves", title: "Gold gain against training step", group: "daa", x: "x", y: "gold" }],
    summaryColumns: [
      { key: "series", title: "Loss and beta", source: { result: "runs[].series" } },
      { key: "seed", title: "Seed", source: { result: "runs[].seed" } },
      meanSeColumn("kl", "Final KL (exact)", "runs[].final.kl", { unit: "nats" }),
      meanSeColumn("winRate", "Final gold win rate", "runs[].final.winRate", { unit: "fraction" }),
      meanSeColumn("goldGain", "Final gold gain", "runs[].final.goldGain"),
      meanSeColumn("chosenLogp", "Held-out chosen log-prob", "runs[].final.chosenLogp", { unit: "nats" }),
      meanSeColumn("rejectedLogp", "Held-out rejected log-prob", "runs[].final.rejectedLogp", { unit: "nats" }),
      meanSeColumn("implicitAccuracy", "Implicit-reward accuracy", "runs[].final.implicitAccuracy", { unit: "fraction" }),
    ],
  },
  // Each grid point is a lab run of its own (resumable alone; what a worker executes).
  plan: planDaaStudy,
  module: new URL("./run.ts", import.meta.url).href,
});
