/** The JSON-lines reading shared by the OpenRLHF and verl metric logs: one object per line, Python's NaN accepted. */
import { parsePythonJson } from "./python-json.ts";
import { RunLogError } from "./run-log.ts";

/** Each non-blank line's object with its 1-based line number. */
export function jsonlObjects(text: string, file: string): { line: number; record: Record<string, unknown> }[] {
  const out: { line: number; record: Record<string, unknown> }[] = [];
  const lines = text.replace(/^\uFEFF/, "").split(/\r?\n/);
  lines.forEach((raw, i) => {
    const trimmed = raw.trim();
    if (trimmed === "") return;
    let value: unknown;
    try {
      value = parsePythonJson(trimmed);
    } catch (err) {
      throw new RunLogError(file, i + 1, `invalid JSON: ${(err as Error).message.replace(/^line \d+: /, "")}`);
    }
    if (typeof value !== "object" || value === null || Array.isArray(value))
      throw new RunLogError(file, i + 1, "expected a JSON object on each line");
    out.push({ line: i + 1, record: value as Record<string, unknown> });
  });
  if (out.length === 0) throw new RunLogError(file, null, "the file holds no JSON lines");
  return out;
}

/** The first of `keys` a record has, or undefined. */
export function firstKey(record: Record<string, unknown>, keys: readonly string[]): string | undefined {
  return keys.find((k) => k in record);
}
