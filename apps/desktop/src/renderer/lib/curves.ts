/**
 * Turns stored curve points into the lines of the live (uPlot) chart of the Runs screen: per run
 * and series, gold and proxy against d = sqrt(KL) (or against n / step), plus the observed peak.
 * Nothing is fitted in the renderer: Compare draws the stored fits (shared/charts).
 */
import type { CurvePointDto } from "../../shared/index.ts";
import type { LinePanelSpec } from "../../shared/charts/svg.ts";

export type XAxis = "d" | "x";

/** One drawable line. */
export interface Line {
  /** Stable key, e.g. `3:proxy:mean:gold`. */
  key: string;
  label: string;
  runId: number;
  series: string;
  metric: "gold" | "proxy" | "peak";
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

export interface LineOptions {
  axis: XAxis;
  gold: boolean;
  proxy: boolean;
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
      if (xs.length)
        lines.push({
          key: `${id}:${metric}`,
          label: `${name} ${metric}`,
          runId: c.runId,
          series: c.series,
          metric,
          xs,
          ys,
          color,
          dashed: metric === "proxy",
        });
    }
    if (options.peaks) {
      const peak = observedPeak(c);
      if (peak) {
        const x = options.axis === "d" ? peak.d : peak.x;
        lines.push({
          key: `${id}:peak`,
          label: `${name} peak`,
          runId: c.runId,
          series: c.series,
          metric: "peak",
          xs: [x],
          ys: [peak.gold],
          color,
          pointsOnly: true,
        });
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

/** The chart's lines as a panel of the one SVG chart module (the figure export). */
export function linesToPanel(lines: readonly Line[], options: { title: string; xLabel: string; yLabel: string }): LinePanelSpec {
  // The live chart colours each run's series apart: the legend names each colour.
  const series = [...new Map(lines.map((l) => [`run ${l.runId} ${l.series}`, l.color])).entries()];
  return {
    ...options,
    width: 720,
    height: 420,
    lines: lines.map((l) => ({
      key: l.key,
      label: l.label,
      color: l.color,
      style: l.dashed ? "dashed" : "solid",
      markersOnly: l.pointsOnly,
      points: l.xs.map((x, i) => ({ x, y: l.ys[i]! })),
    })),
    legend: [
      { title: "Series", entries: series.map(([label, color]) => ({ label, color })) },
      {
        title: "Lines",
        entries: [
          { label: "gold", style: "solid" },
          { label: "proxy", style: "dashed" },
        ],
      },
    ],
  };
}
