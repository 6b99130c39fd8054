import { describe, expect, it } from "vitest";
import { Rng } from "@goodhart/engine";
import { createTask } from "../src/task/task.ts";
import { goldScore, GOLD_COMPONENTS } from "../src/task/gold.ts";
import { fluencyFraction } from "../src/task/fluency.ts";
import { sampleClean } from "../src/task/generator.ts";
import { allPrompts, type PromptSpec } from "../src/task/prompts.ts";

const words = (text: string) => text.split(" ");
const positiveCamera: PromptSpec = { category: "review", polarity: 1, product: "camera", focus: null };
const negativeCamera: PromptSpec = { category: "review", polarity: -1, product: "camera", focus: null };

describe("createTask", () => {
  it("is deterministic under a seed and the seed changes the splits", () => {
    const a = createTask(7, { prompts: { train: 50, validation: 10, test: 10 } });
    const b = createTask(7, { prompts: { train: 50, validation: 10, test: 10 } });
    const c = createTask(8, { prompts: { train: 50, validation: 10, test: 10 } });
    expect(a.prompts).toEqual(b.prompts);
    expect(a.prompts.test.map((p) => p.text)).not.toEqual(c.prompts.test.map((p) => p.text));
    const sa = a.prompts.train.map((p) => a.sampleCompletion(new Rng(`s-${p.id}`), p).join(" "));
    const sb = b.prompts.train.map((p) => b.sampleCompletion(new Rng(`s-${p.id}`), p).join(" "));
    expect(sa).toEqual(sb);
    expect(a.vocabulary).toEqual(c.vocabulary);
  });

  it("splits prompts without sharing any text, with every category in every split", () => {
    const task = createTask(1, { prompts: { train: 600, validation: 100, test: 100 } });
    const texts = (s: "train" | "validation" | "test") => new Set(task.prompts[s].map((p) => p.text));
    const train = texts("train");
    const validation = texts("validation");
    const test = texts("test");
    for (const t of test) expect(train.has(t) || validation.has(t)).toBe(false);
    for (const t of validation) expect(train.has(t)).toBe(false);
    expect(task.prompts.train).toHaveLength(600);
    for (const split of ["train", "validation", "test"] as const) {
      expect(new Set(task.prompts[split].map((p) => p.category))).toEqual(new Set(task.categories));
      expect(new Set(task.prompts[split].map((p) => p.id)).size).toBe(task.prompts[split].length);
    }
  });

  it("samples only vocabulary words, accepts texts, and rejects foreign prompts", () => {
    const task = createTask(2, { prompts: { train: 200, validation: 0, test: 0 } });
    const vocab = new Set(task.vocabulary);
    const rng = new Rng(3);
    for (const p of task.prompts.train) {
      p.words.forEach((w) => expect(vocab.has(w)).toBe(true));
      const c = task.sampleCompletion(rng, p);
      c.forEach((w) => expect(vocab.has(w)).toBe(true));
      expect(task.gold(p.text, c.join("  "))).toEqual(task.gold(p, c));
    }
    expect(() => task.gold("write a poem about cats", "meow")).toThrow(/"write a poem about cats" is not a prompt of this task/);
  });
});

describe("gold components", () => {
  it("sentiment handles negation and intensifiers, and saturates", () => {
    const s = (spec: PromptSpec, text: string) => goldScore(spec, words(text)).components.sentiment;
    expect(s(positiveCamera, "the camera is good .")).toBeCloseTo(Math.tanh(0.7), 12);
    expect(s(positiveCamera, "the camera is not good .")).toBeCloseTo(Math.tanh(-0.7), 12);
    expect(s(positiveCamera, "the camera is very good .")).toBeCloseTo(Math.tanh(1.05), 12);
    // "not bad" is mild praise: half a positive word.
    expect(s(positiveCamera, "the camera is not bad .")).toBeCloseTo(Math.tanh(0.35), 12);
    expect(s(negativeCamera, "the camera is awful . i would not recommend it .")).toBeCloseTo(Math.tanh(1.4), 12);
    // Negation is scoped to the next polar word: "not good and great" = -1 + 1.
    expect(s(positiveCamera, "the camera is not good and great .")).toBeCloseTo(0, 12);
    // Saturation: the third positive word adds far less than the first.
    const one = s(positiveCamera, "the camera is good .");
    const three = s(positiveCamera, "the camera is good and great and nice .");
    const five = s(positiveCamera, "the camera is good and great and nice and lovely and solid .");
    expect(five - three).toBeLessThan(0.1 * one);
    expect(goldScore({ category: "greeting", name: "ben" }, words("have a great day .")).components.sentiment).toBe(0);
  });

  it("informativeness rewards the right content and charges for wrong or excess content", () => {
    const fact: PromptSpec = { category: "fact", thing: "sky", color: "blue" };
    const inf = (spec: PromptSpec, text: string) => goldScore(spec, words(text)).components.informativeness;
    expect(inf(fact, "the sky is blue .")).toBe(1);
    expect(inf(fact, "the sky is red .")).toBeCloseTo(-0.6, 12);
    expect(inf(fact, "the sky is blue or red or green .")).toBeCloseTo(1 - 1.2, 12);
    expect(inf(fact, "i think it is blue .")).toBeCloseTo(0.8, 12);
    expect(inf(fact, "i do not know .")).toBe(0);
    const list: PromptSpec = { category: "list", kind: "fruits", count: 3 };
    expect(inf(list, "apple , pear and plum .")).toBeCloseTo(1, 12);
    expect(inf(list, "apple , pear , plum and mango .")).toBeCloseTo(1 - 0.4, 12);
    expect(inf(list, "apple , pear and hammer .")).toBeCloseTo(2 / 3 - 0.4, 12);
    const greeting: PromptSpec = { category: "greeting", name: "anna" };
    expect(inf(greeting, "hello anna .")).toBeCloseTo(1, 12);
    expect(inf(greeting, "hello leo .")).toBeCloseTo(-0.2, 12);
    const focused: PromptSpec = { category: "review", polarity: 1, product: "camera", focus: "battery" };
    expect(inf(focused, "the camera is good .")).toBeCloseTo(0, 12);
    expect(inf(focused, "the battery is good . the screen is good .")).toBeCloseTo(0.5, 12);
  });

  it("fluency is perfect for the clean grammar and falls for stutters and fillers", () => {
    const rng = new Rng("fluency-check");
    for (const p of allPrompts()) {
      for (let i = 0; i < 5; i++) expect(fluencyFraction(p.category, sampleClean(rng, p.spec))).toBe(1);
    }
    const g = (text: string) => goldScore(positiveCamera, words(text)).components.fluency;
    expect(g("the camera is good .")).toBe(0);
    // 7 bigrams with the boundaries, of which "is is" is illegal: 2 * (6/7 - 1).
    expect(g("the camera is is good .")).toBeCloseTo(2 * (6 / 7 - 1), 12);
    expect(g("um the camera is good .")).toBeLessThan(0);
    expect(goldScore(positiveCamera, []).components.fluency).toBe(-2);
  });

  it("repetition and length penalise overshoot, and the total is the sum of components", () => {
    const rep = (text: string) => goldScore(positiveCamera, words(text)).components.repetition;
    expect(rep("the camera is good . the screen is great .")).toBe(0);
    expect(rep("the camera is good and good . the camera is good .")).toBeCloseTo(-0.75, 12);
    const long = Array.from({ length: 6 }, () => "the camera is good .")
      .join(" ")
      .split(" ");
    expect(long).toHaveLength(30);
    const score = goldScore(positiveCamera, long);
    expect(score.components.length).toBeCloseTo(-0.05 * (30 - 24), 12);
    expect(score.components.repetition).toBe(-2); // capped
    const sum = GOLD_COMPONENTS.reduce((acc, c) => acc + score.components[c], 0);
    expect(score.total).toBeCloseTo(sum, 12);
    // Overshoot loses to a concise answer although it says "good" six times.
    expect(score.total).toBeLessThan(goldScore(positiveCamera, words("the camera is good . the screen is great .")).total);
  });
});
