import { readFile, readdir, stat } from "node:fs/promises";
import path from "node:path";
import { ImportError } from "./errors.ts";

/** How deep a dataset folder is searched for shards (`repo/data/train-00000-of-00002.parquet` is two levels down). */
const MAX_DEPTH = 3;
const SPLIT = /(?:^|[/\\_.-])(train|test|validation|valid|dev|eval)(?=[/\\_.-]|$)/i;

/** One file of a dataset folder, and the split it belongs to (null when nothing says). */
export interface Shard {
  file: string;
  split: string | null;
}

/** A folder dropped as one dataset: its shards in reading order, what they hold, and why. */
export interface DatasetFolder {
  container: "parquet" | "arrow";
  shards: Shard[];
  reason: string;
}

async function listFiles(dir: string, depth = 0): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true });
  const files: string[] = [];
  for (const e of entries.sort((a, b) => a.name.localeCompare(b.name, "en"))) {
    if (e.name.startsWith(".")) continue;
    const full = path.join(dir, e.name);
    if (e.isDirectory() && depth < MAX_DEPTH) files.push(...(await listFiles(full, depth + 1)));
    else if (e.isFile()) files.push(full);
  }
  return files;
}

/** The split a shard belongs to, from its path (`data/train-00000-of-00002.parquet` -> `train`), or null. */
export function shardSplit(dir: string, shard: string): string | null {
  const m = SPLIT.exec(path.relative(dir, shard));
  return m ? m[1]!.toLowerCase() : null;
}

const plural = (n: number, what: string) => `${n} ${what}${n === 1 ? "" : "s"}`;

async function readJsonFile(file: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (err) {
    throw new ImportError({ file }, `cannot read the file: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new ImportError({ file }, `malformed JSON: ${(err as Error).message}`);
  }
}

async function isFile(file: string): Promise<boolean> {
  return stat(file).then(
    (s) => s.isFile(),
    () => false,
  );
}

/**
 * The Arrow shards one `save_to_disk` folder lists in its state.json (`_data_files`, in order),
 * each checked to exist inside the folder; the split is the one given (a DatasetDict's), else
 * state.json's `_split`.
 */
async function savedSplit(folder: string, split: string | null): Promise<Shard[]> {
  const stateFile = path.join(folder, "state.json");
  const state = await readJsonFile(stateFile);
  const listed = (state as { _data_files?: unknown })?._data_files;
  if (!Array.isArray(listed) || listed.length === 0) {
    throw new ImportError(
      { file: stateFile, field: "_data_files" },
      "expected a non-empty list of {filename} (the Arrow files of this dataset)",
    );
  }
  const stateSplit = (state as { _split?: unknown })._split;
  const shards: Shard[] = [];
  for (const [i, entry] of listed.entries()) {
    const name = (entry as { filename?: unknown })?.filename;
    if (typeof name !== "string" || name === "" || name !== path.basename(name)) {
      throw new ImportError(
        { file: stateFile, field: `_data_files[${i}].filename` },
        `expected the name of an Arrow file in this folder, got ${JSON.stringify(name)}`,
      );
    }
    const file = path.join(folder, name);
    if (!(await isFile(file)))
      throw new ImportError({ file: stateFile, field: `_data_files[${i}].filename` }, `lists ${name}, which is not in ${folder}`);
    shards.push({ file, split: split ?? (typeof stateSplit === "string" && stateSplit !== "" ? stateSplit : null) });
  }
  return shards;
}

/**
 * A `datasets.save_to_disk` folder: a DatasetDict (dataset_dict.json naming its splits, one
 * sub-folder each) or a single Dataset (state.json + dataset_info.json + Arrow shards).
 */
async function saveToDiskFolder(dir: string): Promise<DatasetFolder | null> {
  const dictFile = path.join(dir, "dataset_dict.json");
  if (await isFile(dictFile)) {
    const splits = ((await readJsonFile(dictFile)) as { splits?: unknown })?.splits;
    if (
      !Array.isArray(splits) ||
      splits.length === 0 ||
      !splits.every((s) => typeof s === "string" && s !== "" && s === path.basename(s))
    ) {
      throw new ImportError({ file: dictFile, field: "splits" }, `expected a non-empty list of split names, got ${JSON.stringify(splits)}`);
    }
    const shards: Shard[] = [];
    for (const split of splits as string[]) shards.push(...(await savedSplit(path.join(dir, split), split)));
    return {
      container: "arrow",
      shards,
      reason: `a Hugging Face save_to_disk DatasetDict (splits ${splits.join(", ")}; ${plural(shards.length, "Arrow file")}) read as one dataset`,
    };
  }
  if (await isFile(path.join(dir, "state.json"))) {
    const shards = await savedSplit(dir, null);
    return {
      container: "arrow",
      shards,
      reason: `a Hugging Face save_to_disk folder (${plural(shards.length, "Arrow file")} listed in state.json) read as one dataset`,
    };
  }
  return null;
}

/**
 * The shards of a folder dropped as one dataset, in reading order: a `save_to_disk` folder's Arrow
 * files in the order its state.json lists them (a DatasetDict's splits in dataset_dict.json's
 * order), else Parquet shards (a Hugging Face Hub snapshot's `data/*.parquet`, or any folder of
 * `.parquet` files) or loose `.arrow` files, in name order.
 */
export async function datasetFolder(dir: string): Promise<DatasetFolder> {
  const saved = await saveToDiskFolder(dir);
  if (saved) return saved;
  let files: string[];
  try {
    files = await listFiles(dir);
  } catch (err) {
    throw new ImportError({ file: dir }, `cannot read the folder: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  const parquet = files.filter((f) => /\.parquet$/i.test(f));
  if (parquet.length > 0) {
    return {
      container: "parquet",
      shards: parquet.map((file) => ({ file, split: shardSplit(dir, file) })),
      reason: `a folder of ${plural(parquet.length, "Parquet shard")} read as one dataset`,
    };
  }
  const arrow = files.filter((f) => /\.arrow$/i.test(f));
  if (arrow.length > 0) {
    return {
      container: "arrow",
      shards: arrow.map((file) => ({ file, split: shardSplit(dir, file) })),
      reason: `a folder of ${plural(arrow.length, "Arrow file")} (no state.json: in name order) read as one dataset`,
    };
  }
  throw new ImportError(
    { file: dir },
    `the folder holds no dataset files: expected Parquet shards (*.parquet) or a Hugging Face save_to_disk folder (state.json or dataset_dict.json, *.arrow)${
      files.length
        ? `; it has ${files
            .slice(0, 5)
            .map((f) => path.relative(dir, f))
            .join(", ")}${files.length > 5 ? ", ..." : ""}`
        : " and it is empty"
    }`,
  );
}
