/** The DMoERM study's presets: the fields that differ from DMOERM_DEFAULTS. */
import type { KindPreset } from "../kind.ts";

export const DMOERM_PRESET_LIST: readonly KindPreset[] = [
  {
    name: "dmoerm",
    title: "Quan 2024: DMoERM against a single RM and an ensemble",
    description:
      "Built-in task, 2000 training pairs with synthetic capability labels (one gold component each, 10% noise) and overall labels (25% noise); per task category a LoRA expert per capability on the trained base RM and an MLP over their hidden states; a single RM and a 5-member ensemble on the same overall labels; agreement with 600 held-out gold-labelled pairs, with 95% intervals.",
    papers: ["Quan 2024"],
    datasets: ["builtin"],
    overrides: { name: "dmoerm" },
  },
];
