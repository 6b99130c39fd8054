/**
 * DMoERM's inner model (Quan 2024, "Recipes of Ensembling Reward Models", section 3): one shared
 * base reward model, one LoRA expert per capability trained on that capability's preference labels,
 * and an MLP over the experts' last-token hidden states trained on overall labels.
 *
 * The three phases, and the published code's defects this implementation avoids:
 *  1. The base is a reward model whose trunk comes from a pretrained LM (`baseRewardModel`: the
 *     weights are copied in and checked, never a random trunk by accident).
 *  2. Each expert = a LoRA adapter on the frozen base **plus its own scalar head**, both trained on
 *     the capability's comparisons with the Bradley-Terry loss (the head is part of the expert's
 *     parameter store, so it is trained, not left at its random init).
 *  3. The experts are frozen; the last-token hidden state of the base under each expert is computed,
 *     the K states are concatenated (K x dModel), and an MLP on them is trained on the overall labels.
 * Train/test separation is the caller's: `trainInnerModel` sees only training comparisons.
 */
import {
  ParameterStore,
  LoraAdapter,
  RewardModel,
  ValueHead,
  cosineSchedule,
  createTrainer,
  dimMul,
  input,
  lastRealToken,
  padTokens,
  readLast,
  type Gpt,
  type HostTensor,
  type LoraConfig,
  type RewardModelConfig,
  type Rng,
  type Runtime,
  type Tensor,
} from "@goodhart/engine";
import { initRewardTrunkFromLm } from "../experiments/reward-init.ts";
import { REWARD_TRAINING_DEFAULTS, type Comparison, type RewardTrainingOptions } from "../experiments/reward-training.ts";

/** A reward model whose trunk is the pretrained LM's (head freshly drawn from `seed`). */
export function baseRewardModel(config: RewardModelConfig, lm: Gpt, seed: number): RewardModel {
  const model = new RewardModel(config, { seed });
  const copied = initRewardTrunkFromLm(model, lm);
  if (copied === 0) throw new Error("DMoERM base: no trunk parameters were copied from the pretrained LM");
  return model;
}

/** A capability expert: a LoRA adapter on the base and its own scalar head, in one store. */
export interface CapabilityExpert {
  capability: string;
  adapter: LoraAdapter;
  head: ValueHead;
  finalLoss: number;
  finalAccuracy: number;
}

/** The base's trunk parameters as feeds (the experts and features never read the base's own head). */
function trunkFeeds(base: RewardModel): Record<string, HostTensor> {
  return Object.fromEntries(Object.entries(base.store.feeds()).filter(([name]) => !name.includes("score_head")));
}

function softplus(x: Tensor): Tensor {
  const abs = x.relu().add(x.neg().relu());
  return x.relu().add(abs.neg().exp().add(1).log());
}

/** Bradley-Terry loss over (2, B) scores, chosen row first; plus the batch accuracy. */
function btLoss(scores: Tensor, centering: number): { loss: Tensor; accuracy: Tensor } {
  const chosen = scores.slice(0, 0, 1).reshape(["batch"]);
  const rejected = scores.slice(0, 1, 2).reshape(["batch"]);
  const diff = chosen.sub(rejected);
  let loss = softplus(diff.neg()).mean();
  if (centering > 0) loss = loss.add(chosen.add(rejected).square().mean().mul(centering));
  return { loss, accuracy: diff.gt(0).cast("float32").mean() };
}

function pairFeeds(batch: readonly Comparison[], pad: number): Record<string, HostTensor> {
  const both = padTokens([...batch.map((p) => p.chosen), ...batch.map((p) => p.rejected)], pad, "right");
  const [rows, T] = both.ids.shape as [number, number];
  return {
    pair_ids: { dtype: "int64", shape: [2, rows / 2, T], data: both.ids.data },
    pair_mask: { dtype: "bool", shape: [2, rows / 2, T], data: both.mask.data },
  };
}

export type ExpertTrainingOptions = RewardTrainingOptions & { lora?: LoraConfig; padToken?: number; signal?: AbortSignal };

/** Steps of a seeded, shuffled pass over `data` in batches, `epochs` times. */
async function trainEpochs<T>(
  data: readonly T[],
  order: Rng,
  epochs: number,
  batchSize: number,
  step: (batch: T[]) => Promise<{ loss: number; accuracy: number }>,
  signal?: AbortSignal,
): Promise<{ finalLoss: number; finalAccuracy: number }> {
  const stepsPerEpoch = Math.ceil(data.length / batchSize);
  let finalLoss = NaN;
  let finalAccuracy = NaN;
  for (let e = 0; e < epochs; e++) {
    const perm = order.permutation(data.length);
    let l = 0;
    let a = 0;
    for (let s = 0; s < stepsPerEpoch; s++) {
      signal?.throwIfAborted();
      const r = await step(perm.slice(s * batchSize, (s + 1) * batchSize).map((i) => data[i]!));
      if (!Number.isFinite(r.loss)) throw new Error(`DMoERM training diverged (loss ${r.loss})`);
      l += r.loss;
      a += r.accuracy;
    }
    finalLoss = l / stepsPerEpoch;
    finalAccuracy = a / stepsPerEpoch;
  }
  return { finalLoss, finalAccuracy };
}

/** Phase 2: trains one capability's LoRA adapter and head on its comparisons; the base stays frozen. */
export async function trainCapabilityExpert(
  runtime: Runtime,
  base: RewardModel,
  capability: string,
  data: readonly Comparison[],
  init: { seed: number; order: Rng },
  options: ExpertTrainingOptions = {},
): Promise<CapabilityExpert> {
  const o = { ...REWARD_TRAINING_DEFAULTS, ...options };
  if (data.length === 0) throw new RangeError(`DMoERM expert '${capability}': no comparisons to train on`);
  const adapter = new LoraAdapter(base, `expert-${capability.replace(/[^\w-]/g, "_")}`, { rank: 4, ...options.lora, seed: init.seed });
  const head = new ValueHead(adapter.store, base.config.dModel, `expert_head`);
  const ids = input("pair_ids", "int64", [2, "batch", "seq"]);
  const mask = input("pair_mask", "bool", [2, "batch", "seq"]);
  const rows = dimMul(2, "batch");
  const flatMask = mask.reshape([rows, "seq"]);
  const { hidden } = base.trunk.forward(ids.reshape([rows, "seq"]), { mask: flatMask, lora: adapter });
  const scores = readLast(head.values(hidden), flatMask).reshape([2, "batch"]);
  const { loss, accuracy } = btLoss(scores, o.centering);
  const total = Math.ceil(data.length / o.batchSize) * o.epochs;
  const trainer = await createTrainer({
    runtime,
    params: adapter.store,
    loss,
    metrics: { accuracy },
    name: "dmoerm-expert",
    optimizer: { weightDecay: o.weightDecay, maxGradNorm: 1 },
    schedule: cosineSchedule({ lr: o.lr, warmupSteps: Math.ceil(0.1 * total), totalSteps: total, minLr: o.lr / 10 }),
  });
  const baseFeeds = trunkFeeds(base);
  const fit = await trainEpochs(
    data,
    init.order,
    o.epochs,
    o.batchSize,
    async (batch) => {
      const r = await trainer.step({ ...baseFeeds, ...pairFeeds(batch, options.padToken ?? 0) });
      return { loss: r.loss, accuracy: Number(r.metrics.accuracy!.data[0]) };
    },
    options.signal,
  );
  return { capability, adapter, head, ...fit };
}

/**
 * Phase 3's input: per sequence, the base's last-token hidden state under each expert's adapter,
 * concatenated in expert order -> (N, K * dModel), row-major.
 */
export async function expertFeatures(
  runtime: Runtime,
  base: RewardModel,
  experts: readonly CapabilityExpert[],
  sequences: readonly (readonly number[])[],
  options: { padToken?: number; batchSize?: number } = {},
): Promise<Float32Array> {
  const C = base.config.dModel;
  const K = experts.length;
  const out = new Float32Array(sequences.length * K * C);
  const ids = input("ids", "int64", ["batch", "seq"]);
  const mask = input("mask", "bool", ["batch", "seq"]);
  const batchSize = options.batchSize ?? 128;
  for (let k = 0; k < K; k++) {
    const { hidden } = base.trunk.forward(ids, { mask, lora: experts[k]!.adapter }); // (B, T, C)
    const last = hidden.mul(lastRealToken(mask).reshape(["batch", "seq", 1])).sum([1]); // (B, C)
    const session = await runtime.session({ name: "dmoerm-features", outputs: { last } });
    // The features read the adapter only; the expert's head is for its own training and scoring.
    const adapterFeeds = Object.fromEntries(Object.entries(experts[k]!.adapter.feeds()).filter(([name]) => !name.includes("expert_head")));
    const params = { ...trunkFeeds(base), ...adapterFeeds };
    for (let start = 0; start < sequences.length; start += batchSize) {
      const rows = sequences.slice(start, start + batchSize);
      const batch = padTokens(rows, options.padToken ?? 0, "right");
      const data = (await session.run({ ...params, ids: batch.ids, mask: batch.mask })).last!.data as Float32Array; // (B, C)
      for (let b = 0; b < rows.length; b++) out.set(data.subarray(b * C, (b + 1) * C), (start + b) * K * C + k * C);
    }
  }
  return out;
}

/** The aggregator: features (B, D) -> relu(x W1 + b1) W2 + b2 -> (B,). */
export class AggregatorMlp {
  readonly store: ParameterStore;
  private readonly w1: Tensor;
  private readonly b1: Tensor;
  private readonly w2: Tensor;
  private readonly b2: Tensor;

  constructor(
    readonly inDim: number,
    readonly hidden: number,
    seed: number,
  ) {
    this.store = new ParameterStore(seed);
    this.w1 = this.store.param("mlp.w1", [inDim, hidden], { kind: "normal", std: 1 / Math.sqrt(inDim) });
    this.b1 = this.store.param("mlp.b1", [hidden], { kind: "zeros" });
    this.w2 = this.store.param("mlp.w2", [hidden, 1], { kind: "normal", std: 1 / Math.sqrt(hidden) });
    this.b2 = this.store.param("mlp.b2", [1], { kind: "zeros" });
  }

  /** features (B, D) -> (B,). */
  scores(features: Tensor): Tensor {
    const B = features.shape[0]!;
    return features.matmul(this.w1).add(this.b1).relu().matmul(this.w2).add(this.b2).reshape([B]);
  }
}

function rowsOf(features: Float32Array, dim: number, indices: readonly number[]): Float32Array {
  const out = new Float32Array(indices.length * dim);
  indices.forEach((r, i) => out.set(features.subarray(r * dim, (r + 1) * dim), i * dim));
  return out;
}

/**
 * Phase 3: trains the MLP on overall comparisons given as rows of a feature matrix
 * (`chosen[i]`, `rejected[i]` index rows of `features`, which has `dim` columns).
 */
export async function trainAggregator(
  runtime: Runtime,
  mlp: AggregatorMlp,
  features: Float32Array,
  pairs: readonly { chosen: number; rejected: number }[],
  init: { order: Rng },
  options: RewardTrainingOptions & { signal?: AbortSignal } = {},
): Promise<{ finalLoss: number; finalAccuracy: number }> {
  const o = { ...REWARD_TRAINING_DEFAULTS, ...options };
  const D = mlp.inDim;
  const x = input("pair_features", "float32", [2, "batch", D]);
  const scores = mlp.scores(x.reshape([dimMul(2, "batch"), D])).reshape([2, "batch"]);
  const { loss, accuracy } = btLoss(scores, o.centering);
  const total = Math.ceil(pairs.length / o.batchSize) * o.epochs;
  const trainer = await createTrainer({
    runtime,
    params: mlp.store,
    loss,
    metrics: { accuracy },
    name: "dmoerm-mlp",
    optimizer: { weightDecay: o.weightDecay, maxGradNorm: 1 },
    schedule: cosineSchedule({ lr: o.lr, warmupSteps: Math.ceil(0.1 * total), totalSteps: total, minLr: o.lr / 10 }),
  });
  return trainEpochs(
    pairs,
    init.order,
    o.epochs,
    o.batchSize,
    async (batch) => {
      const data = new Float32Array(2 * batch.length * D);
      data.set(
        rowsOf(
          features,
          D,
          batch.map((p) => p.chosen),
        ),
        0,
      );
      data.set(
        rowsOf(
          features,
          D,
          batch.map((p) => p.rejected),
        ),
        batch.length * D,
      );
      const r = await trainer.step({ pair_features: { dtype: "float32", shape: [2, batch.length, D], data } });
      return { loss: r.loss, accuracy: Number(r.metrics.accuracy!.data[0]) };
    },
    options.signal,
  );
}

/** The MLP's reward for each row of a feature matrix. */
export async function aggregatorScores(runtime: Runtime, mlp: AggregatorMlp, features: Float32Array): Promise<Float32Array> {
  const D = mlp.inDim;
  const n = features.length / D;
  const session = await runtime.session({
    name: "dmoerm-mlp-scores",
    outputs: { scores: mlp.scores(input("features", "float32", ["batch", D])) },
  });
  return (await session.run({ ...mlp.store.feeds(), features: { dtype: "float32", shape: [n, D], data: features } })).scores!
    .data as Float32Array;
}
