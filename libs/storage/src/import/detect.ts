import type { LabelSource } from "../dto.ts";
import { ImportError } from "./errors.ts";
import { type ColumnRoles, type PreferenceFormat, formatById, preferenceFormats } from "./formats/index.ts";
import type { SourceRecordValue } from "./formats/format.ts";
import { type ColumnMapping, applyMapping, missingMappedColumns, sourceColumn } from "./mapping.ts";
import type { SourceRecord } from "./readers/record.ts";
import type { Container } from "./source.ts";

const CATEGORY = ["category", "task_category", "task"];

/** What the importer recognised in a file, and why. Stored with the dataset. */
export interface DetectionReport {
  /** Record layout in the file. */
  container: Container;
  gzip: boolean;
  containerReason: string;
  /** Preference format id. */
  format: string;
  title: string;
  /** The rule that recognised it (or `as requested`). */
  rule: string;
  forced: boolean;
  /** Role -> source column, e.g. `{prompt: "question", chosen: "response_j"}`. */
  columns: ColumnRoles;
  categoryColumn: string | null;
  /** Source columns kept, unread, in each example's metadata. */
  metadataColumns: string[];
  mapping: ColumnMapping;
  labelSource: LabelSource;
  /** Other formats whose rule the first record also satisfies. */
  alsoMatched: string[];
  /** The columns of the first record. */
  sourceColumns: string[];
}

/** The pieces the importer needs for every record after the first. */
export interface Detection {
  format: PreferenceFormat;
  columns: ColumnRoles;
  categoryColumn: string | null;
  /** Columns a role consumed: all others go to the example's metadata. */
  consumed: ReadonlySet<string>;
  report: Omit<DetectionReport, "container" | "gzip" | "containerReason">;
}

function toSourceColumns(roles: ColumnRoles, mapping: ColumnMapping): ColumnRoles {
  return Object.fromEntries(
    Object.entries(roles).map(([role, col]) => [role, Array.isArray(col) ? col : sourceColumn(col, mapping)]),
  );
}

/** Recognises the layout of one record (the file's first) or checks it against a requested format. */
export function detectRecord(
  file: string,
  first: SourceRecord,
  options: { format?: string; mapping?: ColumnMapping; labelSource?: LabelSource } = {},
): Detection {
  const mapping = options.mapping ?? {};
  const missing = missingMappedColumns(first.value, mapping);
  if (missing.length) {
    throw new ImportError({ file, row: first.row, line: first.line, field: missing[0] }, `mapped column${missing.length > 1 ? "s" : ""} ${missing.map((m) => `"${m}"`).join(", ")} not found; the columns are ${Object.keys(first.value).join(", ")}`);
  }
  const record = applyMapping(first.value, mapping);
  const matches = preferenceFormats.map((f) => ({ f, roles: f.match(record) })).filter((m) => m.roles !== null);
  let chosen: { f: PreferenceFormat; roles: ColumnRoles | null } | undefined;
  if (options.format !== undefined) {
    const f = formatById(options.format);
    if (!f) throw new ImportError({ file }, `unknown format '${options.format}'; known formats: ${preferenceFormats.map((p) => p.id).join(", ")}`);
    chosen = { f, roles: f.match(record) };
    if (!chosen.roles) {
      throw new ImportError(
        { file, row: first.row, line: first.line },
        `the columns (${Object.keys(record).join(", ")}) do not fit format '${f.id}', which needs ${f.rule}. Use --map field=column to name them.`,
      );
    }
  } else {
    chosen = matches[0];
    if (!chosen) {
      throw new ImportError(
        { file, row: first.row, line: first.line },
        `no known preference format has the columns ${Object.keys(record).join(", ")}. ` +
          `Name the format with --format (${preferenceFormats.map((p) => p.id).join(", ")}) and the columns with --map field=column, e.g. --map prompt=question.`,
      );
    }
  }
  const roles = chosen.roles!;
  const categoryColumn = CATEGORY.find((c) => typeof record[c] === "string") ?? null;
  const used = new Set<string>(Object.values(roles).flat());
  if (categoryColumn) used.add(categoryColumn);
  const consumed = new Set<string>([...Object.values(mapping).map((c) => c.split(".")[0]!), ...used]);
  return {
    format: chosen.f,
    columns: roles,
    categoryColumn,
    consumed: new Set([...used, ...consumed]),
    report: {
      format: chosen.f.id,
      title: chosen.f.title,
      rule: options.format !== undefined ? `as requested (${chosen.f.rule})` : chosen.f.rule,
      forced: options.format !== undefined,
      columns: toSourceColumns(roles, mapping),
      categoryColumn: categoryColumn && sourceColumn(categoryColumn, mapping),
      metadataColumns: Object.keys(record).filter((k) => !used.has(k) && !consumed.has(k)),
      mapping,
      labelSource: options.labelSource ?? chosen.f.labelSource,
      alsoMatched: matches.map((m) => m.f.id).filter((id) => id !== chosen.f.id),
      sourceColumns: Object.keys(first.value),
    },
  };
}

/** The metadata object for a record: every column no role consumed, or null when none is left. */
export function metadataOf(record: SourceRecordValue, consumed: ReadonlySet<string>): Record<string, unknown> | null {
  let meta: Record<string, unknown> | null = null;
  for (const key in record) {
    if (consumed.has(key) || record[key] === undefined) continue;
    (meta ??= {})[key] = record[key];
  }
  return meta;
}
