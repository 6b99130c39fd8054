import { FieldError, describeValue } from "../errors.ts";
import { type PreferenceFormat, firstPresent, has, requireText } from "./format.ts";
import { promptOf } from "./prompt-chosen-rejected.ts";

const RESPONSE = ["completion", "response", "output"];

function parseVerdict(value: unknown, field: string): boolean {
  if (typeof value === "boolean") return value;
  const v = typeof value === "string" ? value.trim().toLowerCase() : value;
  if (v === "true" || v === 1 || v === "1" || v === "good") return true;
  if (v === "false" || v === 0 || v === "0" || v === "bad") return false;
  throw new FieldError(field, `expected true (good) or false (bad), got ${describeValue(value)}`);
}

export const unpairedGoodBad: PreferenceFormat = {
  id: "unpaired",
  title: "unpaired good/bad (KTO)",
  rule: "a `prompt`, one response (`completion`, `response` or `output`) and a boolean `label` (true = good)",
  labelSource: "human",
  match(r) {
    const response = firstPresent(r, RESPONSE);
    if (!has(r, "prompt") || response === undefined || !has(r, "label")) return null;
    return ["boolean", "string", "number"].includes(typeof r.label) ? { prompt: "prompt", response, label: "label" } : null;
  },
  convert(r, columns) {
    const { prompt, messages } = promptOf(r.prompt, "prompt");
    const good = parseVerdict(r.label, "label");
    return {
      kind: "single",
      prompt,
      promptMessages: messages,
      responseA: requireText(r, columns.response as string),
      responseB: null,
      responses: null,
      labels: [{ preferred: good ? "good" : "bad", annotator: null }],
    };
  },
};
