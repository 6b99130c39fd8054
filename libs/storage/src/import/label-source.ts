import type { LabelSource } from "../dto.ts";
import type { SourceRecordValue } from "./formats/format.ts";

/** Columns that say outright who labelled a row. */
const SOURCE_COLUMNS = ["label_source", "preference_source", "labeled_by", "labelled_by"];
/** Columns that name the judge or annotator of a row. */
const JUDGE_COLUMNS = ["judge", "judge_model", "annotator", "annotator_model", "evaluator", "labeler", "labeller", "grader"];
const SOURCES: readonly LabelSource[] = ["gold", "human", "llm", "synthetic"];
/** Judge names that are language models (AlpacaEval's `alpaca_eval_gpt4`, MT-Bench's `gpt-4`, `claude-3-opus`, ...). */
const MODEL_JUDGE = /gpt|claude|llama|mistral|mixtral|gemini|palm|qwen|deepseek|davinci|pairrm|llm|chatglm|reward[-_ ]?model/i;

/** Where in the file the label source is stated, if anywhere. */
export interface StatedSourceColumn {
  column: string;
  /** `source`: the column holds human/llm/synthetic/gold; `judge`: it names the judge. */
  kind: "source" | "judge";
}

/** The first column among the sampled records that states who labelled them. */
export function findStatedSourceColumn(records: readonly SourceRecordValue[]): StatedSourceColumn | null {
  for (const column of SOURCE_COLUMNS) {
    if (records.some((r) => typeof r[column] === "string" && SOURCES.includes((r[column] as string).trim().toLowerCase() as LabelSource)))
      return { column, kind: "source" };
  }
  for (const column of JUDGE_COLUMNS) {
    if (records.some((r) => typeof r[column] === "string" && (r[column] as string).trim() !== "")) return { column, kind: "judge" };
  }
  return null;
}

/** Who labelled this row according to the file: the stated source, or the judge (a model judge means `llm`), with the judge's name. */
export function statedLabelSource(
  record: SourceRecordValue,
  stated: StatedSourceColumn,
): { source: LabelSource; annotator: string | null } | null {
  const value = record[stated.column];
  if (typeof value !== "string" || value.trim() === "") return null;
  const v = value.trim();
  if (stated.kind === "source") {
    const source = v.toLowerCase() as LabelSource;
    return SOURCES.includes(source) ? { source, annotator: null } : null;
  }
  return { source: MODEL_JUDGE.test(v) ? "llm" : "human", annotator: v };
}
