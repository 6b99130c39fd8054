/**
 * Evaluation of a policy on held-out prompts: fresh samples (the same seeds at every evaluation,
 * so successive points differ by the policy only), scored by gold and by the proxy and each of its
 * members, with KL(pi || pi_init) by every estimator. Each number is a mean over prompts (of the
 * per-prompt mean over samples) with its standard error over prompts.
 */
import type { Runtime, Session } from "@goodhart/engine";
import { KL_ESTIMATORS, sequenceKl, type KlEstimator } from "../kl/estimators.ts";
import { meanAndSe } from "../stats/describe.ts";
import type { BuiltinTask } from "../task/task.ts";
import type { TaskPrompt } from "../task/prompts.ts";
import type { WordTokenizer } from "../task/word-tokenizer.ts";
import type { RlPolicy } from "./policy.ts";
import { goldOf, type RewardSource } from "./rewards.ts";
import { analyseRollout, codecOf, sampleRollout, type Rollout, type RolloutCodec } from "./rollout.ts";

export interface MeanSe {
  mean: number;
  se: number;
}

export interface EvalPoint {
  step: number;
  /** Raw (not recentred) gold and proxy; the run recentres them on its step-0 point. */
  gold: MeanSe;
  proxy: MeanSe | null;
  /** Each member's normalised score. */
  members: MeanSe[] | null;
  /** Sequence KL(pi || pi_init) in nats by estimator. */
  kl: Record<KlEstimator, MeanSe>;
  /** Per-prompt values behind the means (for bootstrap intervals over prompts). */
  perPrompt: { gold: Float64Array; proxy: Float64Array | null; klExact: Float64Array };
  /** Mean over prompts of the member standard deviation per sample: ensemble disagreement. */
  disagreement: number | null;
  entropy: number;
  prompts: number;
  /** PPO's value error (MSE of values to returns) of the last update before this evaluation (null: none yet, or RLOO). */
  valueError?: number | null;
}

export interface EvalSetup<P = TaskPrompt> {
  runtime: Runtime;
  session: Session;
  /** The built-in task, whose programmatic gold judges the samples unless `gold` is given. */
  task?: BuiltinTask;
  /** Gold of each sample of a rollout, for a task without a programmatic gold (an imported dataset's gold RM). */
  gold?: (rollout: Rollout<P>) => Promise<Float64Array>;
  tokenizer: WordTokenizer | RolloutCodec<P>;
  prompts: readonly P[];
  samplesPerPrompt: number;
  seedBase: number;
  /** The proxy to report (the optimized one, or an evaluation-only proxy when gold is optimized). */
  proxy: RewardSource<P> | null;
  signal?: AbortSignal;
}

function perPromptMeans(values: ArrayLike<number>, prompts: number, k: number): Float64Array {
  const out = new Float64Array(prompts);
  for (let p = 0; p < prompts; p++) {
    let s = 0;
    for (let i = 0; i < k; i++) s += values[p * k + i]!;
    out[p] = s / k;
  }
  return out;
}

function builtinTaskOf<P>(e: EvalSetup<P>): BuiltinTask {
  if (!e.task) throw new Error("evaluatePolicy: give the built-in task or a gold scorer");
  return e.task;
}

export async function evaluatePolicy<P = TaskPrompt>(rl: RlPolicy, step: number, e: EvalSetup<P>): Promise<EvalPoint> {
  const k = e.samplesPerPrompt;
  const prompts = e.prompts.flatMap((p) => Array.from({ length: k }, () => p));
  const seeds = prompts.map((_, i) => e.seedBase + i);
  const rollout = await sampleRollout(e.runtime, rl.sampler(), e.tokenizer, prompts, seeds, e.signal);
  const analysis = await analyseRollout(e.session, rl, rollout, codecOf(e.tokenizer).pad);
  const kls = rollout.completions.map((_, i) => sequenceKl(analysis.exactKl[i]!, analysis.logp[i]!, analysis.refLogp[i]!));
  const P = e.prompts.length;
  const stat = (values: ArrayLike<number>): MeanSe => {
    const m = meanAndSe(perPromptMeans(values, P, k));
    return { mean: m.mean, se: m.se };
  };
  const gold = e.gold ? await e.gold(rollout) : goldOf(builtinTaskOf(e), rollout as unknown as Rollout);
  const scored = e.proxy ? await e.proxy.score(rollout) : null;
  let disagreement: number | null = null;
  if (scored?.members && scored.members.length > 1) {
    const sd = new Float64Array(rollout.completions.length);
    for (let j = 0; j < sd.length; j++) {
      const col = scored.members.map((row) => row[j]!);
      const mu = col.reduce((s, x) => s + x, 0) / col.length;
      sd[j] = Math.sqrt(col.reduce((s, x) => s + (x - mu) ** 2, 0) / col.length);
    }
    disagreement = sd.reduce((s, x) => s + x, 0) / sd.length;
  }
  const kl = Object.fromEntries(KL_ESTIMATORS.map((est) => [est, stat(Float64Array.from(kls, (x) => x[est]))])) as Record<
    KlEstimator,
    MeanSe
  >;
  return {
    step,
    gold: stat(gold),
    proxy: scored ? stat(scored.reward) : null,
    members: scored?.members ? scored.members.map((row) => stat(row)) : null,
    kl,
    perPrompt: {
      gold: perPromptMeans(gold, P, k),
      proxy: scored ? perPromptMeans(scored.reward, P, k) : null,
      klExact: perPromptMeans(
        Float64Array.from(kls, (x) => x.exact),
        P,
        k,
      ),
    },
    disagreement,
    entropy: analysis.entropy.reduce((s, x) => s + x, 0) / analysis.entropy.length,
    prompts: P,
  };
}
