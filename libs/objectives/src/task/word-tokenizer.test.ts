import { describe, expect, it } from "vitest";
import { createTask } from "./task.ts";
import { WordTokenizer } from "./word-tokenizer.ts";
import { Rng } from "@goodhart/engine";

describe("WordTokenizer", () => {
  const task = createTask(0);
  const tok = new WordTokenizer(task.vocabulary);

  it("has one id per task word after the four specials, and round-trips every generator sample", () => {
    expect(tok.vocabSize).toBe(task.vocabulary.length + 4);
    expect(tok.special).toEqual({ pad: 0, bos: 1, eos: 2, sep: 3 });
    const rng = new Rng(4);
    for (const prompt of task.prompts.train.slice(0, 200)) {
      const words = task.sampleCompletion(rng, prompt);
      const ids = tok.sequenceIds(prompt.words, words);
      expect(ids[0]).toBe(1);
      expect(ids[prompt.words.length + 1]).toBe(3);
      expect(ids[ids.length - 1]).toBe(2);
      expect(tok.decodeWords(ids)).toEqual([...prompt.words, ...words]);
      expect(tok.decode(tok.encode(words.join(" ")))).toBe(words.join(" "));
    }
  });

  it("refuses words outside the vocabulary, naming the word", () => {
    expect(() => tok.encode("this camera is gorgeous")).toThrow(/word 3 "gorgeous" is not in the task vocabulary/);
    expect(() => tok.encodeWords(["<eos>"])).toThrow(/"<eos>" is not in the task vocabulary/);
    expect(() => new WordTokenizer(["a", "a"])).toThrow(/"a" appears twice/);
  });

  it("pads batches on either side with the pad id", () => {
    const b = tok.encodeBatch(["good", "very good"], { padSide: "left" });
    expect(b.ids[0]![0]).toBe(0);
    expect(b.attentionMask).toEqual([
      [0, 1],
      [1, 1],
    ]);
  });
});
