import type { ChatMessage, ExampleKind, LabelSource, Preference } from "../../dto.ts";
import { FieldError, describeValue } from "../errors.ts";

export type SourceRecordValue = Record<string, unknown>;

/** Which source column plays which role, e.g. `{prompt: "question", chosen: "response_j"}`. */
export type ColumnRoles = Record<string, string | string[]>;

/** One example and its labels, as a format reads them from a record. */
export interface ConvertedRow {
  kind: ExampleKind;
  prompt: string;
  promptMessages: ChatMessage[] | null;
  responseA: string | null;
  responseB: string | null;
  responses: string[] | null;
  labels: { preferred: Preference; annotator: string | null; confidence?: number | null; dimension?: string }[];
}

/** A preference-data layout the importer recognises. */
export interface PreferenceFormat {
  id: string;
  title: string;
  /** How it is recognised, for the detection report and the docs. */
  rule: string;
  /** Who made the labels, unless the caller says otherwise. */
  labelSource: LabelSource;
  /** The columns this record would use, or null when the record does not have this layout. */
  match(record: SourceRecordValue): ColumnRoles | null;
  convert(record: SourceRecordValue, columns: ColumnRoles): ConvertedRow;
}

export function has(record: SourceRecordValue, key: string): boolean {
  return Object.hasOwn(record, key) && record[key] !== undefined;
}

/** The first of `names` present in the record. */
export function firstPresent(record: SourceRecordValue, names: readonly string[]): string | undefined {
  return names.find((n) => has(record, n));
}

export function requireText(record: SourceRecordValue, column: string): string {
  const v = record[column];
  if (typeof v !== "string") throw new FieldError(column, `expected text, got ${describeValue(v)}`);
  return v;
}

export function column(columns: ColumnRoles, role: string): string {
  const c = columns[role];
  if (typeof c !== "string") throw new Error(`format bug: no column for role '${role}'`);
  return c;
}

/** Pair rows where the first response (`a`) is the preferred one. */
export function chosenFirst(prompt: string, promptMessages: ChatMessage[] | null, chosen: string, rejected: string): ConvertedRow {
  return {
    kind: "pair",
    prompt,
    promptMessages,
    responseA: chosen,
    responseB: rejected,
    responses: null,
    labels: [{ preferred: "a", annotator: null }],
  };
}
