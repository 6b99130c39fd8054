/**
 * Rollouts: completions drawn from the current policy at temperature 1 (one seed per sample, so a
 * sample does not depend on its batch), and what the learner needs of them: token log-probs under
 * the policy and the frozen reference, the exact per-token KL, values and entropy.
 */
import { generate, type Gpt, type Runtime, type Session } from "@goodhart/engine";
import { MAX_COMPLETION_TOKENS } from "../task/base-policy.ts";
import type { TaskPrompt } from "../task/prompts.ts";
import { WordTokenizer } from "../task/word-tokenizer.ts";
import { lengthBatches } from "./length-batches.ts";
import { completionSlice, rowBatch, type RlPolicy, type RowBatch } from "./policy.ts";

export interface Rollout<P = TaskPrompt> {
  prompts: P[];
  promptIds: number[][];
  /** Tokens the policy chose, up to and including its end token (the actions). */
  completions: number[][];
  /** The completion's words (special tokens dropped): what gold judges. */
  words: string[][];
  /** `<bos> prompt <sep> words <eos>`: what reward models score. */
  sequences: number[][];
}

/**
 * How a task's prompts become tokens and its completions text: the built-in task's word tokenizer
 * (wordCodec), or an imported dataset's encoder (task/dataset/rl.ts).
 */
export interface RolloutCodec<P> {
  pad: number;
  eos: number;
  maxNewTokens: number;
  promptIds(prompt: P): number[];
  /** The completion's body: its tokens before the end token, without special tokens. */
  body(completion: readonly number[]): number[];
  words(body: readonly number[]): string[];
}

/** The built-in task's codec: word ids after four special tokens, MAX_COMPLETION_TOKENS new tokens. */
export function wordCodec(tokenizer: WordTokenizer): RolloutCodec<TaskPrompt> {
  const eos = tokenizer.special.eos;
  return {
    pad: tokenizer.special.pad,
    eos,
    maxNewTokens: MAX_COMPLETION_TOKENS,
    promptIds: (p) => tokenizer.promptIds(p.words),
    body: (t) => {
      const end = t.indexOf(eos);
      return (end >= 0 ? t.slice(0, end) : t).filter((id) => id >= 4);
    },
    words: (b) => tokenizer.decodeWords(b),
  };
}

/** A codec as given, or the built-in task's for its word tokenizer. */
export function codecOf<P>(tokenizer: WordTokenizer | RolloutCodec<P>): RolloutCodec<P> {
  return tokenizer instanceof WordTokenizer ? (wordCodec(tokenizer) as unknown as RolloutCodec<P>) : tokenizer;
}

/** Draws one completion per prompt entry (repeat a prompt for several). */
export async function sampleRollout<P = TaskPrompt>(
  runtime: Runtime,
  policy: Gpt,
  tokenizer: WordTokenizer | RolloutCodec<P>,
  prompts: readonly P[],
  seeds: readonly number[],
  signal?: AbortSignal,
): Promise<Rollout<P>> {
  signal?.throwIfAborted();
  const codec = codecOf(tokenizer);
  const eos = codec.eos;
  const promptIds = prompts.map((p) => codec.promptIds(p));
  const g = await generate(runtime, policy, promptIds, {
    maxNewTokens: codec.maxNewTokens,
    stopToken: eos,
    padToken: codec.pad,
    seeds: [...seeds],
    temperature: 1,
  });
  const completions = g.tokens.map((t) => [...t]);
  const bodies = completions.map((t) => codec.body(t));
  return {
    prompts: [...prompts],
    promptIds,
    completions,
    words: bodies.map((b) => codec.words(b)),
    sequences: bodies.map((b, i) => [...promptIds[i]!, ...b, eos]),
  };
}

/** Per-sample, per-completion-token values of a rollout under the current policy. */
export interface RolloutAnalysis {
  /** The rollout's rows laid out as one batch (the analysis itself runs over batches of similar length). */
  batch: RowBatch;
  logp: Float64Array[];
  refLogp: Float64Array[];
  exactKl: Float64Array[];
  values: Float64Array[];
  /** Mean token entropy of each sample's completion. */
  entropy: Float64Array;
}

/**
 * Runs the analysis program over a rollout, in batches of rows of similar length
 * (length-batches.ts): each row's values do not depend on the other rows, and a batch padded to the
 * rollout's longest completion would spend much of its work on padding.
 */
export async function analyseRollout<P>(session: Session, rl: RlPolicy, rollout: Rollout<P>, pad: number): Promise<RolloutAnalysis> {
  const n = rollout.completions.length;
  const batch = rowBatch(rollout.promptIds, rollout.completions, pad);
  const params = rl.feeds();
  const names = ["logp", "ref_logp", "exact_kl", "values", "entropy"] as const;
  const out = Object.fromEntries(names.map((name) => [name, new Array<Float64Array>(n)])) as Record<(typeof names)[number], Float64Array[]>;
  for (const rows of lengthBatches(rollout.completions.map((c, i) => rollout.promptIds[i]!.length + c.length))) {
    const part = rowBatch(
      rows.map((r) => rollout.promptIds[r]!),
      rows.map((r) => rollout.completions[r]!),
      pad,
    );
    const { actions: _unused, ...inputs } = part.feeds; // the analysis reads every position
    const result = await session.run({ ...params, ...inputs });
    for (const name of names)
      rows.forEach((r, b) => (out[name][r] = completionSlice(result[name]!.data as Float32Array, part, b, rollout.completions[r]!.length)));
  }
  const entropy = out.entropy.map((e) => e.reduce((s, x) => s + x, 0) / Math.max(1, e.length));
  return {
    batch,
    logp: out.logp,
    refLogp: out.ref_logp,
    exactKl: out.exact_kl,
    values: out.values,
    entropy: Float64Array.from(entropy),
  };
}
