// The one file in Goodhart Lab that loads the onnxruntime-node native addon (DESIGN.md section 3).
// Everything else reaches ONNX Runtime through the types and functions re-exported here.
import * as ort from "onnxruntime-node";

// ONNX Runtime's process-wide logger prints every failed provider probe (a missing CUDA library is
// the expected answer on most machines) as an error on stderr; probes report those reasons
// themselves, and session errors are thrown. GOODHART_ORT_LOG=warning|info|verbose brings it back.
ort.env.logLevel = (process.env.GOODHART_ORT_LOG as typeof ort.env.logLevel | undefined) ?? "fatal";

export type OrtTensor = ort.Tensor;
export type OrtSession = ort.InferenceSession;
export type OrtSessionOptions = ort.InferenceSession.SessionOptions;
export type OrtTensorType = ort.Tensor.Type;

export const OrtTensorClass = ort.Tensor;

/** Backends the installed onnxruntime-node package says it was built with. */
export function listBundledBackends(): { name: string; bundled: boolean }[] {
  return ort.listSupportedBackends();
}

export async function createOrtSession(model: Uint8Array, options: OrtSessionOptions): Promise<OrtSession> {
  return ort.InferenceSession.create(model, options);
}

/** The onnxruntime-node version in use. */
export function ortVersion(): string {
  return ort.env.versions.common ?? "unknown";
}
