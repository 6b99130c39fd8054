/**
 * The dataset task's initial policy: a small decoder-only LM fine-tuned by maximum likelihood on
 * the training split's chosen responses (`<bos> prompt <sep> chosen <eos>`, loss on the response
 * and its end token). It is pi_init, the policy every best-of-n KL is measured from. Trained once
 * per (recipe, spec, tokenizer, training pairs) and cached by a hash of them.
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import { Gpt, hash64, loadModelOfKind, saveModel, type HostTensor, type Runtime } from "@goodhart/engine";
import { nextTokenBatch, trainNextToken } from "../lm-training.ts";
import type { DatasetEncoder } from "./encoder.ts";
import type { DatasetPair } from "./pairs.ts";

export interface SftPolicySpec {
  layers: number;
  dModel: number;
  heads: number;
  steps: number;
  /** Sequences per step. Default 16. */
  batchSize?: number;
  /** Peak learning rate (cosine schedule, 5% warmup). Default 3e-3. */
  lr?: number;
  seed?: number;
}

/** Bump when the recipe changes, so stale cached policies are not reused. */
const RECIPE_VERSION = 1;

function resolved(spec: SftPolicySpec): Required<SftPolicySpec> {
  return { batchSize: 16, lr: 3e-3, seed: 0, ...spec };
}

/** ids, next-token targets, loss weights (1 on the response and its end token) and mask, each (B, T). */
export function sftBatch(encoder: DatasetEncoder, rows: readonly DatasetPair[]): Record<string, HostTensor> {
  const seqs = rows.map((r) => ({ ids: encoder.sequence(r.prompt, r.chosen), promptLen: encoder.promptIds(r.prompt).length }));
  return nextTokenBatch(seqs);
}

/** Cache key of the policy: recipe, spec, tokenizer shape and the training pairs themselves. */
export function sftPolicyHash(encoder: DatasetEncoder, spec: SftPolicySpec, train: readonly DatasetPair[]): string {
  const data = hash64(train.map((p) => `${p.id}\u0000${p.prompt}\u0000${p.chosen}`).join("\u0001"));
  const key = JSON.stringify({
    v: RECIPE_VERSION,
    spec: resolved(spec),
    vocab: encoder.vocabSize,
    limits: encoder.options,
    special: [encoder.bos, encoder.sep, encoder.eos],
    data: data.toString(16),
  });
  return hash64(key).toString(16).padStart(16, "0");
}

export interface CachedSftPolicy {
  model: Gpt;
  cached: boolean;
  hash: string;
  path: string;
  /** Mean loss of the last tenth of the steps (NaN when loaded from the cache). */
  finalLoss: number;
}

/** The SFT policy spec of a study's base-policy block (its size and pretraining steps). */
export function sftSpecOf(
  basePolicy: { layers: number; dModel: number; heads: number; pretrainSteps: number },
  seed?: number,
): SftPolicySpec {
  const spec: SftPolicySpec = {
    layers: basePolicy.layers,
    dModel: basePolicy.dModel,
    heads: basePolicy.heads,
    steps: basePolicy.pretrainSteps,
  };
  return seed === undefined ? spec : { ...spec, seed };
}

/** Loads the SFT policy from `<cacheDir>/dataset-policy/<hash>`, or trains and saves it there. */
export async function loadOrTrainSftPolicy(
  runtime: Runtime,
  encoder: DatasetEncoder,
  spec: SftPolicySpec,
  train: readonly DatasetPair[],
  cacheDir: string,
  options: { signal?: AbortSignal; onStep?: (step: number, total: number, loss: number) => void } = {},
): Promise<CachedSftPolicy> {
  const s = resolved(spec);
  const hash = sftPolicyHash(encoder, s, train);
  const dir = join(cacheDir, "dataset-policy", hash);
  if (existsSync(join(dir, "model.safetensors")) && existsSync(join(dir, "config.json"))) {
    return { model: await loadModelOfKind(dir, "gpt"), cached: true, hash, path: dir, finalLoss: NaN };
  }
  const model = new Gpt(
    { vocab: encoder.vocabSize, maxSeq: encoder.maxSeq, dModel: s.dModel, nHeads: s.heads, nLayers: s.layers },
    { seed: s.seed },
  );
  const finalLoss = await trainNextToken(runtime, model, {
    name: "dataset-sft",
    label: "dataset SFT policy",
    steps: s.steps,
    lr: s.lr,
    seed: s.seed,
    dataStream: "dataset-sft-data",
    batch: (rng) =>
      sftBatch(
        encoder,
        Array.from({ length: s.batchSize }, () => train[rng.int(0, train.length)]!),
      ),
    ...(options.signal ? { signal: options.signal } : {}),
    ...(options.onStep ? { onStep: options.onStep } : {}),
  });
  await saveModel(dir, model);
  return { model, cached: false, hash, path: dir, finalLoss };
}
