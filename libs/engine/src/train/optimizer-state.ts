import { readSafetensors } from "../checkpoints/safetensors-read.ts";
import type { StoredTensor } from "../checkpoints/tensor.ts";
import { writeSafetensors } from "../checkpoints/safetensors-write.ts";

/** Everything AdamW carries between steps: the steps taken and both moments per parameter. */
export interface OptimizerState {
  /** Optimizer steps taken (the schedule and bias corrections continue from here). */
  step: number;
  moments: Map<string, { m: Float32Array; v: Float32Array }>;
}

const FORMAT = "goodhart-adamw";

/**
 * Writes optimizer state as one safetensors file (atomically): F32 tensors `m.<param>` and
 * `v.<param>`, and the step count in the metadata, so a resumed run continues bit for bit.
 */
export async function saveOptimizerState(path: string, state: OptimizerState): Promise<void> {
  const tensors = new Map<string, StoredTensor>();
  for (const [name, { m, v }] of state.moments) {
    tensors.set(`m.${name}`, { dtype: "F32", shape: [m.length], data: m } as StoredTensor);
    tensors.set(`v.${name}`, { dtype: "F32", shape: [v.length], data: v } as StoredTensor);
  }
  await writeSafetensors(path, tensors, { metadata: { format: FORMAT, step: String(state.step) } });
}

/** Reads what {@link saveOptimizerState} wrote; errors name the file and what is wrong. */
export async function loadOptimizerState(path: string): Promise<OptimizerState> {
  const { tensors, metadata } = await readSafetensors(path);
  if (metadata.format !== FORMAT)
    throw new Error(`${path}: metadata "format" is ${JSON.stringify(metadata.format)}, expected "${FORMAT}" (not an optimizer state file)`);
  const step = Number(metadata.step);
  if (!Number.isInteger(step) || step < 0)
    throw new Error(`${path}: metadata "step" is ${JSON.stringify(metadata.step)}, expected a non-negative integer`);
  const moments = new Map<string, { m: Float32Array; v: Float32Array }>();
  for (const [key, t] of tensors) {
    const kind = key.slice(0, 2);
    if (kind !== "m." && kind !== "v.") throw new Error(`${path}: tensor ${JSON.stringify(key)} is neither m.<param> nor v.<param>`);
    if (t.dtype !== "F32") throw new Error(`${path}: tensor ${JSON.stringify(key)} is ${t.dtype}, expected F32`);
    const name = key.slice(2);
    const other = tensors.get(`${kind === "m." ? "v." : "m."}${name}`);
    if (!other) throw new Error(`${path}: tensor ${JSON.stringify(key)} has no ${kind === "m." ? "second" : "first"} moment beside it`);
    if (kind === "m.")
      moments.set(name, { m: Float32Array.from(t.data as Float32Array), v: Float32Array.from(other.data as Float32Array) });
  }
  return { step, moments };
}
