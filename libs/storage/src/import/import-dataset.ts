import { stat } from "node:fs/promises";
import path from "node:path";
import type { LabelSource, NewExample } from "../dto.ts";
import { type LabStore, connectionOf } from "../store.ts";
import { type Detection, type DetectionReport, detectRecords, metadataOf } from "./detect.ts";
import { FieldError, ImportError } from "./errors.ts";
import type { Shard } from "./folder.ts";
import { type LabelValues, checkLabelValues, parseLabelValues, relabel } from "./label-values.ts";
import { findStatedSourceColumn, statedLabelSource } from "./label-source.ts";
import { spreadSample } from "./sample.ts";
import { scalarsAsText } from "./text-scalars.ts";
import { type ColumnMapping, applyMapping, parseMapping, sourceColumn } from "./mapping.ts";
import { readArrow } from "./readers/arrow.ts";
import { readCsv } from "./readers/csv.ts";
import { readJsonArray } from "./readers/json-array.ts";
import { readJsonl } from "./readers/jsonl.ts";
import { readParquet } from "./readers/parquet.ts";
import type { SourceRecord } from "./readers/record.ts";
import { CONTAINERS, type Container, type SourceInfo, hashContent, inspectSource, openContent } from "./source.ts";
import { StagingArea, copyStaged, withAttached } from "./staging.ts";

export interface ImportProgress {
  phase: "hashing" | "reading" | "committing" | "done";
  /** Bytes of the file read in this phase. */
  bytesRead: number;
  totalBytes: number;
  /** Records converted so far. */
  rows: number;
}

export interface ImportOptions {
  /** A preference format id (`hh-rlhf`, `pairwise`, ...) or a container (`jsonl`, `json`, `csv`, `tsv`, `parquet`); default: detect. */
  format?: string;
  /** Explicit columns: `{prompt: "question"}` or `["prompt=question"]`. */
  mapping?: ColumnMapping | readonly string[];
  /** Dataset name; default the file name without extensions. */
  name?: string;
  /** Who made the labels; default depends on the format (UltraFeedback: llm, others: human). */
  labelSource?: LabelSource;
  /** What textual label values mean: `{ours: "a", reference: "b"}` or `"ours=a,reference=b"`. */
  labelValues?: LabelValues | string | readonly string[];
  /** A row that cannot be read: `fail` (default) refuses the file; `skip` imports the others and lists it in the report. */
  onBadRow?: OnBadRow;
  /** Import even when a dataset with the same content exists. */
  allowDuplicate?: boolean;
  onProgress?: (progress: ImportProgress) => void;
  signal?: AbortSignal;
}

export type OnBadRow = "fail" | "skip";
export const ON_BAD_ROW: readonly OnBadRow[] = ["fail", "skip"];

/** A row `--on-bad-row skip` left out, and why. */
export interface SkippedRow {
  row: number;
  line?: number;
  /** For a sharded dataset: the shard (relative to the folder) and the row within it. */
  shard?: string;
  shardRow?: number;
  field?: string;
  reason: string;
}

export interface ImportResult {
  datasetId: number;
  format: string;
  rows: number;
  labels: number;
  contentHash: string;
  report: DetectionReport;
  /** Set when the same content was already imported: nothing was added and `datasetId` is that dataset. */
  duplicateOf?: number;
}

const PROGRESS_EVERY_ROWS = 1000;

/** A shard's split joins the example's metadata, so studies can keep train and test apart. */
function withSplit(metadata: Record<string, unknown> | null, split: string | null): Record<string, unknown> | null {
  return split === null ? metadata : { ...metadata, split };
}

function datasetName(file: string): string {
  return path.basename(file).replace(/(\.(gz|jsonl|ndjson|json|csv|tsv|parquet|arrow))+$/i, "") || path.basename(file);
}

/** The records of every shard of a folder (Parquet, or a save_to_disk folder's Arrow files), numbered through the whole dataset. */
async function* shardRecords(info: SourceInfo, shards: readonly Shard[], onBytes: (bytes: number) => void): AsyncGenerator<SourceRecord> {
  const read = info.container === "arrow" ? readArrow : readParquet;
  let before = 0;
  let bytesBefore = 0;
  for (const { file: shard, split } of shards) {
    const size = (await stat(shard)).size;
    let rows = 0;
    for await (const rec of read({ ...info, file: shard, size, shards: undefined }, (b) => onBytes(bytesBefore + b))) {
      rows = rec.row;
      yield { value: rec.value, row: before + rec.row, shard: { file: shard, row: rec.row, split } };
    }
    before += rows;
    bytesBefore += size;
  }
}

function records(info: SourceInfo, onBytes: (bytes: number) => void): AsyncGenerator<SourceRecord> {
  if (info.shards) return shardRecords(info, info.shards, onBytes);
  if (info.container === "parquet") return readParquet(info, onBytes);
  if (info.container === "arrow") return readArrow(info, onBytes);
  const { stream, bytesRead } = openContent(info);
  stream.on("data", () => onBytes(bytesRead()));
  if (info.container === "jsonl") return readJsonl(info.file, stream);
  if (info.container === "json") return readJsonArray(info.file, stream);
  return readCsv(info.file, stream, info.container === "tsv" ? "\t" : ",");
}

function splitFormat(format: string | undefined): { container?: Container; preference?: string } {
  if (format === undefined) return {};
  return (CONTAINERS as readonly string[]).includes(format) ? { container: format as Container } : { preference: format };
}

function normaliseMapping(mapping: ImportOptions["mapping"]): ColumnMapping {
  if (!mapping) return {};
  return Array.isArray(mapping) ? parseMapping(mapping) : { ...(mapping as ColumnMapping) };
}

function normaliseLabelValues(values: ImportOptions["labelValues"]): LabelValues {
  if (values === undefined) return {};
  if (typeof values === "string" || Array.isArray(values)) return parseLabelValues(values as string | readonly string[]);
  // Given as an object (the app's mapping): checked and keyed the way the text form is.
  return checkLabelValues(Object.entries(values as LabelValues));
}

/** Records spread through the file (the first among them); refuses a file without records. */
async function sampleOf(info: SourceInfo): Promise<SourceRecord[]> {
  const sample = await spreadSample(records(info, () => {}));
  if (sample.length === 0) throw new ImportError({ file: info.file }, "no records found: the file has no data rows");
  return sample;
}

/** Reads records spread through a file and reports the format it would be imported as. */
export async function detectFormat(
  file: string,
  options: Pick<ImportOptions, "format" | "mapping" | "labelSource"> = {},
): Promise<DetectionReport> {
  const { container, preference } = splitFormat(options.format);
  const info = await inspectSource(file, container);
  const detection = detectRecords(file, await sampleOf(info), {
    format: preference,
    mapping: normaliseMapping(options.mapping),
    labelSource: options.labelSource,
  });
  return { container: info.container, gzip: info.gzip, containerReason: info.containerReason, ...detection.report };
}

/**
 * Imports a preference dataset file (JSONL, JSON array, CSV/TSV, Parquet, Arrow IPC, or gzip of
 * any but Arrow), or a folder of shards (Parquet, or a Hugging Face save_to_disk folder) into the lab. The format is detected from records spread through the file unless given; every record
 * is checked. On a bad row an `ImportError` names the file, row/line and field and the lab database
 * is unchanged, unless `onBadRow` is `skip`: then the other rows are imported (in one transaction)
 * and each skipped row is listed with its reason in the stored report. A file that cannot be read
 * as a whole (malformed JSON/CSV, truncated gzip) always adds nothing. Content already imported
 * (same sha256) is not imported again.
 */
export async function importDataset(store: LabStore, file: string, options: ImportOptions = {}): Promise<ImportResult> {
  const { container, preference } = splitFormat(options.format);
  const mapping = normaliseMapping(options.mapping);
  const labelValues = normaliseLabelValues(options.labelValues);
  const onBadRow = options.onBadRow ?? "fail";
  if (!ON_BAD_ROW.includes(onBadRow))
    throw new ImportError({ file }, `on-bad-row must be one of ${ON_BAD_ROW.join(", ")}, got '${String(onBadRow)}'`);
  const progress = options.onProgress ?? (() => {});
  const info = await inspectSource(file, container);
  const total = info.size;

  progress({ phase: "hashing", bytesRead: 0, totalBytes: total, rows: 0 });
  const contentHash = await hashContent(info, (b) => progress({ phase: "hashing", bytesRead: b, totalBytes: total, rows: 0 }));
  const existing = store.datasets.findByHash(contentHash)[0];
  if (existing && !options.allowDuplicate) {
    return {
      datasetId: existing.id,
      format: existing.format,
      rows: existing.rowCount,
      labels: store.datasets.labelCounts(existing.id).reduce((n, c) => n + c.count, 0),
      contentHash,
      report: existing.detection as unknown as DetectionReport,
      duplicateOf: existing.id,
    };
  }

  const sample = await sampleOf(info);
  const detection: Detection = detectRecords(file, sample, { format: preference, mapping, labelSource: options.labelSource });
  // Who made the labels: --label-source, else what the file says row by row, else the format's default.
  const stated = options.labelSource ? null : findStatedSourceColumn(sample.map((r) => applyMapping(r.value, mapping)));
  const defaultSource: LabelSource = detection.report.labelSource;
  const labelSourceReason = options.labelSource
    ? "as requested"
    : stated
      ? `stated in the file: column "${sourceColumn(stated.column, mapping)}"${stated.kind === "judge" ? " names the judge (a language model judge means llm)" : ""}`
      : defaultSource !== "human"
        ? `the ${detection.format.title} format's labels are made by ${defaultSource}`
        : "not stated in the file: assumed human (pass --label-source to say otherwise)";
  const scalarCounts = new Map<string, number>();
  const skipped: SkippedRow[] = [];

  const staging = new StagingArea();
  try {
    let bytes = 0;
    for await (const rec of records(info, (b) => (bytes = b))) {
      options.signal?.throwIfAborted();
      let example: NewExample;
      let converted;
      let record = applyMapping(rec.value, mapping);
      try {
        record = scalarsAsText(relabel(record, detection.columns, labelValues), detection.columns, scalarCounts);
        converted = detection.format.convert(record, detection.columns);
        const category = detection.categoryColumn ? record[detection.categoryColumn] : null;
        if (category !== null && category !== undefined && typeof category !== "string") {
          throw new FieldError(detection.categoryColumn!, "expected the category as text");
        }
        example = {
          rowIndex: rec.row,
          kind: converted.kind,
          prompt: converted.prompt,
          promptMessages: converted.promptMessages,
          responseA: converted.responseA,
          responseB: converted.responseB,
          responses: converted.responses,
          category: category === "" ? null : (category ?? null),
          metadata: withSplit(metadataOf(record, detection.consumed), rec.shard?.split ?? null),
        };
      } catch (err) {
        if (!(err instanceof FieldError)) throw err;
        const field = sourceColumn(err.field, mapping);
        // In a sharded dataset the shard and its own row number say where to look.
        const at = rec.shard ? { file: rec.shard.file, row: rec.shard.row } : { file, row: rec.row, line: rec.line };
        if (onBadRow === "fail") throw new ImportError({ ...at, field }, err.message);
        skipped.push({
          row: rec.row,
          ...(rec.line !== undefined ? { line: rec.line } : {}),
          ...(rec.shard ? { shard: path.relative(file, rec.shard.file), shardRow: rec.shard.row } : {}),
          field,
          reason: err.message,
        });
        continue;
      }
      const fromFile = stated ? statedLabelSource(record, stated) : null;
      staging.add(
        example,
        converted.labels.map((l) => ({
          dimension: l.dimension ?? "overall",
          preferred: l.preferred,
          source: options.labelSource ?? fromFile?.source ?? defaultSource,
          // A named judge labels the row unless the format names per-annotator columns.
          annotator:
            fromFile?.annotator && (l.annotator === null || l.annotator === detection.columns.preference)
              ? fromFile.annotator
              : l.annotator,
          confidence: l.confidence ?? null,
        })),
      );
      if (staging.rows % PROGRESS_EVERY_ROWS === 0) progress({ phase: "reading", bytesRead: bytes, totalBytes: total, rows: staging.rows });
    }
    if (staging.rows === 0) {
      const first = skipped[0]!;
      throw new ImportError(
        { file, row: first.row, line: first.line, field: first.field },
        `every row was skipped (${skipped.length.toLocaleString("en-US")}); the first: ${first.reason}`,
      );
    }
    options.signal?.throwIfAborted();

    progress({ phase: "committing", bytesRead: total, totalBytes: total, rows: staging.rows });
    staging.seal();
    const report: DetectionReport = {
      container: info.container,
      gzip: info.gzip,
      containerReason: info.containerReason,
      ...detection.report,
      labelSourceReason,
      labelSourceColumn: stated ? sourceColumn(stated.column, mapping) : null,
      labelValues,
      scalarsAsText: Object.fromEntries([...scalarCounts].map(([col, n]) => [sourceColumn(col, mapping), n])),
      onBadRow,
      skipped: { count: skipped.length, rows: skipped },
    };
    const db = connectionOf(store);
    const result = withAttached(db, staging.path, () =>
      db
        .transaction((): ImportResult => {
          // Checked again inside the write transaction: another import may have finished meanwhile.
          const dup = store.datasets.findByHash(contentHash)[0];
          if (dup && !options.allowDuplicate) {
            return { datasetId: dup.id, format: dup.format, rows: dup.rowCount, labels: 0, contentHash, report, duplicateOf: dup.id };
          }
          const dataset = store.datasets.create({
            name: options.name ?? datasetName(file),
            sourcePath: path.resolve(file),
            contentHash,
            format: report.format,
            rowCount: staging.rows,
            detection: report as unknown as Record<string, unknown>,
          });
          copyStaged(db, dataset.id, dataset.importedAt);
          return {
            datasetId: dataset.id,
            format: report.format,
            rows: staging.rows,
            labels: staging.labelCount,
            contentHash,
            report,
            ...(dup ? { duplicateOf: dup.id } : {}),
          };
        })
        .immediate(),
    );
    progress({ phase: "done", bytesRead: total, totalBytes: total, rows: staging.rows });
    return result;
  } finally {
    staging.dispose();
  }
}
