// Registered model folders: a Hugging Face checkpoint folder (config.json, model.safetensors or its
// sharded index, tokenizer.json or vocab.json + merges.txt) recorded in the models table, so runs
// can start a policy or a reward model from it. Registering reads only config.json, the tokenizer's
// presence and the safetensors headers; the weights are loaded when a run needs them.
import { createHash } from "node:crypto";
import { existsSync, openSync, readFileSync, readSync, closeSync, statSync } from "node:fs";
import path from "node:path";
import type { HfArchitecture } from "@goodhart/engine";
import { describeMemoryPlan, gptConfigFromHf, gptParamCount, planMemory, resolveGptConfig } from "@goodhart/engine";
import type { JsonObject, LabStore, Model } from "@goodhart/storage";
import { LabValidationError } from "../shared/errors.ts";
import type { LabInput, ModelDto } from "../shared/lab-api.ts";

/** The models-table kind of a registered Hugging Face folder. */
export const HF_MODEL_KIND = "hf-lm";

/** What the Models panel and `goodhart models list` show about one registered folder. */
export interface ModelFolderInfo {
  path: string;
  architecture: HfArchitecture;
  parameters: number;
  vocab: number;
  dModel: number;
  nLayers: number;
  nHeads: number;
  maxSeq: number;
  /** Which tokenizer files the folder has, or null when it has none (runs then need token ids). */
  tokenizer: "tokenizer.json" | "vocab.json + merges.txt" | null;
  weightFiles: string[];
  weightBytes: number;
  /** sha256 of config.json and every weight file's safetensors header: the tensors' names, shapes and dtypes. */
  fingerprint: string;
  /** Estimated memory of full training, LoRA training (batch 4 x min(128, maxSeq)) and sampling, in bytes. */
  memory: { fullTrain: number; loraTrain: number; inference: number; fullTrainSummary: string };
}

export interface RegisteredModel extends ModelFolderInfo {
  id: number;
  name: string;
  createdAt: string;
}

function readJson(file: string): unknown {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (err) {
    throw new Error(`${file}: cannot read (${(err as NodeJS.ErrnoException).code ?? String(err)})`);
  }
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new Error(`${file}: not valid JSON (${(err as Error).message})`);
  }
}

/** The 8-byte length and JSON header of a safetensors file, without reading its tensors. */
function safetensorsHeader(file: string): Buffer {
  const fd = openSync(file, "r");
  try {
    const len = Buffer.alloc(8);
    if (readSync(fd, len, 0, 8, 0) !== 8) throw new Error(`${file}: shorter than a safetensors header`);
    const n = Number(len.readBigUInt64LE(0));
    if (n <= 0 || n > 100 * 2 ** 20 || n + 8 > statSync(file).size)
      throw new Error(`${file}: header length ${n} does not fit the file; not a safetensors file`);
    const header = Buffer.alloc(n);
    readSync(fd, header, 0, n, 8);
    JSON.parse(header.toString("utf8"));
    return Buffer.concat([len, header]);
  } catch (err) {
    if (err instanceof SyntaxError) throw new Error(`${file}: safetensors header is not valid JSON`);
    throw err;
  } finally {
    closeSync(fd);
  }
}

function weightFiles(dir: string): string[] {
  if (existsSync(path.join(dir, "model.safetensors"))) return ["model.safetensors"];
  const indexFile = path.join(dir, "model.safetensors.index.json");
  if (existsSync(indexFile)) {
    const index = readJson(indexFile) as { weight_map?: Record<string, string> };
    if (!index.weight_map || typeof index.weight_map !== "object") throw new Error(`${indexFile}: no "weight_map" object`);
    const shards = [...new Set(Object.values(index.weight_map))].sort();
    for (const s of shards) if (!existsSync(path.join(dir, s))) throw new Error(`${indexFile}: shard "${s}" is missing from ${dir}`);
    return shards;
  }
  throw new Error(`${dir}: no model.safetensors or model.safetensors.index.json (only safetensors checkpoints are read)`);
}

/** Reads what a model folder is, refusing with the file and field named when the engine cannot run it. */
export function inspectModelFolder(dir: string): ModelFolderInfo {
  const folder = path.resolve(dir);
  if (!existsSync(folder) || !statSync(folder).isDirectory()) throw new Error(`${folder}: not a folder`);
  const configFile = path.join(folder, "config.json");
  if (!existsSync(configFile))
    throw new Error(`${folder}: no config.json (a Hugging Face model folder has config.json, model.safetensors and tokenizer.json)`);
  const { architecture, config } = gptConfigFromHf(readJson(configFile) as never, configFile);
  const c = resolveGptConfig(config);
  const files = weightFiles(folder);
  const hash = createHash("sha256").update(readFileSync(configFile));
  let weightBytes = 0;
  for (const f of files) {
    const full = path.join(folder, f);
    hash.update(f).update(safetensorsHeader(full));
    weightBytes += statSync(full).size;
  }
  const tokenizer = existsSync(path.join(folder, "tokenizer.json"))
    ? "tokenizer.json"
    : existsSync(path.join(folder, "vocab.json")) && existsSync(path.join(folder, "merges.txt"))
      ? "vocab.json + merges.txt"
      : null;
  const seq = Math.min(128, c.maxSeq);
  const full = planMemory(c, { mode: "full", batch: 4, seq, update: "host" });
  return {
    path: folder,
    architecture,
    parameters: gptParamCount(c),
    vocab: c.vocab,
    dModel: c.dModel,
    nLayers: c.nLayers,
    nHeads: c.nHeads,
    maxSeq: c.maxSeq,
    tokenizer,
    weightFiles: files,
    weightBytes,
    fingerprint: hash.digest("hex"),
    memory: {
      fullTrain: full.total,
      loraTrain: planMemory(c, { mode: "lora", batch: 4, seq }).total,
      inference: planMemory(c, { mode: "inference", batch: 4, seq }).total,
      fullTrainSummary: describeMemoryPlan(full),
    },
  };
}

function toRegistered(m: Model): RegisteredModel {
  return { ...(m.config as unknown as ModelFolderInfo), id: m.id, name: m.name, createdAt: m.createdAt, path: m.path ?? "" };
}

/**
 * Registers a model folder (idempotent: the same folder with the same fingerprint returns the
 * existing entry). `name` defaults to the folder's name.
 */
export function registerModelFolder(store: LabStore, dir: string, name?: string): { model: RegisteredModel; created: boolean } {
  const info = inspectModelFolder(dir);
  const existing = store.models.list().find((m) => m.kind === HF_MODEL_KIND && m.path === info.path && m.hash === info.fingerprint);
  if (existing) return { model: toRegistered(existing), created: false };
  const label = (name ?? path.basename(info.path)).trim();
  if (!label) throw new Error("model name must not be empty");
  const model = store.models.create({
    name: label,
    kind: HF_MODEL_KIND,
    path: info.path,
    config: info as unknown as JsonObject,
    hash: info.fingerprint,
  });
  return { model: toRegistered(model), created: true };
}

/** Every registered model folder, oldest first. */
export function listModelFolders(store: LabStore): RegisteredModel[] {
  return store.models
    .list()
    .filter((m) => m.kind === HF_MODEL_KIND)
    .map(toRegistered);
}

/**
 * The choices an experiment form can offer for "initialise the policy / reward model from": the
 * built-in (random or pretrained-on-the-task) start, then every registered folder by id and name.
 */
export function modelInitChoices(store: LabStore): { value: string; label: string }[] {
  return [
    { value: "builtin", label: "built-in task model" },
    ...listModelFolders(store).map((m) => ({
      value: `model:${m.id}`,
      label: `${m.name} (${m.architecture}, ${(m.parameters / 1e6).toFixed(1)}M)`,
    })),
  ];
}

/** The LabApi `models` service, wired in lab-service.ts. A folder the engine cannot run is a validation error naming the file. */
export function modelsHandlers(store: LabStore) {
  return {
    list: async (): Promise<ModelDto[]> => listModelFolders(store),
    import: async (raw: unknown): Promise<ModelDto> => {
      const input = raw as LabInput<"models", "import">;
      try {
        return registerModelFolder(store, input.path, input.name).model;
      } catch (e) {
        throw new LabValidationError(e instanceof Error ? e.message : String(e));
      }
    },
    initChoices: async () => modelInitChoices(store),
  };
}
