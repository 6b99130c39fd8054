/**
 * The best-of-n overoptimization study as an experiment kind: Gao et al. 2023's design with the
 * ensemble and label-noise axes of Coste et al. 2024.
 */
import { defineKind } from "../kind.ts";
import { bonStudySubmissionSchema } from "./job.ts";
import { BON_STUDY_PRESET_LIST } from "./presets.ts";

export const bonStudyKind = defineKind({
  id: "bon-study",
  title: "Best-of-n overoptimization (Gao et al.; Coste et al.)",
  description:
    "Train proxy reward models on gold-labelled comparisons of the built-in task (with label noise), pick the best of n base-policy samples by proxy, and watch gold and proxy against sqrt(KL).",
  diagnostic: false,
  // A plain study, or {study, grid?, options?} (a sweep with training options): see job.ts.
  schema: bonStudySubmissionSchema(),
  presets: BON_STUDY_PRESET_LIST,
  // A fresh form (and an empty config in the app) starts small enough to watch live on a laptop.
  defaultPreset: "quick-demo",
  series: [
    {
      pattern: "proxy:*",
      title: "Aggregated proxy",
      group: "gold/proxy",
      description: "Best-of-n picked by the aggregated proxy (mean, wco, uwo); each point has gold and proxy scores.",
    },
    {
      pattern: "member:*",
      title: "Single member",
      group: "gold/proxy",
      description: "Best-of-n picked by one ensemble member alone (the single-RM baseline).",
    },
  ],
  metrics: [
    { pattern: "member.*.train_loss", title: "Member training loss", group: "rm-training", unit: "nats" },
    { pattern: "member.*.train_accuracy", title: "Member training accuracy", group: "rm-accuracy", unit: "fraction" },
    { pattern: "member.*.val_accuracy", title: "Member validation accuracy", group: "rm-accuracy", unit: "fraction" },
    { pattern: "rm.val_accuracy.mean", title: "Mean validation accuracy of the members", group: "rm-accuracy", unit: "fraction" },
    { pattern: "labels.kept", title: "Comparisons kept (ties dropped)", group: "labels", unit: "comparisons" },
    { pattern: "labels.flipped", title: "Labels flipped by noise", group: "labels", unit: "comparisons" },
  ],
  views: {
    headline: {
      type: "bar-at-max-x",
      title: "Gold at the largest n, per aggregation (single member = baseline)",
      series: "proxy:*",
      y: "gold",
      errorBars: "se",
      baseline: "member:*",
    },
    panels: [{ type: "curves", title: "Gold and proxy against sqrt(KL)", group: "gold/proxy", x: "sqrt-kl", y: "gold-and-proxy" }],
    summaryColumns: [
      { key: "proxy", title: "Proxy size", source: { result: "runs[].proxy" } },
      { key: "trainingSize", title: "Comparisons", unit: "comparisons", source: { result: "runs[].trainingSize" } },
      { key: "labelNoise", title: "Label noise", unit: "probability", source: { result: "runs[].labelNoise" } },
      { key: "series", title: "Series", source: { result: "runs[].series[].series" } },
      {
        key: "goldAtMaxN",
        title: "Gold at max n",
        source: { result: "runs[].series[].goldAtMaxN" },
        se: { result: "runs[].series[].goldAtMaxNSe" },
      },
      {
        key: "proxyAtMaxN",
        title: "Proxy at max n",
        source: { result: "runs[].series[].proxyAtMaxN" },
        se: { result: "runs[].series[].proxyAtMaxNSe" },
      },
      { key: "peakD", title: "Peak sqrt(KL)", unit: "sqrt(nats)", source: { result: "runs[].series[].peakD" } },
      { key: "valAccuracy", title: "RM validation accuracy", unit: "fraction", source: { result: "runs[].series[].validationAccuracy" } },
    ],
  },
  module: new URL("./run.ts", import.meta.url).href,
});
