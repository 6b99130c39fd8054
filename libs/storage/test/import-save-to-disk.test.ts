import { mkdirSync, readFileSync, readdirSync, statSync, truncateSync, writeFileSync } from "node:fs";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { fixturePath } from "../../../fixtures/index.ts";
import { ImportError, importDataset, type LabStore, openDatabase } from "../src/index.ts";
import { preferenceFixture, snapshot, tempDir } from "./helpers.ts";
import { arrowStream, hhRlhfRows, writeHhRlhfSaveToDisk, writeSavedDataset, writeSavedDatasetDict } from "./save-to-disk.ts";

// Hugging Face `datasets.save_to_disk` folders: Arrow IPC stream shards + state.json +
// dataset_info.json (and dataset_dict.json with a folder per split), imported as one dataset.
const tmp = tempDir("goodhart-save-to-disk-");
afterAll(tmp.cleanup);
const saved = fixturePath("datasets/hh-rlhf_harmless-base_save_to_disk");

async function rejection(promise: Promise<unknown>): Promise<ImportError> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ImportError);
  return err as ImportError;
}

function examples(store: LabStore, datasetId: number) {
  return store.examples.list(datasetId, { limit: 10_000 });
}

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: "utf8" })
    .filter((f) => statSync(path.join(dir, f)).isFile())
    .sort();
}

describe("the committed save_to_disk fixture", () => {
  it("is exactly what save-to-disk.ts writes from the HH-RLHF fixture's first 120 rows (its provenance)", () => {
    const again = path.join(tmp.dir, "regenerated");
    writeHhRlhfSaveToDisk(again);
    expect(filesUnder(saved)).toEqual(filesUnder(again));
    for (const f of filesUnder(again)) expect(readFileSync(path.join(saved, f)).equals(readFileSync(path.join(again, f))), f).toBe(true);
  });
});

describe("save_to_disk folders dropped as one dataset", () => {
  it("a DatasetDict: every split's shards in state.json order, rows as the source file's, splits kept", async () => {
    const store = openDatabase(":memory:");
    const result = await importDataset(store, saved);
    expect(result).toMatchObject({ format: "hh-rlhf", rows: 120, labels: 120 });
    expect(result.report.container).toBe("arrow");
    expect(result.report.containerReason).toMatch(/save_to_disk DatasetDict \(splits train, test; 3 Arrow files\)/);
    // The same rows as importing the original gzip JSONL, in the same order.
    const jsonl = await importDataset(store, preferenceFixture("hh-rlhf_harmless-base_test.jsonl.gz"));
    const original = examples(store, jsonl.datasetId).slice(0, 120);
    const fromArrow = examples(store, result.datasetId);
    expect(fromArrow).toHaveLength(120);
    fromArrow.forEach((e, i) => {
      expect(e.rowIndex).toBe(i + 1);
      expect([e.prompt, e.responseA, e.responseB]).toEqual([original[i]!.prompt, original[i]!.responseA, original[i]!.responseB]);
      expect(e.metadata?.split).toBe(i < 96 ? "train" : "test");
    });
    expect((await importDataset(store, saved)).duplicateOf).toBe(result.datasetId);
  });

  it("one split's folder (state.json + dataset_info.json + shards) is a dataset of its own; its split comes from state.json", async () => {
    const store = openDatabase(":memory:");
    const result = await importDataset(store, path.join(saved, "train"));
    expect(result).toMatchObject({ format: "hh-rlhf", rows: 96 });
    expect(result.report.containerReason).toMatch(/save_to_disk folder \(2 Arrow files listed in state.json\)/);
    expect(new Set(examples(store, result.datasetId).map((e) => e.metadata?.split))).toEqual(new Set(["train"]));
  });

  it("a single .arrow shard is read on its own, and shards of many record batches are read whole", async () => {
    const store = openDatabase(":memory:");
    const single = await importDataset(store, path.join(saved, "test", "data-00000-of-00001.arrow"));
    expect(single).toMatchObject({ format: "hh-rlhf", rows: 24 });
    expect(single.report.containerReason).toBe("Arrow IPC magic bytes");

    // 57 rows as two shards of 10-row batches, and as one shard of one batch: the same examples.
    const batchedDir = path.join(tmp.dir, "small-batches");
    const wholeDir = path.join(tmp.dir, "one-batch");
    writeSavedDataset(batchedDir, hhRlhfRows(57), { shards: 2, batchRows: 10 });
    writeSavedDataset(wholeDir, hhRlhfRows(57));
    const batched = await importDataset(store, batchedDir);
    const whole = await importDataset(store, wholeDir);
    expect([batched.rows, whole.rows]).toEqual([57, 57]);
    const texts = (id: number) => examples(store, id).map((e) => [e.rowIndex, e.prompt, e.responseA, e.responseB]);
    expect(texts(batched.datasetId)).toEqual(texts(whole.datasetId));
  });

  it("a bad row is named by its shard, the shard's own row and the field; nothing is added; skip lists it", async () => {
    const dir = path.join(tmp.dir, "bad-row");
    const rows = hhRlhfRows(20);
    const bad = rows.map((r, i) => (i === 12 ? { ...r, rejected: null } : r));
    writeSavedDatasetDict(dir, { train: { rows: bad.slice(0, 10) }, test: { rows: bad.slice(10) } });
    const store = openDatabase(":memory:");
    const err = await rejection(importDataset(store, dir));
    expect(err).toMatchObject({ file: path.join(dir, "test", "data-00000-of-00001.arrow"), row: 3, field: "rejected" });
    expect(snapshot(store)).toEqual({ datasets: 0, examples: 0, labels: 0 });

    const skipped = await importDataset(store, dir, { onBadRow: "skip" });
    expect(skipped.rows).toBe(19);
    expect(skipped.report.skipped?.rows).toEqual([
      expect.objectContaining({ row: 13, shard: path.join("test", "data-00000-of-00001.arrow"), shardRow: 3, field: "rejected" }),
    ]);
  });

  it("a shard cut short is refused, naming the shard, and adds nothing (even when earlier shards read)", async () => {
    const dir = path.join(tmp.dir, "truncated");
    const [, second] = writeSavedDataset(dir, hhRlhfRows(40), { shards: 2, batchRows: 5 });
    // Cut inside the last record batch and, separately, exactly after a whole batch: the second
    // would read as a complete (shorter) stream without the end-of-stream check.
    const whole = readFileSync(second!);
    const store = openDatabase(":memory:");
    for (const cut of [whole.length - 100, whole.length - 8]) {
      writeFileSync(second!, whole.subarray(0, cut));
      const err = await rejection(importDataset(store, dir));
      expect(err.file).toBe(second);
      expect(err.reason).toMatch(/not a readable Arrow IPC file: .*end-of-stream/);
      expect(snapshot(store)).toEqual({ datasets: 0, examples: 0, labels: 0 });
    }
    truncateSync(second!, 0);
    expect((await rejection(importDataset(store, dir))).reason).toMatch(/not a readable Arrow IPC file: the file is empty/);
  });

  it("state.json and dataset_dict.json that do not describe the folder are refused, naming the file and field", async () => {
    const store = openDatabase(":memory:");
    const missing = path.join(tmp.dir, "missing-shard");
    writeSavedDataset(missing, hhRlhfRows(4));
    writeFileSync(
      path.join(missing, "state.json"),
      JSON.stringify({ _data_files: [{ filename: "data-00000-of-00001.arrow" }, { filename: "data-00001-of-00002.arrow" }] }),
    );
    expect(await rejection(importDataset(store, missing))).toMatchObject({
      file: path.join(missing, "state.json"),
      field: "_data_files[1].filename",
      reason: expect.stringMatching(/lists data-00001-of-00002.arrow, which is not in/),
    });
    writeFileSync(path.join(missing, "state.json"), JSON.stringify({ _data_files: [{ filename: "../outside.arrow" }] }));
    expect((await rejection(importDataset(store, missing))).field).toBe("_data_files[0].filename");

    const dict = path.join(tmp.dir, "bad-dict");
    mkdirSync(dict);
    writeFileSync(path.join(dict, "dataset_dict.json"), '{"splits": "train"}');
    expect(await rejection(importDataset(store, dict))).toMatchObject({ file: path.join(dict, "dataset_dict.json"), field: "splits" });
    writeFileSync(path.join(dict, "dataset_dict.json"), '{"splits": ["train"]');
    expect((await rejection(importDataset(store, dict))).reason).toMatch(/malformed JSON/);
    expect(snapshot(store)).toEqual({ datasets: 0, examples: 0, labels: 0 });
  });

  it("a file that is not Arrow but is named .arrow is refused by name", async () => {
    const file = path.join(tmp.dir, "fake.arrow");
    writeFileSync(file, '{"chosen": "a"}\n');
    expect((await rejection(importDataset(openDatabase(":memory:"), file))).reason).toMatch(/not a readable Arrow IPC file/);
    // While a real stream written by this module reads (the writer itself is not what is tested).
    const real = path.join(tmp.dir, "real.arrow");
    writeFileSync(real, arrowStream(hhRlhfRows(3), ["chosen", "rejected"]));
    expect((await importDataset(openDatabase(":memory:"), real)).rows).toBe(3);
  });
});
