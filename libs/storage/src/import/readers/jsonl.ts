import { createInterface } from "node:readline";
import type { Readable } from "node:stream";
import { ImportError, describeValue } from "../errors.ts";
import type { SourceRecord } from "./record.ts";

/** One JSON object per line; blank lines are skipped. The row number is the line number. */
export async function* readJsonl(file: string, stream: Readable): AsyncGenerator<SourceRecord> {
  stream.setEncoding("utf8");
  const lines = createInterface({ input: stream, crlfDelay: Infinity });
  let line = 0;
  try {
    for await (const text of lines) {
      line++;
      const trimmed = line === 1 ? text.replace(/^\uFEFF/, "").trim() : text.trim();
      if (trimmed === "") continue;
      let value: unknown;
      try {
        value = JSON.parse(trimmed);
      } catch (err) {
        throw new ImportError({ file, row: line, line }, `invalid JSON: ${(err as Error).message}`);
      }
      if (typeof value !== "object" || value === null || Array.isArray(value)) {
        throw new ImportError({ file, row: line, line }, `expected a JSON object on each line, got ${describeValue(value)}`);
      }
      yield { value: value as Record<string, unknown>, row: line, line };
    }
  } catch (err) {
    if (err instanceof ImportError) throw err;
    throw new ImportError({ file, line: line + 1 }, `cannot read the file: ${(err as Error).message}`);
  } finally {
    lines.close();
    stream.destroy();
  }
}
