import { readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { gunzipSync, gzipSync } from "node:zlib";
import { afterAll, describe, expect, it } from "vitest";
import { detectFormat, importDataset, openDatabase } from "../src/index.ts";
import { preferenceFixture, tempDir } from "./helpers.ts";

const tmp = tempDir("goodhart-fixtures-");
afterAll(tmp.cleanup);

describe("real preference fixtures", () => {
  it("HH-RLHF: 2,312 pairs; the prompt is the shared dialogue up to the last Assistant turn", async () => {
    const store = openDatabase(":memory:");
    const file = preferenceFixture("hh-rlhf_harmless-base_test.jsonl.gz");
    const progress: number[] = [];
    const result = await importDataset(store, file, { onProgress: (p) => p.phase === "reading" && progress.push(p.rows) });
    expect(result).toMatchObject({ format: "hh-rlhf", rows: 2312, labels: 2312 });
    expect(result.report).toMatchObject({ container: "jsonl", gzip: true, labelSource: "human" });
    expect(progress).toEqual([1000, 2000]);
    const source = gunzipSync(readFileSync(file))
      .toString("utf8")
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l) as { chosen: string; rejected: string });
    const examples = store.examples.list(result.datasetId, { limit: 5000 });
    expect(examples).toHaveLength(2312);
    examples.forEach((e, i) => {
      const { chosen, rejected } = source[i]!;
      expect(e.prompt.startsWith("Human:")).toBe(true);
      expect(e.prompt.endsWith("Assistant:")).toBe(false);
      expect(e.promptMessages!.at(-1)!.role).toBe("user");
      // chosen = prompt, then the final "Assistant:" marker, then the response: nothing lost or added.
      for (const [whole, response] of [
        [chosen, e.responseA!],
        [rejected, e.responseB!],
      ] as const) {
        const start = whole.indexOf(e.prompt);
        expect(start).toBeLessThanOrEqual(2);
        const rest = whole.slice(start + e.prompt.length);
        expect(rest.replace(/^\n\nAssistant:/, "").trim()).toBe(response);
        expect(rest.startsWith("\n\nAssistant:")).toBe(true);
      }
    });
    expect(store.labels.forDataset(result.datasetId).every((l) => l.preferred === "a" && l.source === "human")).toBe(true);
    expect(store.datasets.get(result.datasetId)).toMatchObject({ name: "hh-rlhf_harmless-base_test", rowCount: 2312, format: "hh-rlhf" });
  });

  it("LLaMA-Factory ranking: 300 rows; multi-turn conversations keep their messages", async () => {
    const store = openDatabase(":memory:");
    const file = preferenceFixture("llamafactory_dpo_en_demo.json");
    const result = await importDataset(store, file);
    expect(result).toMatchObject({ format: "llamafactory-ranking", rows: 300 });
    const source = JSON.parse(readFileSync(file, "utf8")) as {
      conversations: { from: string; value: string }[];
      chosen: { value: string };
      rejected: { value: string };
    }[];
    const examples = store.examples.list(result.datasetId, { limit: 1000 });
    examples.forEach((e, i) => {
      const s = source[i]!;
      expect(e.responseA).toBe(s.chosen.value);
      expect(e.responseB).toBe(s.rejected.value);
      expect(e.promptMessages).toHaveLength(s.conversations.length);
      if (s.conversations.length === 1) expect(e.prompt).toBe(s.conversations[0]!.value);
      else expect(e.prompt).toMatch(/^(System|Human): /);
      expect(e.promptMessages!.at(-1)).toMatchObject({ role: "user", content: s.conversations.at(-1)!.value });
    });
  });

  it("Stack Exchange paired: 25 rows, response_j preferred", async () => {
    const store = openDatabase(":memory:");
    const file = preferenceFixture("stack_exchange_paired_tiny.json");
    const result = await importDataset(store, file);
    expect(result).toMatchObject({ format: "stack-exchange-paired", rows: 25 });
    const source = JSON.parse(readFileSync(file, "utf8")) as { question: string; response_j: string; response_k: string }[];
    const e = store.examples.list(result.datasetId, { limit: 100 });
    expect(e.map((x) => [x.prompt, x.responseA, x.responseB])).toEqual(source.map((s) => [s.question, s.response_j, s.response_k]));
  });

  it("UltraFeedback binarized: 10 rows, LLM labels, scores kept in metadata", async () => {
    const store = openDatabase(":memory:");
    const result = await importDataset(store, preferenceFixture("activeuf_ultrafeedback_binarized_custom.jsonl"));
    expect(result).toMatchObject({ format: "ultrafeedback-binarized", rows: 10, labels: 10 });
    expect(result.report.alsoMatched).toContain("prompt-chosen-rejected");
    const [first] = store.examples.list(result.datasetId, { limit: 1 });
    expect(first!.prompt).toBe("Name the 10 biggest grossing legendary games of all time and the business story behind it.");
    expect(first!.metadata).toMatchObject({ prompt_id: "prompt_0", score_chosen: 0.809, score_rejected: -0.754 });
    expect(store.datasets.labelCounts(result.datasetId)).toEqual([{ source: "llm", dimension: "overall", count: 10 }]);
  });

  it("detects re-imports by content hash, even gzipped, and names the existing dataset", async () => {
    const store = openDatabase(":memory:");
    const plain = preferenceFixture("stack_exchange_paired_tiny.json");
    const gz = path.join(tmp.dir, "se.json.gz");
    writeFileSync(gz, gzipSync(readFileSync(plain)));
    const first = await importDataset(store, plain);
    const again = await importDataset(store, gz);
    expect(again.duplicateOf).toBe(first.datasetId);
    expect(again.datasetId).toBe(first.datasetId);
    expect(store.datasets.list()).toHaveLength(1);
    const forced = await importDataset(store, gz, { allowDuplicate: true, name: "se-again" });
    expect(forced.duplicateOf).toBe(first.datasetId);
    expect(forced.datasetId).not.toBe(first.datasetId);
    expect(store.examples.count(forced.datasetId)).toBe(25);
  });

  it("detectFormat reports what it recognised without importing", async () => {
    const report = await detectFormat(preferenceFixture("llamafactory_dpo_en_demo.json"));
    expect(report).toMatchObject({
      container: "json",
      gzip: false,
      format: "llamafactory-ranking",
      columns: { prompt: "conversations", chosen: "chosen", rejected: "rejected" },
    });
  });
});
