/**
 * DMoERM (Quan 2024) as an experiment kind: per task category a base RM with one LoRA expert per
 * capability and an MLP over the experts, against a single RM and an ensemble on the same labels.
 */
import { defineKind } from "../kind.ts";
import { DMOERM_PRESET_LIST } from "./presets.ts";
import { dmoermSchema } from "./schema.ts";

export const dmoermKind = defineKind({
  id: "dmoerm",
  title: "DMoERM: mixture of capability experts (Quan 2024)",
  description:
    "Route each prompt (by a trained classifier, or by rule) to its task category's inner model: a base RM with one LoRA expert per capability (trained on that capability's labels) and an MLP over the experts' hidden states (trained on overall labels). Compared with a single RM and an ensemble on agreement with held-out gold labels, and with the single RM by best-of-n peak gold.",
  diagnostic: false,
  schema: dmoermSchema(),
  presets: DMOERM_PRESET_LIST,
  defaultPreset: "dmoerm",
  series: [{ pattern: "agreement:*", title: "Agreement with held-out gold labels", group: "agreement", unit: "fraction" }],
  metrics: [{ pattern: "agreement.*", title: "Agreement with held-out gold labels", group: "agreement", unit: "fraction" }],
  views: {
    headline: {
      type: "bar-at-max-x",
      title: "Agreement with held-out gold labels",
      series: "agreement:*",
      y: "gold",
      errorBars: "se",
      baseline: "agreement:single",
    },
    panels: [],
    summaryColumns: [
      {
        key: "dmoerm",
        title: "DMoERM agreement",
        unit: "fraction",
        source: { result: "dmoerm_agreement.estimate" },
        se: { result: "dmoerm_agreement.se" },
      },
      {
        key: "single",
        title: "Single RM agreement",
        unit: "fraction",
        source: { result: "single_rm_agreement.estimate" },
        se: { result: "single_rm_agreement.se" },
      },
      {
        key: "ensemble",
        title: "Ensemble agreement",
        unit: "fraction",
        source: { result: "ensemble_agreement.estimate" },
        se: { result: "ensemble_agreement.se" },
      },
      { key: "minusSingle", title: "DMoERM - single", unit: "fraction", source: { result: "dmoerm_minus_single_agreement.estimate" } },
      {
        key: "minusEnsemble",
        title: "DMoERM - ensemble",
        unit: "fraction",
        source: { result: "dmoerm_minus_ensemble_agreement.estimate" },
      },
      { key: "routerAccuracy", title: "Router accuracy (held out)", unit: "fraction", source: { result: "router.testAccuracy" } },
      {
        key: "bonPeakMinusSingle",
        title: "BoN peak gold: DMoERM - single",
        unit: "gold",
        source: { result: "dmoerm_bon_peak_minus_single.estimate" },
        se: { result: "dmoerm_bon_peak_minus_single.se" },
      },
    ],
  },
  module: new URL("./run.ts", import.meta.url).href,
});
