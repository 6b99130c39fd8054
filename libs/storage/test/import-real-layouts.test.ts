import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { parquetWriteBuffer } from "hyparquet-writer";
import { afterAll, describe, expect, it } from "vitest";
import { composePrompt, promptPartRoles } from "../src/import/formats/prompt-parts.ts";
import { detectFormat, ImportError, importDataset, type LabStore, openDatabase } from "../src/index.ts";
import { preferenceFixture, snapshot, tempDir } from "./helpers.ts";

// Public files in layouts people actually publish (provenance in fixtures/README.md).
const tmp = tempDir("goodhart-real-layouts-");
afterAll(tmp.cleanup);

function readJson<T>(name: string): T {
  return JSON.parse(readFileSync(preferenceFixture(name), "utf8")) as T;
}

function labelsOf(store: LabStore, datasetId: number) {
  const byExample = new Map(store.examples.list(datasetId, { limit: 10_000 }).map((e) => [e.id, e]));
  return store.labels.forDataset(datasetId).map((l) => ({ ...l, row: byExample.get(l.exampleId)!.rowIndex }));
}

async function rejection(promise: Promise<unknown>): Promise<ImportError> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ImportError);
  return err as ImportError;
}

describe("AlpacaEval annotations: pairwise output_1/output_2 judged by GPT-4", () => {
  type Annotation = { instruction: string; output_1: string; output_2: string; preference: number; annotator: string };
  const source = readJson<Annotation[]>("alpaca_eval_gpt4_annotations_first150.json");

  it("are pairwise judgments whose labels come from the file's judge, not from a human", async () => {
    const store = openDatabase(":memory:");
    const result = await importDataset(store, preferenceFixture("alpaca_eval_gpt4_annotations_first150.json"));
    expect(result).toMatchObject({ format: "pairwise", rows: 150, labels: 150 });
    expect(result.report.columns).toMatchObject({
      prompt: "instruction",
      responseA: "output_1",
      responseB: "output_2",
      preference: "preference",
    });
    expect(result.report.labelSourceColumn).toBe("annotator");
    expect(result.report.labelSourceReason).toMatch(/column "annotator" names the judge/);
    const labels = labelsOf(store, result.datasetId);
    expect(labels.every((l) => l.source === "llm" && l.annotator === "alpaca_eval_gpt4")).toBe(true);
    const expected = { 1: "a", 2: "b", 0: "tie" } as const;
    for (const l of labels) expect(l.preferred).toBe(expected[source[l.row - 1]!.preference as 0 | 1 | 2]);
    // The file's 0 means a draw in AlpacaEval; the trimmed file has some of each.
    expect(new Set(labels.map((l) => l.preferred))).toEqual(new Set(["a", "b", "tie"]));
  });

  it("--label-source wins over what the file says", async () => {
    const store = openDatabase(":memory:");
    const result = await importDataset(store, preferenceFixture("alpaca_eval_gpt4_annotations_first150.json"), {
      labelSource: "synthetic",
    });
    expect(result.report.labelSourceReason).toBe("as requested");
    expect(labelsOf(store, result.datasetId).every((l) => l.source === "synthetic")).toBe(true);
  });
});

describe("AlpacaFarm pairs: the prompt is the instruction followed by its input", () => {
  type Pair = { instruction: string; input: string; output_1: string; output_2: string };
  const pairs = readJson<Pair[]>("alpaca_farm_outputs_pairs.json");

  it("composes instruction + input (an empty input adds nothing)", () => {
    // The file holds pairs awaiting a judgment (no preference column), so the prompt rule is
    // checked on its records directly; the import path is the same function (pairwise and
    // prompt/chosen/rejected both compose their prompt with it).
    expect(pairs.filter((p) => p.input !== "").length).toBe(5);
    for (const p of pairs) {
      const roles = { prompt: "instruction", ...promptPartRoles(p, "instruction") };
      expect(roles).toEqual({ prompt: "instruction", input: "input" });
      const { prompt, messages } = composePrompt(p, roles);
      expect(prompt).toBe(p.input === "" ? p.instruction : `${p.instruction}\n\n${p.input}`);
      expect(messages).toBeNull();
    }
  });

  it("imports as pairwise once judged, the input in the prompt and not in the metadata", async () => {
    // The same records with the preference AlpacaFarm's annotator adds (1 = output_1 wins).
    const file = path.join(tmp.dir, "alpaca_farm_judged.json");
    writeFileSync(file, JSON.stringify(pairs.map((p, i) => ({ ...p, preference: (i % 2) + 1 }))));
    const store = openDatabase(":memory:");
    const result = await importDataset(store, file);
    expect(result.report.columns).toMatchObject({ prompt: "instruction", input: "input" });
    expect(result.report.metadataColumns).not.toContain("input");
    const examples = store.examples.list(result.datasetId);
    examples.forEach((e, i) => {
      const p = pairs[i]!;
      expect(e.prompt).toBe(p.input === "" ? p.instruction : `${p.instruction}\n\n${p.input}`);
      expect(e.metadata?.input).toBeUndefined();
    });
    expect(result.report.labelSourceReason).toMatch(/not stated in the file: assumed human/);
  });
});

describe("a judged file whose preference says in words which answer won", () => {
  const file = preferenceFixture("openaiapi_rlhf_answer_preference.jsonl");
  const rows = readFileSync(file, "utf8")
    .trim()
    .split("\n")
    .map((l) => JSON.parse(l) as { Preference: string });
  const map = ["prompt=Question", "response_a=Answer1", "response_b=Answer2", "preference=Preference"];

  it("cannot be read without saying what the words mean, and the error names row and field", async () => {
    const store = openDatabase(":memory:");
    const err = await rejection(importDataset(store, file, { format: "pairwise", mapping: map }));
    expect(err).toMatchObject({ row: 1, field: "Preference" });
    expect(err.reason).toMatch(/expected a preference 1 .* got the text "Answer2"/);
    expect(snapshot(store)).toEqual({ datasets: 0, examples: 0, labels: 0 });
  });

  it("--label-values Answer1=a,Answer2=b reads every label", async () => {
    const store = openDatabase(":memory:");
    const result = await importDataset(store, file, { format: "pairwise", mapping: map, labelValues: "Answer1=a,Answer2=b" });
    expect(result.rows).toBe(rows.length);
    expect(result.report.labelValues).toEqual({ answer1: "a", answer2: "b" });
    const labels = labelsOf(store, result.datasetId);
    for (const l of labels) expect(l.preferred).toBe(rows[l.row - 1]!.Preference === "Answer1" ? "a" : "b");
  });

  it("--on-bad-row skip imports the rows it can read and lists every other one with its reason", async () => {
    const store = openDatabase(":memory:");
    // Only Answer1 is explained: every Answer2 row is a bad row.
    const result = await importDataset(store, file, { format: "pairwise", mapping: map, labelValues: ["Answer1=a"], onBadRow: "skip" });
    const bad = rows.flatMap((r, i) => (r.Preference === "Answer2" ? [i + 1] : []));
    expect(bad.length).toBeGreaterThan(10);
    expect(result.rows).toBe(rows.length - bad.length);
    expect(result.report.skipped!.count).toBe(bad.length);
    expect(result.report.skipped!.rows.map((s) => s.row)).toEqual(bad);
    for (const s of result.report.skipped!.rows)
      expect(s).toMatchObject({ field: "Preference", reason: expect.stringMatching(/got the text "Answer2"/) });
    // The report is stored with the dataset.
    const stored = store.datasets.get(result.datasetId)!.detection as { skipped: { count: number } };
    expect(stored.skipped.count).toBe(bad.length);
    expect(labelsOf(store, result.datasetId).every((l) => l.preferred === "a")).toBe(true);
  });
});

describe("LLaMA-Factory KTO demo: messages + boolean label", () => {
  type Row = { messages: { role: string; content: string }[]; label: boolean };
  const source = readJson<Row[]>("llamafactory_kto_en_demo_first120.json");

  it("is detected as unpaired; the labelled turn is the last assistant message, all before it the prompt", async () => {
    const store = openDatabase(":memory:");
    const result = await importDataset(store, preferenceFixture("llamafactory_kto_en_demo_first120.json"));
    expect(result).toMatchObject({ format: "unpaired", rows: 120, labels: 120 });
    expect(result.report.columns).toEqual({ conversation: "messages", label: "label" });
    const examples = store.examples.list(result.datasetId, { limit: 200 });
    const multiTurn = examples.filter((e) => e.promptMessages!.length > 1);
    expect(multiTurn.length).toBeGreaterThan(5);
    examples.forEach((e, i) => {
      const row = source[i]!;
      expect(e.kind).toBe("single");
      expect(e.responseA).toBe(row.messages.at(-1)!.content);
      expect(e.promptMessages).toEqual(row.messages.slice(0, -1));
    });
    const labels = labelsOf(store, result.datasetId);
    for (const l of labels) expect(l.preferred).toBe(source[l.row - 1]!.label ? "good" : "bad");
  });

  it("a response column mapped onto the conversation also takes its last assistant turn", async () => {
    const store = openDatabase(":memory:");
    const file = preferenceFixture("llamafactory_kto_en_demo_first120.json");
    const result = await importDataset(store, file, { format: "unpaired", mapping: ["prompt=messages", "response=messages"] });
    const examples = store.examples.list(result.datasetId, { limit: 200 });
    examples.forEach((e, i) => expect(e.responseA).toBe(source[i]!.messages.at(-1)!.content));
  });
});

describe("a failing import adds nothing", () => {
  it("a file cut short fails even with --on-bad-row skip, and the lab is unchanged", async () => {
    const store = openDatabase(path.join(tmp.dir, "transaction.sqlite"));
    await importDataset(store, preferenceFixture("alpaca_eval_gpt4_annotations_first150.json"));
    const before = snapshot(store);
    const whole = readFileSync(preferenceFixture("llamafactory_kto_en_demo_first120.json"), "utf8");
    const cut = path.join(tmp.dir, "kto_cut.json");
    writeFileSync(cut, whole.slice(0, Math.floor(whole.length * 0.7)));
    const err = await rejection(importDataset(store, cut, { onBadRow: "skip" }));
    expect(err.reason).toMatch(/not closed/);
    expect(snapshot(store)).toEqual(before);
    expect(store.integrityCheck()).toBe("ok");
    store.close();
  });

  it("a bad row under the default (fail) adds nothing either", async () => {
    const store = openDatabase(":memory:");
    const before = snapshot(store);
    await rejection(
      importDataset(store, preferenceFixture("openaiapi_rlhf_answer_preference.jsonl"), {
        format: "pairwise",
        mapping: ["prompt=Question", "response_a=Answer1", "response_b=Answer2", "preference=Preference"],
        labelValues: "Answer1=a",
      }),
    );
    expect(snapshot(store)).toEqual(before);
  });
});

describe("detection looks at records spread through the file", () => {
  it("a role only later rows have (a system prompt) is still recognised", async () => {
    const kto = readJson<{ messages: { role: string; content: string }[]; label: boolean }[]>("llamafactory_kto_en_demo_first120.json");
    // The KTO rows as prompt/completion rows; from row 80 on, the exporter added a system column.
    const rows = kto.map((r, i) => ({
      prompt: r.messages.at(-2)!.content,
      completion: r.messages.at(-1)!.content,
      label: r.label,
      ...(i >= 80 ? { system: "You are a helpful assistant." } : {}),
    }));
    const file = path.join(tmp.dir, "system_later.jsonl");
    writeFileSync(file, rows.map((r) => JSON.stringify(r)).join("\n"));
    const report = await detectFormat(file);
    expect(report.columns).toMatchObject({ prompt: "prompt", response: "completion", system: "system" });
    expect(report.sample.records).toBeGreaterThan(16);
    expect(Math.max(...report.sample.rows)).toBeGreaterThan(100);
    const store = openDatabase(":memory:");
    const result = await importDataset(store, file);
    const examples = store.examples.list(result.datasetId, { limit: 200 });
    expect(examples[0]!.prompt).toBe(rows[0]!.prompt);
    expect(examples[100]!.promptMessages![0]).toEqual({ role: "system", content: "You are a helpful assistant." });
  });
});

describe("folders dropped as one dataset", () => {
  type Pair = { question: string; response_j: string; response_k: string };
  const pairs = readJson<Pair[]>("stack_exchange_paired_tiny.json");

  function writeShard(file: string, rows: Pair[]) {
    const columnData = (["question", "response_j", "response_k"] as const).map((name) => ({
      name,
      data: rows.map((r) => r[name]),
      type: "STRING" as const,
    }));
    writeFileSync(file, Buffer.from(parquetWriteBuffer({ columnData })));
  }

  it("sharded Parquet (a Hub snapshot's data/ folder) is read in shard order, one dataset, splits kept", async () => {
    // The rows are the real Stack Exchange pairs; the shards are written here, as `datasets` names them.
    const dir = path.join(tmp.dir, "hub-snapshot");
    mkdirSync(path.join(dir, "data"), { recursive: true });
    writeFileSync(path.join(dir, "README.md"), "---\nlicense: bsd-3-clause\n---\n");
    writeShard(path.join(dir, "data", "test-00000-of-00001.parquet"), pairs.slice(20));
    writeShard(path.join(dir, "data", "train-00000-of-00002.parquet"), pairs.slice(0, 10));
    writeShard(path.join(dir, "data", "train-00001-of-00002.parquet"), pairs.slice(10, 20));
    const store = openDatabase(":memory:");
    const result = await importDataset(store, dir);
    expect(result).toMatchObject({ format: "stack-exchange-paired", rows: pairs.length });
    expect(result.report.containerReason).toMatch(/3 Parquet shards/);
    const examples = store.examples.list(result.datasetId, { limit: 100 });
    const expected = [...pairs.slice(20), ...pairs.slice(0, 20)];
    examples.forEach((e, i) => {
      expect(e.rowIndex).toBe(i + 1);
      expect(e.prompt).toBe(expected[i]!.question);
      expect(e.metadata?.split).toBe(i < pairs.length - 20 ? "test" : "train");
    });
    // The same folder again is the same content.
    expect((await importDataset(store, dir)).duplicateOf).toBe(result.datasetId);
  });

  it("a bad row in a shard is named by the shard and its own row", async () => {
    const dir = path.join(tmp.dir, "bad-shards");
    mkdirSync(dir);
    writeShard(path.join(dir, "part-0.parquet"), pairs.slice(0, 5));
    writeFileSync(
      path.join(dir, "part-1.parquet"),
      Buffer.from(
        parquetWriteBuffer({
          columnData: [
            { name: "question", data: ["q", "q"], type: "STRING" },
            { name: "response_j", data: ["a", "b"], type: "STRING" },
            { name: "response_k", data: ["c", null], type: "STRING" },
          ],
        }),
      ),
    );
    const store = openDatabase(":memory:");
    const err = await rejection(importDataset(store, dir));
    expect(err).toMatchObject({ file: path.join(dir, "part-1.parquet"), row: 2, field: "response_k" });
    expect(snapshot(store)).toEqual({ datasets: 0, examples: 0, labels: 0 });
  });

  it("a save_to_disk folder is read through its state.json (import-save-to-disk.test.ts); an empty Arrow file in it is refused by name", async () => {
    const dir = path.join(tmp.dir, "saved");
    mkdirSync(dir);
    writeFileSync(path.join(dir, "dataset_info.json"), "{}");
    writeFileSync(path.join(dir, "state.json"), '{"_data_files": [{"filename": "data-00000-of-00001.arrow"}]}');
    writeFileSync(path.join(dir, "data-00000-of-00001.arrow"), "");
    const err = await rejection(importDataset(openDatabase(":memory:"), dir));
    expect(err.file).toBe(path.join(dir, "data-00000-of-00001.arrow"));
    expect(err.reason).toMatch(/not a readable Arrow IPC file: the file is empty/);
  });
});
