/**
 * A dataset folder handed over as its files. A browser cannot upload a folder, so a dropped
 * Hugging Face `save_to_disk` folder (a DatasetDict: `dataset_dict.json`, `train/state.json`,
 * `train/data-00000-of-00002.arrow`, ...) or a folder of Parquet shards arrives as one upload per
 * file, each with its path inside the folder. The lab rebuilds the folder under
 * `<dataDir>/staging/<random>/<folder>/` (hard links where it can, copies otherwise), lets the
 * folder importer read it as one dataset, and removes it again: the rows live in the database once
 * imported, so nothing of the folder needs to stay.
 */
import { randomBytes } from "node:crypto";
import { copyFile, link, mkdir, rm } from "node:fs/promises";
import path from "node:path";
import { LabValidationError } from "../shared/errors.ts";

/** One file of a dropped dataset folder: its path inside the folder (`/`-separated) and where its bytes are now. */
export interface DatasetFile {
  name: string;
  path: string;
}

/** What `datasets.detect` / `datasets.import` read: a path on this machine, or a folder's files. */
export interface DatasetSource {
  path?: string;
  files?: readonly DatasetFile[];
  /** The dropped folder's name: the staged folder is named after it, so the dataset and error messages are too. */
  folder?: string;
}

/** A file or folder name: no separators, nothing hidden (the folder importer skips dot-files), no control characters. */
const SEGMENT = /^[^./\\:*?"<>|\p{Cc}][^/\\:*?"<>|\p{Cc}]*$/u;

function segmentsOf(name: string): string[] {
  const segments = name.split("/");
  for (const s of segments)
    if (!SEGMENT.test(s))
      throw new LabValidationError(
        `dataset file '${name}': each part of a file's path in the folder must be a plain name (no '..', no hidden or empty parts, no \\ : * ? " < > |)`,
      );
  return segments;
}

/** The files' paths inside the folder, checked: plain names, each given once, no file where another needs a folder. */
function checkedLayout(files: readonly DatasetFile[]): string[][] {
  const seen = new Set<string>();
  const layout = files.map((f) => {
    const segments = segmentsOf(f.name);
    const key = segments.join("/");
    if (seen.has(key)) throw new LabValidationError(`dataset file '${key}' was given twice`);
    seen.add(key);
    return segments;
  });
  for (const segments of layout)
    for (let i = 1; i < segments.length; i++) {
      const parent = segments.slice(0, i).join("/");
      if (seen.has(parent)) throw new LabValidationError(`dataset file '${parent}' is also the folder of '${segments.join("/")}'`);
    }
  return layout;
}

/** Places one file: a hard link when the bytes are on the same disk (uploads are), else a copy. */
async function place(from: string, to: string, label: string): Promise<void> {
  await mkdir(path.dirname(to), { recursive: true });
  try {
    await link(from, to);
  } catch {
    try {
      await copyFile(from, to);
    } catch (err) {
      throw new LabValidationError(`${label}: cannot be read (${(err as NodeJS.ErrnoException).code ?? String(err)})`);
    }
  }
}

/**
 * Runs `use` on the dataset the input names: its `path` as it is, or its `files` placed in a
 * staged folder named after `folder` (removed afterwards, whatever happens). Errors that name a
 * staged file name it by its path in the dropped folder (`saved/train/state.json`), not the
 * staging folder's.
 */
export async function withDatasetSource<T>(dataDir: string, input: DatasetSource, use: (path: string) => Promise<T>): Promise<T> {
  if (input.files && input.path !== undefined) throw new LabValidationError("give the dataset's path or its files, not both");
  if (!input.files) {
    if (input.path === undefined) throw new LabValidationError("give the dataset's path, or a dropped folder's files");
    if (input.folder !== undefined) throw new LabValidationError("'folder' names the folder of dropped files; give it with 'files'");
    return use(input.path);
  }
  const folder = input.folder ?? "dataset";
  if (!SEGMENT.test(folder))
    throw new LabValidationError(`dataset folder name '${folder}' must be a plain name (no / \\ : * ? " < > |, not hidden)`);
  const layout = checkedLayout(input.files);
  const root = path.join(dataDir, "staging", randomBytes(6).toString("hex"));
  const dir = path.join(root, folder);
  try {
    for (const [i, f] of input.files.entries()) await place(f.path, path.join(dir, ...layout[i]!), `${folder}/${layout[i]!.join("/")}`);
    return await use(dir);
  } catch (err) {
    if (err instanceof Error) err.message = err.message.replaceAll(root + path.sep, "");
    throw err;
  } finally {
    await rm(root, { recursive: true, force: true });
  }
}
