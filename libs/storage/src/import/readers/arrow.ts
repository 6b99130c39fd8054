import { createReadStream } from "node:fs";
import { open } from "node:fs/promises";
import { type RecordBatch, RecordBatchReader } from "apache-arrow";
import { ImportError } from "../errors.ts";
import type { SourceInfo } from "../source.ts";
import type { SourceRecord } from "./record.ts";

/**
 * The end-of-stream marker every Arrow IPC stream writer appends on close (pyarrow's
 * RecordBatchStreamWriter, which `datasets` uses): continuation 0xFFFFFFFF, then length 0. Arrow
 * readers treat a stream that simply stops as complete, so without this check a shard cut short
 * between two record batches would import part of its rows without a word.
 */
const END_OF_STREAM = Buffer.from([0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0]);
/** The Arrow IPC *file* format starts and ends with this magic (the reader takes either format). */
const FILE_MAGIC = Buffer.from("ARROW1", "latin1");

async function tail(file: string, n: number): Promise<Buffer> {
  const handle = await open(file, "r");
  try {
    const { size } = await handle.stat();
    const buf = Buffer.alloc(Math.min(n, size));
    await handle.read(buf, 0, buf.length, size - buf.length);
    return buf;
  } finally {
    await handle.close();
  }
}

/** Whether the file ends the way a completely written Arrow IPC stream or file does. */
async function checkComplete(file: string): Promise<void> {
  const end = await tail(file, 8);
  if (end.length === 0) throw new Error("the file is empty");
  if (end.equals(END_OF_STREAM)) return;
  if (end.subarray(2).equals(FILE_MAGIC)) return;
  throw new Error("it does not end with the Arrow end-of-stream marker (the file is cut short, or not an Arrow IPC file)");
}

/**
 * Arrow values as JSON-safe values, the way the Parquet reader gives them: 64-bit integers as
 * numbers (as text beyond 2^53), binary as UTF-8 text, lists as arrays, structs as objects.
 */
function plain(value: unknown): unknown {
  if (value === null || value === undefined) return null;
  if (typeof value === "bigint") return Number.isSafeInteger(Number(value)) ? Number(value) : value.toString();
  if (value instanceof Uint8Array) return Buffer.from(value).toString("utf8");
  if (value instanceof Date) return value.toISOString();
  if (typeof value !== "object") return value;
  if (Array.isArray(value)) return value.map(plain);
  // An Arrow Vector (a list cell) iterates its elements; a StructRow/MapRow converts with toJSON().
  if ("toArray" in value && Symbol.iterator in value) return [...(value as Iterable<unknown>)].map(plain);
  if ("toJSON" in value && typeof value.toJSON === "function") {
    const json = (value as { toJSON(): unknown }).toJSON();
    if (json instanceof Map) return Object.fromEntries([...json].map(([k, v]) => [String(k), plain(v)]));
    return Object.fromEntries(Object.entries(json as Record<string, unknown>).map(([k, v]) => [k, plain(v)]));
  }
  return value;
}

function rowOf(batch: RecordBatch, i: number): Record<string, unknown> {
  const row: Record<string, unknown> = {};
  batch.schema.fields.forEach((field, c) => {
    row[field.name] = plain(batch.getChildAt(c)!.get(i));
  });
  return row;
}

/**
 * An Arrow IPC file, one record batch at a time: the stream format `datasets.save_to_disk` writes
 * (`data-00000-of-00001.arrow`), or the random-access file format (`ARROW1` magic). Rows are
 * numbered from 1 through the file.
 */
export async function* readArrow(info: SourceInfo, onBytes: (bytes: number) => void): AsyncGenerator<SourceRecord> {
  const file = info.file;
  let read = 0;
  async function* counted(): AsyncGenerator<Uint8Array> {
    for await (const chunk of createReadStream(file, { highWaterMark: 1 << 20 }) as AsyncIterable<Buffer>) {
      read += chunk.length;
      yield chunk;
    }
  }
  let reader: RecordBatchReader;
  try {
    await checkComplete(file);
    reader = await RecordBatchReader.from(counted());
    await reader.open();
    if (!reader.schema) throw new Error("no schema message");
  } catch (err) {
    throw new ImportError({ file }, `not a readable Arrow IPC file: ${(err as Error).message}`);
  }
  let row = 0;
  const iterator = reader[Symbol.asyncIterator]();
  for (;;) {
    let next: IteratorResult<RecordBatch>;
    try {
      next = await iterator.next();
    } catch (err) {
      throw new ImportError(
        { file, row: row + 1 },
        `cannot decode the Arrow record batch starting at row ${row + 1}: ${(err as Error).message}`,
      );
    }
    if (next.done) break;
    const batch = next.value;
    for (let i = 0; i < batch.numRows; i++) yield { value: rowOf(batch, i), row: ++row };
    onBytes(read);
  }
}
