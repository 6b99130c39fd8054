/**
 * Resumable RL checkpoints: everything the next steps depend on, so a run stopped after a
 * checkpoint and resumed continues exactly as the uninterrupted run would (same thread count):
 *
 *   <dir>/params.safetensors     the policy and its value head (float32, by parameter name)
 *   <dir>/optimizer.safetensors  AdamW moments and step count (saveOptimizerState)
 *   <dir>/state.json             step, the learner's RNG state, the KL coefficient, and the
 *                                evaluations so far (with their per-prompt values)
 *
 * Each file is written atomically; state.json is written last, so a checkpoint counts only once it
 * exists, and a crash while writing leaves the previous one readable.
 */
import { existsSync, readFileSync } from "node:fs";
import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import {
  loadOptimizerState,
  readSafetensors,
  saveOptimizerState,
  tensorFromFloat32,
  toFloat32,
  writeFileAtomic,
  writeSafetensors,
  type ParameterStore,
  type RngState,
  type StoredTensor,
  type Trainer,
} from "@goodhart/engine";
import type { EvalPoint } from "./evaluate.ts";

export interface RlCheckpointState {
  format: "goodhart-rl-checkpoint";
  version: 1;
  /** Steps completed. */
  step: number;
  rng: RngState;
  klCoef: number;
  evals: EvalPoint[];
  /** PPO's latest value error, so the next evaluation after a resume carries the same value (absent in older checkpoints). */
  valueError?: number | null;
}

const FORMAT = "goodhart-rl-checkpoint";

function evalToJson(p: EvalPoint): unknown {
  return {
    ...p,
    perPrompt: {
      gold: Array.from(p.perPrompt.gold),
      proxy: p.perPrompt.proxy ? Array.from(p.perPrompt.proxy) : null,
      klExact: Array.from(p.perPrompt.klExact),
    },
  };
}

function evalFromJson(x: EvalPoint): EvalPoint {
  const pp = x.perPrompt as unknown as { gold: number[]; proxy: number[] | null; klExact: number[] };
  return {
    ...x,
    perPrompt: {
      gold: Float64Array.from(pp.gold),
      proxy: pp.proxy ? Float64Array.from(pp.proxy) : null,
      klExact: Float64Array.from(pp.klExact),
    },
  };
}

/** Writes every parameter of `store` (float32, by name) to `path` atomically. */
export async function savePolicyParams(path: string, store: ParameterStore): Promise<void> {
  const tensors: Record<string, StoredTensor> = {};
  for (const p of store.list()) tensors[p.name] = tensorFromFloat32(p.value, p.shape, "F32");
  await writeSafetensors(path, tensors);
}

/**
 * Restores every parameter of `store` from `path` in place.
 * @throws Error naming the file and the parameter when the file does not fit this policy
 */
export async function loadPolicyParams(path: string, store: ParameterStore): Promise<void> {
  const { tensors } = await readSafetensors(path);
  const names = new Set(store.list().map((p) => p.name));
  for (const name of tensors.keys()) if (!names.has(name)) throw new Error(`${path}: parameter "${name}" is not part of this run's policy`);
  for (const p of store.list()) {
    const t = tensors.get(p.name);
    if (!t) throw new Error(`${path}: parameter "${p.name}" is missing`);
    const values = toFloat32(t);
    if (values.length !== p.value.length)
      throw new Error(`${path}: parameter "${p.name}" has ${values.length} values, this run's policy ${p.value.length}`);
    store.set(p.name, values);
  }
}

export async function saveRlCheckpoint(
  dir: string,
  store: ParameterStore,
  trainer: Trainer,
  state: Omit<RlCheckpointState, "format" | "version">,
): Promise<void> {
  await mkdir(dir, { recursive: true });
  await savePolicyParams(join(dir, "params.safetensors"), store);
  await saveOptimizerState(join(dir, "optimizer.safetensors"), trainer.state());
  const json = JSON.stringify({ format: FORMAT, version: 1, ...state, evals: state.evals.map(evalToJson) });
  await writeFileAtomic(join(dir, "state.json"), Buffer.from(json));
}

/** True when `dir` holds a complete checkpoint (its state.json is written last). */
export function hasRlCheckpoint(dir: string): boolean {
  return existsSync(join(dir, "state.json"));
}

/**
 * Restores parameters and optimizer state in place and returns the rest.
 * @throws Error naming the file and the parameter when the checkpoint does not fit this run
 */
export async function loadRlCheckpoint(dir: string, store: ParameterStore, trainer: Trainer): Promise<RlCheckpointState> {
  const statePath = join(dir, "state.json");
  const state = JSON.parse(readFileSync(statePath, "utf8")) as RlCheckpointState;
  if (state.format !== FORMAT || state.version !== 1)
    throw new Error(`${statePath}: not an RL checkpoint (format ${JSON.stringify(state.format)}, version ${state.version})`);
  await loadPolicyParams(join(dir, "params.safetensors"), store);
  trainer.loadState(await loadOptimizerState(join(dir, "optimizer.safetensors")));
  return { ...state, evals: state.evals.map(evalFromJson) };
}
