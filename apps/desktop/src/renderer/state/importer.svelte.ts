/**
 * Dataset import from a dropped (or chosen) file: hand the file to the lab (upload in browser mode,
 * with progress), ask the lab what it recognises (format and which column plays which role), let
 * the user correct name, format and column mapping, then import. Errors are the importer's own,
 * naming the file, row and field; nothing is imported on error.
 */
import type { DatasetDto, DetectionDto, LabApi } from "../../shared/index.ts";
import { type FilePeek, peekFile } from "../lib/file-peek.ts";
import type { UploadProgress } from "../lib/upload.ts";

export type ImportPhase = "idle" | "uploading" | "detecting" | "ready" | "importing" | "done" | "error";

/** Turns a dropped file into the reference `datasets.import` reads: a grant id (upload in browser mode, preload grant in Electron). */
export type FileToPath = (file: File, onProgress: (p: UploadProgress) => void) => Promise<string>;

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
  #path: string | null = null;

  /** The lab's reference to a file (its grant id) for imports other than datasets (runs.import). */
  fileRef(file: File): Promise<string> {
    return this.#toPath(file, () => {});
  }

  constructor(api: LabApi, toPath: FileToPath) {
    this.#api = api;
    this.#toPath = toPath;
  }

  /** Takes a file: shows its first records, hands it to the lab and asks what it recognises. */
  async accept(file: File): Promise<void> {
    this.file = file;
    this.name = file.name.replace(/\.(jsonl|json|csv|tsv|parquet|ndjson)(\.gz)?$/i, "");
    this.format = "";
    this.mapping = {};
    this.labelValues = "";
    this.onBadRow = "fail";
    this.error = null;
    this.detectError = null;
    this.detection = null;
    this.imported = null;
    this.#path = null;
    this.progress = { loaded: 0, total: file.size };
    this.phase = "uploading";
    void peekFile(file).then((p) => {
      if (this.file === file) this.peek = p;
    });
    try {
      const path = await this.#toPath(file, (p) => (this.progress = p));
      if (this.file !== file) return;
      this.#path = path;
    } catch (err) {
      this.error = err instanceof Error ? err.message : String(err);
      this.phase = "error";
      return;
    }
    await this.detect();
  }

  /** Asks the lab again with the current format and mapping. */
  async detect(): Promise<void> {
    if (!this.#path) return;
    this.phase = "detecting";
    try {
      this.detection = await this.#api.datasets.detect({
        path: this.#path,
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
    if (!this.#path || (this.phase !== "ready" && this.phase !== "error")) return null;
    this.error = null;
    this.phase = "importing";
    try {
      const labelValues = parseLabelValuesText(this.labelValues);
      const dataset = await this.#api.datasets.import({
        path: this.#path,
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
    this.peek = null;
    this.detection = null;
    this.error = null;
    this.progress = null;
    this.#path = null;
  }

  #mappingOrUndefined(): Record<string, string> | undefined {
    return Object.keys(this.mapping).length ? { ...this.mapping } : undefined;
  }
}
