import { input } from "../ir/tensor.ts";
import type { Runtime } from "../runtime/runtime.ts";
import { checkVocab, padTokens } from "./batch-tensors.ts";
import type { RewardEnsemble } from "./ensemble.ts";
import type { RewardModel } from "./reward-model.ts";
import type { ProjectionDelta } from "./trunk.ts";

export interface ScoreOptions {
  /** Sequences per program run. Default 64. */
  batchSize?: number;
  /** Padding id (masked out). Default 0. */
  padToken?: number;
}

/** Options for a single reward model, which may carry a LoRA adapter (e.g. DMoERM experts). */
export interface RewardScoreOptions extends ScoreOptions {
  lora?: ProjectionDelta;
}

/** Runs `scores` over many sequences, batching rows of similar length; returns (members, N). */
async function scoreRows(
  runtime: Runtime,
  model: RewardModel | RewardEnsemble,
  sequences: readonly (readonly number[])[],
  options: RewardScoreOptions,
): Promise<Float32Array[]> {
  const batchSize = options.batchSize ?? 64;
  const pad = options.padToken ?? 0;
  checkVocab(sequences, model.config.vocab, `${model.kind} scoring`);
  sequences.forEach((s, i) => {
    if (s.length === 0) throw new Error(`${model.kind} scoring: sequence ${i} is empty`);
    if (s.length > model.config.maxSeq)
      throw new Error(`${model.kind} scoring: sequence ${i} has ${s.length} tokens, more than maxSeq ${model.config.maxSeq}`);
  });
  const ids = input("ids", "int64", ["batch", "seq"]);
  const mask = input("mask", "bool", ["batch", "seq"]);
  if (options.lora && model.kind !== "reward-model") throw new Error("ensembleScores: LoRA adapters apply to a single RewardModel");
  const scores = model.kind === "reward-model" ? model.scores(ids, mask, { lora: options.lora }) : model.scores(ids, mask); // (B,) or (k, B)
  const k = scores.rank === 1 ? 1 : (scores.shape[0] as number);
  const session = await runtime.session({ name: `${model.kind}-scores`, outputs: { scores } });
  const params = { ...model.store.feeds(), ...options.lora?.feeds() };
  const result = Array.from({ length: k }, () => new Float32Array(sequences.length));
  const order = sequences.map((_, i) => i).sort((a, b) => sequences[a]!.length - sequences[b]!.length);
  for (let start = 0; start < order.length; start += batchSize) {
    const rows = order.slice(start, start + batchSize);
    const batch = padTokens(
      rows.map((r) => sequences[r]!),
      pad,
      "right",
    );
    const out = (await session.run({ ...params, ids: batch.ids, mask: batch.mask })).scores!.data as Float32Array; // (k, B) row-major
    for (let m = 0; m < k; m++) rows.forEach((r, b) => (result[m]![r] = out[m * rows.length + b]!));
  }
  return result;
}

/** Scores sequences (token ids, no padding) with a reward model: one reward per sequence. */
export async function rewardScores(
  runtime: Runtime,
  model: RewardModel,
  sequences: readonly (readonly number[])[],
  options: RewardScoreOptions = {},
): Promise<Float32Array> {
  return (await scoreRows(runtime, model, sequences, options))[0]!;
}

/** Scores sequences with every ensemble member: k arrays of one reward per sequence. */
export async function ensembleScores(
  runtime: Runtime,
  model: RewardEnsemble,
  sequences: readonly (readonly number[])[],
  options: ScoreOptions = {},
): Promise<Float32Array[]> {
  return scoreRows(runtime, model, sequences, options);
}
