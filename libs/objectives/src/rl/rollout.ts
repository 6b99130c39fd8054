/**
 * Rollouts: completions drawn from the current policy at temperature 1 (one seed per sample, so a
 * sample does not depend on its batch), and what the learner needs of them: token log-probs under
 * the policy and the frozen reference, the exact per-token KL, values and entropy.
 */
import { generate, type Gpt, type Runtime, type Session } from "@goodhart/engine";
import { MAX_COMPLETION_TOKENS } from "../task/base-policy.ts";
import type { TaskPrompt } from "../task/prompts.ts";
import type { WordTokenizer } from "../task/word-tokenizer.ts";
import { completionSlice, rowBatch, type RlPolicy, type RowBatch } from "./policy.ts";

export interface Rollout {
  prompts: TaskPrompt[];
  promptIds: number[][];
  /** Tokens the policy chose, up to and including its end token (the actions). */
  completions: number[][];
  /** The completion's words (special tokens dropped): what gold judges. */
  words: string[][];
  /** `<bos> prompt <sep> words <eos>`: what reward models score. */
  sequences: number[][];
}

/** Draws one completion per prompt entry (repeat a prompt for several). */
export async function sampleRollout(
  runtime: Runtime,
  policy: Gpt,
  tokenizer: WordTokenizer,
  prompts: readonly TaskPrompt[],
  seeds: readonly number[],
  signal?: AbortSignal,
): Promise<Rollout> {
  signal?.throwIfAborted();
  const eos = tokenizer.special.eos;
  const promptIds = prompts.map((p) => tokenizer.promptIds(p.words));
  const g = await generate(runtime, policy, promptIds, {
    maxNewTokens: MAX_COMPLETION_TOKENS,
    stopToken: eos,
    padToken: tokenizer.special.pad,
    seeds: [...seeds],
    temperature: 1,
  });
  const completions = g.tokens.map((t) => [...t]);
  const bodies = completions.map((t) => {
    const end = t.indexOf(eos);
    return (end >= 0 ? t.slice(0, end) : t).filter((id) => id >= 4);
  });
  return {
    prompts: [...prompts],
    promptIds,
    completions,
    words: bodies.map((b) => tokenizer.decodeWords(b)),
    sequences: bodies.map((b, i) => [...promptIds[i]!, ...b, eos]),
  };
}

/** Per-sample, per-completion-token values of a rollout under the current policy. */
export interface RolloutAnalysis {
  batch: RowBatch;
  logp: Float64Array[];
  refLogp: Float64Array[];
  exactKl: Float64Array[];
  values: Float64Array[];
  /** Mean token entropy of each sample's completion. */
  entropy: Float64Array;
}

/** Runs the analysis program over a rollout (one batch). */
export async function analyseRollout(session: Session, rl: RlPolicy, rollout: Rollout, pad: number): Promise<RolloutAnalysis> {
  const batch = rowBatch(rollout.promptIds, rollout.completions, pad);
  const { actions: _unused, ...inputs } = batch.feeds; // the analysis reads every position
  const out = await session.run({ ...rl.feeds(), ...inputs });
  const take = (name: string) => rollout.completions.map((c, b) => completionSlice(out[name]!.data as Float32Array, batch, b, c.length));
  const entropy = take("entropy").map((e) => e.reduce((s, x) => s + x, 0) / Math.max(1, e.length));
  return {
    batch,
    logp: take("logp"),
    refLogp: take("ref_logp"),
    exactKl: take("exact_kl"),
    values: take("values"),
    entropy: Float64Array.from(entropy),
  };
}
