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
import { analyseRollout, sampleRollout } from "./rollout.ts";

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

export interface EvalSetup {
  runtime: Runtime;
  session: Session;
  task: BuiltinTask;
  tokenizer: WordTokenizer;
  prompts: readonly TaskPrompt[];
  samplesPerPrompt: number;
  seedBase: number;
  /** The proxy to report (the optimized one, or an evaluation-only proxy when gold is optimized). */
  proxy: RewardSource | null;
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

export async function evaluatePolicy(rl: RlPolicy, step: number, e: EvalSetup): Promise<EvalPoint> {
  const k = e.samplesPerPrompt;
  const prompts = e.prompts.flatMap((p) => Array.from({ length: k }, () => p));
  const seeds = prompts.map((_, i) => e.seedBase + i);
  const rollout = await sampleRollout(e.runtime, rl.sampler(), e.tokenizer, prompts, seeds, e.signal);
  const analysis = await analyseRollout(e.session, rl, rollout, e.tokenizer.special.pad);
  const kls = rollout.completions.map((_, i) => sequenceKl(analysis.exactKl[i]!, analysis.logp[i]!, analysis.refLogp[i]!));
  const P = e.prompts.length;
  const stat = (values: ArrayLike<number>): MeanSe => {
    const m = meanAndSe(perPromptMeans(values, P, k));
    return { mean: m.mean, se: m.se };
  };
  const gold = goldOf(e.task, rollout);
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
