/**
 * The files of a drop. A dropped folder reaches the page as a directory entry
 * (`DataTransferItem.webkitGetAsEntry`, Chromium and Electron): its files are read from it (a
 * model folder's top-level files; a dataset folder's files in every subfolder, with their paths),
 * so a folder can be dropped whole; loose files dropped together come as they are.
 * Entries must be taken while the drop event is being dispatched (the list empties afterwards),
 * so call this synchronously from the handler and await the promise after.
 */

/** The part of the File System Entry API a drop uses (a subset of lib.dom's FileSystemEntry). */
interface DropEntry {
  isFile: boolean;
  isDirectory: boolean;
  name: string;
  file?(success: (file: File) => void, failure?: (err: unknown) => void): void;
  createReader?(): { readEntries(success: (entries: DropEntry[]) => void, failure?: (err: unknown) => void): void };
}

function fileOf(entry: DropEntry): Promise<File> {
  return new Promise((resolve, reject) => entry.file!(resolve, reject));
}

/** Every entry of a folder: readEntries returns them in batches until an empty one. */
async function entriesOf(dir: DropEntry): Promise<DropEntry[]> {
  const reader = dir.createReader!();
  const all: DropEntry[] = [];
  for (;;) {
    const batch = await new Promise<DropEntry[]>((resolve, reject) => reader.readEntries(resolve, reject));
    if (batch.length === 0) return all;
    all.push(...batch);
  }
}

/** How deep a dropped folder is read with `subfolders` (the dataset importer looks three levels down for shards). */
const MAX_DEPTH = 4;

/**
 * A folder's files with their paths inside it (`train/state.json`): top-level files only, or with
 * `subfolders` those of its subfolders too, up to MAX_DEPTH levels. Hidden entries (`.git`,
 * `.DS_Store`) are skipped: no importer reads them.
 */
async function filesUnder(dir: DropEntry, subfolders: boolean, prefix = "", depth = 1): Promise<{ file: File; path: string }[]> {
  const out: { file: File; path: string }[] = [];
  for (const child of await entriesOf(dir)) {
    if (child.name.startsWith(".")) continue;
    if (child.isFile) out.push({ file: await fileOf(child), path: prefix + child.name });
    else if (child.isDirectory && subfolders && depth < MAX_DEPTH)
      out.push(...(await filesUnder(child, subfolders, `${prefix}${child.name}/`, depth + 1)));
  }
  return out;
}

/** What was dropped: the files, with a dropped folder replaced by its files, and that folder. */
export interface Dropped {
  files: File[];
  /** Each file's path inside the dropped folder (`train/state.json`), or its name for a loose file. */
  paths: string[];
  /** The dropped folder's name (the first one), or null when loose files were dropped. */
  folder: string | null;
  /** The dropped folder itself as the page received it (Electron's preload grants it as a folder), or null. */
  folderFile: File | null;
}

/**
 * The files of a drop. A dropped folder gives its top-level files (a model folder), or with
 * `subfolders` every file below it with its path inside the folder (a DatasetDict's `train/...`).
 */
export function droppedFiles(
  data: Pick<DataTransfer, "items" | "files"> | null | undefined,
  options: { subfolders?: boolean } = {},
): Promise<Dropped> {
  const none: Dropped = { files: [], paths: [], folder: null, folderFile: null };
  if (!data) return Promise.resolve(none);
  const dropped = [...(data.items ?? [])]
    .map((item) => {
      const it = item as unknown as { webkitGetAsEntry?: () => DropEntry | null; getAsFile?: () => File | null };
      return { entry: it.webkitGetAsEntry?.() ?? null, file: it.getAsFile?.() ?? null };
    })
    .filter((d): d is { entry: DropEntry; file: File | null } => d.entry !== null);
  const loose = [...(data.files ?? [])];
  const dir = dropped.find((d) => d.entry.isDirectory);
  if (!dir) return Promise.resolve({ ...none, files: loose, paths: loose.map((f) => f.name) });
  return (async () => {
    const found: { file: File; path: string }[] = [];
    for (const { entry } of dropped) {
      if (entry.isFile) found.push({ file: await fileOf(entry), path: entry.name });
      else if (entry.isDirectory) found.push(...(await filesUnder(entry, options.subfolders ?? false)));
    }
    return {
      files: found.map((f) => f.file),
      paths: found.map((f) => f.path),
      folder: dir.entry.name,
      folderFile: dir.file ?? loose.find((f) => f.name === dir.entry.name) ?? null,
    };
  })();
}
