import { readFile } from "node:fs/promises";
import { gunzipSync } from "node:zlib";
import {
  type AsyncBuffer,
  type FileMetaData,
  asyncBufferFromFile,
  parquetMetadataAsync,
  parquetReadObjects,
  parquetSchema,
} from "hyparquet";
import { compressors } from "hyparquet-compressors";
import { ImportError } from "../errors.ts";
import type { SourceInfo } from "../source.ts";
import type { SourceRecord } from "./record.ts";

/** Parquet values as JSON-safe values: INT64 arrives as bigint, timestamps as Date. */
function plain(value: unknown): unknown {
  if (typeof value === "bigint") return Number.isSafeInteger(Number(value)) ? Number(value) : value.toString();
  if (value instanceof Date) return value.toISOString();
  if (value instanceof Uint8Array) return Buffer.from(value).toString("utf8");
  if (Array.isArray(value)) return value.map(plain);
  if (value && typeof value === "object") return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, plain(v)]));
  return value;
}

/**
 * hyparquet only awaits the column chunks it can place in the schema; a chunk it cannot place
 * (corrupt metadata) rejects unobserved and surfaces as an unhandled rejection. Refuse such files
 * before reading any data.
 */
function checkChunksMatchSchema(metadata: FileMetaData): void {
  const schema = parquetSchema(metadata);
  const leaves = new Set(schema.children.filter((c) => c.children.length === 0).map((c) => c.element.name));
  const nested = new Set(schema.children.filter((c) => c.children.length > 0).map((c) => c.element.name));
  metadata.row_groups.forEach((group, g) => {
    const seen = new Set<string>();
    for (const chunk of group.columns) {
      const top = chunk.meta_data?.path_in_schema[0];
      if (top === undefined || !(leaves.has(top) || nested.has(top))) {
        throw new Error(`row group ${g + 1} has a column chunk '${top}' that is not in the schema`);
      }
      if (leaves.has(top) && seen.has(top)) throw new Error(`row group ${g + 1} has column '${top}' twice`);
      seen.add(top);
    }
  });
}

/**
 * hyparquet starts several reads of a file at once and stops awaiting the rest when one fails, so
 * a later read (it opens the file lazily, possibly after the caller has moved on or the file was
 * removed) could reject unobserved. Each read still rejects for whoever awaits it; the extra
 * handler only stops an abandoned one from becoming an unhandled rejection.
 */
function observedReads(inner: AsyncBuffer): AsyncBuffer {
  return {
    byteLength: inner.byteLength,
    slice(start, end) {
      const read = Promise.resolve(inner.slice(start, end));
      read.catch(() => {});
      return read;
    },
  };
}

/**
 * Parquet, one row group at a time (a gzipped Parquet file is decompressed in memory first:
 * Parquet needs random access to its footer).
 */
export async function* readParquet(info: SourceInfo, onBytes: (bytes: number) => void): AsyncGenerator<SourceRecord> {
  const file = info.file;
  let buffer: AsyncBuffer;
  let metadata: FileMetaData;
  try {
    if (info.gzip) {
      const bytes = gunzipSync(await readFile(file));
      buffer = {
        byteLength: bytes.byteLength,
        slice: (s, e) => bytes.buffer.slice(bytes.byteOffset + s, bytes.byteOffset + (e ?? bytes.byteLength)),
      };
    } else {
      buffer = observedReads(await asyncBufferFromFile(file));
    }
    metadata = await parquetMetadataAsync(buffer);
    checkChunksMatchSchema(metadata);
  } catch (err) {
    throw new ImportError({ file }, `not a readable Parquet file: ${(err as Error).message}`);
  }
  const total = Number(metadata.num_rows);
  let rowStart = 0;
  for (const group of metadata.row_groups) {
    const rowEnd = rowStart + Number(group.num_rows);
    let rows: Record<string, unknown>[];
    try {
      rows = await parquetReadObjects({ file: buffer, metadata, rowStart, rowEnd, compressors });
    } catch (err) {
      throw new ImportError({ file, row: rowStart + 1 }, `cannot decode Parquet rows ${rowStart + 1}-${rowEnd}: ${(err as Error).message}`);
    }
    for (let i = 0; i < rows.length; i++) {
      yield { value: plain(rows[i]) as Record<string, unknown>, row: rowStart + i + 1 };
    }
    rowStart = rowEnd;
    onBytes(total > 0 ? Math.round((info.size * rowStart) / total) : info.size);
  }
}
