import onnxProto from "onnx-proto";

const { onnx } = onnxProto;

/** Element types a tensor in the IR can have. */
export type DType = "float32" | "float64" | "int64" | "bool";

/** Host arrays that back each dtype (ONNX Runtime's own choice for node). */
export interface HostArrayOf {
  float32: Float32Array;
  float64: Float64Array;
  int64: BigInt64Array;
  bool: Uint8Array;
}
export type HostArray = HostArrayOf[DType];

export function isFloat(dtype: DType): boolean {
  return dtype === "float32" || dtype === "float64";
}

/** ONNX TensorProto.DataType enum value for a dtype. */
export function onnxDataType(dtype: DType): number {
  switch (dtype) {
    case "float32":
      return onnx.TensorProto.DataType.FLOAT;
    case "float64":
      return onnx.TensorProto.DataType.DOUBLE;
    case "int64":
      return onnx.TensorProto.DataType.INT64;
    case "bool":
      return onnx.TensorProto.DataType.BOOL;
  }
}

/** A zero-filled host array of the dtype. */
export function allocHost(dtype: DType, length: number): HostArray {
  switch (dtype) {
    case "float32":
      return new Float32Array(length);
    case "float64":
      return new Float64Array(length);
    case "int64":
      return new BigInt64Array(length);
    case "bool":
      return new Uint8Array(length);
  }
}
