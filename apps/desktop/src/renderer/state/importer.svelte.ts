/**
 * Dataset import from a dropped (or chosen) file: peek, let the user set a name and format, hand
 * the file to the lab (upload in browser mode), import, and report progress or the importer's
 * error (which names the file, row and field).
 */
import type { DatasetDto, LabApi } from "../../shared/index.ts";
import { type FilePeek, peekFile } from "../lib/file-peek.ts";
import type { UploadProgress } from "../lib/upload.ts";

export type ImportPhase = "idle" | "ready" | "uploading" | "importing" | "done" | "error";

/** Turns a dropped file into a path `datasets.import` can read. */
export type FileToPath = (file: File, onProgress: (p: UploadProgress) => void) => Promise<string>;

/** Format ids the importer knows (libs/storage); "auto" lets it detect. */
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

export class Importer {
  phase = $state<ImportPhase>("idle");
  file = $state<File | null>(null);
  peek = $state<FilePeek | null>(null);
  name = $state("");
  /** "" means detect. */
  format = $state("");
  progress = $state<UploadProgress | null>(null);
  error = $state<string | null>(null);
  imported = $state<DatasetDto | null>(null);

  readonly #api: LabApi;
  readonly #toPath: FileToPath;

  constructor(api: LabApi, toPath: FileToPath) {
    this.#api = api;
    this.#toPath = toPath;
  }

  /** Takes a file and shows what is in it; nothing is imported yet. */
  async accept(file: File): Promise<void> {
    this.file = file;
    this.name = file.name.replace(/\.(jsonl|json|csv|tsv|parquet|ndjson)(\.gz)?$/i, "");
    this.format = "";
    this.error = null;
    this.imported = null;
    this.progress = null;
    this.peek = null;
    this.phase = "ready";
    this.peek = await peekFile(file);
  }

  /** Imports the accepted file; resolves to the dataset or null on error (see `error`). */
  async run(): Promise<DatasetDto | null> {
    const file = this.file;
    if (!file || this.phase === "uploading" || this.phase === "importing") return null;
    this.error = null;
    try {
      this.phase = "uploading";
      this.progress = { loaded: 0, total: file.size };
      const path = await this.#toPath(file, (p) => (this.progress = p));
      this.phase = "importing";
      const dataset = await this.#api.datasets.import({ path, name: this.name.trim() || undefined, format: this.format || undefined });
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
    this.peek = null;
    this.error = null;
    this.progress = null;
  }
}
