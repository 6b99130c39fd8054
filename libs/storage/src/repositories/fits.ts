import type Database from "better-sqlite3";
import type { ConfidenceInterval, Fit } from "../dto.ts";
import { fromJson, nowIso, toJson } from "../json.ts";

interface FitRow {
  id: number;
  run_id: number;
  series: string;
  target: "gold" | "proxy";
  form: string;
  coefficients: string;
  standard_errors: string | null;
  residual: number | null;
  n_points: number;
  intervals: string | null;
  created_at: string;
}

const toFit = (r: FitRow): Fit => ({
  id: r.id,
  runId: r.run_id,
  series: r.series,
  target: r.target,
  form: r.form,
  coefficients: fromJson<Record<string, number>>(r.coefficients) ?? {},
  standardErrors: fromJson<Record<string, number>>(r.standard_errors),
  residual: r.residual,
  nPoints: r.n_points,
  intervals: fromJson<Record<string, ConfidenceInterval>>(r.intervals),
  createdAt: r.created_at,
});

export type NewFit = Omit<Fit, "id" | "createdAt" | "standardErrors" | "residual" | "intervals"> &
  Partial<Pick<Fit, "standardErrors" | "residual" | "intervals">>;

/** Checks an interval map before it is stored: finite ordered bounds, a level in (0, 1). */
function checkIntervals(f: NewFit): void {
  for (const [name, ci] of Object.entries(f.intervals ?? {})) {
    const where = `fit of '${f.series}' (run ${f.runId}), interval '${name}'`;
    if (!Number.isFinite(ci.low) || !Number.isFinite(ci.high) || ci.low > ci.high)
      throw new RangeError(`${where}: bounds must be finite with low <= high, got [${ci.low}, ${ci.high}]`);
    if (!(ci.level > 0 && ci.level < 1)) throw new RangeError(`${where}: level must be in (0, 1), got ${ci.level}`);
  }
}

export class FitRepository {
  private readonly insertStmt;
  private readonly getStmt;
  private readonly byRunStmt;

  constructor(db: Database.Database) {
    this.insertStmt = db.prepare(
      `INSERT INTO fits (run_id, series, target, form, coefficients, standard_errors, residual, n_points, intervals, created_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    this.getStmt = db.prepare<[number], FitRow>("SELECT * FROM fits WHERE id = ?");
    this.byRunStmt = db.prepare<[number], FitRow>("SELECT * FROM fits WHERE run_id = ? ORDER BY id");
  }

  create(f: NewFit): Fit {
    checkIntervals(f);
    const id = Number(
      this.insertStmt.run(
        f.runId,
        f.series,
        f.target,
        f.form,
        toJson(f.coefficients),
        toJson(f.standardErrors),
        f.residual ?? null,
        f.nPoints,
        f.intervals ? toJson(f.intervals) : null,
        nowIso(),
      ).lastInsertRowid,
    );
    return this.get(id)!;
  }

  get(id: number): Fit | undefined {
    const row = this.getStmt.get(id);
    return row && toFit(row);
  }

  forRun(runId: number): Fit[] {
    return this.byRunStmt.all(runId).map(toFit);
  }
}
