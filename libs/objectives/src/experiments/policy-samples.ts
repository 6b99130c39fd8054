/**
 * Samples completions of the base policy for many prompts, in batches, with one seed per sample so
 * each completion is reproducible on its own (independent of batch composition).
 */
import { generate, type Gpt, type Runtime } from "@goodhart/engine";
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
export async function samplePolicy(runtime: Runtime, policy: Gpt, tokenizer: WordTokenizer, prompts: readonly TaskPrompt[], options: SampleOptions): Promise<PolicySample[]> {
  const batchSize = options.batchSize ?? 256;
  const out: PolicySample[] = [];
  const eos = tokenizer.special.eos;
  // Sort by prompt length so a batch wastes little padding; results go back in input order.
  const order = prompts.map((_, i) => i).sort((a, b) => prompts[a]!.words.length - prompts[b]!.words.length || a - b);
  const result = new Array<PolicySample>(prompts.length);
  for (let start = 0; start < order.length; start += batchSize) {
    options.signal?.throwIfAborted();
    const rows = order.slice(start, start + batchSize);
    const g = await generate(runtime, policy, rows.map((i) => tokenizer.promptIds(prompts[i]!.words)), {
      maxNewTokens: MAX_COMPLETION_TOKENS,
      stopToken: eos,
      padToken: tokenizer.special.pad,
      seeds: rows.map((i) => options.seed + i),
    });
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
