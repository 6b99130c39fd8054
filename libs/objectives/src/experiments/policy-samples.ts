/**
 * Samples completions of the base policy for many prompts, in batches, with one seed per sample so
 * each completion is reproducible on its own (independent of batch composition).
 */
import { generate, logprobs, type Gpt, type Runtime } from "@goodhart/engine";
import type { TaskPrompt } from "../task/prompts.ts";
import { MAX_COMPLETION_TOKENS } from "../task/base-policy.ts";
import type { WordTokenizer } from "../task/word-tokenizer.ts";

export interface PolicySample {
  prompt: TaskPrompt;
  /** Completion words (the end token and anything after it dropped). */
  words: string[];
  /** Token ids of `<bos> prompt <sep> completion <eos>`: what reward models score. */
  sequence: number[];
}

export interface SampleOptions {
  /** Base of the per-sample seeds: sample i uses seed `seed + i`. */
  seed: number;
  /** Sequences per generation call. Default 256. */
  batchSize?: number;
  signal?: AbortSignal;
  /** Called after each batch with the samples done so far. */
  onBatch?: (done: number, total: number) => void;
}

/**
 * Draws one completion per entry of `prompts` (repeat a prompt to draw several) at temperature 1.
 * A completion that runs to MAX_COMPLETION_TOKENS without an end token is kept as it is (gold
 * charges its length) and closed with `<eos>` for scoring.
 */
export async function samplePolicy(
  runtime: Runtime,
  policy: Gpt,
  tokenizer: WordTokenizer,
  prompts: readonly TaskPrompt[],
  options: SampleOptions,
): Promise<PolicySample[]> {
  const batchSize = options.batchSize ?? 256;
  const out: PolicySample[] = [];
  const eos = tokenizer.special.eos;
  // Sort by prompt length so a batch wastes little padding; results go back in input order.
  const order = prompts.map((_, i) => i).sort((a, b) => prompts[a]!.words.length - prompts[b]!.words.length || a - b);
  const result = new Array<PolicySample>(prompts.length);
  for (let start = 0; start < order.length; start += batchSize) {
    options.signal?.throwIfAborted();
    const rows = order.slice(start, start + batchSize);
    const g = await generate(
      runtime,
      policy,
      rows.map((i) => tokenizer.promptIds(prompts[i]!.words)),
      {
        maxNewTokens: MAX_COMPLETION_TOKENS,
        stopToken: eos,
        padToken: tokenizer.special.pad,
        seeds: rows.map((i) => options.seed + i),
      },
    );
    rows.forEach((i, b) => {
      const tokens = g.tokens[b]!;
      const end = tokens.indexOf(eos);
      const body = (end >= 0 ? tokens.slice(0, end) : tokens).filter((t) => t >= 4);
      const prompt = prompts[i]!;
      const words = tokenizer.decodeWords(body);
      result[i] = { prompt, words, sequence: [...tokenizer.promptIds(prompt.words), ...body, eos] };
    });
    options.onBatch?.(Math.min(start + batchSize, order.length), order.length);
  }
  out.push(...result);
  return out;
}

/**
 * ln pi(completion | prompt) of each sample under `policy` (the base policy for the Beirami KL
 * estimate): the sum of the completion tokens' log-probabilities, with the end token counted only
 * when the policy produced it (a completion cut at MAX_COMPLETION_TOKENS was closed for scoring
 * only, and the event sampled was "these 40 tokens", not "these tokens, then the end").
 */
export async function sampleLogProbs(
  runtime: Runtime,
  policy: Gpt,
  tokenizer: WordTokenizer,
  samples: readonly PolicySample[],
  options: { batchSize?: number } = {},
): Promise<Float64Array> {
  const prompts: number[][] = [];
  const completions: number[][] = [];
  for (const s of samples) {
    const prompt = tokenizer.promptIds(s.prompt.words);
    const body = s.sequence.slice(prompt.length);
    const ended = body.length - 1 < MAX_COMPLETION_TOKENS; // body = completion tokens + the closing <eos>
    prompts.push(prompt);
    completions.push(ended ? body : body.slice(0, -1));
  }
  const lp = await logprobs(runtime, policy, prompts, completions, {
    padToken: tokenizer.special.pad,
    batchSize: options.batchSize ?? 256,
  });
  return Float64Array.from(lp.sums);
}
