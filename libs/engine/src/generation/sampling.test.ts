import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { createRng } from "../random/rng.ts";
import { argmax, candidateTokens, logSoftmaxAt, resolveSamplingOptions, sampleToken } from "./sampling.ts";

const logits = Float32Array.from([0.5, 3, -1, 2.5, 2.9, 0, -4, 1]);

describe("host sampling", () => {
  it("top-k keeps exactly the k largest logits", () => {
    const { tokens, probs } = candidateTokens(logits, resolveSamplingOptions({ topK: 3 }));
    expect(tokens).toEqual([1, 4, 3]);
    expect(probs.reduce((s, p) => s + p, 0)).toBeCloseTo(1, 12);
  });

  it("top-k selection agrees with a full sort on a long row (ties broken by index)", () => {
    const rng = createRng(3);
    const row = Float32Array.from({ length: 500 }, () => Math.round(rng.normal() * 20) / 4); // many ties
    const sorted = Array.from({ length: 500 }, (_, i) => i).sort((a, b) => row[b]! - row[a]! || a - b);
    for (const k of [1, 5, 17, 80]) expect(candidateTokens(row, resolveSamplingOptions({ topK: k })).tokens).toEqual(sorted.slice(0, k));
  });

  it("plain sampling draws each token with its softmax probability", () => {
    const rng = createRng(2);
    const options = resolveSamplingOptions({ temperature: 1.5 });
    const counts = new Array<number>(logits.length).fill(0);
    const n = 40000;
    for (let i = 0; i < n; i++) counts[sampleToken(logits, options, rng.uniform())]!++;
    const { tokens, probs } = candidateTokens(logits, options);
    tokens.forEach((t, i) => expect(Math.abs(counts[t]! / n - probs[i]!)).toBeLessThan(0.01));
  });

  it("top-p keeps the smallest most-likely prefix reaching p", () => {
    const full = candidateTokens(logits, resolveSamplingOptions({}));
    const p = full.probs[0]! + full.probs[1]! - 1e-9; // needs exactly two tokens
    expect(candidateTokens(logits, resolveSamplingOptions({ topP: p })).tokens).toEqual([1, 4]);
    expect(candidateTokens(logits, resolveSamplingOptions({ topP: 1e-6 })).tokens).toEqual([1]);
  });

  it("never draws outside the allowed set, and draws from all of it", () => {
    const rng = createRng(1);
    const options = resolveSamplingOptions({ topK: 4, topP: 0.8, temperature: 1.3 });
    const allowed = new Set(candidateTokens(logits, options).tokens);
    const seen = new Set<number>();
    for (let i = 0; i < 2000; i++) seen.add(sampleToken(logits, options, rng.uniform()));
    expect([...seen].every((t) => allowed.has(t))).toBe(true);
    expect(seen.size).toBe(allowed.size);
  });

  it("temperature 0 is argmax and a tiny temperature matches it", () => {
    expect(sampleToken(logits, resolveSamplingOptions({ temperature: 0 }), 0.99)).toBe(1);
    expect(sampleToken(logits, resolveSamplingOptions({ temperature: 1e-3 }), 0.99)).toBe(argmax(logits));
  });

  it("log-softmax matches the definition", () => {
    const z = Array.from(logits).reduce((s, x) => s + Math.exp(x), 0);
    expect(logSoftmaxAt(logits, 3)).toBeCloseTo(logits[3]! - Math.log(z), 6);
  });

  it("rejects bad options with the field named", () => {
    expect(() => resolveSamplingOptions({ topP: 0 })).toThrow(/topP/);
    expect(() => resolveSamplingOptions({ temperature: -1 })).toThrow(/temperature/);
    expect(() => resolveSamplingOptions({ topK: 1.5 })).toThrow(/topK/);
  });
});

describe("partial selection (no full-vocabulary sort)", () => {
  /** The textbook form: sort every token, then cut by k and p. */
  function reference(logits: number[], o: { temperature: number; topK: number; topP: number }) {
    const order = logits.map((_, i) => i).sort((a, b) => logits[b]! - logits[a]! || a - b);
    const kept = o.topK > 0 ? order.slice(0, o.topK) : order;
    const max = logits[kept[0]!]!;
    const w = kept.map((t) => Math.exp((logits[t]! - max) / o.temperature));
    const total = w.reduce((s, x) => s + x, 0);
    let n = 0;
    let cum = 0;
    while (n < kept.length && (n === 0 || cum < o.topP)) cum += w[n++]! / total;
    return kept.slice(0, o.topP < 1 ? n : kept.length);
  }

  it("keeps exactly the tokens a full sort keeps, in the same order (ties, plateaus, top-k and top-p)", () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: -8, max: 8 }), { minLength: 1, maxLength: 300 }),
        fc.integer({ min: 0, max: 40 }),
        fc.constantFrom(0.1, 0.5, 0.9, 0.99, 1),
        fc.constantFrom(0.5, 1, 2),
        (ints, topK, topP, temperature) => {
          const logits = ints.map((x) => x / 2); // coarse values: many exact ties
          const o = resolveSamplingOptions({ temperature, topK, topP });
          expect(candidateTokens(Float32Array.from(logits), o).tokens).toEqual(reference(logits, o));
        },
      ),
      { numRuns: 300, seed: 18 },
    );
  });

  it("top-p over a 50k vocabulary selects without sorting the whole row", () => {
    const rng = createRng(3);
    const row = Float32Array.from({ length: 50257 }, () => rng.normal() * 3);
    const o = resolveSamplingOptions({ temperature: 1, topP: 0.9 });
    const got = candidateTokens(row, o);
    expect(got.tokens).toEqual(reference(Array.from(row), o));
    expect(got.probs.reduce((s, p) => s + p, 0)).toBeCloseTo(1, 9);
  });
});
