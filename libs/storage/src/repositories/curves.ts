import type Database from "better-sqlite3";
import type { CurveColumns, CurvePoint, CurveSeries, CurveXKind } from "../dto.ts";
import { fromJson, toJson } from "../json.ts";

interface SeriesRow {
  id: number;
  run_id: number;
  name: string;
  x_kind: CurveXKind;
  kl_estimator: string;
  kl_prompts: string | null;
  points: number;
}

const toSeries = (r: SeriesRow): CurveSeries => ({
  id: r.id,
  runId: r.run_id,
  name: r.name,
  xKind: r.x_kind,
  klEstimator: r.kl_estimator,
  klPrompts: r.kl_prompts,
  points: r.points,
});

/** A point whose series already exists with a different x kind, KL estimator or prompt set. */
export class CurveSeriesMismatchError extends Error {
  override name = "CurveSeriesMismatchError";
}

const SERIES_SQL = `SELECT s.*, (SELECT count(*) FROM curve_points p WHERE p.series_id = s.id) AS points FROM curve_series s`;

export class CurveRepository {
  private readonly findSeriesStmt;
  private readonly insertSeriesStmt;
  private readonly insertPointStmt;
  private readonly seriesOfRunStmt;
  private readonly pointsStmt;

  constructor(private readonly db: Database.Database) {
    this.findSeriesStmt = db.prepare<[number, string], SeriesRow>(`${SERIES_SQL} WHERE s.run_id = ? AND s.name = ?`);
    this.insertSeriesStmt = db.prepare(
      "INSERT INTO curve_series (run_id, name, x_kind, kl_estimator, kl_prompts) VALUES (?, ?, ?, ?, ?)",
    );
    this.insertPointStmt = db.prepare(
      "INSERT OR REPLACE INTO curve_points (series_id, x, kl, proxy_score, proxy_scores, gold_score) VALUES (?, ?, ?, ?, ?, ?)",
    );
    this.seriesOfRunStmt = db.prepare<[number], SeriesRow>(`${SERIES_SQL} WHERE s.run_id = ? ORDER BY s.name`);
    this.pointsStmt = db
      .prepare<[number]>("SELECT x, kl, proxy_score, gold_score, proxy_scores FROM curve_points WHERE series_id = ? ORDER BY x")
      .raw(true);
  }

  /**
   * Appends points in one transaction, creating each (run, series) on first use. A series keeps
   * one x kind, one KL estimator and one prompt set: KL values of different estimators never
   * share a curve. A point at an existing x replaces it.
   */
  append(points: readonly CurvePoint[]): void {
    this.db.transaction(() => {
      const cache = new Map<string, number>();
      for (const p of points) {
        // The key carries the series' identity too, so a point with another estimator misses the cache and is checked.
        const key = `${p.runId}\u0000${p.series}\u0000${p.xKind}\u0000${p.klEstimator}\u0000${p.klPrompts ?? ""}`;
        let seriesId = cache.get(key);
        if (seriesId === undefined) {
          seriesId = this.ensureSeries(p);
          cache.set(key, seriesId);
        }
        if (!Number.isFinite(p.x) || !Number.isFinite(p.kl)) {
          throw new RangeError(`curve '${p.series}' of run ${p.runId}: x and kl must be finite numbers (x=${p.x}, kl=${p.kl})`);
        }
        this.insertPointStmt.run(seriesId, p.x, p.kl, p.proxyScore, toJson(p.proxyScores), p.goldScore);
      }
    })();
  }

  private ensureSeries(p: CurvePoint): number {
    const existing = this.findSeriesStmt.get(p.runId, p.series);
    const prompts = p.klPrompts ?? null;
    if (!existing) {
      return Number(this.insertSeriesStmt.run(p.runId, p.series, p.xKind, p.klEstimator, prompts).lastInsertRowid);
    }
    if (existing.x_kind !== p.xKind || existing.kl_estimator !== p.klEstimator || existing.kl_prompts !== prompts) {
      throw new CurveSeriesMismatchError(
        `curve '${p.series}' of run ${p.runId} holds x=${existing.x_kind}, KL estimator ${existing.kl_estimator}, prompts ${existing.kl_prompts}; ` +
          `a point with x=${p.xKind}, estimator ${p.klEstimator}, prompts ${prompts} belongs in another series`,
      );
    }
    return existing.id;
  }

  /** The series a run has, with their point counts. */
  series(runId: number): CurveSeries[] {
    return this.seriesOfRunStmt.all(runId).map(toSeries);
  }

  /** One series as columns in x order: the shape charts want. Missing scores are NaN. */
  readColumns(runId: number, series: string): CurveColumns | undefined {
    const s = this.findSeriesStmt.get(runId, series);
    if (!s) return undefined;
    const rows = this.pointsStmt.all(s.id) as [number, number, number | null, number | null, string | null][];
    const n = rows.length;
    const x = new Float64Array(n);
    const kl = new Float64Array(n);
    const proxyScore = new Float64Array(n);
    const goldScore = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      const r = rows[i]!;
      x[i] = r[0];
      kl[i] = r[1];
      proxyScore[i] = r[2] ?? Number.NaN;
      goldScore[i] = r[3] ?? Number.NaN;
    }
    return { series: toSeries({ ...s, points: n }), x, kl, proxyScore, goldScore };
  }

  /** One series as point objects, per-member proxy scores included. */
  points(runId: number, series: string): CurvePoint[] {
    const s = this.findSeriesStmt.get(runId, series);
    if (!s) return [];
    const rows = this.pointsStmt.all(s.id) as [number, number, number | null, number | null, string | null][];
    return rows.map((r) => ({
      runId,
      series,
      x: r[0],
      xKind: s.x_kind,
      kl: r[1],
      klEstimator: s.kl_estimator,
      klPrompts: s.kl_prompts,
      proxyScore: r[2],
      proxyScores: fromJson<number[]>(r[4]),
      goldScore: r[3],
    }));
  }
}
