/**
 * The files of a drop. A dropped folder reaches the page as a directory entry
 * (`DataTransferItem.webkitGetAsEntry`, Chromium and Electron): its top-level files are read from
 * it, so a model folder can be dropped whole; loose files dropped together come as they are.
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

/** What was dropped: the files, with a dropped folder replaced by its top-level files (subfolders are skipped), and that folder's name. */
export interface Dropped {
  files: File[];
  /** The dropped folder's name (the first one), or null when loose files were dropped. */
  folder: string | null;
}

export function droppedFiles(data: Pick<DataTransfer, "items" | "files"> | null | undefined): Promise<Dropped> {
  if (!data) return Promise.resolve({ files: [], folder: null });
  const entries = [...(data.items ?? [])]
    .map((item) => (item as unknown as { webkitGetAsEntry?: () => DropEntry | null }).webkitGetAsEntry?.() ?? null)
    .filter((e): e is DropEntry => e !== null);
  const loose = [...(data.files ?? [])];
  if (!entries.some((e) => e.isDirectory)) return Promise.resolve({ files: loose, folder: null });
  return (async () => {
    const files: File[] = [];
    for (const entry of entries) {
      if (entry.isFile) files.push(await fileOf(entry));
      else if (entry.isDirectory) for (const child of await entriesOf(entry)) if (child.isFile) files.push(await fileOf(child));
    }
    return { files, folder: entries.find((e) => e.isDirectory)!.name };
  })();
}
