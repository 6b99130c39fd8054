import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Rng, createRuntime, type Runtime } from "@goodhart/engine";
import { createTask } from "../task/task.ts";
import { WordTokenizer } from "../task/word-tokenizer.ts";
import { CategoryRouter, routePrompts, trainRouter } from "./router.ts";

let rt: Runtime;
beforeAll(async () => {
  rt = await createRuntime({ device: "cpu", threads: 1 });
});
afterAll(async () => {
  await rt.release();
});

describe("DMoERM router", () => {
  it("learns the built-in task's categories from training prompts and routes held-out prompts", async () => {
    const task = createTask(3, { prompts: { train: 400, validation: 10, test: 200 } });
    const tok = new WordTokenizer(task.vocabulary);
    const categories = [...task.categories];
    const tokens = (p: (typeof task.prompts.train)[number]) => tok.encodeWords(p.words);
    const router = new CategoryRouter(categories, tok.vocabSize, 1);
    const before = await routePrompts(rt, router, task.prompts.test.map(tokens));
    const fit = await trainRouter(
      rt,
      router,
      task.prompts.train.map((p) => ({ tokens: tokens(p), category: categories.indexOf(p.category) })),
      new Rng(0),
    );
    const after = await routePrompts(rt, router, task.prompts.test.map(tokens));
    const accuracy = (picked: number[]) => picked.filter((c, i) => categories[c] === task.prompts.test[i]!.category).length / picked.length;
    expect(fit.finalAccuracy).toBeGreaterThan(0.95);
    expect(accuracy(after)).toBeGreaterThan(0.95);
    // Untrained, it is a near-constant guess: the accuracy comes from training.
    expect(accuracy(before)).toBeLessThan(0.7);
  });

  it("refuses category indices and token ids outside its range", async () => {
    const router = new CategoryRouter(["a", "b"], 10, 1);
    await expect(trainRouter(rt, router, [{ tokens: [1], category: 2 }], new Rng(0))).rejects.toThrow(/prompt 0 has category index 2/);
    expect(() => router.features([[10]])).toThrow(/token id 10 outside the vocabulary/);
  });
});
