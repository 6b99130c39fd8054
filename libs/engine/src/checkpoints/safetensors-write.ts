import { Buffer } from "node:buffer";
import { dtypeSize, dtypeStorage, isSafetensorsDType, shapeSize, unsupportedDTypeReason } from "./dtypes.ts";
import { writeFileAtomic } from "./atomic-write.ts";
import { SafetensorsError } from "./safetensors-error.ts";
import type { StoredTensor } from "./tensor.ts";

/** Options for writing. */
export interface WriteSafetensorsOptions {
  /** The `__metadata__` string map; omitted from the header when undefined. */
  metadata?: Record<string, string>;
}

/** Tensors to write, by name. */
export type TensorsByName = ReadonlyMap<string, StoredTensor> | Readonly<Record<string, StoredTensor>>;

/** A serialized file: its total size and the chunks that make it up (header, then each tensor). */
export interface SafetensorsBytes {
  byteLength: number;
  chunks: Uint8Array[];
}

function validate(file: string, name: string, t: StoredTensor): void {
  const fail = (detail: string): never => {
    throw new SafetensorsError(file, detail, name);
  };
  if (name === "__metadata__") fail("the name __metadata__ is reserved by the format");
  if (!isSafetensorsDType(t.dtype)) fail(unsupportedDTypeReason(t.dtype));
  if (!Array.isArray(t.shape) || !t.shape.every((d) => Number.isSafeInteger(d) && d >= 0)) {
    fail(`shape ${JSON.stringify(t.shape)} is not a list of non-negative integers`);
  }
  const Storage = dtypeStorage(t.dtype);
  if (!(t.data instanceof (Storage as unknown as typeof Uint8Array))) {
    fail(
      `data for ${t.dtype} must be a ${(Storage as unknown as { name: string }).name}, got ${(t.data as object)?.constructor?.name ?? typeof t.data}`,
    );
  }
  if (t.data.length !== shapeSize(t.shape)) {
    fail(`data has ${t.data.length} elements but shape [${t.shape.join(", ")}] needs ${shapeSize(t.shape)}`);
  }
}

function jsonObject(entries: [string, unknown][]): string {
  // Built by hand: a JS object would move integer-like names ("0", "1") to the front.
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${typeof v === "string" ? v : JSON.stringify(v)}`).join(",")}}`;
}

/**
 * Lays out a safetensors file the way the reference implementation does: tensors ordered by element
 * size (largest first) then by name, so every tensor is aligned to its element size; header JSON
 * with `__metadata__` first, padded with spaces to a multiple of 8 bytes.
 * @param source file name used in error messages
 */
export function serializeSafetensors(tensors: TensorsByName, options: WriteSafetensorsOptions = {}, source = "<memory>"): SafetensorsBytes {
  const list = [...(tensors instanceof Map ? tensors.entries() : Object.entries(tensors))] as [string, StoredTensor][];
  for (const [name, t] of list) validate(source, name, t);
  list.sort(([an, a], [bn, b]) => dtypeSize(b.dtype) - dtypeSize(a.dtype) || Buffer.compare(Buffer.from(an), Buffer.from(bn)));
  const headerEntries: [string, unknown][] = [];
  if (options.metadata !== undefined) {
    for (const [k, v] of Object.entries(options.metadata)) {
      if (typeof v !== "string") throw new SafetensorsError(source, `metadata value for ${JSON.stringify(k)} is not a string`);
    }
    headerEntries.push(["__metadata__", jsonObject(Object.entries(options.metadata).map(([k, v]) => [k, JSON.stringify(v)]))]);
  }
  let offset = 0;
  const chunks: Uint8Array[] = [];
  for (const [name, t] of list) {
    const bytes = new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength);
    headerEntries.push([name, JSON.stringify({ dtype: t.dtype, shape: t.shape, data_offsets: [offset, offset + bytes.length] })]);
    offset += bytes.length;
    chunks.push(bytes);
  }
  const json = Buffer.from(jsonObject(headerEntries), "utf8");
  const padded = Math.ceil(json.length / 8) * 8;
  const header = Buffer.alloc(8 + padded, 0x20);
  header.writeBigUInt64LE(BigInt(padded), 0);
  json.copy(header, 8);
  return { byteLength: header.length + offset, chunks: [header, ...chunks] };
}

/** Serializes to one contiguous buffer (convenient for small files and tests). */
export function safetensorsToBytes(tensors: TensorsByName, options: WriteSafetensorsOptions = {}): Uint8Array {
  const { byteLength, chunks } = serializeSafetensors(tensors, options);
  // A fresh buffer rather than Buffer.concat, whose small results share Node's pool (byteOffset != 0).
  const out = new Uint8Array(byteLength);
  let at = 0;
  for (const chunk of chunks) {
    out.set(chunk, at);
    at += chunk.byteLength;
  }
  return out;
}

/**
 * Writes a `.safetensors` file atomically (temporary file, fsync, rename, fsync of the folder).
 * Tensors are written in their stored dtype; use `tensorFromFloat32` to store float32 values as
 * F16 or BF16.
 */
export async function writeSafetensors(path: string, tensors: TensorsByName, options: WriteSafetensorsOptions = {}): Promise<void> {
  const { chunks } = serializeSafetensors(tensors, options, path);
  await writeFileAtomic(path, chunks);
}
