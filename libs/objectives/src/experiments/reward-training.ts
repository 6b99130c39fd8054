/**
 * Proxy reward-model training on labelled comparisons: the Bradley-Terry loss with an optional
 * margin and reward-centering term, and validation accuracy against gold labels.
 *
 *   L = mean_b softplus(-(r(x, y_c) - r(x, y_r) - m_b)) + c * mean_b (r(x, y_c) + r(x, y_r))^2
 *
 * -log sigma(z) is written as softplus(-z) = relu(-z) + log(1 + e^-|z|), finite for any z.
 * m_b = marginScale * |gold_c - gold_r| (Llama 2's margin; 0 gives plain Bradley-Terry); c is the
 * centering coefficient of Eisenstein et al. 2023 (keeps rewards near 0 without changing
 * preferences; 0 disables).
 */
import {
  RewardModel,
  cosineSchedule,
  dimMul,
  createTrainer,
  input,
  padTokens,
  rewardScores,
  type Gpt,
  type HostTensor,
  type RewardModelConfig,
  type Rng,
  type Runtime,
  type Tensor,
} from "@goodhart/engine";
import { initRewardTrunkFromLm } from "./reward-init.ts";

/** One training comparison: token sequences of the chosen and rejected response. */
export interface Comparison {
  chosen: readonly number[];
  rejected: readonly number[];
  /** |gold difference|, used by the margin term. */
  goldMargin: number;
}

export interface RewardTrainingOptions {
  /** Passes over the comparisons. Default 3. */
  epochs?: number;
  /** Comparisons per step. Default 64. */
  batchSize?: number;
  /** Peak learning rate (cosine schedule, 10% warmup). Default 5e-3. */
  lr?: number;
  /** Margin m = marginScale * |gold_c - gold_r|. Default 0. */
  marginScale?: number;
  /** Reward-centering coefficient. Default 0.01. */
  centering?: number;
  weightDecay?: number;
}

export const REWARD_TRAINING_DEFAULTS: Required<RewardTrainingOptions> = {
  epochs: 3,
  batchSize: 64,
  lr: 5e-3,
  marginScale: 0,
  centering: 0.01,
  weightDecay: 0.01,
};

function softplus(x: Tensor): Tensor {
  const abs = x.relu().add(x.neg().relu());
  return x.relu().add(abs.neg().exp().add(1).log());
}

/**
 * The loss graph of a reward model on a batch: inputs pair_ids and pair_mask (2, B, T) (chosen
 * rows first, then rejected) and margin (B,). Returns the loss and the batch accuracy (fraction with r_c > r_r).
 */
export function bradleyTerryLoss(model: RewardModel, options: { centering: number }): { loss: Tensor; accuracy: Tensor } {
  // Chosen and rejected rows go through the trunk as one batch: half the ops of two passes.
  const ids = input("pair_ids", "int64", [2, "batch", "seq"]); // (2, B, T): [0] chosen, [1] rejected
  const mask = input("pair_mask", "bool", [2, "batch", "seq"]);
  const rows = dimMul(2, "batch");
  const scores = model.scores(ids.reshape([rows, "seq"]), mask.reshape([rows, "seq"])).reshape([2, "batch"]); // (2, B)
  const chosen = scores.slice(0, 0, 1).reshape(["batch"]); // (B,)
  const rejected = scores.slice(0, 1, 2).reshape(["batch"]); // (B,)
  const margin = input("margin", "float32", ["batch"]);
  const diff = chosen.sub(rejected); // (B,)
  let loss = softplus(diff.sub(margin).neg()).mean();
  if (options.centering > 0) loss = loss.add(chosen.add(rejected).square().mean().mul(options.centering));
  return { loss, accuracy: diff.gt(0).cast("float32").mean() };
}

function batchFeeds(batch: readonly Comparison[], pad: number, marginScale: number): Record<string, HostTensor> {
  const both = padTokens([...batch.map((p) => p.chosen), ...batch.map((p) => p.rejected)], pad, "right"); // (2B, T)
  const [rows, T] = both.ids.shape as [number, number];
  return {
    pair_ids: { dtype: "int64", shape: [2, rows / 2, T], data: both.ids.data },
    pair_mask: { dtype: "bool", shape: [2, rows / 2, T], data: both.mask.data },
    margin: { dtype: "float32", shape: [batch.length], data: Float32Array.from(batch, (p) => marginScale * p.goldMargin) },
  };
}

export interface TrainedReward {
  model: RewardModel;
  steps: number;
  /** Mean loss and accuracy over the last epoch's batches. */
  finalLoss: number;
  finalAccuracy: number;
}

/**
 * Trains one reward model. `seed` initialises the weights; `order` shuffles the comparisons each
 * epoch (members of an ensemble get different seeds and orders). With `from`, the trunk starts from
 * that pretrained LM's weights and only the scalar head is drawn from `seed`.
 */
export async function trainRewardModel(
  runtime: Runtime,
  config: RewardModelConfig,
  data: readonly Comparison[],
  init: { seed: number; order: Rng; from?: Gpt },
  options: RewardTrainingOptions & {
    padToken?: number;
    signal?: AbortSignal;
    onStep?: (step: number, loss: number, accuracy: number) => void;
  } = {},
): Promise<TrainedReward> {
  const o = { ...REWARD_TRAINING_DEFAULTS, ...options };
  if (data.length === 0) throw new RangeError("trainRewardModel: no comparisons to train on");
  const model = new RewardModel(config, { seed: init.seed });
  if (init.from) initRewardTrunkFromLm(model, init.from);
  const stepsPerEpoch = Math.ceil(data.length / o.batchSize);
  const total = stepsPerEpoch * o.epochs;
  const { loss, accuracy } = bradleyTerryLoss(model, { centering: o.centering });
  const trainer = await createTrainer({
    runtime,
    params: model.store,
    loss,
    metrics: { accuracy },
    name: "reward-bt",
    optimizer: { weightDecay: o.weightDecay, maxGradNorm: 1 },
    schedule: cosineSchedule({ lr: o.lr, warmupSteps: Math.ceil(0.1 * total), totalSteps: total, minLr: o.lr / 10 }),
  });
  let finalLoss = 0;
  let finalAccuracy = 0;
  for (let epoch = 0; epoch < o.epochs; epoch++) {
    const perm = init.order.permutation(data.length);
    let lossSum = 0;
    let accSum = 0;
    for (let s = 0; s < stepsPerEpoch; s++) {
      options.signal?.throwIfAborted();
      const batch = perm.slice(s * o.batchSize, (s + 1) * o.batchSize).map((i) => data[i]!);
      const r = await trainer.step(batchFeeds(batch, options.padToken ?? 0, o.marginScale));
      if (!Number.isFinite(r.loss)) throw new Error(`reward model training diverged at step ${trainer.steps} (loss ${r.loss})`);
      const acc = Number(r.metrics.accuracy!.data[0]);
      lossSum += r.loss;
      accSum += acc;
      options.onStep?.(trainer.steps, r.loss, acc);
    }
    finalLoss = lossSum / stepsPerEpoch;
    finalAccuracy = accSum / stepsPerEpoch;
  }
  return { model, steps: total, finalLoss, finalAccuracy };
}

/** Fraction of comparisons the model orders like the label (r_chosen > r_rejected). */
export async function pairwiseAccuracy(runtime: Runtime, model: RewardModel, data: readonly Comparison[], padToken = 0): Promise<number> {
  if (data.length === 0) return NaN;
  const scores = await rewardScores(
    runtime,
    model,
    data.flatMap((p) => [p.chosen, p.rejected]),
    { padToken, batchSize: 256 },
  );
  return interleavedAccuracy(scores, data.length);
}

/** Fraction of `pairs` comparisons scored chosen-first (scores interleaved: chosen, rejected, ...) with r_chosen > r_rejected. */
export function interleavedAccuracy(scores: ArrayLike<number>, pairs: number): number {
  let hits = 0;
  for (let i = 0; i < pairs; i++) if (scores[2 * i]! > scores[2 * i + 1]!) hits++;
  return hits / pairs;
}
