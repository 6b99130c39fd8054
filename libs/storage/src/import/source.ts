import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";
import { open, stat } from "node:fs/promises";
import path from "node:path";
import type { Readable } from "node:stream";
import { createGunzip } from "node:zlib";
import { ImportError } from "./errors.ts";
import { type Shard, datasetFolder } from "./folder.ts";

/** How records are laid out in the file. */
export type Container = "jsonl" | "json" | "csv" | "tsv" | "parquet" | "arrow";
export const CONTAINERS: readonly Container[] = ["jsonl", "json", "csv", "tsv", "parquet", "arrow"];

export interface SourceInfo {
  file: string;
  /** Bytes on disk. */
  size: number;
  gzip: boolean;
  container: Container;
  /** Why this container was chosen, for the detection report. */
  containerReason: string;
  /** For a folder dropped as one dataset: its Parquet or Arrow shards, in order, with their splits (`file` is the folder). */
  shards?: Shard[];
}

const HEAD_BYTES = 4096;

async function rawHead(file: string, n: number): Promise<Buffer> {
  const handle = await open(file, "r");
  try {
    const buf = Buffer.alloc(n);
    const { bytesRead } = await handle.read(buf, 0, n, 0);
    return buf.subarray(0, bytesRead);
  } finally {
    await handle.close();
  }
}

/** The first bytes of the (decompressed) content. */
async function contentHead(file: string, gzip: boolean): Promise<Buffer> {
  if (!gzip) return rawHead(file, HEAD_BYTES);
  const chunks: Buffer[] = [];
  let total = 0;
  const raw = createReadStream(file);
  const gunzip = raw.pipe(createGunzip());
  try {
    for await (const chunk of gunzip as AsyncIterable<Buffer>) {
      chunks.push(chunk);
      total += chunk.length;
      if (total >= HEAD_BYTES) break;
    }
  } catch (err) {
    // A truncated gzip still has a readable head; anything else is not gzip we can read.
    if (total === 0) throw new ImportError({ file }, `not a readable gzip file: ${(err as Error).message}`);
  } finally {
    raw.destroy();
    gunzip.destroy();
  }
  return Buffer.concat(chunks);
}

function extensionContainer(file: string): Container | undefined {
  const ext = path.extname(file.replace(/\.gz$/i, "")).toLowerCase().slice(1);
  if (ext === "jsonl" || ext === "ndjson") return "jsonl";
  if (ext === "json" || ext === "csv" || ext === "tsv" || ext === "parquet" || ext === "arrow") return ext;
  return undefined;
}

/** Looks at the file's first bytes: gzip by magic number, then Parquet magic, JSON brackets or CSV. */
export async function inspectSource(file: string, container?: Container): Promise<SourceInfo> {
  let size: number;
  try {
    const s = await stat(file);
    if (s.isDirectory()) return inspectFolder(file);
    if (!s.isFile()) throw new ImportError({ file }, "not a file");
    size = s.size;
  } catch (err) {
    if (err instanceof ImportError) throw err;
    throw new ImportError({ file }, `cannot read the file: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  const magic = await rawHead(file, 4);
  const gzip = magic.length >= 2 && magic[0] === 0x1f && magic[1] === 0x8b;
  if (container) return { file, size, gzip, container, containerReason: `${container} as requested` };
  const head = await contentHead(file, gzip);
  if (head.subarray(0, 4).toString("latin1") === "PAR1")
    return { file, size, gzip, container: "parquet", containerReason: "Parquet magic bytes PAR1" };
  const byExt = extensionContainer(file);
  // Arrow IPC: the file format's magic, or the stream format's first continuation marker.
  if (head.subarray(0, 6).toString("latin1") === "ARROW1" || (head.length >= 4 && head.readUInt32LE(0) === 0xffffffff)) {
    if (gzip) throw new ImportError({ file }, "a gzipped Arrow IPC file: decompress it first (gunzip) and import the .arrow file");
    return { file, size, gzip, container: "arrow", containerReason: "Arrow IPC magic bytes" };
  }
  if (byExt === "arrow")
    throw new ImportError({ file }, "not a readable Arrow IPC file: it starts with neither ARROW1 nor a stream message");
  if (byExt === "parquet") throw new ImportError({ file }, "not a readable Parquet file: it does not start with the magic bytes PAR1");
  const text = head.toString("utf8").replace(/^\uFEFF/, "");
  const first = text.trimStart()[0];
  if (first === "[") return { file, size, gzip, container: "json", containerReason: "content starts with '[' (JSON array)" };
  if (first === "{") return { file, size, gzip, container: "jsonl", containerReason: "content starts with '{' (one JSON object per line)" };
  if (first === undefined) throw new ImportError({ file }, "the file is empty");
  if (byExt === "tsv" || (byExt !== "csv" && (text.split("\n")[0] ?? "").includes("\t"))) {
    return { file, size, gzip, container: "tsv", containerReason: "tab-separated header line" };
  }
  return { file, size, gzip, container: "csv", containerReason: "text that is not JSON: comma-separated values with a header row" };
}

async function inspectFolder(dir: string): Promise<SourceInfo> {
  const folder = await datasetFolder(dir);
  let size = 0;
  for (const shard of folder.shards) size += (await stat(shard.file)).size;
  return { file: dir, size, gzip: false, container: folder.container, containerReason: folder.reason, shards: folder.shards };
}

/** The decompressed content as a byte stream, and how many bytes of the file it has read so far. */
export function openContent(info: SourceInfo): { stream: Readable; bytesRead: () => number } {
  const raw = createReadStream(info.file, { highWaterMark: 1 << 20 });
  let read = 0;
  raw.on("data", (chunk) => {
    read += chunk.length;
  });
  if (!info.gzip) return { stream: raw, bytesRead: () => read };
  const gunzip = createGunzip();
  raw.on("error", (err) => gunzip.destroy(err));
  return { stream: raw.pipe(gunzip), bytesRead: () => read };
}

/** sha256 (hex) of the decompressed content, so a file and its gzip count as the same data. */
export async function hashContent(info: SourceInfo, onBytes?: (bytesRead: number) => void): Promise<string> {
  const hash = createHash("sha256");
  if (info.shards) {
    // A sharded dataset's content is its shards' bytes in order.
    let done = 0;
    for (const shard of info.shards) {
      for await (const chunk of createReadStream(shard.file, { highWaterMark: 1 << 20 }) as AsyncIterable<Buffer>) {
        hash.update(chunk);
        done += chunk.length;
        onBytes?.(done);
      }
    }
    return hash.digest("hex");
  }
  const { stream, bytesRead } = openContent(info);
  try {
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      hash.update(chunk);
      onBytes?.(bytesRead());
    }
  } catch (err) {
    throw new ImportError({ file: info.file }, `cannot decompress the file: ${(err as Error).message}`);
  }
  return hash.digest("hex");
}
