/**
 * DMoERM (Quan 2024) as an experiment kind: per task category a base RM with one LoRA expert per
 * capability and an MLP over the experts, against a single RM and an ensemble on the same labels.
 */
import { defineKind, meanSeColumn } from "../kind.ts";
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
      meanSeColumn("dmoerm", "DMoERM agreement", "dmoerm_agreement", { unit: "fraction", value: "estimate" }),
      meanSeColumn("single", "Single RM agreement", "single_rm_agreement", { unit: "fraction", value: "estimate" }),
      meanSeColumn("ensemble", "Ensemble agreement", "ensemble_agreement", { unit: "fraction", value: "estimate" }),
      { key: "minusSingle", title: "DMoERM - single", unit: "fraction", source: { result: "dmoerm_minus_single_agreement.estimate" } },
      {
        key: "minusEnsemble",
        title: "DMoERM - ensemble",
        unit: "fraction",
        source: { result: "dmoerm_minus_ensemble_agreement.estimate" },
      },
      { key: "routerAccuracy", title: "Router accuracy (held out)", unit: "fraction", source: { result: "router.testAccuracy" } },
      meanSeColumn("bonPeakMinusSingle", "BoN peak gold: DMoERM - single", "dmoerm_bon_peak_minus_single", {
        unit: "gold",
        value: "estimate",
      }),
    ],
  },
  module: new URL("./run.ts", import.meta.url).href,
});
