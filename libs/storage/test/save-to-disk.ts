/**
 * Writes a folder the way Hugging Face `datasets` `save_to_disk` lays one out, from rows of text
 * columns, with apache-arrow's writer (Python `datasets` is not installed here). What `datasets`
 * writes, and so what this writes:
 * - `data-0000i-of-0000n.arrow`: the Arrow IPC *stream* format (pyarrow's RecordBatchStreamWriter,
 *   in `datasets/arrow_writer.py`), record batches of at most 1,000 rows (its default writer batch
 *   size), the end-of-stream marker at the end, and the schema metadata key `huggingface` holding
 *   `{"info": {"features": {...}}}` with each column as `{"dtype": "string", "_type": "Value"}`;
 * - `state.json`: `_data_files` (the shards in order), `_fingerprint`, `_format_*`,
 *   `_output_all_columns` and `_split`;
 * - `dataset_info.json`: the features, with empty citation/description/homepage/license;
 * - for a DatasetDict, `dataset_dict.json` `{"splits": [...]}` and one such folder per split.
 *
 * Run as a script it regenerates `fixtures/datasets/hh-rlhf_harmless-base_save_to_disk/` from the
 * first 120 rows of the HH-RLHF harmless-base fixture (train: rows 1-96 in two shards, test: rows
 * 97-120); a test checks the committed bytes are what this writes.
 */
import { createHash } from "node:crypto";
import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { gunzipSync } from "node:zlib";
import { Field, RecordBatchStreamWriter, Schema, Table, Utf8, makeData, RecordBatch, Struct, vectorFromArray } from "apache-arrow";
import { fixturePath } from "../../../fixtures/index.ts";

/** `datasets`' default writer batch size (config.DEFAULT_MAX_BATCH_SIZE). */
const WRITER_BATCH_ROWS = 1000;

type Row = Record<string, string | null>;

function features(columns: readonly string[]) {
  return Object.fromEntries(columns.map((c) => [c, { dtype: "string", _type: "Value" }]));
}

/** One shard's bytes: an Arrow IPC stream of the rows, as `datasets`' ArrowWriter writes it. */
export function arrowStream(rows: readonly Row[], columns: readonly string[], batchRows = WRITER_BATCH_ROWS): Uint8Array {
  const metadata = new Map([["huggingface", JSON.stringify({ info: { features: features(columns) } })]]);
  const schema = new Schema(
    columns.map((c) => new Field(c, new Utf8(), true)),
    metadata,
  );
  const batches: RecordBatch[] = [];
  for (let start = 0; start < rows.length; start += batchRows) {
    const slice = rows.slice(start, start + batchRows);
    const children = columns.map(
      (c) =>
        vectorFromArray(
          slice.map((r) => r[c] ?? null),
          new Utf8(),
        ).data[0]!,
    );
    const data = makeData({ type: new Struct(schema.fields), length: slice.length, nullCount: 0, children });
    batches.push(new RecordBatch(schema, data));
  }
  return RecordBatchStreamWriter.writeAll(new Table(schema, batches)).toUint8Array(true);
}

function fingerprint(rows: readonly Row[]): string {
  return createHash("sha256").update(JSON.stringify(rows)).digest("hex").slice(0, 16);
}

const json = (value: unknown) => `${JSON.stringify(value, null, 2)}\n`;

/** A single `save_to_disk` Dataset folder: the rows in `shardCount` Arrow files. */
export function writeSavedDataset(
  dir: string,
  rows: readonly Row[],
  options: { split?: string | null; shards?: number; batchRows?: number } = {},
): string[] {
  const columns = Object.keys(rows[0] ?? {});
  const shardCount = options.shards ?? 1;
  mkdirSync(dir, { recursive: true });
  const names: string[] = [];
  const per = Math.ceil(rows.length / shardCount);
  for (let i = 0; i < shardCount; i++) {
    const name = `data-${String(i).padStart(5, "0")}-of-${String(shardCount).padStart(5, "0")}.arrow`;
    writeFileSync(path.join(dir, name), arrowStream(rows.slice(i * per, (i + 1) * per), columns, options.batchRows));
    names.push(name);
  }
  writeFileSync(
    path.join(dir, "dataset_info.json"),
    json({ citation: "", description: "", features: features(columns), homepage: "", license: "" }),
  );
  writeFileSync(
    path.join(dir, "state.json"),
    json({
      _data_files: names.map((filename) => ({ filename })),
      _fingerprint: fingerprint(rows),
      _format_columns: null,
      _format_kwargs: {},
      _format_type: null,
      _output_all_columns: false,
      _split: options.split ?? null,
    }),
  );
  return names.map((n) => path.join(dir, n));
}

/** A `save_to_disk` DatasetDict folder: dataset_dict.json and one Dataset folder per split. */
export function writeSavedDatasetDict(dir: string, splits: Record<string, { rows: readonly Row[]; shards?: number }>): void {
  mkdirSync(dir, { recursive: true });
  writeFileSync(path.join(dir, "dataset_dict.json"), JSON.stringify({ splits: Object.keys(splits) }));
  for (const [split, { rows, shards }] of Object.entries(splits)) writeSavedDataset(path.join(dir, split), rows, { split, shards });
}

/** The first `n` rows of the HH-RLHF harmless-base fixture, as `{chosen, rejected}`. */
export function hhRlhfRows(n: number): Row[] {
  const text = gunzipSync(readFileSync(fixturePath("preference/hh-rlhf_harmless-base_test.jsonl.gz"))).toString("utf8");
  return text
    .split("\n")
    .filter((l) => l.trim() !== "")
    .slice(0, n)
    .map((l) => {
      const r = JSON.parse(l) as { chosen: string; rejected: string };
      return { chosen: r.chosen, rejected: r.rejected };
    });
}

/** The committed fixture: train (rows 1-96, two shards) and test (rows 97-120). */
export function writeHhRlhfSaveToDisk(dir: string): void {
  const rows = hhRlhfRows(120);
  writeSavedDatasetDict(dir, { train: { rows: rows.slice(0, 96), shards: 2 }, test: { rows: rows.slice(96) } });
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const target = path.join(path.dirname(fixturePath("preference")), "datasets", "hh-rlhf_harmless-base_save_to_disk");
  rmSync(target, { recursive: true, force: true });
  writeHhRlhfSaveToDisk(target);
  console.log(`wrote ${target}`);
}
