/**
 * The built-in task's base (initial) policy: a tiny decoder-only transformer pretrained by maximum
 * likelihood on the task's true generator, `<bos> prompt <sep> completion <eos>`, loss on the
 * completion and its end token only. Fresh samples every step (the generator is an infinite data
 * source), so the policy learns the generator's distribution, disfluencies included: that is the
 * pi_init every KL is measured from. Pretrained once per config and cached by a hash of it.
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import { Gpt, loadModelOfKind, saveModel, type GptConfig, type HostTensor, type Runtime } from "@goodhart/engine";
import { hash64 } from "@goodhart/engine";
import { nextTokenBatch, trainNextToken } from "./lm-training.ts";
import type { BuiltinTask } from "./task.ts";
import type { TaskPrompt } from "./prompts.ts";
import { WordTokenizer } from "./word-tokenizer.ts";

/** What decides the base policy (and so its cache key). */
export interface BasePolicySpec {
  layers: number;
  dModel: number;
  heads: number;
  pretrainSteps: number;
  /** Sequences per step. Default 32. */
  batchSize?: number;
  /** Peak learning rate (cosine schedule, 5% warmup). Default 3e-3. */
  lr?: number;
  /** Position table size; prompt + completion must fit. Default 64. */
  maxSeq?: number;
  /** Seed of the weights and of the pretraining data. Default 0. */
  seed?: number;
}

/** Completions are cut at this many words when sampled from the policy (the generator stays below). */
export const MAX_COMPLETION_TOKENS = 40;

/** Bump when the pretraining recipe changes, so stale cached policies are not reused. */
// 2: parameter initialisation draws from the project Rng (xoshiro128**), no longer sfc32.
const RECIPE_VERSION = 2;

function resolved(spec: BasePolicySpec): Required<BasePolicySpec> {
  return { batchSize: 32, lr: 3e-3, maxSeq: 64, seed: 0, ...spec };
}

/** The Gpt config of the base policy over a tokenizer's vocabulary. */
export function basePolicyGptConfig(spec: BasePolicySpec, vocab: number): GptConfig {
  const s = resolved(spec);
  return { vocab, maxSeq: s.maxSeq, dModel: s.dModel, nHeads: s.heads, nLayers: s.layers };
}

/**
 * Cache key: the recipe, the policy config, the vocabulary and the task's training prompts, so a
 * cached policy is reused only when pretraining would produce the same weights.
 */
export function basePolicyHash(task: BuiltinTask, spec: BasePolicySpec): string {
  const key = JSON.stringify({
    v: RECIPE_VERSION,
    spec: resolved(spec),
    vocab: task.vocabulary,
    train: task.prompts.train.map((p) => p.text),
  });
  return hash64(key).toString(16).padStart(16, "0");
}

/** One pretraining batch: ids, next-token targets and loss weights (1 on completion + eos), each (B, T). */
export function pretrainBatch(
  tokenizer: WordTokenizer,
  rows: { prompt: TaskPrompt; completion: readonly string[] }[],
  maxSeq: number,
): Record<string, HostTensor> {
  const seqs = rows.map(({ prompt, completion }) => {
    const ids = tokenizer.sequenceIds(prompt.words, completion.slice(0, MAX_COMPLETION_TOKENS));
    return { ids: ids.slice(0, maxSeq + 1), promptLen: prompt.words.length + 2 };
  });
  return nextTokenBatch(seqs);
}

export interface PretrainOptions {
  /** Called after every step (1-based) with the loss. */
  onStep?: (step: number, total: number, loss: number) => void;
  signal?: AbortSignal;
}

/** Pretrains a new base policy on fresh generator samples for `spec.pretrainSteps` steps. */
export async function pretrainBasePolicy(
  runtime: Runtime,
  task: BuiltinTask,
  tokenizer: WordTokenizer,
  spec: BasePolicySpec,
  options: PretrainOptions = {},
): Promise<Gpt> {
  const s = resolved(spec);
  const model = new Gpt(basePolicyGptConfig(s, tokenizer.vocabSize), { seed: s.seed });
  const prompts = task.prompts.train;
  await trainNextToken(runtime, model, {
    name: "base-policy-pretrain",
    label: "base policy pretraining",
    steps: s.pretrainSteps,
    lr: s.lr,
    seed: s.seed,
    dataStream: "base-policy-data",
    // Fresh generator samples every step: the prompt, then its completion, from the data stream.
    batch: (rng) =>
      pretrainBatch(
        tokenizer,
        Array.from({ length: s.batchSize }, () => {
          const prompt = prompts[rng.int(0, prompts.length)]!;
          return { prompt, completion: task.sampleCompletion(rng, prompt) };
        }),
        s.maxSeq,
      ),
    ...(options.signal ? { signal: options.signal } : {}),
    ...(options.onStep ? { onStep: options.onStep } : {}),
  });
  return model;
}

export interface CachedPolicy {
  model: Gpt;
  /** True when the policy was loaded from the cache rather than pretrained now. */
  cached: boolean;
  hash: string;
  /** Folder holding model.safetensors + config.json. */
  path: string;
}

/**
 * Loads the base policy for `spec` from `<cacheDir>/base-policy/<hash>`, or pretrains it and saves
 * it there (atomically) for the next run.
 */
export async function loadOrPretrainBasePolicy(
  runtime: Runtime,
  task: BuiltinTask,
  tokenizer: WordTokenizer,
  spec: BasePolicySpec,
  cacheDir: string,
  options: PretrainOptions = {},
): Promise<CachedPolicy> {
  const hash = basePolicyHash(task, spec);
  const dir = join(cacheDir, "base-policy", hash);
  if (existsSync(join(dir, "model.safetensors")) && existsSync(join(dir, "config.json"))) {
    const model = await loadModelOfKind(dir, "gpt");
    if (model.config.vocab !== tokenizer.vocabSize)
      throw new Error(
        `${dir}: cached policy has vocabulary ${model.config.vocab}, the task tokenizer ${tokenizer.vocabSize}; delete the folder`,
      );
    return { model, cached: true, hash, path: dir };
  }
  const model = await pretrainBasePolicy(runtime, task, tokenizer, spec, options);
  await saveModel(dir, model);
  return { model, cached: false, hash, path: dir };
}
