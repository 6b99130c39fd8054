import type Database from "better-sqlite3";
import type { MetricPoint } from "../dto.ts";
import { PackedSeries } from "./packed-series.ts";

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
  private readonly namesStmt;
  private readonly packed: PackedSeries;

  constructor(private readonly db: Database.Database) {
    this.findNameStmt = db.prepare<[string], { id: number }>("SELECT id FROM metric_names WHERE name = ?");
    this.insertNameStmt = db.prepare("INSERT INTO metric_names (name) VALUES (?)");
    this.namesStmt = db.prepare<[number], { name: string }>(
      `SELECT n.name FROM metric_names n WHERE EXISTS (SELECT 1 FROM metric_chunks m WHERE m.run_id = ? AND m.name_id = n.id) ORDER BY n.name`,
    );
    this.packed = new PackedSeries(db, "metric_chunks", ["run_id", "name_id"]);
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
   * Appends points to a run in one transaction (batch them: one call per flush, not per point).
   * A point logged again for the same (name, step) replaces the earlier one, so a resumed run can
   * re-log its last steps. Values may be NaN.
   */
  append(runId: number, points: readonly MetricPoint[]): void {
    // Group by name first: each metric is its own packed series.
    const byName = new Map<string, { steps: number[]; values: number[] }>();
    for (const p of points) {
      if (!Number.isSafeInteger(p.step)) throw new RangeError(`metric '${p.name}' of run ${runId}: step must be an integer, got ${p.step}`);
      let g = byName.get(p.name);
      if (!g) byName.set(p.name, (g = { steps: [], values: [] }));
      g.steps.push(p.step);
      g.values.push(p.value);
    }
    this.db.transaction(() => {
      for (const [name, g] of byName) {
        this.packed.append([runId, this.nameId(name, true)], [Float64Array.from(g.steps), Float64Array.from(g.values)]);
      }
    })();
  }

  /** Appends one metric's points given as columns (the fastest path for a trainer's buffers). */
  appendColumns(runId: number, name: string, steps: ArrayLike<number>, values: ArrayLike<number>): void {
    if (steps.length !== values.length)
      throw new RangeError(`metric '${name}' of run ${runId}: ${steps.length} steps but ${values.length} values`);
    for (let i = 0; i < steps.length; i++) {
      if (!Number.isSafeInteger(steps[i]))
        throw new RangeError(`metric '${name}' of run ${runId}: step must be an integer, got ${steps[i]}`);
    }
    this.db.transaction(() =>
      this.packed.append([runId, this.nameId(name, true)], [Float64Array.from(steps), Float64Array.from(values)]),
    )();
  }

  /** Names of the metrics a run has logged. */
  names(runId: number): string[] {
    return this.namesStmt.all(runId).map((r) => r.name);
  }

  /** One metric of a run as step/value columns in step order. */
  series(runId: number, name: string): MetricSeries {
    const id = this.nameId(name, false);
    if (id === undefined) return { name, steps: new Float64Array(0), values: new Float64Array(0) };
    const [steps, values] = this.packed.read([runId, id], 2);
    return { name, steps: steps!, values: values! };
  }

  /** The last logged point of a metric, if any. */
  latest(runId: number, name: string): MetricPoint | undefined {
    const id = this.nameId(name, false);
    const last = id === undefined ? undefined : this.packed.last([runId, id], 2);
    return last && { name, step: last[0]!, value: last[1]! };
  }
}
