import { FieldError, describeValue } from "../errors.ts";
import { type PreferenceFormat, has } from "./format.ts";
import { promptOf, responseText } from "./prompt-chosen-rejected.ts";

export const rankedList: PreferenceFormat = {
  id: "ranked",
  title: "ranked responses",
  rule: "a `prompt` and a `responses` list ranked best first, or with a `scores` list of the same length (higher is better)",
  labelSource: "human",
  match(r) {
    return has(r, "prompt") && Array.isArray(r.responses)
      ? { prompt: "prompt", responses: "responses", ...(has(r, "scores") ? { scores: "scores" } : {}) }
      : null;
  },
  convert(r, columns) {
    const { prompt, messages } = promptOf(r.prompt, "prompt");
    const list = r.responses as unknown[];
    if (list.length < 2) throw new FieldError("responses", `expected at least two responses, got ${list.length}`);
    let responses = list.map((v) => responseText(v, "responses"));
    if (columns.scores !== undefined) {
      const scores = r.scores;
      if (!Array.isArray(scores) || scores.length !== list.length || !scores.every((s) => typeof s === "number")) {
        throw new FieldError("scores", `expected ${list.length} numbers, got ${describeValue(scores)}`);
      }
      responses = responses
        .map((text, i) => ({ text, score: scores[i] as number }))
        .sort((a, b) => b.score - a.score)
        .map((x) => x.text);
    }
    // A and B are the best and the worst: the pair a pairwise trainer would take from the ranking.
    return {
      kind: "ranked",
      prompt,
      promptMessages: messages,
      responseA: responses[0]!,
      responseB: responses[responses.length - 1]!,
      responses,
      labels: [{ preferred: "a", annotator: null }],
    };
  },
};
