export type { DTypeStorage, SafetensorsDType, TensorData } from "./dtypes.ts";
export { SAFETENSORS_DTYPES, dtypeSize, isSafetensorsDType, shapeSize } from "./dtypes.ts";
export {
  bfloat16BitsToFloat32,
  float16BitsToFloat32,
  float32ToBFloat16Bits,
  float32ToFloat16Bits,
  float8E4M3ToFloat32,
  float8E5M2ToFloat32,
  float8E8M0ToFloat32,
} from "./float-conversion.ts";
export type { FloatWriteDType, StoredTensor } from "./tensor.ts";
export { tensorFromFloat32, toFloat32 } from "./tensor.ts";
export { SafetensorsError } from "./safetensors-error.ts";
export type { Float32Tensor, ReadSafetensorsOptions, SafetensorsContents } from "./safetensors-read.ts";
export { MAX_HEADER_BYTES, parseSafetensors, readSafetensors } from "./safetensors-read.ts";
export type { SafetensorsBytes, TensorsByName, WriteSafetensorsOptions } from "./safetensors-write.ts";
export { safetensorsToBytes, serializeSafetensors, writeSafetensors } from "./safetensors-write.ts";
export type { AtomicWriteData } from "./atomic-write.ts";
export { writeFileAtomic } from "./atomic-write.ts";
export type { ModelFolder } from "./model-folder.ts";
export { loadHfModelFolder, saveModelFolder } from "./model-folder.ts";
