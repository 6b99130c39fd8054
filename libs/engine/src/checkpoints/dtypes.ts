/**
 * Element types of the safetensors format. Raw storage is kept as-is: F16/BF16 as Uint16Array bit
 * patterns and F8 variants as Uint8Array bytes (Node 20 has no Float16Array); use `toFloat32` to get
 * numbers.
 */
export type SafetensorsDType =
  "BOOL" | "U8" | "I8" | "U16" | "I16" | "F16" | "BF16" | "U32" | "I32" | "F32" | "U64" | "I64" | "F64" | "F8_E4M3" | "F8_E5M2" | "F8_E8M0";

/** The typed array holding each dtype's raw little-endian storage. */
export interface DTypeStorage {
  BOOL: Uint8Array;
  U8: Uint8Array;
  I8: Int8Array;
  U16: Uint16Array;
  I16: Int16Array;
  F16: Uint16Array;
  BF16: Uint16Array;
  U32: Uint32Array;
  I32: Int32Array;
  F32: Float32Array;
  U64: BigUint64Array;
  I64: BigInt64Array;
  F64: Float64Array;
  F8_E4M3: Uint8Array;
  F8_E5M2: Uint8Array;
  F8_E8M0: Uint8Array;
}

/** Any raw tensor storage. */
export type TensorData = DTypeStorage[SafetensorsDType];

interface TypedArrayConstructorLike {
  readonly BYTES_PER_ELEMENT: number;
  new (buffer: ArrayBufferLike, byteOffset: number, length: number): TensorData;
  new (length: number): TensorData;
}

const STORAGE: Record<SafetensorsDType, TypedArrayConstructorLike> = {
  BOOL: Uint8Array,
  U8: Uint8Array,
  I8: Int8Array,
  U16: Uint16Array,
  I16: Int16Array,
  F16: Uint16Array,
  BF16: Uint16Array,
  U32: Uint32Array,
  I32: Int32Array,
  F32: Float32Array,
  U64: BigUint64Array,
  I64: BigInt64Array,
  F64: Float64Array,
  F8_E4M3: Uint8Array,
  F8_E5M2: Uint8Array,
  F8_E8M0: Uint8Array,
};

/** Every dtype this module reads and writes. */
export const SAFETENSORS_DTYPES = Object.keys(STORAGE) as SafetensorsDType[];

// Named by the format but packed below one byte per element; we refuse them with a clear message.
const SUB_BYTE_DTYPES = new Set(["F4", "F6_E2M3", "F6_E3M2"]);

/** True when `name` is a dtype this module handles. */
export function isSafetensorsDType(name: unknown): name is SafetensorsDType {
  return typeof name === "string" && Object.hasOwn(STORAGE, name);
}

/** Explains why a dtype name is not accepted. */
export function unsupportedDTypeReason(name: unknown): string {
  if (typeof name === "string" && SUB_BYTE_DTYPES.has(name)) {
    return `dtype ${name} packs several elements per byte and is not supported`;
  }
  return `unknown dtype ${JSON.stringify(name)} (expected one of ${SAFETENSORS_DTYPES.join(", ")})`;
}

/** Bytes per element. */
export function dtypeSize(dtype: SafetensorsDType): number {
  return STORAGE[dtype].BYTES_PER_ELEMENT;
}

/** The typed array constructor for a dtype's raw storage. */
export function dtypeStorage(dtype: SafetensorsDType): TypedArrayConstructorLike {
  return STORAGE[dtype];
}

/** Number of elements of a shape (1 for a scalar `[]`). */
export function shapeSize(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}
