import type { Preference } from "../../dto.ts";
import { FieldError, describeValue } from "../errors.ts";
import { type ColumnRoles, type PreferenceFormat, type SourceRecordValue, firstPresent, has, requireText } from "./format.ts";
import { composePrompt, promptPartRoles } from "./prompt-parts.ts";

const RESPONSE_PAIRS: readonly [string, string][] = [
  ["response_a", "response_b"],
  ["response_1", "response_2"],
  ["response1", "response2"],
  ["completion_a", "completion_b"],
  ["output_1", "output_2"],
  ["answer_a", "answer_b"],
];
const PROMPTS = ["prompt", "question", "instruction", "input"];
const PREFERENCE = ["preference", "preferred", "winner", "choice"];
/** Per-annotator judgment columns: `annotator_1`, `rater_b`, `judge-gpt4`, ... */
const ANNOTATOR = /^(annotator|rater|judge|labeler|labeller|worker)s?[_\-\s.]?\w+$/i;

/** 1 / a / model_a -> a; 2 / b -> b; 0 / tie -> tie; empty -> no judgment. */
export function parsePreference(value: unknown, field: string): Preference | null {
  if (value === null || value === undefined) return null;
  const v = typeof value === "string" ? value.trim().toLowerCase() : value;
  if (v === "") return null;
  if (v === 1 || v === "1" || v === "a" || v === "response_a" || v === "model_a") return "a";
  if (v === 2 || v === "2" || v === "b" || v === "response_b" || v === "model_b") return "b";
  if (v === 0 || v === "0" || v === "tie" || (typeof v === "string" && v.startsWith("tie"))) return "tie";
  throw new FieldError(field, `expected a preference 1 (first response), 2 (second) or 0 (tie), got ${describeValue(value)}`);
}

function annotatorColumns(r: SourceRecordValue): string[] {
  if (Array.isArray(r.annotators)) return r.annotators as string[];
  return Object.keys(r).filter((k) => ANNOTATOR.test(k));
}

export const pairwiseJudgments: PreferenceFormat = {
  id: "pairwise",
  title: "pairwise judgments",
  rule:
    "two response columns (`response_a`/`response_b`, `response_1`/`response_2`, `output_1`/`output_2`, ...) with a prompt " +
    "(`prompt`, `question`, or `instruction` followed by its `input`; an optional `system`) " +
    "and either one preference column (`preference`, `winner`, `choice`, `preferred`) or annotator columns (`annotator_1`, `rater_x`, ...) " +
    "holding 1, 2 or 0 (tie); each judgment becomes one label",
  labelSource: "human",
  match(r) {
    const pair = RESPONSE_PAIRS.find(([a, b]) => has(r, a) && has(r, b));
    const prompt = firstPresent(r, PROMPTS);
    if (!pair || prompt === undefined) return null;
    const preference = firstPresent(r, PREFERENCE);
    const annotators = preference === undefined ? annotatorColumns(r) : [];
    if (preference === undefined && annotators.length === 0) return null;
    const roles: ColumnRoles = { prompt, ...promptPartRoles(r, prompt), responseA: pair[0], responseB: pair[1] };
    if (preference !== undefined) roles.preference = preference;
    else roles.annotators = annotators;
    return roles;
  },
  convert(r, columns) {
    const { prompt, messages } = composePrompt(r, columns);
    const judges = columns.preference !== undefined ? [columns.preference as string] : (columns.annotators as string[]);
    const labels = [];
    for (const judge of judges) {
      // A missing judgment (empty cell) is no label; anything else must be a valid preference.
      const preferred = parsePreference(r[judge], judge);
      if (preferred) labels.push({ preferred, annotator: judge });
    }
    return {
      kind: "pair" as const,
      prompt,
      promptMessages: messages,
      responseA: requireText(r, columns.responseA as string),
      responseB: requireText(r, columns.responseB as string),
      responses: null,
      labels,
    };
  },
};
