import { tinyAddModel } from "../onnx/tiny-model.ts";
import { OrtTensorClass, createOrtSession } from "./ort.ts";

/** Devices Goodhart Lab knows how to ask ONNX Runtime for. */
export const DEVICE_NAMES = ["cpu", "webgpu", "cuda", "dml", "coreml"] as const;
export type DeviceName = (typeof DEVICE_NAMES)[number];

export interface DeviceProbe {
  device: DeviceName;
  ok: boolean;
  /** Why the device cannot be used; absent when ok. */
  reason?: string;
  /** Milliseconds spent creating the session and running it once. */
  ms: number;
}

/**
 * Creates a tiny session on the execution provider and runs it once; a device counts as working
 * only if that succeeds and the output is right.
 */
export async function probeDevice(device: DeviceName): Promise<DeviceProbe> {
  const start = performance.now();
  try {
    const session = await createOrtSession(tinyAddModel(), {
      executionProviders: [device],
      logSeverityLevel: 3,
    });
    try {
      const x = new OrtTensorClass("float32", Float32Array.from([1.5, -2]), [2]);
      const out = await session.run({ x });
      const y = out.y!.data as Float32Array;
      if (y[0] !== 3 || y[1] !== -4) throw new Error(`wrong result ${Array.from(y).join(",")}`);
    } finally {
      await session.release();
    }
    return { device, ok: true, ms: performance.now() - start };
  } catch (err) {
    return { device, ok: false, reason: conciseReason(err), ms: performance.now() - start };
  }
}

export async function probeDevices(devices: readonly DeviceName[] = DEVICE_NAMES): Promise<DeviceProbe[]> {
  const results: DeviceProbe[] = [];
  // Sequential: some providers initialise global state that does not like concurrent creation.
  for (const device of devices) results.push(await probeDevice(device));
  return results;
}

/** ONNX Runtime prefixes messages with C++ source locations; keep only the part a user can act on. */
function conciseReason(err: unknown): string {
  const first = (err instanceof Error ? err.message : String(err)).split("\n")[0]!.trim();
  const afterCheck = first.split(" was false. ");
  if (afterCheck.length > 1) return afterCheck[afterCheck.length - 1]!.trim();
  return first.replace(/^\/\S+:\d+ \S+ /, "");
}
