import { ByteTokenizer } from "@goodhart/engine";
import { describe, expect, it } from "vitest";
import { DatasetEncoder } from "./encoder.ts";
import { type LabelledExample, splitDataset, toPairs } from "./pairs.ts";

const examples: LabelledExample[] = Array.from({ length: 400 }, (_, i) => ({
  id: i + 1,
  prompt: `prompt ${Math.floor(i / 2)}`, // two pairs per prompt
  responseA: `a${i}`,
  responseB: `b${i}`,
  preferred: i % 7 === 0 ? "tie" : i % 2 === 0 ? "a" : "b",
}));

describe("dataset task splits", () => {
  it("drop ties, put the preferred response first, and keep every prompt on one side", () => {
    const { pairs, dropped } = toPairs(examples);
    expect(dropped).toBe(examples.filter((e) => e.preferred === "tie").length);
    expect(pairs.find((p) => p.id === 2)).toMatchObject({ chosen: "b1", rejected: "a1" });
    const s = splitDataset(examples, { seed: 3, heldOutFraction: 0.2 });
    expect(s.train.length + s.heldOut.length).toBe(pairs.length);
    const trainPrompts = new Set(s.train.map((p) => p.prompt));
    expect(s.heldOut.some((p) => trainPrompts.has(p.prompt))).toBe(false);
    expect(s.heldOut.length / pairs.length).toBeGreaterThan(0.1);
    expect(s.heldOut.length / pairs.length).toBeLessThan(0.3);
    expect(new Set(s.evalPrompts)).toEqual(new Set(s.heldOut.map((p) => p.prompt)));
    // The same seed gives the same split whatever the row order; another seed another split.
    const again = splitDataset([...examples].reverse(), { seed: 3, heldOutFraction: 0.2 });
    expect(new Set(again.heldOut.map((p) => p.id))).toEqual(new Set(s.heldOut.map((p) => p.id)));
    expect(new Set(splitDataset(examples, { seed: 4, heldOutFraction: 0.2 }).heldOut.map((p) => p.id))).not.toEqual(
      new Set(s.heldOut.map((p) => p.id)),
    );
  });

  it("hold out the file's own test split", () => {
    const marked = examples.map((e) => ({ ...e, split: e.id <= 40 ? "test" : "train" }));
    const s = splitDataset(marked, { seed: 0, heldOutFraction: 0.5 });
    expect(s.heldOut.every((p) => p.id <= 40)).toBe(true);
    expect(s.heldOut.length).toBe(toPairs(marked.filter((e) => e.id <= 40)).pairs.length);
  });

  it("refuse a dataset too small to split", () => {
    expect(() => splitDataset(examples.slice(0, 1), { seed: 0, heldOutFraction: 0.5 })).toThrow(/needs both/);
  });
});

describe("DatasetEncoder", () => {
  it("keeps the end of a long prompt and the start of a long response", () => {
    const e = new DatasetEncoder(new ByteTokenizer(), { maxPromptTokens: 4, maxResponseTokens: 3 });
    const seq = e.sequence("abcdefgh", "xyzw");
    expect(seq).toEqual(
      [e.bos, ..."efgh"]
        .map((c) => (typeof c === "number" ? c : c.charCodeAt(0)))
        .concat([e.sep, ..."xyz".split("").map((c) => c.charCodeAt(0)), e.eos]),
    );
    expect(seq.length).toBeLessThanOrEqual(e.maxSeq);
  });
});
