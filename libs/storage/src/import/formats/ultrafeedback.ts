import { type PreferenceFormat, has } from "./format.ts";
import { convertPromptChosenRejected } from "./prompt-chosen-rejected.ts";

export const ultrafeedbackBinarized: PreferenceFormat = {
  id: "ultrafeedback-binarized",
  title: "UltraFeedback binarized",
  rule: "columns `prompt`, `chosen`, `rejected`, `score_chosen` and `score_rejected` (scores are kept in the example metadata)",
  labelSource: "llm",
  match(r) {
    return ["prompt", "chosen", "rejected", "score_chosen", "score_rejected"].every((k) => has(r, k))
      ? { prompt: "prompt", chosen: "chosen", rejected: "rejected" }
      : null;
  },
  convert: convertPromptChosenRejected,
};
