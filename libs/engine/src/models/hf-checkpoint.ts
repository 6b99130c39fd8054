import { existsSync } from "node:fs";
import { copyFile } from "node:fs/promises";
import { join } from "node:path";
import { loadHfModelFolder, saveModelFolder } from "../checkpoints/model-folder.ts";
import type { Float32Tensor } from "../checkpoints/safetensors-read.ts";
import type { StoredTensor } from "../checkpoints/tensor.ts";
import type { HfTokenizer } from "../tokenizers/hf-tokenizer.ts";
import { loadHfTokenizerFromFolder } from "../tokenizers/hf-tokenizer.ts";
import type { ModelPlacement, ResolvedGptConfig } from "./gpt.ts";
import { Gpt, resolveGptConfig } from "./gpt.ts";
import type { HfArchitecture } from "./hf-config.ts";
import { gptConfigFromHf, hfConfigFromGpt } from "./hf-config.ts";
import { fromHfLayout, hfHeadName, hfTensorName, isHfBuffer, toHfLayout } from "./hf-weights.ts";
import { RewardModel } from "./reward-model.ts";
import type { InitialValues } from "./trunk.ts";
import { trunkParameterSpecs } from "./trunk.ts";

type Json = Record<string, unknown>;

/** A Hugging Face model folder loaded as a Gpt. */
export interface HfModel {
  architecture: HfArchitecture;
  /** config.json as read; {@link saveHfModel} writes it back unchanged. */
  hfConfig: Json;
  model: Gpt;
  /** From `tokenizer.json` (or GPT-2's vocab.json + merges.txt); undefined when the folder has none. */
  tokenizer: HfTokenizer | undefined;
}

/** Our parameter names (no prefix) of a Gpt with this config, with their shapes. */
function gptParameterShapes(c: ResolvedGptConfig): Map<string, number[]> {
  const shapes = new Map(trunkParameterSpecs(c).map((s) => [s.name, s.shape]));
  if (!c.tiedHead) shapes.set("head.weight", [c.dModel, c.vocab]);
  return shapes;
}

/**
 * Checkpoint tensors -> our parameter values by name (no prefix), in our layout. Every parameter
 * must be present with its shape; a tensor that is neither a parameter nor a known buffer is
 * refused, and so is a stored tied head that differs from the embedding.
 */
function parametersFromHf(
  architecture: HfArchitecture,
  c: ResolvedGptConfig,
  tensors: Map<string, Float32Tensor>,
  source: string,
): { values: Map<string, Float32Array>; trunkOnly: Set<string> } {
  // A bare GPT2Model save names its tensors without the `transformer.` prefix.
  const bare = architecture === "gpt2" && !tensors.has("transformer.wte.weight") && tensors.has("wte.weight");
  const lookup = (hf: string) => tensors.get(bare && hf.startsWith("transformer.") ? hf.slice("transformer.".length) : hf);
  const values = new Map<string, Float32Array>();
  const used = new Set<string>();
  for (const [name, shape] of gptParameterShapes(c)) {
    const { hf, layout } = hfTensorName(architecture, name);
    const t = lookup(hf);
    if (!t) throw new Error(`${source}: tensor ${JSON.stringify(hf)} is missing (needed for ${name})`);
    const hfShape = toHfLayout(layout, new Float32Array(0), shape, c).shape;
    if (t.shape.join(",") !== hfShape.join(","))
      throw new Error(`${source}: tensor ${JSON.stringify(hf)} has shape [${t.shape}], config.json implies [${hfShape}]`);
    values.set(name, fromHfLayout(layout, t.data, t.shape, c));
    used.add(bare ? hf.replace(/^transformer\./, "") : hf);
  }
  const head = hfHeadName(architecture);
  for (const [name, t] of tensors) {
    if (used.has(name) || isHfBuffer(architecture, name)) continue;
    if (name === head && c.tiedHead) {
      const tok = values.get("tok.weight")!;
      if (t.data.length !== tok.length || t.data.some((v, i) => !Object.is(v, tok[i])))
        throw new Error(`${source}: ${head} differs from the token embedding, but config.json ties them (tie_word_embeddings)`);
      continue;
    }
    throw new Error(`${source}: tensor ${JSON.stringify(name)} is not part of a ${architecture} model with this config.json`);
  }
  return { values, trunkOnly: new Set([...values.keys()].filter((n) => n !== "head.weight")) };
}

function initialFrom(values: Map<string, Float32Array>, prefix: string, keep?: Set<string>): InitialValues {
  return (name) => {
    if (!name.startsWith(prefix)) return undefined;
    const own = name.slice(prefix.length);
    return !keep || keep.has(own) ? values.get(own) : undefined;
  };
}

async function readFolder(dir: string): Promise<{
  architecture: HfArchitecture;
  hfConfig: Json;
  config: ResolvedGptConfig;
  values: Map<string, Float32Array>;
  trunkOnly: Set<string>;
}> {
  const folder = await loadHfModelFolder(dir, { float32: true });
  const { architecture, config } = gptConfigFromHf(folder.config, join(dir, "config.json"));
  const c = resolveGptConfig(config);
  const source = existsSync(join(dir, "model.safetensors")) ? join(dir, "model.safetensors") : join(dir, "model.safetensors.index.json");
  return { architecture, hfConfig: folder.config, config: c, ...parametersFromHf(architecture, c, folder.tensors, source) };
}

/**
 * Loads a Hugging Face GPT-2, GPT-NeoX/Pythia or Llama folder (`config.json`, `model.safetensors`
 * or sharded `model.safetensors.index.json`, `tokenizer.json`) as a Gpt. The checkpoint's values
 * go straight into the parameter store (nothing is randomly initialised first); any float dtype is
 * read as float32.
 */
export async function loadHfModel(dir: string, placement: Omit<ModelPlacement, "initial"> = {}): Promise<HfModel> {
  const { architecture, hfConfig, config, values } = await readFolder(dir);
  const model = new Gpt(config, { ...placement, initial: initialFrom(values, placement.prefix ?? "") });
  const hasTokenizer = existsSync(join(dir, "tokenizer.json")) || existsSync(join(dir, "vocab.json"));
  return { architecture, hfConfig, model, tokenizer: hasTokenizer ? loadHfTokenizerFromFolder(dir) : undefined };
}

/**
 * A reward model whose trunk starts from a Hugging Face LM checkpoint (the usual RLHF
 * initialisation); the LM head is dropped and the scalar `score_head` is freshly initialised.
 */
export async function loadHfRewardModel(
  dir: string,
  placement: Omit<ModelPlacement, "initial"> = {},
): Promise<{ architecture: HfArchitecture; model: RewardModel }> {
  const { architecture, config, values, trunkOnly } = await readFolder(dir);
  const model = new RewardModel(config, { ...placement, initial: initialFrom(values, placement.prefix ?? "", trunkOnly) });
  return { architecture, model };
}

/**
 * Saves a Gpt in the Hugging Face layout of `architecture`: `model.safetensors` with the
 * architecture's tensor names and layouts (float32; a tied head is not stored) and `config.json`
 * (`hfConfig` unchanged when given, after checking that it describes this model; otherwise one
 * written from the model's config). `tokenizerFrom` copies that folder's tokenizer files.
 */
export async function saveHfModel(
  dir: string,
  model: Gpt,
  options: { architecture: HfArchitecture; hfConfig?: Json; tokenizerFrom?: string },
): Promise<void> {
  const c = model.config;
  const { architecture } = options;
  let hfConfig: Json;
  if (options.hfConfig) {
    const described = gptConfigFromHf(options.hfConfig, "saveHfModel hfConfig");
    const same =
      described.architecture === architecture &&
      JSON.stringify(resolveGptConfig({ ...described.config, dropout: c.dropout })) === JSON.stringify(c);
    if (!same)
      throw new Error(
        `saveHfModel: hfConfig describes a different model than the one being saved (${architecture}); pass the model's own config.json or none`,
      );
    hfConfig = options.hfConfig;
  } else {
    hfConfig = hfConfigFromGpt(architecture, c);
  }
  const tensors = new Map<string, StoredTensor>();
  for (const [name, shape] of gptParameterShapes(c)) {
    const { hf, layout } = hfTensorName(architecture, name);
    const { data, shape: hfShape } = toHfLayout(layout, model.store.get(`${model.prefix}${name}`).value, shape, c);
    tensors.set(hf, { dtype: "F32", shape: hfShape, data });
  }
  await saveModelFolder(dir, { config: hfConfig, tensors, metadata: { format: "pt" } });
  if (options.tokenizerFrom) {
    for (const file of ["tokenizer.json", "tokenizer_config.json", "special_tokens_map.json", "vocab.json", "merges.txt"]) {
      const from = join(options.tokenizerFrom, file);
      if (existsSync(from)) await copyFile(from, join(dir, file));
    }
  }
}
