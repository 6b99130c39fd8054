import { type PreferenceFormat, chosenFirst, has, requireText } from "./format.ts";

export const stackExchangePaired: PreferenceFormat = {
  id: "stack-exchange-paired",
  title: "Stack Exchange paired",
  rule: "columns `question`, `response_j` (preferred) and `response_k`",
  labelSource: "human",
  match(r) {
    return has(r, "question") && has(r, "response_j") && has(r, "response_k")
      ? { prompt: "question", chosen: "response_j", rejected: "response_k" }
      : null;
  },
  convert(r) {
    return chosenFirst(requireText(r, "question"), null, requireText(r, "response_j"), requireText(r, "response_k"));
  },
};
