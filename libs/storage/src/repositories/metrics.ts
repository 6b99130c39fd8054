import type Database from "better-sqlite3";
import type { MetricPoint } from "../dto.ts";

/** Rows per multi-row INSERT: fewer JS->native calls per point (at 4 values each, far below the bound-parameter limit). */
const CHUNK = 128;

/** One metric of one run as columns. */
export interface MetricSeries {
  name: string;
  steps: Float64Array;
  values: Float64Array;
}

export class MetricRepository {
  private readonly nameIds = new Map<string, number>();
  private readonly findNameStmt;
  private readonly insertNameStmt;
  private readonly insertOne;
  private readonly insertChunk;
  private readonly seriesStmt;
  private readonly namesStmt;
  private readonly latestStmt;

  constructor(private readonly db: Database.Database) {
    this.findNameStmt = db.prepare<[string], { id: number }>("SELECT id FROM metric_names WHERE name = ?");
    this.insertNameStmt = db.prepare("INSERT INTO metric_names (name) VALUES (?)");
    const sql = (n: number) =>
      `INSERT OR REPLACE INTO metrics (run_id, name_id, step, value) VALUES ${Array.from({ length: n }, () => "(?, ?, ?, ?)").join(", ")}`;
    this.insertOne = db.prepare(sql(1));
    this.insertChunk = db.prepare(sql(CHUNK));
    this.seriesStmt = db
      .prepare<[number, number]>("SELECT step, value FROM metrics WHERE run_id = ? AND name_id = ? ORDER BY step")
      .raw(true);
    this.namesStmt = db.prepare<[number], { name: string }>(
      `SELECT n.name FROM metric_names n WHERE EXISTS (SELECT 1 FROM metrics m WHERE m.run_id = ? AND m.name_id = n.id) ORDER BY n.name`,
    );
    this.latestStmt = db.prepare<[number, number], { step: number; value: number | null }>(
      "SELECT step, value FROM metrics WHERE run_id = ? AND name_id = ? ORDER BY step DESC LIMIT 1",
    );
  }

  private nameId(name: string, create: boolean): number | undefined {
    let id = this.nameIds.get(name);
    if (id === undefined) {
      id = this.findNameStmt.get(name)?.id;
      if (id === undefined && create) id = Number(this.insertNameStmt.run(name).lastInsertRowid);
      if (id !== undefined) this.nameIds.set(name, id);
    }
    return id;
  }

  /**
   * Appends points to a run in one transaction. A point logged again for the same (name, step)
   * replaces the earlier one, so a resumed run can re-log its last steps. NaN is stored as NULL.
   */
  append(runId: number, points: readonly MetricPoint[]): void {
    this.db.transaction(() => {
      const params: unknown[] = new Array(CHUNK * 4);
      let k = 0;
      for (const p of points) {
        if (!Number.isInteger(p.step)) throw new RangeError(`metric '${p.name}' of run ${runId}: step must be an integer, got ${p.step}`);
        params[k++] = runId;
        params[k++] = this.nameId(p.name, true);
        params[k++] = p.step;
        params[k++] = Number.isNaN(p.value) ? null : p.value;
        if (k === params.length) {
          this.insertChunk.run(params);
          k = 0;
        }
      }
      for (let i = 0; i < k; i += 4) this.insertOne.run(params.slice(i, i + 4));
    })();
  }

  /** Names of the metrics a run has logged. */
  names(runId: number): string[] {
    return this.namesStmt.all(runId).map((r) => r.name);
  }

  /** One metric of a run as step/value columns in step order (NULL values read as NaN). */
  series(runId: number, name: string): MetricSeries {
    const id = this.nameId(name, false);
    const rows = id === undefined ? [] : (this.seriesStmt.all(runId, id) as [number, number | null][]);
    const steps = new Float64Array(rows.length);
    const values = new Float64Array(rows.length);
    for (let i = 0; i < rows.length; i++) {
      steps[i] = rows[i]![0];
      values[i] = rows[i]![1] ?? Number.NaN;
    }
    return { name, steps, values };
  }

  /** The last logged point of a metric, if any. */
  latest(runId: number, name: string): MetricPoint | undefined {
    const id = this.nameId(name, false);
    const row = id === undefined ? undefined : this.latestStmt.get(runId, id);
    return row && { name, step: row.step, value: row.value ?? Number.NaN };
  }
}
