import type { Readable } from "node:stream";
import { ImportError, describeValue } from "../errors.ts";
import type { SourceRecord } from "./record.ts";

const QUOTE = 34;
const BACKSLASH = 92;
const NEWLINE = 10;

/**
 * A top-level JSON array of objects, streamed: the text is cut into elements by tracking string
 * and bracket depth, and each element is parsed on its own, so memory holds one element at a time
 * and an error names the element and its line.
 */
export async function* readJsonArray(file: string, stream: Readable): AsyncGenerator<SourceRecord> {
  stream.setEncoding("utf8");
  let line = 1;
  let depth = 0;
  let inString = false;
  let escaped = false;
  let opened = false;
  let closed = false;
  let element = "";
  let elementLine = 1;
  let row = 0;
  let sawComma = false;

  const parse = (text: string, startLine: number): SourceRecord | undefined => {
    const trimmed = text.trim();
    if (trimmed === "") {
      if (row === 0 && !sawComma) return undefined; // `[]`
      throw new ImportError({ file, row: row + 1, line: startLine }, "empty array element (a stray comma?)");
    }
    row++;
    const lead = text.slice(0, text.length - text.trimStart().length);
    const at = startLine + (lead.match(/\n/g)?.length ?? 0);
    let value: unknown;
    try {
      value = JSON.parse(trimmed);
    } catch (err) {
      throw new ImportError({ file, row, line: at }, `invalid JSON: ${(err as Error).message}`);
    }
    if (typeof value !== "object" || value === null || Array.isArray(value)) {
      throw new ImportError({ file, row, line: at }, `expected each array element to be an object, got ${describeValue(value)}`);
    }
    return { value: value as Record<string, unknown>, row, line: at };
  };

  try {
    for await (const chunk of stream as AsyncIterable<string>) {
      let start = 0;
      for (let i = 0; i < chunk.length; i++) {
        const c = chunk.charCodeAt(i);
        if (c === NEWLINE) line++;
        if (inString) {
          if (escaped) escaped = false;
          else if (c === BACKSLASH) escaped = true;
          else if (c === QUOTE) inString = false;
          continue;
        }
        if (!opened || closed) {
          if (c === 0xfeff || c === 32 || c === 9 || c === 10 || c === 13) continue;
          if (closed) throw new ImportError({ file, line }, "unexpected text after the end of the JSON array");
          if (c !== 91) throw new ImportError({ file, line }, "expected a JSON array starting with '['");
          opened = true;
          depth = 1;
          start = i + 1;
          elementLine = line;
          continue;
        }
        if (c === QUOTE) inString = true;
        else if (c === 123 || c === 91) depth++;
        else if (c === 125 || c === 93) {
          depth--;
          if (depth === 0) {
            const rec = parse(element + chunk.slice(start, i), elementLine);
            element = "";
            closed = true;
            if (rec) yield rec;
          }
        } else if (c === 44 && depth === 1) {
          const rec = parse(element + chunk.slice(start, i), elementLine);
          sawComma = true;
          element = "";
          start = i + 1;
          elementLine = line;
          if (rec) yield rec;
        }
      }
      if (opened && !closed) element += chunk.slice(start);
    }
  } catch (err) {
    if (err instanceof ImportError) throw err;
    throw new ImportError({ file, line }, `cannot read the file: ${(err as Error).message}`);
  } finally {
    stream.destroy();
  }
  if (!opened) throw new ImportError({ file }, "the file is empty");
  if (!closed) throw new ImportError({ file, row: row + 1, line }, "the JSON array is not closed: the file ends inside it (truncated?)");
}
