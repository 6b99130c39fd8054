/**
 * JSON as Python's `json.dump` writes it. Python writes non-finite floats as the bare tokens
 * `NaN`, `Infinity` and `-Infinity`, which JSON.parse refuses; training logs hold them whenever a
 * loss diverged. They are read here as NaN / +-Infinity. Also: where each element of a top-level
 * array field starts, so an error in one `log_history` entry can name its line.
 */

const BARE = /^(-?Infinity|NaN)/;

/** Replaces bare NaN / Infinity tokens (outside strings) by marker strings JSON.parse accepts. */
function quoteNonFinite(text: string): string {
  let out = "";
  let last = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '"') {
      // Skip the string, escapes included.
      for (i++; i < text.length && text[i] !== '"'; i++) if (text[i] === "\\") i++;
      continue;
    }
    if (c === "N" || c === "I" || c === "-") {
      const m = BARE.exec(text.slice(i, i + 9));
      if (m) {
        out += `${text.slice(last, i)}"\\u0000${m[1]}"`;
        i += m[1]!.length - 1;
        last = i + 1;
      }
    }
  }
  return last === 0 ? text : out + text.slice(last);
}

const NON_FINITE: Record<string, number> = { "\u0000NaN": Number.NaN, "\u0000Infinity": Infinity, "\u0000-Infinity": -Infinity };

/** JSON.parse that also reads Python's NaN / Infinity. Throws SyntaxError with the 1-based line. */
export function parsePythonJson(text: string): unknown {
  const quoted = quoteNonFinite(text);
  try {
    return JSON.parse(quoted, (_key, value: unknown) =>
      typeof value === "string" && value.startsWith("\u0000") && value in NON_FINITE ? NON_FINITE[value] : value,
    );
  } catch (err) {
    const message = (err as Error).message;
    // V8 names a character position; turn it into a line of the original text (quoting adds no newlines).
    const at = /position (\d+)/.exec(message);
    const line = at ? lineAt(quoted, Number(at[1])) : undefined;
    throw new SyntaxError(line !== undefined ? `line ${line}: ${message}` : message);
  }
}

/** 1-based line of a character offset. */
export function lineAt(text: string, offset: number): number {
  let line = 1;
  for (let i = 0; i < offset && i < text.length; i++) if (text.charCodeAt(i) === 10) line++;
  return line;
}

/**
 * The 1-based line where each element of the array under the top-level key `field` starts, in
 * order (empty when there is no such array). Strings are skipped, so brackets inside them do not count.
 */
export function arrayElementLines(text: string, field: string): number[] {
  const keyAt = text.indexOf(`"${field}"`);
  if (keyAt < 0) return [];
  const open = text.indexOf("[", keyAt);
  if (open < 0) return [];
  const lines: number[] = [];
  let depth = 0;
  let line = lineAt(text, open);
  let expectElement = true;
  for (let i = open; i < text.length; i++) {
    const c = text[i]!;
    if (c === "\n") {
      line++;
      continue;
    }
    if (c === '"') {
      if (depth === 1 && expectElement) {
        lines.push(line);
        expectElement = false;
      }
      for (i++; i < text.length && text[i] !== '"'; i++) if (text[i] === "\\") i++;
      continue;
    }
    if (c === "[" || c === "{") {
      if (depth === 1 && expectElement) {
        lines.push(line);
        expectElement = false;
      }
      depth++;
    } else if (c === "]" || c === "}") {
      depth--;
      if (depth === 0) break;
    } else if (c === "," && depth === 1) expectElement = true;
    else if (depth === 1 && expectElement && !/\s/.test(c)) {
      lines.push(line);
      expectElement = false;
    }
  }
  return lines;
}
