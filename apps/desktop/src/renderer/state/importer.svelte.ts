/**
 * Dataset import from a dropped (or chosen) file or folder: hand it to the lab (upload in browser
 * mode, with progress), ask the lab what it recognises (format and which column plays which role),
 * let the user correct name, format and column mapping, then import. A dropped folder (a Hugging
 * Face save_to_disk folder, Parquet shards) is one dataset: Electron grants the folder itself;
 * browser mode uploads its files, each with its path in the folder, and the lab rebuilds the
 * folder. Errors are the importer's own, naming the file, row and field; nothing is imported on
 * error.
 */
import type { DatasetDto, DetectionDto, LabApi } from "../../shared/index.ts";
import { type Dropped, droppedFiles } from "../lib/dropped-files.ts";
import { type FilePeek, peekFile } from "../lib/file-peek.ts";
import type { UploadProgress } from "../lib/upload.ts";

export type ImportPhase = "idle" | "uploading" | "detecting" | "ready" | "importing" | "done" | "error";

/** Turns a dropped file into the reference `datasets.import` reads: a grant id (upload in browser mode, preload grant in Electron). */
export type FileToPath = (file: File, onProgress: (p: UploadProgress) => void) => Promise<string>;

/** Turns a dropped folder (the File the page got for it) into a folder grant: Electron's preload; browser mode has none. */
export type FolderToPath = (folder: File) => Promise<string>;

/** What `datasets.detect` / `datasets.import` read: a grant for a file or folder, or a folder's files, each a grant. */
type Source = { path: string } | { files: { name: string; path: string }[]; folder: string };

/** The most files a dropped folder may have (the lab's limit for one import). */
const MAX_FOLDER_FILES = 4096;

/** Format ids the importer knows (libs/storage); "" lets it detect. */
export const KNOWN_FORMATS = [
  "hh-rlhf",
  "stack-exchange-paired",
  "ultrafeedback-binarized",
  "llamafactory-ranking",
  "prompt-chosen-rejected",
  "pairwise",
  "ranked",
  "unpaired",
];

/** The fields to map by hand for a chosen format (judged pairs and unpaired rows name theirs differently). */
export function manualRoles(format: string): string[] {
  if (format === "pairwise") return ["prompt", "response_a", "response_b", "preference"];
  if (format === "unpaired") return ["prompt", "response", "label"];
  return ["prompt", "chosen", "rejected"];
}

const LABELS = ["a", "b", "tie", "good", "bad"] as const;
type LabelName = (typeof LABELS)[number];

/** `ours=a, reference=b` -> `{ours: "a", reference: "b"}`; undefined when empty. Throws a message naming the bad entry. */
export function parseLabelValuesText(text: string): Record<string, LabelName> | undefined {
  const out: Record<string, LabelName> = {};
  for (const entry of text
    .split(",")
    .map((e) => e.trim())
    .filter(Boolean)) {
    const eq = entry.lastIndexOf("=");
    const label = entry
      .slice(eq + 1)
      .trim()
      .toLowerCase() as LabelName;
    if (eq <= 0 || !LABELS.includes(label))
      throw new Error(`label value '${entry}' must look like value=label with label one of ${LABELS.join(", ")}, e.g. ours=a`);
    out[entry.slice(0, eq).trim()] = label;
  }
  return Object.keys(out).length ? out : undefined;
}

export class Importer {
  phase = $state<ImportPhase>("idle");
  file = $state.raw<File | null>(null);
  /** A dropped folder being imported (instead of `file`): its name, how many files, their bytes. */
  folder = $state.raw<{ name: string; files: number; bytes: number } | null>(null);
  peek = $state.raw<FilePeek | null>(null);
  name = $state("");
  /** "" means detect. */
  format = $state("");
  progress = $state<UploadProgress | null>(null);
  /** What the lab recognised, or null when it could not (see detectError). */
  detection = $state.raw<DetectionDto | null>(null);
  detectError = $state<string | null>(null);
  /** Role -> source column, as the user edited it (empty: the detected roles apply). */
  mapping = $state<Record<string, string>>({});
  /** What textual label values mean, as typed: `ours=a, reference=b` ("" = none). */
  labelValues = $state("");
  /** A row that cannot be read: fail refuses the file, skip imports the rest and reports each skipped row. */
  onBadRow = $state<"fail" | "skip">("fail");
  error = $state<string | null>(null);
  imported = $state.raw<DatasetDto | null>(null);

  readonly #api: LabApi;
  readonly #toPath: FileToPath;
  readonly #folderToPath: FolderToPath | undefined;
  #source: Source | null = null;
  /** Counts drops, so a slow upload's answer is dropped once something else was dropped. */
  #drop = 0;

  /** The lab's reference to a file (its grant id) for imports other than datasets (runs.import). */
  fileRef(file: File): Promise<string> {
    return this.#toPath(file, () => {});
  }

  constructor(api: LabApi, toPath: FileToPath, folderToPath?: FolderToPath) {
    this.#api = api;
    this.#toPath = toPath;
    this.#folderToPath = folderToPath;
  }

  /** Starts over for a new drop: the form's fields back to their defaults; returns the drop's number. */
  #begin(name: string, bytes: number): number {
    this.name = name;
    this.format = "";
    this.mapping = {};
    this.labelValues = "";
    this.onBadRow = "fail";
    this.error = null;
    this.detectError = null;
    this.detection = null;
    this.imported = null;
    this.peek = null;
    this.#source = null;
    this.progress = { loaded: 0, total: bytes };
    this.phase = "uploading";
    return ++this.#drop;
  }

  /** Hands the dropped thing to the lab (`hand` returns its source), then asks what it recognises. */
  async #handOver(drop: number, hand: () => Promise<Source>): Promise<void> {
    try {
      const source = await hand();
      if (drop !== this.#drop) return;
      this.#source = source;
    } catch (err) {
      if (drop !== this.#drop) return;
      this.error = err instanceof Error ? err.message : String(err);
      this.phase = "error";
      return;
    }
    await this.detect();
  }

  /** Takes a drop (call it synchronously from the drop handler): a folder is one dataset, else the first file is. */
  async acceptDrop(data: Pick<DataTransfer, "items" | "files"> | null | undefined): Promise<void> {
    const dropped = await droppedFiles(data, { subfolders: true });
    if (dropped.folder !== null) return this.acceptFolder(dropped);
    if (dropped.files[0]) return this.accept(dropped.files[0]);
  }

  /** Takes a file: shows its first records, hands it to the lab and asks what it recognises. */
  async accept(file: File): Promise<void> {
    const drop = this.#begin(file.name.replace(/\.(jsonl|json|csv|tsv|parquet|ndjson)(\.gz)?$/i, ""), file.size);
    this.file = file;
    this.folder = null;
    void peekFile(file).then((p) => {
      if (drop === this.#drop) this.peek = p;
    });
    await this.#handOver(drop, async () => ({ path: await this.#toPath(file, (p) => (this.progress = p)) }));
  }

  /**
   * Takes a dropped dataset folder as one dataset: Electron grants the folder itself; otherwise
   * its files are uploaded one by one (progress over all of them), each named by its path in the
   * folder (`train/state.json`), and the lab rebuilds the folder to read it.
   */
  async acceptFolder(dropped: Dropped): Promise<void> {
    const name = dropped.folder ?? "dataset";
    const bytes = dropped.files.reduce((n, f) => n + f.size, 0);
    const drop = this.#begin(name, bytes);
    this.file = null;
    this.folder = { name, files: dropped.files.length, bytes };
    await this.#handOver(drop, async () => {
      if (this.#folderToPath && dropped.folderFile) return { path: await this.#folderToPath(dropped.folderFile) };
      if (dropped.files.length === 0) throw new Error(`The folder ${name} has no files to import.`);
      if (dropped.files.length > MAX_FOLDER_FILES)
        throw new Error(`The folder ${name} has ${dropped.files.length} files; a dataset folder may have at most ${MAX_FOLDER_FILES}.`);
      const files: { name: string; path: string }[] = [];
      let sent = 0;
      for (const [i, file] of dropped.files.entries()) {
        const path = await this.#toPath(file, (p) => (this.progress = { loaded: sent + p.loaded, total: bytes }));
        if (drop !== this.#drop) throw new Error("superseded by another drop");
        files.push({ name: dropped.paths[i]!, path });
        sent += file.size;
      }
      return { files, folder: name };
    });
  }

  /** Asks the lab again with the current format and mapping. */
  async detect(): Promise<void> {
    if (!this.#source) return;
    this.phase = "detecting";
    try {
      this.detection = await this.#api.datasets.detect({
        ...this.#source,
        format: this.format || undefined,
        mapping: this.#mappingOrUndefined(),
      });
      this.detectError = null;
    } catch (err) {
      this.detection = null;
      this.detectError = err instanceof Error ? err.message : String(err);
    }
    this.phase = "ready";
  }

  /** Sets which source column plays a role (e.g. `prompt` <- `question`) and detects again. */
  async mapColumn(role: string, column: string): Promise<void> {
    this.mapping = { ...this.mapping, [role]: column };
    await this.detect();
  }

  /** Imports the file; resolves to the dataset, or null on error (see `error`). */
  async run(): Promise<DatasetDto | null> {
    if (!this.#source || (this.phase !== "ready" && this.phase !== "error")) return null;
    this.error = null;
    this.phase = "importing";
    try {
      const labelValues = parseLabelValuesText(this.labelValues);
      const dataset = await this.#api.datasets.import({
        ...this.#source,
        name: this.name.trim() || undefined,
        format: this.format || undefined,
        mapping: this.#mappingOrUndefined(),
        ...(labelValues ? { labelValues } : {}),
        ...(this.onBadRow === "skip" ? { onBadRow: "skip" as const } : {}),
      });
      this.imported = dataset;
      this.phase = "done";
      return dataset;
    } catch (err) {
      this.error = err instanceof Error ? err.message : String(err);
      this.phase = "error";
      return null;
    }
  }

  reset(): void {
    this.phase = "idle";
    this.file = null;
    this.folder = null;
    this.peek = null;
    this.detection = null;
    this.error = null;
    this.progress = null;
    this.#source = null;
    this.#drop++;
  }

  #mappingOrUndefined(): Record<string, string> | undefined {
    return Object.keys(this.mapping).length ? { ...this.mapping } : undefined;
  }
}
