import { open, type FileHandle } from "node:fs/promises";
import { dtypeSize, dtypeStorage, isSafetensorsDType, unsupportedDTypeReason, type SafetensorsDType, type TensorData } from "./dtypes.ts";
import { SafetensorsError } from "./safetensors-error.ts";
import { toFloat32, type StoredTensor } from "./tensor.ts";

/** Same cap as the reference implementation: a bigger header means a corrupt length prefix. */
export const MAX_HEADER_BYTES = 100_000_000;

/** A tensor decoded to float32, keeping the dtype it was stored in. */
export interface Float32Tensor {
  dtype: SafetensorsDType;
  shape: number[];
  data: Float32Array;
}

/** What a safetensors file holds: tensors by name, and the `__metadata__` string map. */
export interface SafetensorsContents<T = StoredTensor> {
  tensors: Map<string, T>;
  metadata: Record<string, string>;
}

/** Options for reading. */
export interface ReadSafetensorsOptions {
  /** Decode every tensor to float32 (F16/BF16/F8 and integers included). */
  float32?: boolean;
}

interface Entry {
  name: string;
  dtype: SafetensorsDType;
  shape: number[];
  begin: number;
  end: number;
}

const IS_LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function parseEntry(file: string, name: string, raw: unknown): Entry {
  const fail = (detail: string): never => {
    throw new SafetensorsError(file, detail, name);
  };
  if (!isPlainObject(raw)) fail("header entry is not an object");
  const { dtype, shape, data_offsets: offsets } = raw as Record<string, unknown>;
  if (!isSafetensorsDType(dtype)) fail(unsupportedDTypeReason(dtype));
  if (!Array.isArray(shape) || !shape.every((d) => Number.isSafeInteger(d) && d >= 0)) {
    fail(`shape ${JSON.stringify(shape)} is not a list of non-negative integers`);
  }
  if (
    !Array.isArray(offsets) ||
    offsets.length !== 2 ||
    !offsets.every((o) => Number.isSafeInteger(o) && o >= 0) ||
    offsets[0] > offsets[1]
  ) {
    fail(`data_offsets ${JSON.stringify(offsets)} is not a pair [begin, end] with 0 <= begin <= end`);
  }
  const dims = shape as number[];
  const [begin, end] = offsets as number[];
  let bytes = dtypeSize(dtype as SafetensorsDType);
  for (const d of dims) {
    bytes *= d;
    if (!Number.isSafeInteger(bytes)) fail(`shape [${dims.join(", ")}] is too large`);
  }
  if (bytes !== end - begin) {
    fail(`shape [${dims.join(", ")}] of ${dtype} needs ${bytes} bytes but data_offsets [${begin}, ${end}] span ${end - begin}`);
  }
  return { name, dtype: dtype as SafetensorsDType, shape: [...dims], begin, end };
}

/** Reads and checks the 8-byte little-endian header length against the file size. */
function headerLengthOf(file: string, prefix: Uint8Array, fileLength: number): number {
  if (fileLength < 8) {
    throw new SafetensorsError(file, `file is ${fileLength} bytes, too short to hold the 8-byte header length`);
  }
  const view = new DataView(prefix.buffer, prefix.byteOffset, 8);
  const headerLength = view.getUint32(4, true) * 2 ** 32 + view.getUint32(0, true);
  if (headerLength > MAX_HEADER_BYTES) {
    throw new SafetensorsError(
      file,
      `header length ${headerLength} exceeds the ${MAX_HEADER_BYTES}-byte limit; the file is corrupt or not safetensors`,
    );
  }
  if (8 + headerLength > fileLength) {
    throw new SafetensorsError(
      file,
      `file is truncated: the header needs ${headerLength} bytes but only ${fileLength - 8} follow the length prefix`,
    );
  }
  return headerLength;
}

/** Parses and validates the JSON header; `dataLength` is the size of the data section after it. */
function parseHeader(file: string, headerBytes: Uint8Array, dataLength: number): { entries: Entry[]; metadata: Record<string, string> } {
  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true }).decode(headerBytes);
  } catch {
    throw new SafetensorsError(file, "header is not valid UTF-8; the file is corrupt or not safetensors");
  }
  if (!text.startsWith("{")) {
    throw new SafetensorsError(file, "header does not start with '{'; the file is corrupt or not safetensors");
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new SafetensorsError(file, `header is not valid JSON (${(err as Error).message})`);
  }
  if (!isPlainObject(json)) throw new SafetensorsError(file, "header is not a JSON object");

  let metadata: Record<string, string> = {};
  const entries: Entry[] = [];
  for (const [name, raw] of Object.entries(json)) {
    if (name === "__metadata__") {
      if (raw === null) continue;
      if (!isPlainObject(raw)) throw new SafetensorsError(file, "__metadata__ is not an object of strings");
      for (const [k, v] of Object.entries(raw)) {
        if (typeof v !== "string") {
          throw new SafetensorsError(file, `__metadata__ value for ${JSON.stringify(k)} is not a string`);
        }
      }
      // fromEntries defines own properties, so even a "__proto__" key is kept as data.
      metadata = Object.fromEntries(Object.entries(raw)) as Record<string, string>;
      continue;
    }
    entries.push(parseEntry(file, name, raw));
  }

  // Tensors must tile the data section exactly: no gaps, no overlaps, nothing after the last one.
  const byOffset = [...entries].sort((a, b) => a.begin - b.begin || a.end - b.end);
  let expected = 0;
  for (const e of byOffset) {
    if (e.begin !== expected) {
      throw new SafetensorsError(
        file,
        `data_offsets [${e.begin}, ${e.end}] ${e.begin > expected ? "leave a gap" : "overlap another tensor"}: expected the data to start at ${expected}`,
        e.name,
      );
    }
    if (e.end > dataLength) {
      throw new SafetensorsError(
        file,
        `file is truncated: the tensor's data ends at byte ${e.end} of the data section, which has only ${dataLength} bytes`,
        e.name,
      );
    }
    expected = e.end;
  }
  if (expected !== dataLength) {
    throw new SafetensorsError(
      file,
      `${dataLength - expected} unexpected bytes after the last tensor (the header accounts for ${expected} of ${dataLength})`,
    );
  }
  return { entries, metadata };
}

function tensorData(bytes: Uint8Array, start: number, e: Entry): TensorData {
  const Storage = dtypeStorage(e.dtype);
  const size = Storage.BYTES_PER_ELEMENT;
  const length = (e.end - e.begin) / size;
  const byteOffset = bytes.byteOffset + start + e.begin;
  // A typed array view must be aligned to its element size; copy when the file layout is not.
  if (byteOffset % size === 0) return new Storage(bytes.buffer, byteOffset, length);
  const copy = new Storage(length);
  new Uint8Array(copy.buffer).set(bytes.subarray(start + e.begin, start + e.end));
  return copy;
}

/**
 * Parses safetensors bytes, validating header length, UTF-8/JSON, dtypes, shapes and that the data
 * offsets tile the data section exactly. Tensor data views `bytes` where alignment allows.
 * @param source file name used in error messages
 * @throws SafetensorsError naming the file and tensor on any corrupt or truncated input
 */
export function parseSafetensors(bytes: Uint8Array, source?: string): SafetensorsContents;
export function parseSafetensors(
  bytes: Uint8Array,
  source: string | undefined,
  options: ReadSafetensorsOptions & { float32: true },
): SafetensorsContents<Float32Tensor>;
export function parseSafetensors(
  bytes: Uint8Array,
  source?: string,
  options?: ReadSafetensorsOptions,
): SafetensorsContents<StoredTensor | Float32Tensor>;
export function parseSafetensors(
  bytes: Uint8Array,
  source = "<memory>",
  options: ReadSafetensorsOptions = {},
): SafetensorsContents<StoredTensor | Float32Tensor> {
  if (!IS_LITTLE_ENDIAN) throw new SafetensorsError(source, "reading safetensors needs a little-endian machine");
  const headerLength = headerLengthOf(source, bytes, bytes.length);
  const dataStart = 8 + headerLength;
  const { entries, metadata } = parseHeader(source, bytes.subarray(8, dataStart), bytes.length - dataStart);
  const tensors = new Map<string, StoredTensor | Float32Tensor>();
  for (const e of entries) {
    const stored = { dtype: e.dtype, shape: e.shape, data: tensorData(bytes, dataStart, e) } as StoredTensor;
    tensors.set(e.name, options.float32 ? { dtype: e.dtype, shape: e.shape, data: toFloat32(stored) } : stored);
  }
  return { tensors, metadata };
}

/**
 * Reads a `.safetensors` file (whole file into memory).
 * @throws SafetensorsError naming the file and tensor on any corrupt or truncated input
 */
export async function readSafetensors(path: string): Promise<SafetensorsContents>;
export async function readSafetensors(
  path: string,
  options: ReadSafetensorsOptions & { float32: true },
): Promise<SafetensorsContents<Float32Tensor>>;
export async function readSafetensors(
  path: string,
  options?: ReadSafetensorsOptions,
): Promise<SafetensorsContents<StoredTensor | Float32Tensor>>;
export async function readSafetensors(
  path: string,
  options: ReadSafetensorsOptions = {},
): Promise<SafetensorsContents<StoredTensor | Float32Tensor>> {
  if (!IS_LITTLE_ENDIAN) throw new SafetensorsError(path, "reading safetensors needs a little-endian machine");
  let handle: FileHandle;
  try {
    handle = await open(path, "r");
  } catch (err) {
    throw new SafetensorsError(path, `cannot read the file (${(err as Error).message})`);
  }
  try {
    const fileLength = (await handle.stat()).size;
    const readExactly = async (target: Uint8Array, position: number, what: string): Promise<void> => {
      let done = 0;
      while (done < target.byteLength) {
        const { bytesRead } = await handle.read(target, done, target.byteLength - done, position + done);
        if (bytesRead === 0) throw new SafetensorsError(path, `file is truncated while reading ${what} (it changed while being read?)`);
        done += bytesRead;
      }
    };
    const prefix = new Uint8Array(Math.min(8, fileLength));
    await readExactly(prefix, 0, "the header length");
    const headerLength = headerLengthOf(path, prefix, fileLength);
    const headerBytes = new Uint8Array(headerLength);
    await readExactly(headerBytes, 8, "the header");
    const dataStart = 8 + headerLength;
    const { entries, metadata } = parseHeader(path, headerBytes, fileLength - dataStart);
    // One read per tensor straight into its own (aligned) typed array: no whole-file buffer, so
    // checkpoints larger than Node's Buffer limit load too.
    const tensors = new Map<string, StoredTensor | Float32Tensor>();
    for (const e of entries) {
      const Storage = dtypeStorage(e.dtype);
      const data = new Storage((e.end - e.begin) / Storage.BYTES_PER_ELEMENT);
      await readExactly(new Uint8Array(data.buffer), dataStart + e.begin, `tensor ${JSON.stringify(e.name)}`);
      const stored = { dtype: e.dtype, shape: e.shape, data } as StoredTensor;
      tensors.set(e.name, options.float32 ? { dtype: e.dtype, shape: e.shape, data: toFloat32(stored) } : stored);
    }
    return { tensors, metadata };
  } catch (err) {
    if (err instanceof SafetensorsError) throw err;
    throw new SafetensorsError(path, `cannot read the file (${(err as Error).message})`);
  } finally {
    await handle.close();
  }
}
