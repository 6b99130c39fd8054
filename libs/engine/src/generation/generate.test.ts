// Batched generation and scoring on real ONNX Runtime sessions with a tiny random Gpt.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import "../ops/all.ts";
import { input } from "../ir/tensor.ts";
import { Gpt } from "../models/gpt.ts";
import { randomRows, roughen } from "../models/test-helpers.test-helper.ts";
import type { Runtime } from "../runtime/runtime.ts";
import { createRuntime } from "../runtime/runtime.ts";
import type { GenerateOptions } from "./generate.ts";
import { generate } from "./generate.ts";
import { logprobs } from "./logprobs.ts";
import { candidateTokens, resolveSamplingOptions } from "./sampling.ts";

let rt: Runtime;
const V = 30;
const model = new Gpt({ vocab: V, maxSeq: 48, dModel: 32, nHeads: 4, nLayers: 2 }, { seed: 5 });
roughen(model.store, 21, 0.25);
const prompts = randomRows(3, [4, 1, 6, 3, 5, 2], V);

beforeAll(async () => {
  rt = await createRuntime({ device: "cpu", threads: 2 });
});
afterAll(async () => {
  await rt.release();
});

/** Full-forward logits (T, V) of one unpadded row. */
async function rowLogits(row: readonly number[]): Promise<Float32Array> {
  const ids = input("ids", "int64", [1, "seq"]);
  const s = await rt.session({ outputs: { logits: model.logits(ids) } });
  return (await s.run({ ...model.store.feeds(), ids: { dtype: "int64", shape: [1, row.length], data: BigInt64Array.from(row, BigInt) } }))
    .logits!.data as Float32Array;
}

/** Checks every generated token lies in the allowed set computed from the full forward's logits. */
async function expectAllowed(options: GenerateOptions): Promise<number> {
  const out = await generate(rt, model, prompts, { maxNewTokens: 12, ...options });
  const sampling = resolveSamplingOptions(options);
  let checked = 0;
  for (let b = 0; b < prompts.length; b++) {
    const row = [...prompts[b]!, ...out.tokens[b]!];
    const logits = await rowLogits(row);
    out.tokens[b]!.forEach((t, j) => {
      const pos = prompts[b]!.length - 1 + j;
      const allowed = candidateTokens(logits, sampling, pos * V, V).tokens;
      expect(allowed, `row ${b} token ${j}`).toContain(t);
      checked++;
    });
  }
  return checked;
}

describe("generate", () => {
  it("is reproducible per seed, independent of the rest of the batch, and seed-sensitive", async () => {
    const a = await generate(rt, model, prompts, { maxNewTokens: 10, seeds: 7 });
    const b = await generate(rt, model, prompts, { maxNewTokens: 10, seeds: 7 });
    expect(b.tokens).toEqual(a.tokens);
    expect(b.logprobs).toEqual(a.logprobs);
    const alone = await generate(rt, model, [prompts[2]!], { maxNewTokens: 10, seeds: [9] }); // seed of row 2 above
    expect(alone.tokens[0]).toEqual(a.tokens[2]);
    const split = await generate(rt, model, prompts, { maxNewTokens: 10, seeds: 7, batchSize: 4 });
    expect(split.tokens).toEqual(a.tokens);
    const other = await generate(rt, model, prompts, { maxNewTokens: 10, seeds: 1000 });
    expect(other.tokens).not.toEqual(a.tokens);
  });

  it("temperature -> 0 equals greedy, and greedy picks the full forward's argmax", async () => {
    const greedy = await generate(rt, model, prompts, { maxNewTokens: 10, temperature: 0 });
    const cold = await generate(rt, model, prompts, { maxNewTokens: 10, temperature: 1e-4, seeds: 123 });
    expect(cold.tokens).toEqual(greedy.tokens);
    expect(await expectAllowed({ temperature: 0 })).toBe(prompts.length * 12);
  });

  it("top-k and top-p never emit a token outside the allowed set", async () => {
    expect(await expectAllowed({ topK: 3, temperature: 2, seeds: 4 })).toBe(prompts.length * 12);
    expect(await expectAllowed({ topP: 0.5, temperature: 1.5, seeds: 5 })).toBe(prompts.length * 12);
    expect(await expectAllowed({ topK: 5, topP: 0.7, temperature: 3, seeds: 6 })).toBe(prompts.length * 12);
  });

  it("gives the same tokens and log-probs with and without the KV cache", async () => {
    const kv = await generate(rt, model, prompts, { maxNewTokens: 8, seeds: 11, temperature: 1.2 });
    const full = await generate(rt, model, prompts, { maxNewTokens: 8, seeds: 11, temperature: 1.2, kvCache: false });
    expect(full.tokens).toEqual(kv.tokens);
    full.logprobs.flat().forEach((l, i) => expect(Math.abs(l - kv.logprobs.flat()[i]!)).toBeLessThan(1e-4));
    expect(kv.stats.runs).toBe(8);
  });

  it("stops a sequence at the stop token and keeps it", async () => {
    const free = await generate(rt, model, prompts, { maxNewTokens: 16, seeds: 2 });
    const stop = free.tokens[0]![3]!; // a token row 0 emits at step 3
    const out = await generate(rt, model, prompts, { maxNewTokens: 16, seeds: 2, stopToken: stop });
    out.tokens.forEach((row, b) => {
      const first = free.tokens[b]!.indexOf(stop);
      expect(row).toEqual(first < 0 ? free.tokens[b] : free.tokens[b]!.slice(0, first + 1));
      expect(out.logprobs[b]!.length).toBe(row.length);
    });
    expect(out.tokens[0]!.length).toBeLessThanOrEqual(4);
  });

  it("drops finished rows from the decode batch without changing any row's tokens (log-probs to float rounding)", async () => {
    const many = randomRows(8, [4, 1, 6, 3, 5, 2, 6, 4, 2, 5, 3, 1], V);
    const free = await generate(rt, model, many, { maxNewTokens: 16, seeds: 4, dropFinished: false });
    const stop = free.tokens[0]![2]!; // rows finish at different steps
    const kept = await generate(rt, model, many, { maxNewTokens: 16, seeds: 4, stopToken: stop, dropFinished: false });
    const dropped = await generate(rt, model, many, { maxNewTokens: 16, seeds: 4, stopToken: stop });
    const lengths = new Set(kept.tokens.map((t) => t.length));
    expect(lengths.size, "rows should finish at different steps").toBeGreaterThan(2);
    expect(dropped.tokens).toEqual(kept.tokens);
    // A smaller batch may take other kernels in ONNX Runtime: equal up to float rounding.
    dropped.logprobs.flat().forEach((l, i) => expect(Math.abs(l - kept.logprobs.flat()[i]!)).toBeLessThan(1e-5));
    expect(dropped.stats.runs).toBe(kept.stats.runs);
    expect(dropped.stats.decodeRows).toBeLessThan(kept.stats.decodeRows);
  });

  it("returns the temperature-1 log-probs that logprobs() scores for the same completions", async () => {
    const out = await generate(rt, model, prompts, { maxNewTokens: 9, seeds: 3, temperature: 0.7, topK: 10 });
    const scored = await logprobs(rt, model, prompts, out.tokens, { batchSize: 4 });
    out.logprobs.forEach((row, b) => {
      row.forEach((l, j) => expect(Math.abs(l - scored.tokens[b]![j]!)).toBeLessThan(1e-4));
      expect(scored.sums[b]).toBeCloseTo(
        row.reduce((s, x) => s + x, 0),
        3,
      );
    });
    const logits = await rowLogits([...prompts[0]!, ...out.tokens[0]!]);
    const pos = prompts[0]!.length - 1;
    const row = logits.subarray(pos * V, (pos + 1) * V);
    const z = Math.log(Array.from(row).reduce((s, x) => s + Math.exp(x), 0));
    expect(scored.tokens[0]![0]).toBeCloseTo(row[out.tokens[0]![0]!]! - z, 4);
  });

  it("rejects prompts that do not fit and tokens outside the vocabulary", async () => {
    await expect(generate(rt, model, [[1, 2]], { maxNewTokens: 47 })).rejects.toThrow(/maxSeq 48/);
    await expect(generate(rt, model, [[1, V]], {})).rejects.toThrow(/row 0, position 1: token 30/);
    await expect(generate(rt, model, prompts, { seeds: [1, 2] })).rejects.toThrow(/2 seeds for 6 prompts/);
  });
});
