import type { Gpt } from "../models/gpt.ts";
import { checkVocab, padTokens } from "../models/batch-tensors.ts";
import type { ProjectionDelta } from "../models/trunk.ts";
import type { HostTensor, Runtime, Session } from "../runtime/runtime.ts";
import { Rng } from "../random/rng.ts";
import { KvCache } from "./kv-cache.ts";
import { decodeStepProgram, nextTokenProgram } from "./lm-programs.ts";
import type { SamplingOptions } from "./sampling.ts";
import { logSoftmaxAt, resolveSamplingOptions, sampleToken } from "./sampling.ts";

export interface GenerateOptions extends SamplingOptions {
  /** Tokens to generate per sequence at most. Default 32. */
  maxNewTokens?: number;
  /** A sequence ends after emitting this token (it is kept in the output). */
  stopToken?: number;
  /** Id used to left-pad prompts (masked out; any valid id). Default 0. */
  padToken?: number;
  /**
   * Per-sequence seeds (one per prompt), or one number s giving seeds s, s+1, ... Each sequence
   * draws from its own stream, so its tokens do not depend on the rest of the batch. Default 0.
   */
  seeds?: number | readonly number[];
  /** Decode with a KV cache (one position per step) or rerun the full forward each step. Default true. */
  kvCache?: boolean;
  /** A LoRA adapter of the model to generate with. */
  lora?: ProjectionDelta;
  /**
   * Sequences per batch; more prompts are generated in consecutive batches (per-sequence seeds
   * keep results independent of the split). Default: all prompts in one batch.
   */
  batchSize?: number;
  /**
   * With the KV cache, drop finished rows from the decode batch (once a quarter of it has
   * finished), so short completions stop costing compute while the longest one runs on. A row's
   * logits do not depend on the other rows, but ONNX Runtime's kernels for a smaller batch may round
   * differently: log-probs agree to about 1e-6 and tokens are the same unless a draw falls within
   * that of a boundary between tokens. Deterministic either way (the same inputs drop the same rows).
   * Default true.
   */
  dropFinished?: boolean;
}

export interface GenerationResult {
  /** New tokens per sequence, up to and including the stop token. */
  tokens: number[][];
  /**
   * log p(token | prefix) of each new token under the model's own temperature-1 distribution
   * (log-softmax of the raw logits), whatever temperature/top-k/top-p drew it: what KL terms need.
   */
  logprobs: number[][];
  /** Program runs, wall time, time inside ONNX Runtime, and rows summed over the KV-cache decode runs. */
  stats: { runs: number; ms: number; ortMs: number; samplingMs: number; decodeRows: number };
}

function seedsFor(seeds: GenerateOptions["seeds"], n: number): number[] {
  if (seeds === undefined || typeof seeds === "number") return Array.from({ length: n }, (_, i) => (seeds ?? 0) + i);
  if (seeds.length !== n) throw new Error(`generate: ${seeds.length} seeds for ${n} prompts; give one per prompt`);
  return [...seeds];
}

/**
 * Batched sampling from a Gpt. Prompts are left-padded; with the KV cache one prefill program
 * runs over the prompts and fills a fixed-capacity host cache ({@link KvCache}), then a decode
 * program per new token reads the cache and returns only the new position's keys/values.
 * Sampling (temperature, top-k, top-p, per-sequence seeds) runs on the host over the (B, V)
 * logits each step returns: a few percent of decode time at vocabularies of a few hundred.
 */
export async function generate(
  runtime: Runtime,
  model: Gpt,
  prompts: readonly (readonly number[])[],
  options: GenerateOptions = {},
): Promise<GenerationResult> {
  const size = options.batchSize ?? prompts.length;
  if (!Number.isInteger(size) || size < 1) throw new Error(`generate: batchSize must be a positive integer, got ${options.batchSize}`);
  if (prompts.length === 0) throw new Error("generate: no prompts");
  if (prompts.length <= size) return generateBatch(runtime, model, prompts, options);
  const seeds = seedsFor(options.seeds, prompts.length);
  const result: GenerationResult = { tokens: [], logprobs: [], stats: { runs: 0, ms: 0, ortMs: 0, samplingMs: 0, decodeRows: 0 } };
  for (let start = 0; start < prompts.length; start += size) {
    const part = await generateBatch(runtime, model, prompts.slice(start, start + size), {
      ...options,
      seeds: seeds.slice(start, start + size),
    });
    result.tokens.push(...part.tokens);
    result.logprobs.push(...part.logprobs);
    for (const k of ["runs", "ms", "ortMs", "samplingMs", "decodeRows"] as const) result.stats[k] += part.stats[k];
  }
  return result;
}

async function generateBatch(
  runtime: Runtime,
  model: Gpt,
  prompts: readonly (readonly number[])[],
  options: GenerateOptions,
): Promise<GenerationResult> {
  const t0 = performance.now();
  const sampling = resolveSamplingOptions(options);
  const maxNew = options.maxNewTokens ?? 32;
  const pad = options.padToken ?? 0;
  const B = prompts.length;
  if (!Number.isInteger(maxNew) || maxNew < 1)
    throw new Error(`generate: maxNewTokens must be a positive integer, got ${options.maxNewTokens}`);
  checkVocab(prompts, model.config.vocab, "generate prompts");
  checkVocab([[pad]], model.config.vocab, "generate padToken");
  const longest = Math.max(...prompts.map((p) => p.length));
  if (longest + maxNew > model.config.maxSeq)
    throw new Error(
      `generate: the longest prompt (${longest} tokens) plus maxNewTokens ${maxNew} exceeds the model's maxSeq ${model.config.maxSeq}`,
    );
  const rngs: Rng[] = seedsFor(options.seeds, B).map((s) => new Rng(s));
  const params = { ...model.store.feeds(), ...options.lora?.feeds() };
  const kv = options.kvCache ?? true;
  const prefill: Session = await runtime.session(nextTokenProgram(model, { withCache: kv, lora: options.lora }));
  const decode: Session | undefined = kv ? await runtime.session(decodeStepProgram(model, { lora: options.lora })) : undefined;

  const prompt = padTokens(prompts, pad, "left");
  let T = prompt.ids.shape[1]!;
  let ids = prompt.ids.data as BigInt64Array; // (B, T), grows when there is no cache
  let mask = prompt.mask.data as Uint8Array; // (B, T)
  const tokens: number[][] = prompts.map(() => []);
  const logprobs: number[][] = prompts.map(() => []);
  const done = new Array<boolean>(B).fill(false);
  let runs = 0;
  let ortMs = 0;
  let samplingMs = 0;
  let decodeRows = 0;
  const timed = async (s: Session, feeds: Record<string, HostTensor>) => {
    const before = s.stats.ortMs;
    const out = await s.run(feeds);
    ortMs += s.stats.ortMs - before;
    runs++;
    return out;
  };

  let out = await timed(prefill, { ...params, ids: prompt.ids, mask: prompt.mask });
  const c = model.config;
  // Capacity: the prompt plus every sampled token but the last, which is never fed back.
  let cache = kv ? new KvCache(B, c.nLayers, c.nKvHeads, c.headDim, T + maxNew - 1) : undefined;
  cache?.append(out, mask, T);
  const V = model.config.vocab;
  const dropFinished = options.dropFinished ?? true;
  // Original row of each row of the decode batch (all rows until finished ones are dropped).
  let live = Array.from({ length: B }, (_, b) => b);
  for (let step = 0; step < maxNew; step++) {
    const ts = performance.now();
    const logits = out.logits!.data as Float32Array; // (live rows, V)
    let next = new BigInt64Array(live.length).fill(BigInt(pad));
    live.forEach((b, i) => {
      if (done[b]) return;
      const token = sampleToken(logits, sampling, sampling.temperature === 0 ? 0 : rngs[b]!.uniform(), i * V, V);
      tokens[b]!.push(token);
      logprobs[b]!.push(logSoftmaxAt(logits, token, i * V, V));
      next[i] = BigInt(token);
      if (token === options.stopToken) done[b] = true;
    });
    samplingMs += performance.now() - ts;
    if (step === maxNew - 1 || done.every(Boolean)) break;
    if (decode && cache) {
      const keep = live.flatMap((b, i) => (done[b] ? [] : [i]));
      if (dropFinished && live.length - keep.length >= Math.max(1, live.length / 4)) {
        cache = cache.select(keep);
        next = BigInt64Array.from(keep, (i) => next[i]!);
        live = keep.map((i) => live[i]!);
      }
      const nextIds: HostTensor = { dtype: "int64", shape: [live.length, 1], data: next };
      out = await timed(decode, { ...params, ids: nextIds, ...cache.feeds() });
      decodeRows += live.length;
      cache.append(out, new Uint8Array(live.length).fill(1), 1); // finished rows not yet dropped too: their outputs are ignored
    } else {
      // No cache: rerun the full forward over the sequences grown by one real position.
      const longer = new BigInt64Array(B * (T + 1));
      const grown = new Uint8Array(B * (T + 1));
      for (let b = 0; b < B; b++) {
        longer.set(ids.subarray(b * T, (b + 1) * T), b * (T + 1));
        longer[b * (T + 1) + T] = next[b]!;
        grown.set(mask.subarray(b * T, (b + 1) * T), b * (T + 1));
        grown[b * (T + 1) + T] = 1;
      }
      ids = longer;
      mask = grown;
      T++;
      out = await timed(prefill, {
        ...params,
        ids: { dtype: "int64", shape: [B, T], data: ids },
        mask: { dtype: "bool", shape: [B, T], data: mask },
      });
    }
  }
  return { tokens, logprobs, stats: { runs, ms: performance.now() - t0, ortMs, samplingMs, decodeRows } };
}
