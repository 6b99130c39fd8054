/**
 * The RL learner: PPO (token-level KL penalty in the reward, GAE, clipped policy and value losses,
 * entropy bonus, several epochs of minibatches per rollout) or RLOO (k samples per prompt,
 * sequence-level KL penalty, leave-one-out baseline), against any RewardSource, evaluated every
 * `evalEvery` steps on held-out prompts.
 */
import { Rng, constantSchedule, createTrainer, type Gpt, type Runtime, type StepResult, type Trainer } from "@goodhart/engine";
import type { BuiltinTask } from "../task/task.ts";
import type { WordTokenizer } from "../task/word-tokenizer.ts";
import type { TaskPrompt } from "../task/prompts.ts";
import { gae, leaveOneOutAdvantages, whiten } from "./advantages.ts";
import { evaluatePolicy, type EvalPoint } from "./evaluate.ts";
import { KlController, type KlControl } from "./kl-controller.ts";
import { RlPolicy, rowBatch } from "./policy.ts";
import type { RewardSource } from "./rewards.ts";
import { hasRlCheckpoint, loadRlCheckpoint, saveRlCheckpoint } from "./checkpoint.ts";
import { keepBestCandidate, readBestCheckpoint, saveBestCandidate, type BestCheckpoint } from "./keep-best.ts";
import { rm } from "node:fs/promises";
import { analyseRollout, codecOf, type Rollout, type RolloutAnalysis, type RolloutCodec } from "./rollout.ts";
import { ppoMinibatches, sampleStepRollout, whitenTokens } from "./ppo-loop.ts";
import { phaseTimer } from "../experiments/phase-timer.ts";

export interface PpoSettings {
  epochs: number;
  minibatches: number;
  clip: number;
  valueClip: number;
  valueCoef: number;
  entropyCoef: number;
  gamma: number;
  lambda: number;
}

export interface RlTrainingConfig {
  algorithm: "ppo" | "rloo";
  /** Rollout + update rounds. */
  steps: number;
  promptsPerStep: number;
  /** Completions per prompt per step: RLOO's k (>= 2); PPO usually 1. */
  samplesPerPrompt: number;
  /** Policy learning rate (constant). */
  lr: number;
  /** Value-head learning rate (its own parameter group). */
  valueLr: number;
  maxGradNorm: number;
  /** Whiten advantages over the batch (PPO: over tokens; RLOO: over sequences). */
  whitenAdvantages: boolean;
  ppo: PpoSettings;
  kl: KlControl;
  eval: { every: number; prompts: number; samplesPerPrompt: number };
}

export const PPO_DEFAULTS: PpoSettings = {
  epochs: 2,
  minibatches: 2,
  clip: 0.2,
  valueClip: 0.2,
  valueCoef: 0.5,
  entropyCoef: 0,
  gamma: 1,
  lambda: 0.95,
};

export interface StepTimings {
  generation: number;
  scoring: number;
  /** Forward, backward and the AdamW update: one ONNX program per optimizer step (in-graph update). */
  train: number;
  /** Of `train`, the time outside ONNX Runtime (copies, host work). */
  trainHost: number;
  evaluation: number;
}

/**
 * A task other than the built-in one (an imported dataset, task/dataset/rl.ts): how its prompts
 * become tokens, its training and evaluation prompts, and its gold.
 */
export interface RlTaskIo<P> {
  codec: RolloutCodec<P>;
  trainPrompts: readonly P[];
  /** Held-out prompts; the learner evaluates on the first `eval.prompts`. */
  evalPrompts: readonly P[];
  gold: (rollout: Rollout<P>) => Promise<Float64Array>;
}

export interface RlTrainingDeps<P = TaskPrompt> {
  runtime: Runtime;
  base: Gpt;
  /** The built-in task and its tokenizer; or `io` for another task. */
  task?: BuiltinTask;
  tokenizer?: WordTokenizer;
  io?: RlTaskIo<P>;
  reward: RewardSource<P>;
  /** Proxy reported at evaluations (default: `reward` unless it is gold). */
  evalProxy?: RewardSource<P> | null;
  config: RlTrainingConfig;
  seed: number;
  signal?: AbortSignal;
  onEval?: (point: EvalPoint) => void;
  onMetric?: (step: number, name: string, value: number) => void;
  /** Called after each step's update; return true to stop (e.g. an onset signal fired). */
  afterStep?: (step: number, rl: RlPolicy) => boolean | void;
  /** Checked after each evaluation: true ends the run there (e.g. an onset signal fired). */
  stopAfterEvaluation?: () => boolean;
  /**
   * Keep-best (keep-best.ts): each evaluation's policy is a candidate in `dir`; after the first
   * evaluation at which `fired()` (checked after onEval) returns true, the previous evaluation's
   * policy is kept as the run's best checkpoint. Training goes on.
   */
  keepBest?: { dir: string; fired: () => boolean };
  /** Save a resumable checkpoint into `dir` every `every` steps (see checkpoint.ts). */
  checkpoint?: { dir: string; every: number };
  /** Continue from the checkpoint in `checkpoint.dir` when there is one. */
  resume?: boolean;
  /** Called once with the evaluations restored from a checkpoint (they are not reported again). */
  onRestore?: (evals: EvalPoint[], step: number) => void;
}

export interface RlTrainingResult {
  evals: EvalPoint[];
  /** Seconds per phase, summed over the run. */
  timings: StepTimings;
  steps: number;
  finalKlCoef: number;
  rl: RlPolicy;
  trainer: Trainer;
  /** The kept best checkpoint (keepBest), or null. */
  best: BestCheckpoint | null;
}

const mean = (xs: ArrayLike<number>) => {
  let s = 0;
  for (let i = 0; i < xs.length; i++) s += xs[i]!;
  return xs.length ? s / xs.length : NaN;
};

export function validateTrainingConfig(c: RlTrainingConfig): void {
  if (c.algorithm === "rloo" && c.samplesPerPrompt < 2)
    throw new RangeError(
      `rloo: samplesPerPrompt must be >= 2 (the leave-one-out baseline needs another sample); got ${c.samplesPerPrompt}`,
    );
  if (c.algorithm === "ppo" && c.ppo.minibatches > c.promptsPerStep * c.samplesPerPrompt) {
    throw new RangeError(`ppo: ${c.ppo.minibatches} minibatches for ${c.promptsPerStep * c.samplesPerPrompt} samples per step`);
  }
}

/** The task's prompts, codec and gold: `io`, or the built-in task's (its test prompts evaluate). */
function taskIoOf<P>(d: RlTrainingDeps<P>): {
  io: RlTaskIo<P> | null;
  tokenizer: WordTokenizer | RolloutCodec<P>;
  train: readonly P[];
  test: readonly P[];
} {
  if (d.io) return { io: d.io, tokenizer: d.io.codec, train: d.io.trainPrompts, test: d.io.evalPrompts };
  if (!d.task || !d.tokenizer) throw new Error("rl: give the built-in task and its tokenizer, or a task io");
  const prompts = d.task.prompts as unknown as { train: readonly P[]; test: readonly P[] };
  return { io: null, tokenizer: d.tokenizer, train: prompts.train, test: prompts.test };
}

export async function trainPolicy<P = TaskPrompt>(d: RlTrainingDeps<P>): Promise<RlTrainingResult> {
  const taskIo = taskIoOf(d);
  const c = d.config;
  validateTrainingConfig(c);
  let rng = new Rng(d.seed).fork("rl");
  const rl = new RlPolicy(d.base, Number(rng.fork("value-head").nextUint32()));
  const { loss, metrics } =
    c.algorithm === "ppo"
      ? (() => {
          const l = rl.ppoLoss(c.ppo);
          return {
            loss: l.loss,
            metrics: {
              policy_loss: l.policyLoss,
              value_loss: l.valueLoss,
              entropy: l.entropy,
              clip_fraction: l.clipFraction,
              value_clip_fraction: l.valueClipFraction,
              approx_kl: l.approxKl,
            },
          };
        })()
      : (() => {
          const l = rl.rlooLoss();
          return { loss: l.loss, metrics: { entropy: l.entropy } };
        })();
  const trainer = await createTrainer({
    runtime: d.runtime,
    params: rl.policy.store,
    loss,
    metrics,
    name: `rl-${c.algorithm}`,
    optimizer: { weightDecay: 0, maxGradNorm: c.maxGradNorm },
    schedule: constantSchedule(c.lr),
    groups: [{ name: "value", params: "value_head.", schedule: constantSchedule(c.valueLr), weightDecay: 0 }],
  });
  const analysis = await rl.analysisSession(d.runtime);
  const kl = new KlController(c.kl);
  const pad = codecOf(taskIo.tokenizer).pad;
  const timings: StepTimings = { generation: 0, scoring: 0, train: 0, trainHost: 0, evaluation: 0 };
  const timed = phaseTimer<keyof StepTimings>(timings);
  const evalProxy = d.evalProxy !== undefined ? d.evalProxy : d.reward.name === "gold" ? null : d.reward;
  const evalPrompts = taskIo.test.slice(0, c.eval.prompts);
  const evalSeedBase = Number(new Rng(d.seed).fork("eval-samples").nextUint32() % 1_000_000) * 1000;
  const evals: EvalPoint[] = [];
  let valueError: number | null = null;
  let best: BestCheckpoint | null = null;
  const evaluate = async (step: number) => {
    const point = await timed("evaluation", () =>
      evaluatePolicy(rl, step, {
        runtime: d.runtime,
        session: analysis,
        ...(taskIo.io ? { gold: taskIo.io.gold } : { task: d.task }),
        tokenizer: taskIo.tokenizer,
        prompts: evalPrompts,
        samplesPerPrompt: c.eval.samplesPerPrompt,
        seedBase: evalSeedBase,
        proxy: evalProxy,
        signal: d.signal,
      }),
    );
    point.valueError = valueError;
    evals.push(point);
    d.onEval?.(point);
    if (d.keepBest && best === null) {
      if (d.keepBest.fired()) best = await keepBestCandidate(d.keepBest.dir, step);
      else await saveBestCandidate(d.keepBest.dir, step, rl.policy.store);
    }
  };
  const metric = (step: number, name: string, value: number) => d.onMetric?.(step, name, value);
  const train = taskIo.train;
  if (train.length === 0) throw new RangeError("rl: the task has no training prompts");

  let step = 0;
  if (d.checkpoint && d.resume && hasRlCheckpoint(d.checkpoint.dir)) {
    const restored = await loadRlCheckpoint(d.checkpoint.dir, rl.policy.store, trainer);
    rng = Rng.fromState(restored.rng);
    kl.restore(restored.klCoef);
    evals.push(...restored.evals);
    valueError = restored.valueError ?? null;
    step = restored.step;
    d.onRestore?.(restored.evals, step);
    if (d.keepBest) best = readBestCheckpoint(d.keepBest.dir);
  } else if (d.keepBest) {
    // A fresh start: candidates or a best checkpoint of an earlier attempt are not this run's.
    await rm(d.keepBest.dir, { recursive: true, force: true });
  }
  for (; step < c.steps; step++) {
    d.signal?.throwIfAborted();
    if (step % c.eval.every === 0) {
      await evaluate(step);
      if (d.stopAfterEvaluation?.()) break;
    }
    const rollout = await timed("generation", () => sampleStepRollout(d.runtime, rl.sampler(), taskIo.tokenizer, train, c, rng, d.signal));
    const { scored, a } = await timed("scoring", async () => ({
      scored: await d.reward.score(rollout),
      a: await analyseRollout(analysis, rl, rollout, pad),
    }));
    const seqKl = a.logp.map((lp, i) => mean(lp.map((x, t) => x - a.refLogp[i]![t]!)) * lp.length); // k1 sum
    const beta = kl.coef;
    const results: StepResult[] =
      c.algorithm === "ppo" ? await ppoUpdate(rollout, a, scored.reward, beta) : [await rlooUpdate(rollout, scored.reward, seqKl, beta)];
    const s = step + 1;
    metric(s, "train.reward", mean(scored.reward));
    metric(s, "train.kl_k1", mean(seqKl));
    metric(s, "train.kl_exact", mean(a.exactKl.map((e) => e.reduce((x, y) => x + y, 0))));
    metric(s, "train.kl_coef", beta);
    metric(s, "train.entropy", mean(a.entropy));
    metric(s, "train.loss", mean(results.map((r) => r.loss)));
    metric(s, "train.grad_norm", mean(results.map((r) => r.gradNorm)));
    for (const name of Object.keys(results[0]!.metrics))
      metric(s, `train.${name}`, mean(results.map((r) => Number(r.metrics[name]!.data[0]))));
    metric(s, "train.completion_tokens", mean(rollout.completions.map((x) => x.length)));
    // Logged at the RL step like the other training metrics (not at the optimizer's update count,
    // which runs epochs x minibatches times faster under PPO).
    if (c.algorithm === "ppo" && valueError !== null) metric(s, "train.value_error", valueError);
    kl.update(mean(seqKl), rollout.completions.length);
    if (d.checkpoint && s % d.checkpoint.every === 0)
      await saveRlCheckpoint(d.checkpoint.dir, rl.policy.store, trainer, {
        step: s,
        rng: rng.getState(),
        klCoef: kl.coef,
        evals,
        valueError,
      });
    if (d.afterStep?.(s, rl)) {
      step = s;
      break;
    }
  }
  if (evals.length === 0 || evals[evals.length - 1]!.step !== step) await evaluate(step);
  return { evals, timings, steps: step, finalKlCoef: kl.coef, rl, trainer, best };

  async function ppoUpdate(rollout: Rollout<P>, a: RolloutAnalysis, reward: Float64Array, beta: number): Promise<StepResult[]> {
    const n = rollout.completions.length;
    const adv: Float64Array[] = [];
    const ret: Float64Array[] = [];
    let sumSquares = 0;
    let tokens = 0;
    for (let i = 0; i < n; i++) {
      const T = a.logp[i]!.length;
      const r = new Float64Array(T);
      for (let t = 0; t < T; t++) r[t] = -beta * (a.logp[i]![t]! - a.refLogp[i]![t]!);
      r[T - 1]! += reward[i]!;
      const g = gae(r, a.values[i]!, c.ppo.gamma, c.ppo.lambda);
      adv.push(g.advantages);
      ret.push(g.returns);
      for (let t = 0; t < T; t++) sumSquares += (a.values[i]![t]! - g.returns[t]!) ** 2;
      tokens += T;
    }
    valueError = sumSquares / tokens;
    if (c.whitenAdvantages) whitenTokens(adv);
    return ppoMinibatches(rollout, pad, c.ppo, rng, d.signal, async ({ batch, pick }) => {
      const result = await timed("train", () =>
        trainer.step({ ...batch.feeds, old_logp: pick(a.logp), advantages: pick(adv), returns: pick(ret), old_values: pick(a.values) }),
      );
      timings.trainHost += result.ms.host / 1000;
      if (!Number.isFinite(result.loss)) throw new Error(`ppo: loss ${result.loss} at update ${trainer.steps}`);
      return result;
    });
  }

  async function rlooUpdate(rollout: Rollout<P>, reward: Float64Array, seqKl: number[], beta: number): Promise<StepResult> {
    const penalised = Float64Array.from(reward, (r, i) => r - beta * seqKl[i]!);
    let adv = leaveOneOutAdvantages(penalised, c.samplesPerPrompt);
    if (c.whitenAdvantages) adv = whiten(adv);
    const batch = rowBatch(rollout.promptIds, rollout.completions, pad);
    const result = await timed("train", () =>
      trainer.step({ ...batch.feeds, seq_advantages: { dtype: "float32", shape: [adv.length], data: Float32Array.from(adv) } }),
    );
    timings.trainHost += result.ms.host / 1000;
    if (!Number.isFinite(result.loss)) throw new Error(`rloo: loss ${result.loss} at update ${trainer.steps}`);
    return result;
  }
}
