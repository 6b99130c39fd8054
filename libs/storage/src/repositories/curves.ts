import type Database from "better-sqlite3";
import type { CurveColumns, CurvePoint, CurveSeries, CurveXKind, KlEstimate } from "../dto.ts";
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
  private readonly upsertStatsStmt;
  private readonly statsOfSeriesStmt;
  private readonly upsertKlStmt;
  private readonly klOfSeriesStmt;

  constructor(private readonly db: Database.Database) {
    this.upsertStatsStmt = db.prepare(
      "INSERT OR REPLACE INTO curve_point_stats (series_id, x, proxy_se, gold_se, prompts) VALUES (?, ?, ?, ?, ?)",
    );
    this.statsOfSeriesStmt = db.prepare<[number], { x: number; proxy_se: number | null; gold_se: number | null; prompts: number | null }>(
      "SELECT x, proxy_se, gold_se, prompts FROM curve_point_stats WHERE series_id = ?",
    );
    this.upsertKlStmt = db.prepare("INSERT OR REPLACE INTO curve_kl_estimates (series_id, x, estimator, kl, kl_se) VALUES (?, ?, ?, ?, ?)");
    this.klOfSeriesStmt = db.prepare<[number], { x: number; estimator: string; kl: number; kl_se: number | null }>(
      "SELECT x, estimator, kl, kl_se FROM curve_kl_estimates WHERE series_id = ? ORDER BY estimator, x",
    );
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
        for (const p of pts) this.appendStatistics(series.id, p);
      }
    })();
  }

  /** A point's standard errors and other KL estimates (rows keyed by series and x, so a point at an existing x replaces them). */
  private appendStatistics(seriesId: number, p: CurvePoint): void {
    const se = (v: number | null | undefined, what: string) => {
      if (v === null || v === undefined || Number.isNaN(v)) return null;
      if (!(v >= 0) || !Number.isFinite(v))
        throw new RangeError(`curve '${p.series}' of run ${p.runId} at x=${p.x}: ${what} must be a finite number >= 0, got ${v}`);
      return v;
    };
    const proxySe = se(p.proxySe, "proxySe");
    const goldSe = se(p.goldSe, "goldSe");
    const prompts = p.prompts ?? null;
    if (prompts !== null && !(Number.isInteger(prompts) && prompts > 0))
      throw new RangeError(`curve '${p.series}' of run ${p.runId} at x=${p.x}: prompts must be a positive integer, got ${prompts}`);
    if (proxySe !== null || goldSe !== null || prompts !== null) this.upsertStatsStmt.run(seriesId, p.x, proxySe, goldSe, prompts);
    for (const e of p.klEstimates ?? []) {
      if (e.estimator === p.klEstimator)
        throw new RangeError(
          `curve '${p.series}' of run ${p.runId} at x=${p.x}: KL estimate '${e.estimator}' is the series' own estimator; store it as kl`,
        );
      if (!Number.isFinite(e.kl))
        throw new RangeError(`curve '${p.series}' of run ${p.runId} at x=${p.x}: KL estimate '${e.estimator}' is ${e.kl}`);
      this.upsertKlStmt.run(seriesId, p.x, e.estimator, e.kl, se(e.se, `KL estimate '${e.estimator}' se`));
    }
  }

  private ensureSeries(p: CurvePoint): SeriesRow {
    const existing = this.findSeriesStmt.get(p.runId, p.series);
    if (existing) return existing;
    const members = p.proxyScores?.length ?? 0;
    const id = Number(this.insertSeriesStmt.run(p.runId, p.series, p.xKind, p.klEstimator, p.klPrompts ?? null, members).lastInsertRowid);
    return {
      id,
      run_id: p.runId,
      name: p.series,
      x_kind: p.xKind,
      kl_estimator: p.klEstimator,
      kl_prompts: p.klPrompts ?? null,
      members,
      points: 0,
    };
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
    const x = cols[0]!;
    const index = new Map<number, number>();
    x.forEach((v, i) => index.set(v, i));
    const column = () => new Float64Array(x.length).fill(Number.NaN);
    const proxySe = column();
    const goldSe = column();
    for (const r of this.statsOfSeriesStmt.all(s.id)) {
      const i = index.get(r.x);
      if (i === undefined) continue;
      proxySe[i] = r.proxy_se ?? Number.NaN;
      goldSe[i] = r.gold_se ?? Number.NaN;
    }
    const klEstimates: CurveColumns["klEstimates"] = [];
    for (const r of this.klOfSeriesStmt.all(s.id)) {
      let e = klEstimates.find((k) => k.estimator === r.estimator);
      if (!e) klEstimates.push((e = { estimator: r.estimator, kl: column(), se: column() }));
      const i = index.get(r.x);
      if (i === undefined) continue;
      e.kl[i] = r.kl;
      e.se[i] = r.kl_se ?? Number.NaN;
    }
    return {
      series: toSeries(s),
      x,
      kl: cols[1]!,
      proxyScore: cols[2]!,
      goldScore: cols[3]!,
      memberScores: cols.slice(FIXED),
      proxySe,
      goldSe,
      klEstimates,
    };
  }

  /** Prompt counts per x of a series (points without stored statistics are absent). */
  private promptCounts(seriesId: number): Map<number, number | null> {
    return new Map(this.statsOfSeriesStmt.all(seriesId).map((r) => [r.x, r.prompts]));
  }

  /** One series as point objects. */
  points(runId: number, series: string): CurvePoint[] {
    const c = this.readColumns(runId, series);
    if (!c) return [];
    const s = c.series;
    const prompts = this.promptCounts(s.id);
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
      proxySe: nullIfNaN(c.proxySe[i]!),
      goldSe: nullIfNaN(c.goldSe[i]!),
      prompts: prompts.get(x) ?? null,
      klEstimates: c.klEstimates
        .filter((e) => !Number.isNaN(e.kl[i]!))
        .map((e): KlEstimate => ({ estimator: e.estimator, kl: e.kl[i]!, se: nullIfNaN(e.se[i]!) })),
    }));
  }
}
