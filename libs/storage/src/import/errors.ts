/** Where in a source file a problem is. Rows and lines are 1-based. */
export interface ImportLocation {
  file: string;
  /** Record number: JSONL line, JSON array element, CSV data record (header excluded), Parquet row. */
  row?: number;
  /** Text line where the record starts, where the container has lines. */
  line?: number;
  /** The source column (or field) at fault. */
  field?: string;
}

function where(loc: ImportLocation): string {
  const parts = [loc.file];
  if (loc.row !== undefined)
    parts.push(loc.line !== undefined && loc.line !== loc.row ? `row ${loc.row} (line ${loc.line})` : `row ${loc.row}`);
  else if (loc.line !== undefined) parts.push(`line ${loc.line}`);
  if (loc.field !== undefined) parts.push(`field "${loc.field}"`);
  return parts.join(", ");
}

/** A dataset file could not be imported; nothing was written. */
export class ImportError extends Error {
  override name = "ImportError";
  readonly file: string;
  readonly row?: number;
  readonly line?: number;
  readonly field?: string;
  /** The problem without the location prefix. */
  readonly reason: string;

  constructor(loc: ImportLocation, reason: string) {
    super(`${where(loc)}: ${reason}`);
    this.file = loc.file;
    this.row = loc.row;
    this.line = loc.line;
    this.field = loc.field;
    this.reason = reason;
  }
}

/** Thrown by format converters; the importer adds the file and row. */
export class FieldError extends Error {
  override name = "FieldError";
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(message);
  }
}

/** A short description of a value for error messages. */
export function describeValue(value: unknown): string {
  if (value === null) return "null";
  if (value === undefined) return "nothing";
  if (Array.isArray(value)) return `a list of ${value.length}`;
  if (typeof value === "string") return value.length > 40 ? `the text "${value.slice(0, 37)}..."` : `the text "${value}"`;
  if (typeof value === "object") return "an object";
  return `${typeof value} ${String(value)}`;
}
