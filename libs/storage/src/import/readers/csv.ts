import type { Readable } from "node:stream";
import { CsvError, parse } from "csv-parse";
import { ImportError } from "../errors.ts";
import type { SourceRecord } from "./record.ts";

/**
 * CSV/TSV with a header row; quoted fields may span lines. The row number counts data records
 * (header excluded); the line is where the record starts.
 */
export async function* readCsv(file: string, stream: Readable, delimiter: "," | "\t"): AsyncGenerator<SourceRecord> {
  const parser = stream.pipe(parse({ columns: true, bom: true, delimiter, skip_empty_lines: true, info: true, relax_column_count: false }));
  let row = 0;
  let line = 2; // the header is line 1
  stream.on("error", (err) => parser.destroy(err));
  try {
    for await (const { record, info } of parser as AsyncIterable<{
      record: Record<string, string>;
      info: { lines: number; raw?: string };
    }>) {
      row++;
      yield { value: record, row, line };
      line = info.lines + 1;
    }
  } catch (err) {
    if (err instanceof ImportError) throw err;
    if (err instanceof CsvError) {
      // The parser reads ahead of this loop, so its own record count is the reliable row number.
      const e = err as CsvError & { lines?: number; records?: number; column?: string | number };
      const field = typeof e.column === "string" ? e.column : undefined;
      const at = typeof e.records === "number" ? e.records + 1 : row + 1;
      throw new ImportError({ file, row: at, line: e.lines, field }, `malformed CSV: ${err.message}`);
    }
    throw new ImportError({ file, row: row + 1 }, `cannot read the file: ${(err as Error).message}`);
  } finally {
    parser.destroy();
    stream.destroy();
  }
}
