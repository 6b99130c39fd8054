// Registered model folders: a Hugging Face checkpoint folder (config.json, model.safetensors or its
// sharded index, tokenizer.json or vocab.json + merges.txt) recorded in the models table, so runs
// can start a policy or a reward model from it. Registering reads only config.json, the tokenizer's
// presence and the safetensors headers; the weights are loaded when a run needs them.
import { createHash, randomBytes } from "node:crypto";
import { copyFileSync, existsSync, mkdirSync, openSync, readFileSync, readSync, closeSync, rmSync, statSync } from "node:fs";
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

/** A file of a model folder handed over one by one (a browser cannot upload a folder): its name in the folder and where it is now. */
export interface ModelFile {
  name: string;
  path: string;
}

/** Names a model folder's files may have: no folders, nothing hidden. */
const MODEL_FILE_NAME = /^[\w-][\w.-]*$/;

/**
 * Registers a model folder handed over as its files (config.json, model.safetensors or the shards
 * and their index, tokenizer.json, ...): they are copied into `<dataDir>/models/<name>-<random>/`,
 * a folder the lab owns (uploads are temporary, and a run loads the weights long after), then
 * registered like any folder. A set the engine cannot run is refused and nothing is kept; the same
 * files again return the model registered from them before.
 */
export function registerModelFiles(
  store: LabStore,
  dataDir: string,
  files: readonly ModelFile[],
  name?: string,
): { model: RegisteredModel; created: boolean } {
  const seen = new Set<string>();
  for (const f of files) {
    if (!MODEL_FILE_NAME.test(f.name)) throw new Error(`model file name "${f.name}" must be a plain file name (letters, digits, . - _)`);
    if (seen.has(f.name)) throw new Error(`model file "${f.name}" was given twice`);
    seen.add(f.name);
  }
  if (!seen.has("config.json"))
    throw new Error(
      `the dropped files (${[...seen].join(", ")}) have no config.json; drop the model folder's files together: config.json, model.safetensors (or its shards and model.safetensors.index.json) and tokenizer.json`,
    );
  const label = (name ?? "").trim() || modelNameFromConfig(files) || "model";
  const slug = label.replace(/[^\w.-]+/g, "_").slice(0, 60);
  const dir = path.join(dataDir, "models", `${slug}-${randomBytes(4).toString("hex")}`);
  mkdirSync(dir, { recursive: true });
  try {
    for (const f of files) copyFileSync(f.path, path.join(dir, f.name));
    const info = inspectModelFolder(dir);
    const root = path.resolve(dataDir, "models");
    const earlier = store.models
      .list()
      .find((m) => m.kind === HF_MODEL_KIND && m.hash === info.fingerprint && m.name === label && m.path?.startsWith(root + path.sep));
    if (earlier) {
      rmSync(dir, { recursive: true, force: true });
      return { model: toRegistered(earlier), created: false };
    }
    return registerModelFolder(store, dir, label);
  } catch (err) {
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
}

/** The checkpoint's own name when its config.json says (`_name_or_path`), for a model dropped without a name. */
function modelNameFromConfig(files: readonly ModelFile[]): string | null {
  const config = files.find((f) => f.name === "config.json");
  try {
    const n = (JSON.parse(readFileSync(config!.path, "utf8")) as { _name_or_path?: unknown })._name_or_path;
    return typeof n === "string" && n.trim() ? path.basename(n.trim()) : null;
  } catch {
    return null; // inspectModelFolder names what is wrong with config.json
  }
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
export function modelsHandlers(store: LabStore, dataDir: string) {
  return {
    list: async (): Promise<ModelDto[]> => listModelFolders(store),
    import: async (raw: unknown): Promise<ModelDto> => {
      const input = raw as LabInput<"models", "import">;
      try {
        if (input.files && input.path) throw new Error("models.import takes a folder path or its files, not both");
        if (input.files) return registerModelFiles(store, dataDir, input.files, input.name).model;
        if (!input.path) throw new Error("models.import needs the folder's path or its files");
        return registerModelFolder(store, input.path, input.name).model;
      } catch (e) {
        throw new LabValidationError(e instanceof Error ? e.message : String(e));
      }
    },
    initChoices: async () => modelInitChoices(store),
  };
}
