import { writeFileSync } from "node:fs";
import path from "node:path";
import { gzipSync } from "node:zlib";
import { parquetWriteBuffer } from "hyparquet-writer";
import { afterAll, describe, expect, it } from "vitest";
import { ImportError, importDataset, openDatabase } from "../src/index.ts";
import { snapshot, tempDir } from "./helpers.ts";

const tmp = tempDir("goodhart-formats-");
afterAll(tmp.cleanup);
let n = 0;
function write(name: string, content: string | Uint8Array): string {
  const file = path.join(tmp.dir, `${n++}-${name}`);
  writeFileSync(file, content);
  return file;
}
const jsonl = (rows: unknown[]) => rows.map((r) => JSON.stringify(r)).join("\n") + "\n";

describe("containers", () => {
  it("CSV with quoted multi-line fields, a BOM and a category column", async () => {
    const store = openDatabase(":memory:");
    const file = write(
      "pairs.csv",
      '\uFEFFprompt,chosen,rejected,category,note\n"Hi\nthere",good,bad,chat,x\nq2,"multi\nline\n""quoted""",b,,y\n',
    );
    const r = await importDataset(store, file);
    expect(r).toMatchObject({ format: "prompt-chosen-rejected", rows: 2 });
    expect(r.report).toMatchObject({ container: "csv", categoryColumn: "category", metadataColumns: ["note"] });
    const ex = store.examples.list(r.datasetId);
    expect(ex.map((e) => [e.rowIndex, e.prompt, e.responseA, e.category, e.metadata])).toEqual([
      [1, "Hi\nthere", "good", "chat", { note: "x" }],
      [2, "q2", 'multi\nline\n"quoted"', null, { note: "y" }],
    ]);
  });

  it("TSV, gzip-compressed, is recognised from its content", async () => {
    const store = openDatabase(":memory:");
    const file = write("pairs.data", gzipSync("question\tresponse_j\tresponse_k\nq\tyes\tno\n"));
    const r = await importDataset(store, file);
    expect(r.report).toMatchObject({ container: "tsv", gzip: true, format: "stack-exchange-paired" });
    expect(store.examples.list(r.datasetId)[0]).toMatchObject({ prompt: "q", responseA: "yes", responseB: "no" });
  });

  it("Parquet with several row groups, INT64 metadata and annotator columns", async () => {
    const store = openDatabase(":memory:");
    const rows = 2500;
    const buf = parquetWriteBuffer({
      columnData: [
        { name: "prompt", data: Array.from({ length: rows }, (_, i) => `p${i}`) },
        { name: "response_1", data: Array.from({ length: rows }, (_, i) => `one ${i}`) },
        { name: "response_2", data: Array.from({ length: rows }, (_, i) => `two ${i}`) },
        { name: "annotator_alice", data: Array.from({ length: rows }, (_, i) => i % 3) },
        { name: "annotator_bob", data: Array.from({ length: rows }, (_, i) => (i % 2 ? 1 : null)) },
        { name: "id", data: BigInt64Array.from({ length: rows }, (_, i) => BigInt(i) * 10n), type: "INT64" },
      ],
      rowGroupSize: 1000,
    });
    const file = write("judged.parquet", new Uint8Array(buf));
    const r = await importDataset(store, file);
    expect(r).toMatchObject({ format: "pairwise", rows, labels: rows + rows / 2 });
    expect(r.report.columns).toEqual({
      prompt: "prompt",
      responseA: "response_1",
      responseB: "response_2",
      annotators: ["annotator_alice", "annotator_bob"],
    });
    const ex = store.examples.list(r.datasetId, { afterRow: 1000, limit: 2 });
    expect(ex.map((e) => [e.rowIndex, e.prompt, e.metadata])).toEqual([
      [1001, "p1000", { id: 10000 }],
      [1002, "p1001", { id: 10010 }],
    ]);
    const labels = store.labels.forExample(ex[1]!.id);
    expect(labels.map((l) => [l.annotator, l.preferred])).toEqual([
      ["annotator_alice", "b"],
      ["annotator_bob", "a"],
    ]);
  });
});

describe("formats", () => {
  it("generic chat-message prompts and responses, and conversations with an implicit prompt", async () => {
    const store = openDatabase(":memory:");
    const explicit = write(
      "chat.jsonl",
      jsonl([
        {
          prompt: [
            { role: "system", content: "Be brief." },
            { role: "user", content: "2+2?" },
          ],
          chosen: [{ role: "assistant", content: "4" }],
          rejected: [{ role: "assistant", content: "5" }],
        },
      ]),
    );
    const r1 = await importDataset(store, explicit);
    expect(store.examples.list(r1.datasetId)[0]).toMatchObject({
      prompt: "System: Be brief.\n\nHuman: 2+2?",
      responseA: "4",
      responseB: "5",
      promptMessages: [
        { role: "system", content: "Be brief." },
        { role: "user", content: "2+2?" },
      ],
    });
    const implicit = write(
      "implicit.jsonl",
      jsonl([
        {
          chosen: [
            { role: "user", content: "hi" },
            { role: "assistant", content: "hello!" },
          ],
          rejected: [
            { role: "user", content: "hi" },
            { role: "assistant", content: "go away" },
          ],
        },
      ]),
    );
    const r2 = await importDataset(store, implicit);
    expect(r2.format).toBe("prompt-chosen-rejected");
    expect(store.examples.list(r2.datasetId)[0]).toMatchObject({ prompt: "hi", responseA: "hello!", responseB: "go away" });
  });

  it("responses that repeat the prompt keep only what follows it", async () => {
    const store = openDatabase(":memory:");
    const file = write(
      "repeat.jsonl",
      jsonl([{ prompt: "Human: hi\n\nAssistant:", chosen: "Human: hi\n\nAssistant: hello!", rejected: "Human: hi\n\nAssistant: go away" }]),
    );
    const r = await importDataset(store, file);
    expect(store.examples.list(r.datasetId)[0]).toMatchObject({ responseA: "hello!", responseB: "go away" });
  });

  it("pairwise judgments with one preference field: 1, 2 and 0 = tie", async () => {
    const store = openDatabase(":memory:");
    const file = write(
      "pref.jsonl",
      jsonl([
        { question: "q1", response_a: "x", response_b: "y", winner: 1 },
        { question: "q2", response_a: "x", response_b: "y", winner: "2" },
        { question: "q3", response_a: "x", response_b: "y", winner: 0 },
      ]),
    );
    const r = await importDataset(store, file, { labelSource: "llm" });
    expect(r.format).toBe("pairwise");
    expect(store.labels.forDataset(r.datasetId).map((l) => [l.preferred, l.annotator, l.source])).toEqual([
      ["a", "winner", "llm"],
      ["b", "winner", "llm"],
      ["tie", "winner", "llm"],
    ]);
  });

  it("unpaired good/bad rows become single examples with good/bad labels", async () => {
    const store = openDatabase(":memory:");
    const file = write(
      "kto.jsonl",
      jsonl([
        { prompt: "p", completion: "nice", label: true },
        { prompt: "p", completion: "rude", label: false },
      ]),
    );
    const r = await importDataset(store, file);
    expect(r.format).toBe("unpaired");
    const ex = store.examples.list(r.datasetId);
    expect(ex.map((e) => [e.kind, e.responseA, e.responseB])).toEqual([
      ["single", "nice", null],
      ["single", "rude", null],
    ]);
    expect(store.labels.forDataset(r.datasetId).map((l) => l.preferred)).toEqual(["good", "bad"]);
  });

  it("ranked lists keep their order (by score when given)", async () => {
    const store = openDatabase(":memory:");
    const file = write("ranked.jsonl", jsonl([{ prompt: "p", responses: ["mid", "best", "worst"], scores: [5, 9, 1] }]));
    const r = await importDataset(store, file);
    expect(store.examples.list(r.datasetId)[0]).toMatchObject({
      kind: "ranked",
      responses: ["best", "mid", "worst"],
      responseA: "best",
      responseB: "worst",
    });
  });

  it("an explicit mapping overrides detection, including nested paths and annotator lists", async () => {
    const store = openDatabase(":memory:");
    const file = write("custom.jsonl", jsonl([{ instr: "q", good: { text: "yes" }, bad: { text: "no" }, extra: 1 }]));
    await expect(importDataset(store, file)).rejects.toThrow(/no known preference format has the columns instr, good, bad, extra/);
    const r = await importDataset(store, file, { mapping: ["prompt=instr", "chosen=good.text", "rejected=bad.text"] });
    expect(r.report).toMatchObject({
      format: "prompt-chosen-rejected",
      columns: { prompt: "instr", chosen: "good.text", rejected: "bad.text" },
      metadataColumns: ["extra"],
    });
    expect(store.examples.list(r.datasetId)[0]).toMatchObject({ prompt: "q", responseA: "yes", responseB: "no", metadata: { extra: 1 } });

    const judged = write("judged.csv", "text,left,right,j1,j2\nq,a,b,1,\nq2,a,b,2,0\n");
    const r2 = await importDataset(store, judged, {
      format: "pairwise",
      mapping: { prompt: "text", response_a: "left", response_b: "right", annotators: "j1,j2" },
    });
    expect(store.labels.forDataset(r2.datasetId).map((l) => [l.annotator, l.preferred])).toEqual([
      ["j1", "a"],
      ["j1", "b"],
      ["j2", "tie"],
    ]);
    await expect(importDataset(store, file, { mapping: { prompt: "nope" }, allowDuplicate: true })).rejects.toThrow(
      /field "nope": mapped column "nope" not found/,
    );
    await expect(importDataset(store, file, { format: "hh-rlhf", allowDuplicate: true })).rejects.toThrow(/do not fit format 'hh-rlhf'/);
    await expect(importDataset(store, file, { format: "alpaca", allowDuplicate: true })).rejects.toThrow(/unknown format 'alpaca'/);
  });
});

describe("missing files", () => {
  it("names the file that cannot be read", async () => {
    const store = openDatabase(":memory:");
    const file = path.join(tmp.dir, "nope.jsonl");
    await expect(importDataset(store, file)).rejects.toThrow(`${file}: cannot read the file: ENOENT`);
  });
});

describe("cancelling", () => {
  it("an aborted import adds nothing", async () => {
    const store = openDatabase(":memory:");
    const file = write("many.jsonl", jsonl(Array.from({ length: 5000 }, (_, i) => ({ prompt: `p${i}`, chosen: "a", rejected: "b" }))));
    const controller = new AbortController();
    const err = await importDataset(store, file, {
      signal: controller.signal,
      onProgress: (p) => p.phase === "reading" && controller.abort(),
    }).catch((e: unknown) => e);
    expect((err as Error).name).toBe("AbortError");
    expect(snapshot(store)).toEqual({ datasets: 0, examples: 0, labels: 0 });
  });
});

describe("bad files change nothing and say where", () => {
  const cases: [string, string | Uint8Array, RegExp, Partial<ImportError>][] = [
    [
      "wrong type in row 3",
      jsonl([
        { prompt: "a", chosen: "b", rejected: "c" },
        { prompt: "a", chosen: "b", rejected: "c" },
        { prompt: "a", chosen: { text: 7 }, rejected: "c" },
      ]),
      /row 3, field "chosen": expected text/,
      { row: 3, field: "chosen" },
    ],
    [
      "missing column later",
      jsonl([
        { question: "a", response_j: "b", response_k: "c" },
        { question: "a", response_j: "b" },
      ]),
      /row 2, field "response_k": expected text, got nothing/,
      { row: 2, field: "response_k" },
    ],
    ["broken JSON line", '{"prompt":"a","chosen":"b","rejected":"c"}\n\n{"prompt": "a",\n', /row 3: invalid JSON/, { row: 3, line: 3 }],
    [
      "bad annotator value",
      "prompt,response_a,response_b,annotator_1\np,a,b,1\np,a,b,maybe\n",
      /row 2 \(line 3\), field "annotator_1": expected a preference 1/,
      { row: 2, line: 3, field: "annotator_1" },
    ],
    [
      "ragged CSV",
      "prompt,chosen,rejected\np,a,b\np,a\n",
      /row 2 \(line 3\), field "rejected": malformed CSV: Invalid Record Length/,
      { row: 2, field: "rejected" },
    ],
    ["truncated JSON array", '[{"prompt":"a","chosen":"b","rejected":"c"},\n {"prompt":"a"', /the JSON array is not closed/, {}],
    ["no records", "", /the file is empty/, {}],
  ];
  for (const [title, content, message, fields] of cases) {
    it(title, async () => {
      const store = openDatabase(":memory:");
      await importDataset(store, write("ok.jsonl", jsonl([{ prompt: "keep", chosen: "me", rejected: "please" }])));
      const before = snapshot(store);
      const file = write("bad.dat", content);
      const err = await importDataset(store, file).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(ImportError);
      expect((err as Error).message).toMatch(message);
      expect((err as Error).message.startsWith(file)).toBe(true);
      expect(err).toMatchObject({ file, ...fields });
      expect(snapshot(store)).toEqual(before);
    });
  }
});
