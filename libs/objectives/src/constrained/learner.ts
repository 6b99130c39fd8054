/**
 * The constrained-RLHF learner: PPO (as rl/train.ts runs it: token-level rollouts, GAE, clipped
 * policy and value losses, epochs of minibatches, AdamW) with one value head per component reward
 * plus one for the KL reward, and the per-token advantage mixed by a weight controller
 * (methods.ts): A = c_kl A_kl + sum_i c_i A_i, whitened over the batch's tokens when asked. After
 * each update the controller sees the batch's mean component returns (dual descent for the
 * learned-multiplier methods). Evaluations every `eval.every` steps report gold, each component's
 * value and the KL on held-out prompts (rl/evaluate.ts).
 */
import { Rng, constantSchedule, createTrainer, type Gpt, type Runtime, type StepResult } from "@goodhart/engine";
import type { BuiltinTask } from "../task/task.ts";
import type { TaskPrompt } from "../task/prompts.ts";
import type { WordTokenizer } from "../task/word-tokenizer.ts";
import { gae } from "../rl/advantages.ts";
import { evaluatePolicy, type EvalPoint } from "../rl/evaluate.ts";
import { ppoMinibatches, sampleStepRollout, whitenTokens } from "../rl/ppo-loop.ts";
import type { RewardSource } from "../rl/rewards.ts";
import type { Rollout } from "../rl/rollout.ts";
import type { RlTrainingConfig } from "../rl/train.ts";
import { weightedAdvantage } from "./multipliers.ts";
import type { WeightController } from "./methods.ts";
import { MultiHeadPolicy, analyseMultiHead, type MultiHeadAnalysis } from "./policy.ts";

/** Normalised component reward-model scores of a rollout: one row per component. */
export interface ComponentRewards {
  readonly names: readonly string[];
  score(rollout: Rollout): Promise<Float64Array[]>;
}

/** PPO settings of the learner: rl/train.ts's config less the algorithm choice (always PPO) and KL control. */
export type ConstrainedTrainingConfig = Omit<RlTrainingConfig, "algorithm" | "kl">;

export interface ConstrainedEval {
  step: number;
  point: EvalPoint;
  /** Per component: mean over prompts and per-prompt means of its normalised score. */
  components: { mean: number; se: number }[];
  componentsPerPrompt: Float64Array[];
  thresholds: number[] | null;
  multipliers: number[] | null;
}

export interface ConstrainedTrainingDeps {
  runtime: Runtime;
  base: Gpt;
  task: BuiltinTask;
  tokenizer: WordTokenizer;
  rewards: ComponentRewards;
  controller: WeightController;
  config: ConstrainedTrainingConfig;
  seed: number;
  signal?: AbortSignal;
  onEval?: (e: ConstrainedEval) => void;
  onMetric?: (step: number, name: string, value: number) => void;
  /**
   * Called after each step's update with the step count; NM-PPO queries gold here and moves the
   * thresholds. Return true to stop.
   */
  afterStep?: (
    step: number,
    policy: MultiHeadPolicy,
    evaluate: (prompts: readonly TaskPrompt[]) => Promise<EvalPoint>,
  ) => Promise<boolean | void>;
}

export interface ConstrainedTrainingResult {
  evals: ConstrainedEval[];
  steps: number;
  seconds: { generation: number; scoring: number; train: number; evaluation: number };
}

const mean = (xs: ArrayLike<number>) => {
  let s = 0;
  for (let i = 0; i < xs.length; i++) s += xs[i]!;
  return xs.length ? s / xs.length : NaN;
};

/** The components as one RewardSource (members = the components) for rl/evaluate.ts, keeping the last scores. */
function recordingSource(rewards: ComponentRewards): { source: RewardSource; last: () => Float64Array[] } {
  let last: Float64Array[] = [];
  return {
    source: {
      name: "components",
      async score(rollout) {
        last = await rewards.score(rollout);
        return { reward: Float64Array.from(last[0]!, (_, j) => mean(last.map((row) => row[j]!))), members: last };
      },
    },
    last: () => last,
  };
}

export async function trainConstrainedPolicy(d: ConstrainedTrainingDeps): Promise<ConstrainedTrainingResult> {
  const c = d.config;
  const N = d.rewards.names.length;
  if (c.ppo.minibatches > c.promptsPerStep * c.samplesPerPrompt)
    throw new RangeError(`constrained PPO: ${c.ppo.minibatches} minibatches for ${c.promptsPerStep * c.samplesPerPrompt} samples per step`);
  const rng = new Rng(d.seed).fork("constrained-rl");
  const policy = new MultiHeadPolicy(d.base, Number(rng.fork("value-heads").nextUint32()), N);
  const l = policy.ppoLoss(c.ppo);
  const trainer = await createTrainer({
    runtime: d.runtime,
    params: policy.rl.policy.store,
    loss: l.loss,
    metrics: {
      policy_loss: l.policyLoss,
      value_loss: l.valueLoss,
      entropy: l.entropy,
      clip_fraction: l.clipFraction,
      approx_kl: l.approxKl,
    },
    name: "constrained-ppo",
    optimizer: { weightDecay: 0, maxGradNorm: c.maxGradNorm },
    schedule: constantSchedule(c.lr),
    groups: [{ name: "value", params: "value_head.", schedule: constantSchedule(c.valueLr), weightDecay: 0 }],
  });
  const session = await policy.analysisSession(d.runtime);
  const pad = d.tokenizer.special.pad;
  const seconds = { generation: 0, scoring: 0, train: 0, evaluation: 0 };
  const timed = async <T>(phase: keyof typeof seconds, f: () => Promise<T>): Promise<T> => {
    const t = performance.now();
    try {
      return await f();
    } finally {
      seconds[phase] += (performance.now() - t) / 1000;
    }
  };
  const recorder = recordingSource(d.rewards);
  const evalSeedBase = Number(new Rng(d.seed).fork("eval-samples").nextUint32() % 1_000_000) * 1000;
  const evaluateOn = (prompts: readonly TaskPrompt[], step: number) =>
    timed("evaluation", () =>
      evaluatePolicy(policy.rl, step, {
        runtime: d.runtime,
        session,
        task: d.task,
        tokenizer: d.tokenizer,
        prompts,
        samplesPerPrompt: c.eval.samplesPerPrompt,
        seedBase: evalSeedBase,
        proxy: recorder.source,
        signal: d.signal,
      }),
    );
  const evalPrompts = d.task.prompts.test.slice(0, c.eval.prompts);
  const evals: ConstrainedEval[] = [];
  const evaluate = async (step: number) => {
    const point = await evaluateOn(evalPrompts, step);
    const k = c.eval.samplesPerPrompt;
    const perPrompt = recorder
      .last()
      .map((row) => Float64Array.from({ length: point.prompts }, (_, p) => mean(row.subarray(p * k, (p + 1) * k))));
    const e: ConstrainedEval = {
      step,
      point,
      components: point.members!.map((m) => ({ mean: m.mean, se: m.se })),
      componentsPerPrompt: perPrompt,
      thresholds: d.controller.thresholds(),
      multipliers: d.controller.multipliers(),
    };
    evals.push(e);
    d.onEval?.(e);
  };
  const metric = (step: number, name: string, value: number) => d.onMetric?.(step, name, value);
  const train = d.task.prompts.train;
  if (train.length === 0) throw new RangeError("constrained RL: the task has no training prompts");

  let step = 0;
  for (; step < c.steps; step++) {
    d.signal?.throwIfAborted();
    if (step % c.eval.every === 0) await evaluate(step);
    const rollout = await timed("generation", () =>
      sampleStepRollout(d.runtime, policy.rl.sampler(), d.tokenizer, train, c, rng, d.signal),
    );
    const { scores, a } = await timed("scoring", async () => ({
      scores: await d.rewards.score(rollout),
      a: await analyseMultiHead(session, policy, rollout, pad),
    }));
    const weights = d.controller.weights();
    const results = await update(rollout, a, scores, weights);
    const s = step + 1;
    const meanReturns = scores.map((row) => mean(row));
    d.controller.observe(meanReturns);
    metric(s, "train.kl_exact", mean(a.exactKl.map((e) => e.reduce((x, y) => x + y, 0))));
    metric(s, "train.entropy", mean(a.entropy));
    metric(s, "train.loss", mean(results.map((r) => r.loss)));
    metric(s, "train.kl_weight", weights.kl);
    meanReturns.forEach((r, i) => metric(s, `train.component.${d.rewards.names[i]}`, r));
    for (const name of Object.keys(results[0]!.metrics))
      metric(s, `train.${name}`, mean(results.map((r) => Number(r.metrics[name]!.data[0]))));
    if (await d.afterStep?.(s, policy, (p) => evaluateOn(p, s))) {
      step = s;
      break;
    }
  }
  if (evals.length === 0 || evals[evals.length - 1]!.step !== step) await evaluate(step);
  return { evals, steps: step, seconds };

  async function update(
    rollout: Rollout,
    a: MultiHeadAnalysis,
    scores: Float64Array[],
    w: { kl: number; components: number[] },
  ): Promise<StepResult[]> {
    const n = rollout.completions.length;
    const adv: Float64Array[] = [];
    const klReturns: Float64Array[] = [];
    const componentReturns: Float64Array[][] = scores.map(() => []);
    for (let b = 0; b < n; b++) {
      const T = a.logp[b]!.length;
      const klReward = Float64Array.from({ length: T }, (_, t) => -(a.logp[b]![t]! - a.refLogp[b]![t]!));
      const kl = gae(klReward, a.klValues[b]!, c.ppo.gamma, c.ppo.lambda);
      klReturns.push(kl.returns);
      const componentAdv = scores.map((row, i) => {
        const r = new Float64Array(T);
        r[T - 1] = d.controller.reward(i, row[b]!);
        const g = gae(r, a.componentValues[i]![b]!, c.ppo.gamma, c.ppo.lambda);
        componentReturns[i]!.push(g.returns);
        return g.advantages;
      });
      adv.push(weightedAdvantage(kl.advantages, w.kl, componentAdv, w.components));
    }
    if (c.whitenAdvantages) whitenTokens(adv);
    return ppoMinibatches(rollout, pad, c.ppo, rng, d.signal, async ({ batch, pick }) => {
      const feeds = {
        ...batch.feeds,
        old_logp: pick(a.logp),
        advantages: pick(adv),
        returns: pick(klReturns),
        old_values: pick(a.klValues),
      };
      componentReturns.forEach((ret, i) => {
        Object.assign(feeds, { [`returns_${i}`]: pick(ret), [`old_values_${i}`]: pick(a.componentValues[i]!) });
      });
      const result = await timed("train", () => trainer.step(feeds));
      if (!Number.isFinite(result.loss)) throw new Error(`constrained ppo: loss ${result.loss} at update ${trainer.steps}`);
      return result;
    });
  }
}
