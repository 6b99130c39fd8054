/**
 * Trains a policy with a direct alignment loss (losses.ts) on labelled comparisons, starting from
 * the base (SFT) policy, which is also the frozen reference. Reference log-probs are computed once
 * before training (the reference never changes), so a step runs one policy forward over the batch's
 * 2 x pairs rows: chosen rows first, then rejected, split symbolically into halves.
 *
 * LoRA (default; the base's weights are fed, never updated) or full fine-tuning of a copy of the
 * base. Deterministic: the weights of a LoRA adapter come from `seed`, the data order of epoch e from
 * Rng(seed).fork("order-e"), so the same seed and thread count give the same bytes. Evaluations
 * run at given steps; with `checkpointDir`, the trainable weights, the optimizer state and the
 * evaluations so far are saved after each evaluation, and a later call with the same directory
 * resumes from the last one (an interrupted run resumed equals an uninterrupted one).
 */
import { existsSync } from "node:fs";
import { mkdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import {
  Gpt,
  LoraAdapter,
  Rng,
  createTrainer,
  input,
  linearWarmup,
  loadLoraAdapter,
  loadModelOfKind,
  loadOptimizerState,
  mergeLora,
  saveLoraAdapter,
  saveModel,
  saveOptimizerState,
  writeFileAtomic,
  type ParameterStore,
  type ProjectionKind,
  type Runtime,
  type Trainer,
} from "@goodhart/engine";
import { daaLossGraph, type DaaLossParams } from "./losses.ts";
import { sequenceFeeds, sequenceInputs, summedLogProbs, type ScoredSequence } from "./sequences.ts";

/** One training comparison with the reference's summed log-probs of both responses. */
export interface DaaPair {
  chosen: ScoredSequence;
  rejected: ScoredSequence;
  refChosen: number;
  refRejected: number;
}

export interface DaaTrainingOptions {
  loss: DaaLossParams;
  epochs: number;
  /** Comparisons per optimizer step. */
  batchSize: number;
  /** Learning rate after a linear warmup over the first 10% of epoch 1 (constant afterwards). */
  lr: number;
  finetune: "lora" | "full";
  lora?: { rank: number; alpha: number; targets: ProjectionKind[] };
  weightDecay?: number;
  /** Seed of the data order and of the adapter's initial A. */
  seed: number;
  /** Steps (1-based, after that step's update) at which `evaluate` runs; 0 evaluates the start. */
  evaluateAt: readonly number[];
  pad: number;
  checkpointDir?: string;
  signal?: AbortSignal;
  onStep?: (step: number, total: number, loss: number, margin: number) => void;
}

export interface DaaTrainingResult<E> {
  steps: number;
  evaluations: E[];
  /** Steps taken by this call (fewer than `steps` when resumed). */
  stepsRun: number;
  resumedFrom: number | null;
  /** Training seconds of this call (evaluations excluded). */
  trainSeconds: number;
}

/** Optimizer steps of one epoch. */
export function stepsPerEpoch(pairs: number, batchSize: number): number {
  return Math.ceil(pairs / batchSize);
}

/**
 * Trains and evaluates. `evaluate(step, policy)` gets a plain Gpt equal to the current policy (for
 * LoRA a merged copy; for full fine-tuning the trained model itself) and returns a JSON-able record.
 */
export async function trainDaa<E>(
  runtime: Runtime,
  base: Gpt,
  pairs: readonly DaaPair[],
  options: DaaTrainingOptions,
  evaluate: (step: number, policy: Gpt) => Promise<E>,
): Promise<DaaTrainingResult<E>> {
  if (pairs.length === 0) throw new RangeError("trainDaa: no comparisons to train on");
  if (!(Number.isInteger(options.epochs) && options.epochs >= 1))
    throw new RangeError(`trainDaa: epochs must be an integer >= 1; got ${options.epochs}`);
  if (!(Number.isInteger(options.batchSize) && options.batchSize >= 1))
    throw new RangeError(`trainDaa: batchSize must be an integer >= 1; got ${options.batchSize}`);
  const perEpoch = stepsPerEpoch(pairs.length, options.batchSize);
  const total = perEpoch * options.epochs;
  const evalSteps = new Set(options.evaluateAt.filter((s) => s >= 0 && s <= total));

  // The trainable weights: an adapter on the frozen base, or a copy of the base.
  const lora = options.finetune === "lora" ? new LoraAdapter(base, "daa", { ...(options.lora ?? {}), seed: options.seed }) : undefined;
  const policy = lora ? base : base.clone();
  const trainable: ParameterStore = lora ? lora.store : policy.store;

  const x = sequenceInputs("2*pairs");
  const lp = summedLogProbs(policy, x, lora); // (2*pairs,)
  const ref = input("ref_logp", "float32", ["2*pairs"]); // the reference's summed log-probs, same row order
  const g = daaLossGraph(options.loss, {
    policyChosen: lp.slice(0, 0, "pairs"),
    policyRejected: lp.slice(0, "pairs", "2*pairs"),
    refChosen: ref.slice(0, 0, "pairs"),
    refRejected: ref.slice(0, "pairs", "2*pairs"),
  });
  const trainer = await createTrainer({
    runtime,
    params: trainable,
    loss: g.loss.mean(),
    metrics: { margin: g.h.mean() },
    name: `daa-${options.loss.kind}-${options.finetune}`,
    optimizer: { weightDecay: options.weightDecay ?? 0, maxGradNorm: 1 },
    schedule: linearWarmup(options.lr, Math.max(1, Math.ceil(0.1 * perEpoch))),
  });
  // The training session is this run's alone (its program holds the loss and beta), and ONNX
  // Runtime keeps the largest intermediates it ever ran in its arena: released when the run ends,
  // or a grid of runs holds one such session per point (docs/direct-alignment.md, Memory).
  try {
    return await trainWith(trainer);
  } finally {
    await trainer.session.release();
  }

  async function trainWith(trainer: Trainer): Promise<DaaTrainingResult<E>> {
    const frozen = lora ? base.store.feeds() : {};

    // Resume from the last checkpoint when there is one.
    let evaluations: E[] = [];
    let start = 0;
    let resumedFrom: number | null = null;
    const dir = options.checkpointDir;
    if (dir && existsSync(join(dir, "state.json"))) {
      const state = JSON.parse(await readFile(join(dir, "state.json"), "utf8")) as { step: number; total: number; evaluations: E[] };
      if (state.total !== total)
        throw new Error(
          `${join(dir, "state.json")}: checkpoint of a run with ${state.total} steps, this run has ${total}; delete the folder`,
        );
      const saved = lora
        ? (await loadLoraAdapter(join(dir, "weights"), base)).store
        : (await loadModelOfKind(join(dir, "weights"), "gpt")).store;
      for (const p of trainable.list()) trainable.set(p.name, Float32Array.from(saved.get(p.name).value));
      if (state.step > 0) trainer.loadState(await loadOptimizerState(join(dir, "optimizer.safetensors")));
      evaluations = state.evaluations;
      start = state.step;
      resumedFrom = state.step;
    }
    const checkpoint = async (step: number) => {
      if (!dir) return;
      await mkdir(dir, { recursive: true });
      if (lora) await saveLoraAdapter(join(dir, "weights"), lora);
      else await saveModel(join(dir, "weights"), policy);
      if (step > 0) await saveOptimizerState(join(dir, "optimizer.safetensors"), trainer.state());
      // state.json last: it names a step whose weights and moments are already on disk.
      await writeFileAtomic(join(dir, "state.json"), new TextEncoder().encode(JSON.stringify({ step, total, evaluations })));
    };
    const evaluationPolicy = (): Gpt => {
      if (!lora) return policy;
      const merged = base.clone();
      mergeLora(merged, lora);
      return merged;
    };
    const runEvaluation = async (step: number) => {
      evaluations.push(await evaluate(step, evaluationPolicy()));
      await checkpoint(step);
    };

    let trainSeconds = 0;
    if (start === 0 && resumedFrom === null && evalSteps.has(0)) await runEvaluation(0);
    for (let step = start; step < total; step++) {
      options.signal?.throwIfAborted();
      const epoch = Math.floor(step / perEpoch);
      const within = step % perEpoch;
      const order = new Rng(options.seed).fork(`order-${epoch}`).permutation(pairs.length);
      const batch = order.slice(within * options.batchSize, (within + 1) * options.batchSize).map((i) => pairs[i]!);
      const t0 = performance.now();
      const rows = [...batch.map((p) => p.chosen), ...batch.map((p) => p.rejected)];
      const refLp = Float32Array.from([...batch.map((p) => p.refChosen), ...batch.map((p) => p.refRejected)]);
      const r = await trainer.step({
        ...frozen,
        ...sequenceFeeds(rows, options.pad),
        ref_logp: { dtype: "float32", shape: [rows.length], data: refLp },
      });
      trainSeconds += (performance.now() - t0) / 1000;
      if (!Number.isFinite(r.loss))
        throw new Error(`daa training (${options.loss.kind}, beta ${options.loss.beta}) diverged at step ${step + 1} (loss ${r.loss})`);
      options.onStep?.(step + 1, total, r.loss, Number(r.metrics.margin!.data[0]));
      if (evalSteps.has(step + 1)) await runEvaluation(step + 1);
    }
    return { steps: total, evaluations, stepsRun: total - start, resumedFrom, trainSeconds };
  }
}
