import { join } from "node:path";
import { loadHfModelFolder, saveModelFolder } from "../checkpoints/model-folder.ts";
import type { StoredTensor } from "../checkpoints/tensor.ts";
import type { ParameterStore } from "../train/parameter-store.ts";
import type { RewardEnsembleConfig } from "./ensemble.ts";
import { RewardEnsemble } from "./ensemble.ts";
import type { GptConfig } from "./gpt.ts";
import { Gpt } from "./gpt.ts";
import type { HasTrunk, LoraConfig } from "./lora.ts";
import { LoraAdapter } from "./lora.ts";
import type { RewardModelConfig } from "./reward-model.ts";
import { RewardModel } from "./reward-model.ts";

/** Every model kind a checkpoint folder can hold. */
export type SavedModel = Gpt | RewardModel | RewardEnsemble;

/** config.json key naming the model kind, next to the model's resolved config. */
const KIND_KEY = "goodhart_model";

function storeTensors(store: ParameterStore): Map<string, StoredTensor> {
  return new Map(store.list().map((p) => [p.name, { dtype: "F32", shape: [...p.shape], data: p.value } as StoredTensor]));
}

/** Copies checkpoint tensors into a store; every parameter must be present with its shape, and nothing else. */
function fillStore(store: ParameterStore, tensors: Map<string, { shape: number[]; data: Float32Array }>, source: string): void {
  const names = new Set(store.list().map((p) => p.name));
  for (const p of store.list()) {
    const t = tensors.get(p.name);
    if (!t) throw new Error(`${source}: tensor ${JSON.stringify(p.name)} is missing`);
    if (t.shape.join(",") !== p.shape.join(","))
      throw new Error(`${source}: tensor ${JSON.stringify(p.name)} has shape [${t.shape}], the config needs [${p.shape}]`);
  }
  for (const name of tensors.keys())
    if (!names.has(name)) throw new Error(`${source}: tensor ${JSON.stringify(name)} does not belong to this model`);
  for (const p of store.list()) store.set(p.name, Float32Array.from(tensors.get(p.name)!.data));
}

/**
 * Saves a model to a folder: `model.safetensors` (float32, every parameter of the model's store)
 * and `config.json` ({goodhart_model: kind, config}), each written atomically.
 */
export async function saveModel(dir: string, model: SavedModel): Promise<void> {
  await saveModelFolder(dir, {
    config: { [KIND_KEY]: model.kind, config: model.config },
    tensors: storeTensors(model.store),
    metadata: { format: "goodhart", kind: model.kind },
  });
}

/** Loads what {@link saveModel} wrote; the result reproduces the saved model's outputs exactly. */
export async function loadModel(dir: string): Promise<SavedModel> {
  const folder = await loadHfModelFolder(dir, { float32: true });
  const source = join(dir, "model.safetensors");
  const kind = folder.config[KIND_KEY];
  const config = folder.config.config as Record<string, unknown> | undefined;
  if (typeof config !== "object" || config === null)
    throw new Error(`${join(dir, "config.json")}: field "config" is missing or not an object`);
  let model: SavedModel;
  if (kind === "gpt") model = new Gpt(config as unknown as GptConfig);
  else if (kind === "reward-model") model = new RewardModel(config as unknown as RewardModelConfig);
  else if (kind === "reward-ensemble") model = new RewardEnsemble(config as unknown as RewardEnsembleConfig);
  else
    throw new Error(
      `${join(dir, "config.json")}: field "${KIND_KEY}" is ${JSON.stringify(kind)}; expected "gpt", "reward-model" or "reward-ensemble"`,
    );
  fillStore(model.store, folder.tensors, source);
  return model;
}

/** Loads a folder that must hold a model of one kind. */
export async function loadModelOfKind<K extends SavedModel["kind"]>(dir: string, kind: K): Promise<Extract<SavedModel, { kind: K }>> {
  const model = await loadModel(dir);
  if (model.kind !== kind) throw new Error(`${dir} holds a ${model.kind}, not a ${kind}`);
  return model as Extract<SavedModel, { kind: K }>;
}

/** Saves a LoRA adapter (its A and B factors and config) to a folder. */
export async function saveLoraAdapter(dir: string, adapter: LoraAdapter): Promise<void> {
  await saveModelFolder(dir, {
    config: { [KIND_KEY]: "lora", name: adapter.name, config: adapter.config },
    tensors: storeTensors(adapter.store),
    metadata: { format: "goodhart", kind: "lora" },
  });
}

/** Loads an adapter saved by {@link saveLoraAdapter} onto a base with the same architecture. */
export async function loadLoraAdapter(dir: string, base: HasTrunk): Promise<LoraAdapter> {
  const folder = await loadHfModelFolder(dir, { float32: true });
  if (folder.config[KIND_KEY] !== "lora" || typeof folder.config.name !== "string")
    throw new Error(`${join(dir, "config.json")} does not describe a LoRA adapter`);
  const adapter = new LoraAdapter(base, folder.config.name, folder.config.config as LoraConfig);
  fillStore(adapter.store, folder.tensors, join(dir, "model.safetensors"));
  return adapter;
}
