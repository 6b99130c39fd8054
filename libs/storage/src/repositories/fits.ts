import type Database from "better-sqlite3";
import type { Fit } from "../dto.ts";
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
  createdAt: r.created_at,
});

export type NewFit = Omit<Fit, "id" | "createdAt" | "standardErrors" | "residual"> &
  Partial<Pick<Fit, "standardErrors" | "residual">>;

export class FitRepository {
  private readonly insertStmt;
  private readonly getStmt;
  private readonly byRunStmt;

  constructor(db: Database.Database) {
    this.insertStmt = db.prepare(
      `INSERT INTO fits (run_id, series, target, form, coefficients, standard_errors, residual, n_points, created_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    this.getStmt = db.prepare<[number], FitRow>("SELECT * FROM fits WHERE id = ?");
    this.byRunStmt = db.prepare<[number], FitRow>("SELECT * FROM fits WHERE run_id = ? ORDER BY id");
  }

  create(f: NewFit): Fit {
    const id = Number(
      this.insertStmt.run(f.runId, f.series, f.target, f.form, toJson(f.coefficients), toJson(f.standardErrors), f.residual ?? null, f.nPoints, nowIso())
        .lastInsertRowid,
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
