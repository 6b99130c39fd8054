import {
  bfloat16BitsToFloat32,
  float16BitsToFloat32,
  float32ArrayToBFloat16,
  float32ArrayToFloat16,
  float8E4M3ToFloat32,
  float8E5M2ToFloat32,
  float8E8M0ToFloat32,
} from "./float-conversion.ts";
import { shapeSize, type DTypeStorage, type SafetensorsDType, type TensorData } from "./dtypes.ts";

/** A tensor as stored: dtype, shape and raw row-major storage (`data.length === product(shape)`). */
export interface StoredTensor<D extends SafetensorsDType = SafetensorsDType> {
  dtype: D;
  shape: number[];
  data: DTypeStorage[D];
}

/** The float dtypes a float32 array can be written as. */
export type FloatWriteDType = "F32" | "F16" | "BF16" | "F64";

/**
 * Wraps float32 values as a tensor of a float dtype, rounding to nearest even for F16/BF16.
 * @param values row-major values; their count must match `shape`
 */
export function tensorFromFloat32(values: Float32Array, shape: readonly number[], dtype: FloatWriteDType = "F32"): StoredTensor {
  if (values.length !== shapeSize(shape)) {
    throw new Error(`tensorFromFloat32: ${values.length} values do not fill shape [${shape.join(", ")}]`);
  }
  const s = [...shape];
  switch (dtype) {
    case "F32":
      return { dtype, shape: s, data: values };
    case "F16":
      return { dtype, shape: s, data: float32ArrayToFloat16(values) };
    case "BF16":
      return { dtype, shape: s, data: float32ArrayToBFloat16(values) };
    case "F64":
      return { dtype, shape: s, data: Float64Array.from(values) };
    default:
      throw new Error(`tensorFromFloat32: cannot write float values as ${String(dtype)}`);
  }
}

function mapToFloat32(data: ArrayLike<number>, f: (v: number) => number): Float32Array {
  const out = new Float32Array(data.length);
  for (let i = 0; i < data.length; i++) out[i] = f(data[i]);
  return out;
}

/**
 * Decodes any stored tensor to float32 numbers. F32 returns its own array (no copy); 64-bit
 * integers beyond 2^24 and F64 values lose precision as float32 does.
 */
export function toFloat32(tensor: StoredTensor): Float32Array {
  const { dtype, data } = tensor as { dtype: SafetensorsDType; data: TensorData };
  switch (dtype) {
    case "F32":
      return data as Float32Array;
    case "F16":
      return mapToFloat32(data as Uint16Array, float16BitsToFloat32);
    case "BF16":
      return mapToFloat32(data as Uint16Array, bfloat16BitsToFloat32);
    case "F8_E4M3":
      return mapToFloat32(data as Uint8Array, float8E4M3ToFloat32);
    case "F8_E5M2":
      return mapToFloat32(data as Uint8Array, float8E5M2ToFloat32);
    case "F8_E8M0":
      return mapToFloat32(data as Uint8Array, float8E8M0ToFloat32);
    case "U64":
    case "I64": {
      const big = data as BigInt64Array | BigUint64Array;
      const out = new Float32Array(big.length);
      for (let i = 0; i < big.length; i++) out[i] = Number(big[i]);
      return out;
    }
    default:
      return Float32Array.from(data as ArrayLike<number>);
  }
}
