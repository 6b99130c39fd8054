import { describe, expect, it } from "vitest";
import { Gpt, createRuntime, logprobs } from "@goodhart/engine";
import { createTask } from "../task/task.ts";
import { WordTokenizer } from "../task/word-tokenizer.ts";
import { MAX_COMPLETION_TOKENS } from "../task/base-policy.ts";
import { sampleLogProbs, type PolicySample } from "./policy-samples.ts";

describe("sampleLogProbs", () => {
  it("sums the completion's token log-probabilities, counting the end token only when the policy produced it", async () => {
    const task = createTask(0, { prompts: { train: 4, validation: 1, test: 1 } });
    const tokenizer = new WordTokenizer(task.vocabulary);
    const policy = new Gpt({ vocab: tokenizer.vocabSize, maxSeq: 64, dModel: 16, nHeads: 2, nLayers: 1 }, { seed: 3 });
    const prompt = task.prompts.train[0]!;
    const promptIds = tokenizer.promptIds(prompt.words);
    const word = tokenizer.promptIds([prompt.words[0]!])[1]!; // a real word id
    const ended: PolicySample = { prompt, words: [], sequence: [...promptIds, word, word, tokenizer.special.eos] };
    const cut: PolicySample = {
      prompt,
      words: [],
      sequence: [...promptIds, ...Array(MAX_COMPLETION_TOKENS).fill(word), tokenizer.special.eos],
    };
    const runtime = await createRuntime({ device: "cpu", threads: 1 });
    try {
      const lp = await sampleLogProbs(runtime, policy, tokenizer, [ended, cut]);
      const direct = await logprobs(
        runtime,
        policy,
        [promptIds, promptIds],
        [[word, word, tokenizer.special.eos], Array(MAX_COMPLETION_TOKENS).fill(word)],
        { padToken: 0 },
      );
      expect(lp[0]).toBeCloseTo(direct.sums[0]!, 5);
      expect(lp[1]).toBeCloseTo(direct.sums[1]!, 5);
      expect(lp[1]!).toBeLessThan(0);
    } finally {
      await runtime.release();
    }
  });
});
