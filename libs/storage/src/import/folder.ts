import { readdir } from "node:fs/promises";
import path from "node:path";
import { ImportError } from "./errors.ts";

/** How deep a dataset folder is searched for shards (`repo/data/train-00000-of-00002.parquet` is two levels down). */
const MAX_DEPTH = 3;
/** Names of the files `datasets.save_to_disk` writes next to its Arrow shards. */
const SAVE_TO_DISK_FILES = new Set(["dataset_info.json", "state.json", "dataset_dict.json"]);
const SPLIT = /(?:^|[/\\_.-])(train|test|validation|valid|dev|eval)(?=[/\\_.-]|$)/i;

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

/**
 * The Parquet shards of a dataset folder (a Hugging Face Hub snapshot's `data/*.parquet`, or any
 * folder of `.parquet` files), in name order, to be read as one dataset. A `save_to_disk` folder
 * (Arrow IPC shards + dataset_info.json) is recognised and refused with what to do instead: no
 * Arrow IPC reader is installed in this build.
 */
export async function parquetShards(dir: string): Promise<string[]> {
  let files: string[];
  try {
    files = await listFiles(dir);
  } catch (err) {
    throw new ImportError({ file: dir }, `cannot read the folder: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  const shards = files.filter((f) => /\.parquet$/i.test(f));
  if (shards.length > 0) return shards;
  const arrow = files.filter((f) => /\.arrow$/i.test(f));
  if (arrow.length > 0 || files.some((f) => SAVE_TO_DISK_FILES.has(path.basename(f)))) {
    throw new ImportError(
      { file: dir },
      `a Hugging Face save_to_disk folder (${arrow.length} Arrow file${arrow.length === 1 ? "" : "s"}${files.some((f) => path.basename(f) === "dataset_info.json") ? " and dataset_info.json" : ""}): ` +
        "Arrow IPC files cannot be read yet (no Arrow reader in this build). Write the dataset as Parquet and import that instead, " +
        'e.g. in Python: datasets.load_from_disk(folder).to_parquet("data.parquet") (for a DatasetDict, one file per split: ds["train"].to_parquet(...)).',
    );
  }
  throw new ImportError(
    { file: dir },
    `the folder holds no dataset files: expected Parquet shards (*.parquet)${
      files.length
        ? `; it has ${files
            .slice(0, 5)
            .map((f) => path.relative(dir, f))
            .join(", ")}${files.length > 5 ? ", ..." : ""}`
        : " and it is empty"
    }`,
  );
}

/** The split a shard belongs to, from its path (`data/train-00000-of-00002.parquet` -> `train`), or null. */
export function shardSplit(dir: string, shard: string): string | null {
  const m = SPLIT.exec(path.relative(dir, shard));
  return m ? m[1]!.toLowerCase() : null;
}
