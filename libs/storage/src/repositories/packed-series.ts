import type Database from "better-sqlite3";

/** Points per stored chunk: large enough that a 100k-point read is ~100 rows, small enough that an append rewrites little. */
export const CHUNK_POINTS = 1024;

/**
 * Numeric series stored as packed chunks: each row holds up to CHUNK_POINTS points as one
 * Float64 blob, column-major (`key[0..n)`, then each value column). One SQLite row per
 * thousand points makes batched writes and whole-series reads cost little more than a memcpy,
 * where one row per point spends microseconds per point in the driver.
 *
 * `columns[0]` is the key (step or x): unique within a series and kept sorted. Appending a key
 * that exists replaces that point. Missing values are NaN.
 */
export class PackedSeries {
  private readonly lastChunkStmt;
  private readonly firstOverlapStmt;
  private readonly fromChunkStmt;
  private readonly deleteFromStmt;
  private readonly insertStmt;
  private readonly allStmt;

  /**
   * @param table a table with the series key columns, then `chunk, first_key, last_key, n, data`
   * @param keyColumns the columns naming one series, e.g. `["run_id", "name_id"]`
   */
  constructor(db: Database.Database, table: string, keyColumns: readonly string[]) {
    const where = keyColumns.map((c) => `${c} = ?`).join(" AND ");
    this.lastChunkStmt = db.prepare(`SELECT chunk, n, last_key, data FROM ${table} WHERE ${where} ORDER BY chunk DESC LIMIT 1`);
    this.firstOverlapStmt = db.prepare(`SELECT chunk FROM ${table} WHERE ${where} AND last_key >= ? ORDER BY chunk LIMIT 1`);
    this.fromChunkStmt = db.prepare(`SELECT n, data FROM ${table} WHERE ${where} AND chunk >= ? ORDER BY chunk`);
    this.deleteFromStmt = db.prepare(`DELETE FROM ${table} WHERE ${where} AND chunk >= ?`);
    this.insertStmt = db.prepare(
      `INSERT INTO ${table} (${keyColumns.join(", ")}, chunk, first_key, last_key, n, data) VALUES (${keyColumns.map(() => "?").join(", ")}, ?, ?, ?, ?, ?)`,
    );
    this.allStmt = db.prepare(`SELECT n, data FROM ${table} WHERE ${where} ORDER BY chunk`);
  }

  /** Appends points (columns of equal length; any key order) to one series. Call inside a transaction. */
  append(series: readonly unknown[], columns: readonly Float64Array[]): void {
    const incoming = sortUnique(columns);
    const count = incoming[0]!.length;
    if (count === 0) return;
    const width = columns.length;
    const last = this.lastChunkStmt.get(...series) as { chunk: number; n: number; last_key: number; data: Buffer } | undefined;
    let start = 0;
    let merged = incoming;
    if (last) {
      if (incoming[0]![0]! > last.last_key) {
        // The common case: new points after the end. Refill a partial last chunk.
        if (last.n < CHUNK_POINTS) {
          merged = concat(unpack(last.data, last.n, width), incoming);
          start = last.chunk;
        } else {
          start = last.chunk + 1;
        }
      } else {
        // Out of order or re-logged points: rewrite from the first chunk they touch.
        start = (this.firstOverlapStmt.get(...series, incoming[0]![0]!) as { chunk: number }).chunk;
        const rows = this.fromChunkStmt.all(...series, start) as { n: number; data: Buffer }[];
        merged = mergeSorted(rows.map((r) => unpack(r.data, r.n, width)).reduce(concat), incoming);
      }
      this.deleteFromStmt.run(...series, start);
    }
    const total = merged[0]!.length;
    for (let off = 0, chunk = start; off < total; off += CHUNK_POINTS, chunk++) {
      const n = Math.min(CHUNK_POINTS, total - off);
      const packed = new Float64Array(n * width);
      for (let c = 0; c < width; c++) packed.set(merged[c]!.subarray(off, off + n), c * n);
      this.insertStmt.run(...series, chunk, merged[0]![off]!, merged[0]![off + n - 1]!, n, Buffer.from(packed.buffer));
    }
  }

  /** The whole series as `width` columns, key first, in key order. */
  read(series: readonly unknown[], width: number): Float64Array[] {
    const rows = this.allStmt.all(...series) as { n: number; data: Buffer }[];
    const total = rows.reduce((s, r) => s + r.n, 0);
    const out = Array.from({ length: width }, () => new Float64Array(total));
    let off = 0;
    for (const r of rows) {
      const view = asFloat64(r.data);
      for (let c = 0; c < width; c++) out[c]!.set(view.subarray(c * r.n, (c + 1) * r.n), off);
      off += r.n;
    }
    return out;
  }

  /** The last point of the series, if any. */
  last(series: readonly unknown[], width: number): number[] | undefined {
    const row = this.lastChunkStmt.get(...series) as { n: number; data: Buffer } | undefined;
    if (!row) return undefined;
    const view = asFloat64(row.data);
    return Array.from({ length: width }, (_, c) => view[c * row.n + row.n - 1]!);
  }
}

function asFloat64(buf: Buffer): Float64Array {
  // Blobs from SQLite are not guaranteed to be 8-byte aligned: copy when they are not.
  if (buf.byteOffset % 8 === 0) return new Float64Array(buf.buffer, buf.byteOffset, buf.byteLength / 8);
  return new Float64Array(new Uint8Array(buf).buffer);
}

function unpack(data: Buffer, n: number, width: number): Float64Array[] {
  const view = asFloat64(data);
  if (view.length !== n * width) throw new Error(`stored chunk holds ${view.length / n} columns, expected ${width}`);
  return Array.from({ length: width }, (_, c) => view.slice(c * n, (c + 1) * n));
}

function concat(a: Float64Array[], b: Float64Array[]): Float64Array[] {
  return a.map((col, c) => {
    const out = new Float64Array(col.length + b[c]!.length);
    out.set(col);
    out.set(b[c]!, col.length);
    return out;
  });
}

/** Sorts points by key; for a repeated key the last one given wins. */
function sortUnique(columns: readonly Float64Array[]): Float64Array[] {
  const keys = columns[0]!;
  let sorted = true;
  for (let i = 1; i < keys.length; i++) if (!(keys[i]! > keys[i - 1]!)) sorted = false;
  if (sorted) return [...columns];
  const order = Array.from(keys.keys()).sort((i, j) => keys[i]! - keys[j]! || j - i);
  const kept = order.filter((idx, p) => p === 0 || keys[idx] !== keys[order[p - 1]!]);
  return columns.map((col) => Float64Array.from(kept, (i) => col[i]!));
}

/** Merges two key-sorted point sets; on equal keys `b` wins. */
function mergeSorted(a: Float64Array[], b: Float64Array[]): Float64Array[] {
  const ka = a[0]!;
  const kb = b[0]!;
  const idx: [0 | 1, number][] = [];
  let i = 0;
  let j = 0;
  while (i < ka.length || j < kb.length) {
    if (j >= kb.length || (i < ka.length && ka[i]! < kb[j]!)) idx.push([0, i++]);
    else {
      if (i < ka.length && ka[i] === kb[j]) i++;
      idx.push([1, j++]);
    }
  }
  return a.map((_, c) => Float64Array.from(idx, ([s, k]) => (s === 0 ? a[c]![k]! : b[c]![k]!)));
}
