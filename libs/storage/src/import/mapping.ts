import type { SourceRecordValue } from "./formats/format.ts";

/**
 * An explicit column mapping: canonical field -> source column. A column may be a dotted path
 * into nested objects (`chosen=chosen.value`); `annotators` takes a comma-separated list of columns.
 */
export type ColumnMapping = Record<string, string>;

/** Fields a mapping can target, with what they mean (for help texts). */
export const MAPPABLE_FIELDS: Readonly<Record<string, string>> = {
  prompt: "the prompt (text or chat messages)",
  chosen: "the preferred response",
  rejected: "the other response",
  response_a: "first response of a judged pair",
  response_b: "second response of a judged pair",
  preference: "which of a judged pair won: 1, 2 or 0 (tie)",
  annotators: "comma-separated columns, one annotator's 1/2/0 judgment each",
  response: "the single response of an unpaired row",
  label: "true/false verdict of an unpaired row",
  category: "task category",
};

/** Parses `field=column` strings (the CLI's --map values). */
export function parseMapping(specs: readonly string[]): ColumnMapping {
  const mapping: ColumnMapping = {};
  for (const spec of specs) {
    const eq = spec.indexOf("=");
    const field = spec.slice(0, eq).trim();
    const column = spec.slice(eq + 1).trim();
    if (eq <= 0 || !field || !column) throw new Error(`mapping '${spec}' must look like field=column, e.g. prompt=question`);
    if (mapping[field] !== undefined) throw new Error(`field '${field}' is mapped twice`);
    mapping[field] = column;
  }
  return mapping;
}

function getPath(record: SourceRecordValue, column: string): unknown {
  if (Object.hasOwn(record, column)) return record[column];
  let value: unknown = record;
  for (const part of column.split(".")) {
    if (typeof value !== "object" || value === null) return undefined;
    value = (value as Record<string, unknown>)[part];
  }
  return value;
}

/** The record with mapped columns renamed to their canonical fields. */
export function applyMapping(record: SourceRecordValue, mapping: ColumnMapping): SourceRecordValue {
  const entries = Object.entries(mapping);
  if (entries.length === 0) return record;
  const out: SourceRecordValue = { ...record };
  for (const [field, column] of entries) {
    if (field === "annotators") {
      out.annotators = column
        .split(",")
        .map((c) => c.trim())
        .filter(Boolean);
      continue;
    }
    const top = Object.hasOwn(record, column) ? column : column.split(".")[0]!;
    if (top !== field) delete out[top];
  }
  for (const [field, column] of entries) if (field !== "annotators") out[field] = getPath(record, column);
  return out;
}

/** The source column behind a canonical field, for error messages. */
export function sourceColumn(field: string, mapping: ColumnMapping): string {
  return mapping[field] ?? field;
}

/** Which mapping fields name a column the record does not have. */
export function missingMappedColumns(record: SourceRecordValue, mapping: ColumnMapping): string[] {
  const missing: string[] = [];
  for (const [field, column] of Object.entries(mapping)) {
    const columns = field === "annotators" ? column.split(",").map((c) => c.trim()) : [column];
    for (const c of columns) if (getPath(record, c) === undefined) missing.push(c);
  }
  return missing;
}
