import path from "node:path";
import type { LabelSource, NewExample } from "../dto.ts";
import { type LabStore, connectionOf } from "../store.ts";
import { type Detection, type DetectionReport, detectRecord, metadataOf } from "./detect.ts";
import { FieldError, ImportError } from "./errors.ts";
import { type ColumnMapping, applyMapping, parseMapping, sourceColumn } from "./mapping.ts";
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
  /** Import even when a dataset with the same content exists. */
  allowDuplicate?: boolean;
  onProgress?: (progress: ImportProgress) => void;
  signal?: AbortSignal;
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

function datasetName(file: string): string {
  return path.basename(file).replace(/(\.(gz|jsonl|ndjson|json|csv|tsv|parquet))+$/i, "") || path.basename(file);
}

function records(info: SourceInfo, onBytes: (bytes: number) => void): AsyncGenerator<SourceRecord> {
  if (info.container === "parquet") return readParquet(info, onBytes);
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

/** Reads the first record of a file and reports the format it would be imported as. */
export async function detectFormat(file: string, options: Pick<ImportOptions, "format" | "mapping" | "labelSource"> = {}): Promise<DetectionReport> {
  const { container, preference } = splitFormat(options.format);
  const info = await inspectSource(file, container);
  const reader = records(info, () => {});
  try {
    const first = await reader.next();
    if (first.done) throw new ImportError({ file }, "no records found");
    const detection = detectRecord(file, first.value, { format: preference, mapping: normaliseMapping(options.mapping), labelSource: options.labelSource });
    return { container: info.container, gzip: info.gzip, containerReason: info.containerReason, ...detection.report };
  } finally {
    await reader.return(undefined);
  }
}

/**
 * Imports a preference dataset file (JSONL, JSON array, CSV/TSV, Parquet, or gzip of any) into
 * the lab. The format is detected from the first record unless given; every record is checked.
 * All or nothing: on any error an `ImportError` names the file, row/line and field, and the lab
 * database is unchanged. Content already imported (same sha256) is not imported again.
 */
export async function importDataset(store: LabStore, file: string, options: ImportOptions = {}): Promise<ImportResult> {
  const { container, preference } = splitFormat(options.format);
  const mapping = normaliseMapping(options.mapping);
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

  const staging = new StagingArea();
  try {
    let detection: Detection | undefined;
    let labelSource: LabelSource = "human";
    let bytes = 0;
    for await (const rec of records(info, (b) => (bytes = b))) {
      options.signal?.throwIfAborted();
      const record = applyMapping(rec.value, mapping);
      if (!detection) {
        detection = detectRecord(file, rec, { format: preference, mapping, labelSource: options.labelSource });
        labelSource = detection.report.labelSource;
      }
      let example: NewExample;
      let converted;
      try {
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
          metadata: metadataOf(record, detection.consumed),
        };
      } catch (err) {
        if (err instanceof FieldError) {
          throw new ImportError({ file, row: rec.row, line: rec.line, field: sourceColumn(err.field, mapping) }, err.message);
        }
        throw err;
      }
      staging.add(
        example,
        converted.labels.map((l) => ({
          dimension: l.dimension ?? "overall",
          preferred: l.preferred,
          source: labelSource,
          annotator: l.annotator,
          confidence: l.confidence ?? null,
        })),
      );
      if (staging.rows % PROGRESS_EVERY_ROWS === 0) progress({ phase: "reading", bytesRead: bytes, totalBytes: total, rows: staging.rows });
    }
    if (!detection) throw new ImportError({ file }, "no records found: the file has no data rows");
    options.signal?.throwIfAborted();

    progress({ phase: "committing", bytesRead: total, totalBytes: total, rows: staging.rows });
    staging.seal();
    const report: DetectionReport = { container: info.container, gzip: info.gzip, containerReason: info.containerReason, ...detection.report };
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
          return { datasetId: dataset.id, format: report.format, rows: staging.rows, labels: staging.labelCount, contentHash, report, ...(dup ? { duplicateOf: dup.id } : {}) };
        })
        .immediate(),
    );
    progress({ phase: "done", bytesRead: total, totalBytes: total, rows: staging.rows });
    return result;
  } finally {
    staging.dispose();
  }
}
