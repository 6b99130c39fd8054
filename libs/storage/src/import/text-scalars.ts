import type { ColumnRoles, SourceRecordValue } from "./formats/format.ts";

/** Roles that hold text. A number or boolean there is read as its text; objects and lists are left to the format, which refuses them. */
const TEXT_ROLES = ["prompt", "input", "system", "chosen", "rejected", "responseA", "responseB", "response"];

/**
 * The record with numbers and booleans in its text columns turned into text (`true`, `42`):
 * exports sometimes write a one-word response as a JSON literal. Each conversion is counted per
 * column in `counts`, so the import report can say how many there were.
 */
export function scalarsAsText(record: SourceRecordValue, columns: ColumnRoles, counts: Map<string, number>): SourceRecordValue {
  let out: SourceRecordValue | null = null;
  for (const role of TEXT_ROLES) {
    const col = columns[role];
    if (typeof col !== "string") continue;
    const v = record[col];
    if (typeof v !== "number" && typeof v !== "boolean") continue;
    (out ??= { ...record })[col] = String(v);
    counts.set(col, (counts.get(col) ?? 0) + 1);
  }
  return out ?? record;
}
