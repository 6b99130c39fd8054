/**
 * Turns stored curve points into chart lines: per run and series, gold and proxy against
 * d = sqrt(KL) (or against n / step), plus the observed peak and the fitted form.
 */
import type { CurvePointDto } from "../../shared/index.ts";
import { type CurveFit, fitCurve, fitValue } from "./fit.ts";

export type XAxis = "d" | "x";

/** One drawable line. */
export interface Line {
  /** Stable key, e.g. `3:proxy:mean:gold`. */
  key: string;
  label: string;
  runId: number;
  series: string;
  metric: "gold" | "proxy" | "fit" | "peak";
  xs: number[];
  ys: number[];
  color: string;
  dashed?: boolean;
  /** Drawn as markers only. */
  pointsOnly?: boolean;
}

/** Points of one run and series, sorted by x. */
export interface SeriesCurve {
  runId: number;
  series: string;
  xKind: "n" | "step";
  points: CurvePointDto[];
}

export const PALETTE = ["#2f6fde", "#d9480f", "#2b8a3e", "#ae3ec9", "#e67700", "#0c8599", "#c2255c", "#5c940d", "#364fc7", "#862e9c"];

/** Groups points by series (kept in first-seen order), each sorted by KL then x. */
export function groupCurves(runId: number, points: readonly CurvePointDto[]): SeriesCurve[] {
  const bySeries = new Map<string, CurvePointDto[]>();
  for (const p of points) {
    let list = bySeries.get(p.series);
    if (!list) bySeries.set(p.series, (list = []));
    list.push(p);
  }
  return [...bySeries].map(([series, pts]) => ({
    runId,
    series,
    xKind: pts[0]?.xKind ?? "n",
    points: pts.slice().sort((a, b) => a.kl - b.kl || a.x - b.x),
  }));
}

/** The observed peak of gold: the point with the highest gold score. */
export function observedPeak(curve: SeriesCurve): { d: number; x: number; gold: number } | null {
  let best: CurvePointDto | null = null;
  for (const p of curve.points) if (p.goldScore !== null && (best === null || p.goldScore > best.goldScore!)) best = p;
  return best ? { d: Math.sqrt(best.kl), x: best.x, gold: best.goldScore! } : null;
}

/** The Gao et al. form that fits a curve: BoN for curves over n, RL for curves over steps. */
export function fitFor(curve: SeriesCurve): CurveFit | null {
  const pts = curve.points.filter((p) => p.goldScore !== null).map((p) => ({ d: Math.sqrt(p.kl), y: p.goldScore! }));
  return fitCurve(pts, curve.xKind === "n" ? "bon" : "rl");
}

export interface LineOptions {
  axis: XAxis;
  gold: boolean;
  proxy: boolean;
  fits: boolean;
  peaks: boolean;
  /** Series names to hide. */
  hidden?: ReadonlySet<string>;
}

/** Builds the lines of several runs' curves; colours follow the run (gold solid, proxy dashed). */
export function buildLines(curves: readonly SeriesCurve[], options: LineOptions): Line[] {
  const lines: Line[] = [];
  const colourOf = new Map<string, string>();
  for (const c of curves) {
    if (options.hidden?.has(c.series)) continue;
    const id = `${c.runId}:${c.series}`;
    if (!colourOf.has(id)) colourOf.set(id, PALETTE[colourOf.size % PALETTE.length]!);
    const color = colourOf.get(id)!;
    const xOf = (p: CurvePointDto) => (options.axis === "d" ? Math.sqrt(p.kl) : p.x);
    const name = `run ${c.runId} ${c.series}`;
    for (const metric of ["gold", "proxy"] as const) {
      if (!options[metric]) continue;
      const xs: number[] = [];
      const ys: number[] = [];
      for (const p of c.points) {
        const y = metric === "gold" ? p.goldScore : p.proxyScore;
        if (y === null) continue;
        xs.push(xOf(p));
        ys.push(y);
      }
      if (xs.length) lines.push({ key: `${id}:${metric}`, label: `${name} ${metric}`, runId: c.runId, series: c.series, metric, xs, ys, color, dashed: metric === "proxy" });
    }
    if (options.fits && options.axis === "d") {
      const fit = fitFor(c);
      if (fit) {
        const maxD = Math.sqrt(c.points[c.points.length - 1]?.kl ?? 0);
        const xs = Array.from({ length: 65 }, (_, i) => (maxD * i) / 64);
        lines.push({ key: `${id}:fit`, label: `${name} fit`, runId: c.runId, series: c.series, metric: "fit", xs, ys: xs.map((d) => fitValue(fit, d)), color, dashed: true });
      }
    }
    if (options.peaks) {
      const peak = observedPeak(c);
      if (peak) {
        const x = options.axis === "d" ? peak.d : peak.x;
        lines.push({ key: `${id}:peak`, label: `${name} peak`, runId: c.runId, series: c.series, metric: "peak", xs: [x], ys: [peak.gold], color, pointsOnly: true });
      }
    }
  }
  return lines;
}

/** uPlot's data layout: one shared, sorted x array and one y array per line (null where absent). */
export type AlignedData = [number[], ...(number | null)[][]];

/** Aligns lines on the union of their x values. */
export function alignLines(lines: readonly Line[]): AlignedData {
  const all: number[] = [];
  for (const l of lines) for (const x of l.xs) all.push(x);
  const xs = Float64Array.from(all).sort();
  const unique: number[] = [];
  for (let i = 0; i < xs.length; i++) if (i === 0 || xs[i] !== xs[i - 1]) unique.push(xs[i]!);
  const index = new Map<number, number>();
  for (let i = 0; i < unique.length; i++) index.set(unique[i]!, i);
  const out: AlignedData = [unique];
  for (const l of lines) {
    const ys: (number | null)[] = new Array(unique.length).fill(null);
    for (let i = 0; i < l.xs.length; i++) ys[index.get(l.xs[i]!)!] = l.ys[i]!;
    out.push(ys);
  }
  return out;
}

/** The distinct series names of some curves, in first-seen order. */
export function seriesNames(curves: readonly SeriesCurve[]): string[] {
  return [...new Set(curves.map((c) => c.series))];
}
