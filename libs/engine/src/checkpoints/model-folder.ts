import { Buffer } from "node:buffer";
import { existsSync } from "node:fs";
import { mkdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { writeFileAtomic } from "./atomic-write.ts";
import { readSafetensors, type Float32Tensor, type ReadSafetensorsOptions } from "./safetensors-read.ts";
import { writeSafetensors, type TensorsByName } from "./safetensors-write.ts";
import type { StoredTensor } from "./tensor.ts";

/** A model folder's contents: `config.json`, and the tensors of its safetensors weights. */
export interface ModelFolder<T = StoredTensor> {
  config: Record<string, unknown>;
  tensors: Map<string, T>;
  /** `__metadata__` of the weights file(s), merged across shards. */
  metadata: Record<string, string>;
}

async function readJsonObject(path: string): Promise<Record<string, unknown>> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (err) {
    throw new Error(`Cannot read ${path}: ${(err as Error).message}`, { cause: err });
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new Error(`${path} is not valid JSON: ${(err as Error).message}`, { cause: err });
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) throw new Error(`${path} must hold a JSON object`);
  return value as Record<string, unknown>;
}

/** Which safetensors files hold the weights, by tensor name when sharded. */
async function weightFiles(dir: string): Promise<{ files: string[]; weightMap?: Map<string, string> }> {
  const single = join(dir, "model.safetensors");
  if (existsSync(single)) return { files: [single] };
  const indexPath = join(dir, "model.safetensors.index.json");
  if (existsSync(indexPath)) {
    const index = await readJsonObject(indexPath);
    const map = index.weight_map;
    if (typeof map !== "object" || map === null || Array.isArray(map)) {
      throw new Error(`${indexPath}: weight_map is missing or not an object`);
    }
    const weightMap = new Map<string, string>();
    for (const [name, file] of Object.entries(map)) {
      if (typeof file !== "string" || file.includes("/") || file.includes("\\")) {
        throw new Error(`${indexPath}: weight_map entry for ${JSON.stringify(name)} is not a file name in the folder`);
      }
      weightMap.set(name, join(dir, file));
    }
    return { files: [...new Set(weightMap.values())], weightMap };
  }
  const hint = existsSync(join(dir, "pytorch_model.bin"))
    ? " It has only PyTorch pickle weights (pytorch_model.bin), which are not loaded for safety; convert them to safetensors."
    : "";
  throw new Error(`${dir} has no model.safetensors or model.safetensors.index.json.${hint}`);
}

/**
 * Reads a Hugging Face model folder: `config.json` plus `model.safetensors` (or the shards listed in
 * `model.safetensors.index.json`). Tensor names are kept as the checkpoint spells them (GPT-2:
 * `transformer.h.0.attn.c_attn.weight` in an LM-head save, `h.0...` in a bare `GPT2Model` save).
 */
export async function loadHfModelFolder(dir: string): Promise<ModelFolder>;
export async function loadHfModelFolder(
  dir: string,
  options: ReadSafetensorsOptions & { float32: true },
): Promise<ModelFolder<Float32Tensor>>;
export async function loadHfModelFolder(dir: string, options?: ReadSafetensorsOptions): Promise<ModelFolder<StoredTensor | Float32Tensor>>;
export async function loadHfModelFolder(
  dir: string,
  options: ReadSafetensorsOptions = {},
): Promise<ModelFolder<StoredTensor | Float32Tensor>> {
  const config = await readJsonObject(join(dir, "config.json"));
  const { files, weightMap } = await weightFiles(dir);
  const tensors = new Map<string, StoredTensor | Float32Tensor>();
  let metadata: Record<string, string> = {};
  const origin = new Map<string, string>();
  for (const file of files) {
    const contents = await readSafetensors(file, options);
    metadata = { ...metadata, ...contents.metadata };
    for (const [name, tensor] of contents.tensors) {
      if (origin.has(name)) throw new Error(`Tensor ${JSON.stringify(name)} appears in both ${origin.get(name)} and ${file}`);
      origin.set(name, file);
      tensors.set(name, tensor);
    }
  }
  for (const [name, file] of weightMap ?? []) {
    if (origin.get(name) !== file) {
      throw new Error(
        `${join(dir, "model.safetensors.index.json")} lists ${JSON.stringify(name)} in ${file}, but that file does not hold it`,
      );
    }
  }
  return { config, tensors, metadata };
}

/**
 * Saves a model folder that `loadHfModelFolder` reads back: `model.safetensors` then `config.json`,
 * each written atomically. Creates the folder if needed.
 */
export async function saveModelFolder(
  dir: string,
  checkpoint: { config: Record<string, unknown>; tensors: TensorsByName; metadata?: Record<string, string> },
): Promise<void> {
  await mkdir(dir, { recursive: true });
  await writeSafetensors(join(dir, "model.safetensors"), checkpoint.tensors, {
    metadata: checkpoint.metadata ?? { format: "pt" },
  });
  await writeFileAtomic(join(dir, "config.json"), Buffer.from(`${JSON.stringify(checkpoint.config, null, 2)}\n`));
}
