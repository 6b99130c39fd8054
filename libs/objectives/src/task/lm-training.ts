/**
 * Maximum-likelihood training of a small decoder-only LM on sequences whose loss counts only the
 * tokens after a prompt: the built-in task's base-policy pretraining and the dataset task's SFT
 * policy both train this way, differing only in where each batch's sequences come from.
 */
import { Rng, cosineSchedule, createTrainer, input, softmaxCrossEntropy, type Gpt, type HostTensor, type Runtime } from "@goodhart/engine";

/** One training sequence: its token ids and how many of them are the prompt (no loss there). */
export interface LmSequence {
  ids: readonly number[];
  promptLen: number;
}

/** ids, next-token targets, loss weights (1 on the tokens after the prompt) and mask, each (B, T). */
export function nextTokenBatch(seqs: readonly LmSequence[]): Record<string, HostTensor> {
  const B = seqs.length;
  const T = Math.max(...seqs.map((s) => s.ids.length)) - 1;
  const ids = new BigInt64Array(B * T);
  const targets = new BigInt64Array(B * T);
  const weights = new Float32Array(B * T);
  const mask = new Uint8Array(B * T);
  seqs.forEach((s, b) => {
    for (let t = 0; t < s.ids.length - 1; t++) {
      ids[b * T + t] = BigInt(s.ids[t]!);
      targets[b * T + t] = BigInt(s.ids[t + 1]!);
      mask[b * T + t] = 1;
      // Position t predicts token t+1: count it when that token follows the prompt.
      if (t + 1 >= s.promptLen) weights[b * T + t] = 1;
    }
  });
  return {
    ids: { dtype: "int64", shape: [B, T], data: ids },
    targets: { dtype: "int64", shape: [B, T], data: targets },
    weights: { dtype: "float32", shape: [B, T], data: weights },
    mask: { dtype: "bool", shape: [B, T], data: mask },
  };
}

export interface LmTrainingOptions {
  /** The trainer's name (its compiled graphs' cache key). */
  name: string;
  /** What is being trained, for the divergence error ("base policy pretraining"). */
  label: string;
  steps: number;
  /** Peak learning rate: cosine schedule with 5% warmup, down to a tenth. */
  lr: number;
  seed: number;
  /** Name of the data stream forked from `seed`. */
  dataStream: string;
  /** The batch of one step, drawn with the data stream. */
  batch: (rng: Rng) => Record<string, HostTensor>;
  signal?: AbortSignal;
  /** Called after every step (1-based) with the loss. */
  onStep?: (step: number, total: number, loss: number) => void;
}

/**
 * Trains `model` in place for `steps` AdamW steps (weight decay 0.01, gradient norm clipped at 1)
 * and returns the mean loss of the last tenth of the steps (NaN for 0 steps). A non-finite loss
 * throws, naming the step.
 */
export async function trainNextToken(runtime: Runtime, model: Gpt, o: LmTrainingOptions): Promise<number> {
  if (o.steps === 0) return NaN;
  const ids = input("ids", "int64", ["batch", "seq"]);
  const targets = input("targets", "int64", ["batch", "seq"]);
  const weights = input("weights", "float32", ["batch", "seq"]);
  const mask = input("mask", "bool", ["batch", "seq"]);
  const trainer = await createTrainer({
    runtime,
    params: model.store,
    loss: softmaxCrossEntropy(model.logits(ids, { mask }), targets, weights),
    name: o.name,
    optimizer: { weightDecay: 0.01, maxGradNorm: 1 },
    schedule: cosineSchedule({ lr: o.lr, warmupSteps: Math.ceil(0.05 * o.steps), totalSteps: o.steps, minLr: o.lr / 10 }),
  });
  const rng = new Rng(o.seed).fork(o.dataStream);
  const tail: number[] = [];
  for (let step = 0; step < o.steps; step++) {
    o.signal?.throwIfAborted();
    const r = await trainer.step(o.batch(rng));
    if (!Number.isFinite(r.loss)) throw new Error(`${o.label} diverged at step ${step + 1} (loss ${r.loss})`);
    if (step >= o.steps - Math.max(1, Math.floor(o.steps / 10))) tail.push(r.loss);
    o.onStep?.(step + 1, o.steps, r.loss);
  }
  return tail.reduce((a, b) => a + b, 0) / tail.length;
}
