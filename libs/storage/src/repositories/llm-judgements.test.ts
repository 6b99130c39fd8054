import { describe, expect, it } from "vitest";
import { openDatabase } from "../store.ts";

describe("LLM judgement cache", () => {
  it("returns an answer only for its exact (pair, template, model, order) and keeps malformed answers", () => {
    const store = openDatabase(":memory:");
    const key = { pair: "p1", template: "overall-v1#abc", model: "m", order: "ab" as const };
    expect(store.llmJudgements.get(key)).toBeUndefined();
    store.llmJudgements.put(key, { answer: "1", verdict: 1 });
    store.llmJudgements.put({ ...key, order: "ba" }, { answer: "I cannot decide", verdict: null });
    expect(store.llmJudgements.get(key)).toEqual({ answer: "1", verdict: 1 });
    expect(store.llmJudgements.get({ ...key, order: "ba" })).toEqual({ answer: "I cannot decide", verdict: null });
    expect(store.llmJudgements.get({ ...key, model: "other" })).toBeUndefined();
    expect(store.llmJudgements.get({ ...key, template: "overall-v2#abc" })).toBeUndefined();
    store.llmJudgements.put(key, { answer: "2", verdict: 2 });
    expect(store.llmJudgements.get(key)).toEqual({ answer: "2", verdict: 2 });
    store.close();
  });
});
