/**
 * A first look at a dropped file before it is imported: its first records and their field names,
 * read in the page. The lab's importer does the real detection and validation; this only lets the
 * user check they dropped the right file and pick a format or name before committing.
 */

export interface FilePeek {
  /** `json`, `jsonl`, `csv`, `tsv`, `parquet`, `gzip` or `unknown`. */
  container: string;
  /** Field names of the first record (CSV/TSV: the header). */
  fields: string[];
  /** Up to `limit` records, as shown text per field. */
  rows: Record<string, string>[];
  /** Why nothing could be shown, when so. */
  note: string | null;
}

const WHOLE_FILE_LIMIT = 8 * 1024 * 1024;

function containerOf(name: string): string {
  const n = name.toLowerCase();
  if (n.endsWith(".gz")) return "gzip";
  if (n.endsWith(".jsonl") || n.endsWith(".ndjson")) return "jsonl";
  if (n.endsWith(".json")) return "json";
  if (n.endsWith(".csv")) return "csv";
  if (n.endsWith(".tsv")) return "tsv";
  if (n.endsWith(".parquet")) return "parquet";
  return "unknown";
}

function show(value: unknown): string {
  const s = typeof value === "string" ? value : JSON.stringify(value);
  return s.length > 160 ? `${s.slice(0, 157)}…` : s;
}

function toRows(records: unknown[], limit: number): { fields: string[]; rows: Record<string, string>[] } {
  const fields: string[] = [];
  const rows: Record<string, string>[] = [];
  for (const r of records.slice(0, limit)) {
    const obj = r !== null && typeof r === "object" && !Array.isArray(r) ? (r as Record<string, unknown>) : { value: r };
    for (const k of Object.keys(obj)) if (!fields.includes(k)) fields.push(k);
    rows.push(Object.fromEntries(Object.entries(obj).map(([k, v]) => [k, show(v)])));
  }
  return { fields, rows };
}

/** Reads the first records of a text file the lab can import. */
export async function peekFile(file: Blob & { name: string }, limit = 5): Promise<FilePeek> {
  const container = containerOf(file.name);
  const none = (note: string): FilePeek => ({ container, fields: [], rows: [], note });
  if (container === "gzip" || container === "parquet") return none("Compressed and Parquet files are previewed after import.");
  try {
    if (container === "json" && file.size <= WHOLE_FILE_LIMIT) {
      const parsed: unknown = JSON.parse(await file.text());
      const records = Array.isArray(parsed) ? parsed : [parsed];
      return { container, ...toRows(records, limit), note: null };
    }
    const head = await file.slice(0, 256 * 1024).text();
    const lines = head.split(/\r?\n/).filter((l) => l.trim() !== "");
    if (container === "csv" || container === "tsv") {
      const sep = container === "csv" ? "," : "\t";
      const fields = (lines[0] ?? "").split(sep).map((f) => f.trim().replace(/^"|"$/g, ""));
      return { container, fields, rows: [], note: "Rows of CSV/TSV files are previewed after import." };
    }
    const records: unknown[] = [];
    for (const line of lines.slice(0, limit)) records.push(JSON.parse(line));
    return { container, ...toRows(records, limit), note: null };
  } catch (err) {
    return none(
      `The first records could not be read here (${err instanceof Error ? err.message : String(err)}); the importer will say exactly where.`,
    );
  }
}
