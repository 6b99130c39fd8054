import type { Preference } from "../dto.ts";
import type { ColumnRoles, SourceRecordValue } from "./formats/format.ts";

/** Source label value -> the preference it means, e.g. `{ours: "a", reference: "b"}`. Keys are matched ignoring case and surrounding spaces. */
export type LabelValues = Record<string, Preference>;

const TARGETS: readonly Preference[] = ["a", "b", "tie", "good", "bad"];
/** What each target means in the canonical vocabulary the formats read. */
const CANONICAL: Record<Preference, string> = { a: "a", b: "b", tie: "tie", good: "good", bad: "bad" };
/** Roles whose values are labels. */
const LABEL_ROLES = ["preference", "annotators", "label"];

/** Parses `ours=a,reference=b` (the CLI's --label-values; repeatable, comma-separated). */
export function parseLabelValues(specs: string | readonly string[]): LabelValues {
  const pairs: [string, string][] = [];
  for (const spec of (typeof specs === "string" ? [specs] : specs).flatMap((s) => s.split(","))) {
    if (spec.trim() === "") continue;
    const eq = spec.lastIndexOf("=");
    if (eq <= 0 || spec.slice(0, eq).trim() === "") throw new Error(`label value '${spec}' must look like value=label, e.g. ours=a`);
    pairs.push([spec.slice(0, eq), spec.slice(eq + 1)]);
  }
  return checkLabelValues(pairs);
}

/** Checks value -> label pairs (as the app sends them) and keys them as they are matched: trimmed, lower case. */
export function checkLabelValues(pairs: Iterable<[string, string]>): LabelValues {
  const values: LabelValues = {};
  for (const [rawFrom, rawTo] of pairs) {
    const from = rawFrom.trim().toLowerCase();
    const to = rawTo.trim().toLowerCase() as Preference;
    if (from === "") throw new Error(`label value '=${rawTo}' names no value`);
    if (!TARGETS.includes(to))
      throw new Error(
        `label value '${rawFrom}=${rawTo}': '${to}' is not a label; use one of ${TARGETS.join(", ")} (a = first response preferred, b = second, good/bad for unpaired rows)`,
      );
    if (values[from] !== undefined && values[from] !== to)
      throw new Error(`label value '${from}' is mapped twice (to ${values[from]} and ${to})`);
    values[from] = to;
  }
  return values;
}

function translate(value: unknown, values: LabelValues): unknown {
  if (typeof value !== "string" && typeof value !== "number" && typeof value !== "boolean") return value;
  const hit = values[String(value).trim().toLowerCase()];
  return hit === undefined ? value : CANONICAL[hit];
}

/**
 * The record with the values of its label columns translated through `values`; values not listed
 * are left for the format to read (1/2/0, a/b, true/false) or refuse with the row and field.
 */
export function relabel(record: SourceRecordValue, columns: ColumnRoles, values: LabelValues): SourceRecordValue {
  if (Object.keys(values).length === 0) return record;
  const out = { ...record };
  for (const role of LABEL_ROLES) {
    const cols = columns[role];
    for (const col of cols === undefined ? [] : Array.isArray(cols) ? cols : [cols]) out[col] = translate(out[col], values);
  }
  return out;
}
