/**
 * Registered models as a study's starting point (issue 18). A config names a model folder the lab
 * registered (`goodhart models import`) as `model:<id>` in an init field (basePolicy.init,
 * proxy.init); the lab hands the run the folder through `context.models`, and the kind loads it
 * with the engine's Hugging Face loader.
 *
 * Token ids only mean something under the tokenizer a model was trained with, so a model fits a
 * task only when the task encodes text with that very tokenizer: a dataset task whose
 * `task.dataset.tokenizer` is the model's tokenizer.json. The built-in task speaks its own word
 * vocabulary, which no Hugging Face tokenizer shares, so every model init is refused there.
 */
import { createHash } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { gptConfigFromHf, loadHfModel, resolveGptConfig, type Gpt, type ResolvedGptConfig, type Tokenizer } from "@goodhart/engine";
import type { BonStudyConfig } from "../kinds/bon-study/schema.ts";
import { modelIdOf, type ModelRef } from "../kinds/common-fields.ts";
import { assertStudyFits, datasetModelPhases } from "./memory-check.ts";
import type { ExperimentContext } from "./sink.ts";

export { modelIdOf, type ModelRef };

/** What the lab tells a run about a registered model folder. */
export interface ModelFolderRef {
  id: number;
  name: string;
  /** The folder: config.json, model.safetensors (or its sharded index), tokenizer.json. */
  path: string;
  /** The lab's fingerprint of the folder (config.json and the safetensors headers), when known. */
  fingerprint?: string;
}

/** The lab's registered model folders, by id (the service sends the ones a job's config names). */
export interface ModelSource {
  folder(id: number): ModelFolderRef;
}

/** One `model:<id>` a config sets, with the field that sets it. */
export interface ModelInit {
  field: string;
  ref: ModelRef;
  id: number;
}

function valueAt(config: unknown, path: string): unknown {
  let v: unknown = config;
  for (const key of path.split(".")) v = typeof v === "object" && v !== null ? (v as Record<string, unknown>)[key] : undefined;
  return v;
}

/** The model inits among `fields` (dotted paths into the config) that name a registered model. */
export function modelInits(config: unknown, fields: readonly string[]): ModelInit[] {
  return fields.flatMap((field) => {
    const ref = valueAt(config, field);
    const id = modelIdOf(ref);
    return id === null ? [] : [{ field, ref: ref as ModelRef, id }];
  });
}

/** The folder a model init names, or an error naming the field when the lab did not provide it. */
export function modelFolderFor(study: string, init: ModelInit, context: Pick<ExperimentContext, "models">): ModelFolderRef {
  if (!context.models)
    throw new Error(
      `${study}: ${init.field} = ${init.ref} needs the lab's registered models, and this runner provides none (run it through the lab: goodhart run or the app)`,
    );
  return context.models.folder(init.id);
}

const label = (init: ModelInit, folder?: ModelFolderRef) => (folder ? `${init.ref} (${folder.name}, ${folder.path})` : init.ref);

/**
 * Refuses, before any work, a model init on the built-in task: its word vocabulary is the task's
 * own, so no registered model's token ids mean the same words. Says what fits instead.
 */
export function refuseModelInitsOnBuiltinTask(
  study: string,
  config: unknown,
  fields: readonly string[],
  context: Pick<ExperimentContext, "models">,
): void {
  const [init] = modelInits(config, fields);
  if (!init) return;
  let folder: ModelFolderRef | undefined;
  try {
    folder = context.models?.folder(init.id);
  } catch {
    folder = undefined; // the refusal below names the id either way
  }
  throw new Error(
    `${study}: ${init.field} = ${label(init, folder)} does not fit the built-in task: the task encodes text with its own word vocabulary, ` +
      `which the model's tokenizer does not share, so its token ids would mean other words. A registered model fits a best-of-n study ` +
      `on an imported dataset (task.kind "dataset") whose task.dataset.tokenizer is the model's tokenizer.json` +
      (folder ? ` (${join(folder.path, "tokenizer.json")})` : "") +
      `; here leave ${init.field} out (or "${init.field.endsWith("proxy.init") ? "pretrained" : "builtin"}").`,
  );
}

function sha256(file: string): string {
  return createHash("sha256").update(readFileSync(file)).digest("hex");
}

/**
 * Refuses a model whose tokenizer is not the dataset task's: `tokenizer` (task.dataset.tokenizer,
 * "byte" or a tokenizer.json path) must be a file with the same bytes as the model's tokenizer.json.
 */
export function assertDatasetTokenizerFits(study: string, init: ModelInit, folder: ModelFolderRef, tokenizer: string): void {
  const own = join(folder.path, "tokenizer.json");
  if (!existsSync(own))
    throw new Error(
      `${study}: ${init.field} = ${label(init, folder)} has no tokenizer.json, so the dataset task cannot encode text the way the model reads it`,
    );
  const same = tokenizer !== "byte" && existsSync(tokenizer) && sha256(tokenizer) === sha256(own);
  if (!same)
    throw new Error(
      `${study}: ${init.field} = ${label(init, folder)} reads token ids of its own tokenizer, but task.dataset.tokenizer is ` +
        `${JSON.stringify(tokenizer)}; set task.dataset.tokenizer to ${JSON.stringify(own)} so the task encodes text as the model does`,
    );
}

/** The registered models a dataset-task best-of-n study starts from, loaded (see DatasetModelStarts). */
export interface LoadedModelStarts {
  policy?: { model: Gpt; label: string; path: string; hash: string };
  proxyTrunk?: { model: Gpt; label: string };
  /** The model's tokenizer as its folder defines it (tokenizer.json plus the special tokens of its config files). */
  tokenizer?: Tokenizer;
}

/**
 * The tokenizer with the end-of-text and start ids of the model's config.json where
 * tokenizer_config.json named none (a folder without one, like many small GPT-2 saves): the ids
 * the model was trained to end and start text with.
 */
function withConfigSpecialTokens(tokenizer: Tokenizer, hfConfig: unknown): Tokenizer {
  const c = (typeof hfConfig === "object" && hfConfig !== null ? hfConfig : {}) as Record<string, unknown>;
  const id = (v: unknown) => (Number.isInteger(v) && (v as number) >= 0 && (v as number) < tokenizer.vocabSize ? (v as number) : undefined);
  const eos = tokenizer.special.eos ?? id(c.eos_token_id);
  const bos = tokenizer.special.bos ?? id(c.bos_token_id);
  if (eos === tokenizer.special.eos && bos === tokenizer.special.bos) return tokenizer;
  const special = { ...tokenizer.special, ...(eos !== undefined ? { eos } : {}), ...(bos !== undefined ? { bos } : {}) };
  return {
    vocabSize: tokenizer.vocabSize,
    special,
    encode: (text, options) => tokenizer.encode(text, options),
    decode: (ids, options) => tokenizer.decode(ids, options),
    encodeBatch: (texts, options) => tokenizer.encodeBatch(texts, options),
  };
}

/** A model folder's config.json as the engine reads it (no weights). */
export function modelFolderConfig(folder: ModelFolderRef): ResolvedGptConfig {
  const file = join(folder.path, "config.json");
  return resolveGptConfig(gptConfigFromHf(JSON.parse(readFileSync(file, "utf8")), file).config);
}

/**
 * Checks and loads the registered models a dataset-task study names (basePolicy.init as pi_init,
 * proxy.init as every proxy's trunk), refusing before any weights are read when the tokenizer, the
 * sequence length or a proxy size does not fit the model, or the models will not fit in memory.
 */
export async function loadDatasetModelStarts(study: BonStudyConfig, context: ExperimentContext): Promise<LoadedModelStarts> {
  const inits = modelInits(study, ["basePolicy.init", "proxy.init"]);
  if (inits.length === 0) return {};
  const d = study.task.dataset!;
  const seq = d.maxPromptTokens + d.maxResponseTokens + 3; // DatasetEncoder.maxSeq
  const planned: { init: ModelInit; folder: ModelFolderRef; config: ResolvedGptConfig }[] = [];
  for (const init of inits) {
    const folder = modelFolderFor(study.name, init, context);
    assertDatasetTokenizerFits(study.name, init, folder, d.tokenizer);
    const config = modelFolderConfig(folder);
    if (seq > config.maxSeq)
      throw new Error(
        `${study.name}: ${init.field} = ${label(init, folder)} reads at most ${config.maxSeq} positions; task.dataset.maxPromptTokens + maxResponseTokens + 3 = ${seq}; lower them`,
      );
    if (init.field === "proxy.init") {
      study.proxySizes.forEach((s, i) => {
        if (s.layers !== config.nLayers || s.dModel !== config.dModel || s.heads !== config.nHeads)
          throw new Error(
            `${study.name}: proxy.init = ${label(init, folder)} is ${config.nLayers} layers x d${config.dModel} x ${config.nHeads} heads; ` +
              `proxySizes[${i}] "${s.name}" is ${s.layers} x d${s.dModel} x ${s.heads}: every proxy size must be the model's shape when proxies start from it`,
          );
      });
    }
    planned.push({ init, folder, config });
  }
  assertStudyFits(study.name, datasetModelPhases(study, planned, seq), context.runtime.device);
  const starts: LoadedModelStarts = {};
  // One load per folder: pi_init is only read, and a proxy copies the trunk before training.
  const loaded = new Map<number, Awaited<ReturnType<typeof loadHfModel>>>();
  for (const { init, folder } of planned) {
    const hf = loaded.get(init.id) ?? (await loadHfModel(folder.path));
    loaded.set(init.id, hf);
    const { model, tokenizer, hfConfig } = hf;
    if (tokenizer) starts.tokenizer ??= withConfigSpecialTokens(tokenizer, hfConfig);
    const name = `${init.ref} (${folder.name})`;
    if (init.field === "basePolicy.init") starts.policy = { model, label: name, path: folder.path, hash: folder.fingerprint ?? init.ref };
    else starts.proxyTrunk = { model, label: name };
    context.sink.log(`${init.field}: ${name} loaded from ${folder.path}`);
  }
  return starts;
}
