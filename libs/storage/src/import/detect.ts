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
  /** Other formats that fit as many of the sampled records. */
  alsoMatched: string[];
  /** The columns of the sampled records. */
  sourceColumns: string[];
  /** The records detection looked at, spread through the file: their rows, and how many fit the format. */
  sample: { records: number; rows: number[]; fitting: number };
  /** Why the labels got their source (set by the import). */
  labelSourceReason?: string;
  /** The column that says who labelled each row, if the file has one. */
  labelSourceColumn?: string | null;
  /** Textual label values and what they were read as. */
  labelValues?: Record<string, string>;
  /** Numbers and booleans read as text, per source column. */
  scalarsAsText?: Record<string, number>;
  onBadRow?: "fail" | "skip";
  /** Rows left out under `onBadRow: skip`, each with its reason. */
  skipped?: { count: number; rows: { row: number; line?: number; field?: string; reason: string }[] };
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
  return Object.fromEntries(Object.entries(roles).map(([role, col]) => [role, Array.isArray(col) ? col : sourceColumn(col, mapping)]));
}

/** How a format fits the sampled records: how many it fits, and its roles merged over them. */
function fitOver(format: PreferenceFormat, records: readonly SourceRecordValue[]): { fits: number; roles: ColumnRoles | null } {
  let fits = 0;
  let roles: ColumnRoles | null = null;
  for (const record of records) {
    const r = format.match(record);
    if (!r) continue;
    fits++;
    if (!roles) {
      roles = { ...r };
      continue;
    }
    // A role only some records have (an Alpaca `input`, a `system` prompt, one more annotator) still counts.
    for (const [role, col] of Object.entries(r)) {
      const had = roles[role];
      if (had === undefined) roles[role] = col;
      else if (Array.isArray(had) && Array.isArray(col)) roles[role] = [...new Set([...had, ...col])];
    }
  }
  return { fits, roles };
}

/**
 * Recognises the layout of a file from records sampled through it (the first record always
 * among them), or checks them against a requested format. The format that fits the most sampled
 * records wins, ties going to the more specific one; roles some records lack are merged in.
 */
export function detectRecords(
  file: string,
  sample: readonly SourceRecord[],
  options: { format?: string; mapping?: ColumnMapping; labelSource?: LabelSource } = {},
): Detection {
  const first = sample[0]!;
  const mapping = options.mapping ?? {};
  const missing = missingMappedColumns(first.value, mapping);
  if (missing.length) {
    throw new ImportError(
      { file, row: first.row, line: first.line, field: missing[0] },
      `mapped column${missing.length > 1 ? "s" : ""} ${missing.map((m) => `"${m}"`).join(", ")} not found; the columns are ${Object.keys(first.value).join(", ")}`,
    );
  }
  const records = sample.map((r) => applyMapping(r.value, mapping));
  const record = records[0]!;
  const fits = preferenceFormats.map((f) => ({ f, ...fitOver(f, records) }));
  const best = Math.max(...fits.map((m) => m.fits));
  let chosen: { f: PreferenceFormat; fits: number; roles: ColumnRoles | null } | undefined;
  if (options.format !== undefined) {
    const f = formatById(options.format);
    if (!f)
      throw new ImportError(
        { file },
        `unknown format '${options.format}'; known formats: ${preferenceFormats.map((p) => p.id).join(", ")}`,
      );
    chosen = fits.find((m) => m.f === f)!;
    if (!chosen.roles) {
      throw new ImportError(
        { file, row: first.row, line: first.line },
        `the columns (${Object.keys(record).join(", ")}) do not fit format '${f.id}', which needs ${f.rule}. Use --map field=column to name them.`,
      );
    }
  } else {
    chosen = best > 0 ? fits.find((m) => m.fits === best) : undefined;
    if (!chosen) {
      throw new ImportError(
        { file, row: first.row, line: first.line },
        `no known preference format has the columns ${Object.keys(record).join(", ")}. ` +
          `Name the format with --format (${preferenceFormats.map((p) => p.id).join(", ")}) and the columns with --map field=column, e.g. --map prompt=question.`,
      );
    }
  }
  const roles = chosen.roles!;
  const categoryColumn = CATEGORY.find((c) => records.some((r) => typeof r[c] === "string")) ?? null;
  const used = new Set<string>(Object.values(roles).flat());
  if (categoryColumn) used.add(categoryColumn);
  const consumed = new Set<string>([...Object.values(mapping).map((c) => c.split(".")[0]!), ...used]);
  const columnsSeen = [...new Set(records.flatMap((r) => Object.keys(r)))];
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
      metadataColumns: columnsSeen.filter((k) => !used.has(k) && !consumed.has(k)),
      mapping,
      labelSource: options.labelSource ?? chosen.f.labelSource,
      alsoMatched: fits.filter((m) => m.f !== chosen.f && m.fits > 0 && m.fits === chosen.fits).map((m) => m.f.id),
      sourceColumns: [...new Set(sample.flatMap((r) => Object.keys(r.value)))],
      sample: { records: sample.length, rows: sample.map((r) => r.row), fitting: chosen.fits },
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
