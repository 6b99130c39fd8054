import type Database from "better-sqlite3";
import type { CurveColumns, CurvePoint, CurveSeries, CurveXKind } from "../dto.ts";
import { PackedSeries } from "./packed-series.ts";

interface SeriesRow {
  id: number;
  run_id: number;
  name: string;
  x_kind: CurveXKind;
  kl_estimator: string;
  kl_prompts: string | null;
  members: number;
  points: number;
}

const toSeries = (r: SeriesRow): CurveSeries => ({
  id: r.id,
  runId: r.run_id,
  name: r.name,
  xKind: r.x_kind,
  klEstimator: r.kl_estimator,
  klPrompts: r.kl_prompts,
  members: r.members,
  points: r.points,
});

/** A point that does not fit its series: another x kind, KL estimator, prompt set or ensemble size. */
export class CurveSeriesMismatchError extends Error {
  override name = "CurveSeriesMismatchError";
}

const SERIES_SQL = `SELECT s.*, coalesce((SELECT sum(c.n) FROM curve_chunks c WHERE c.series_id = s.id), 0) AS points FROM curve_series s`;
/** Fixed columns of a packed curve point; member scores follow. */
const FIXED = 4;
const nanIfNull = (v: number | null | undefined): number => (v === null || v === undefined ? Number.NaN : v);
const nullIfNaN = (v: number): number | null => (Number.isNaN(v) ? null : v);

export class CurveRepository {
  private readonly findSeriesStmt;
  private readonly insertSeriesStmt;
  private readonly seriesOfRunStmt;
  private readonly packed: PackedSeries;

  constructor(private readonly db: Database.Database) {
    this.findSeriesStmt = db.prepare<[number, string], SeriesRow>(`${SERIES_SQL} WHERE s.run_id = ? AND s.name = ?`);
    this.insertSeriesStmt = db.prepare(
      "INSERT INTO curve_series (run_id, name, x_kind, kl_estimator, kl_prompts, members) VALUES (?, ?, ?, ?, ?, ?)",
    );
    this.seriesOfRunStmt = db.prepare<[number], SeriesRow>(`${SERIES_SQL} WHERE s.run_id = ? ORDER BY s.name`);
    this.packed = new PackedSeries(db, "curve_chunks", ["series_id"]);
  }

  /**
   * Appends points in one transaction, creating each (run, series) on first use. A series keeps
   * one x kind, one KL estimator, one prompt set and one ensemble size: KL values of different
   * estimators never share a curve. A point at an existing x replaces it.
   */
  append(points: readonly CurvePoint[]): void {
    this.db.transaction(() => {
      const groups = new Map<string, { series: SeriesRow; points: CurvePoint[] }>();
      for (const p of points) {
        if (!Number.isFinite(p.x) || !Number.isFinite(p.kl)) {
          throw new RangeError(`curve '${p.series}' of run ${p.runId}: x and kl must be finite numbers (x=${p.x}, kl=${p.kl})`);
        }
        const key = `${p.runId}\u0000${p.series}`;
        let g = groups.get(key);
        if (!g) groups.set(key, (g = { series: this.ensureSeries(p), points: [] }));
        this.checkFits(g.series, p);
        g.points.push(p);
      }
      for (const { series, points: pts } of groups.values()) {
        const n = pts.length;
        const cols = Array.from({ length: FIXED + series.members }, () => new Float64Array(n));
        pts.forEach((p, i) => {
          cols[0]![i] = p.x;
          cols[1]![i] = p.kl;
          cols[2]![i] = nanIfNull(p.proxyScore);
          cols[3]![i] = nanIfNull(p.goldScore);
          for (let m = 0; m < series.members; m++) cols[FIXED + m]![i] = nanIfNull(p.proxyScores?.[m]);
        });
        this.packed.append([series.id], cols);
      }
    })();
  }

  private ensureSeries(p: CurvePoint): SeriesRow {
    const existing = this.findSeriesStmt.get(p.runId, p.series);
    if (existing) return existing;
    const members = p.proxyScores?.length ?? 0;
    const id = Number(this.insertSeriesStmt.run(p.runId, p.series, p.xKind, p.klEstimator, p.klPrompts ?? null, members).lastInsertRowid);
    return { id, run_id: p.runId, name: p.series, x_kind: p.xKind, kl_estimator: p.klEstimator, kl_prompts: p.klPrompts ?? null, members, points: 0 };
  }

  private checkFits(s: SeriesRow, p: CurvePoint): void {
    const prompts = p.klPrompts ?? null;
    const members = p.proxyScores?.length ?? s.members;
    if (s.x_kind !== p.xKind || s.kl_estimator !== p.klEstimator || s.kl_prompts !== prompts || members !== s.members) {
      throw new CurveSeriesMismatchError(
        `curve '${p.series}' of run ${p.runId} holds x=${s.x_kind}, KL estimator ${s.kl_estimator}, prompts ${s.kl_prompts}, ${s.members} members; ` +
          `a point with x=${p.xKind}, estimator ${p.klEstimator}, prompts ${prompts}, ${members} members belongs in another series`,
      );
    }
  }

  /** The series a run has, with their point counts. */
  series(runId: number): CurveSeries[] {
    return this.seriesOfRunStmt.all(runId).map(toSeries);
  }

  /** One series as columns in x order: the shape charts want. Missing scores are NaN. */
  readColumns(runId: number, series: string): CurveColumns | undefined {
    const s = this.findSeriesStmt.get(runId, series);
    if (!s) return undefined;
    const cols = this.packed.read([s.id], FIXED + s.members);
    return { series: toSeries(s), x: cols[0]!, kl: cols[1]!, proxyScore: cols[2]!, goldScore: cols[3]!, memberScores: cols.slice(FIXED) };
  }

  /** One series as point objects. */
  points(runId: number, series: string): CurvePoint[] {
    const c = this.readColumns(runId, series);
    if (!c) return [];
    const s = c.series;
    return Array.from(c.x, (x, i) => ({
      runId,
      series,
      x,
      xKind: s.xKind,
      kl: c.kl[i]!,
      klEstimator: s.klEstimator,
      klPrompts: s.klPrompts,
      proxyScore: nullIfNaN(c.proxyScore[i]!),
      proxyScores: s.members ? c.memberScores.map((m) => m[i]!) : null,
      goldScore: nullIfNaN(c.goldScore[i]!),
    }));
  }
}
