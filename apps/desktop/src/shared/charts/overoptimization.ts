/**
 * What the overoptimization figures show, decided once for Compare, the report and the SVG export:
 * - colour by run (one hue per run), style by kind of line: gold solid, proxy dashed, the stored
 *   fitted form dotted, the observed gold peak a marker, +-1 SE bands from the points' SEs;
 * - small multiples: one panel per series (e.g. per aggregation: proxy:mean, proxy:wco), with the
 *   series a kind's headline names as its baseline (the single ensemble members) sharing one panel;
 * - the kind's headline view (`bar-at-max-x`): per run, the value at the largest x of each series
 *   with its SE, and the baseline series' average marked.
 * Nothing is fitted here: fitted forms are the stored fits (LabApi `runs.fits`), evaluated.
 */
import type { CurvePointDto, FitDto, KindChartDto, KindDto } from "../dto.ts";
import { type BarChartSpec, type BarGroup, type LegendEntry, type LinePanelSpec, type PanelLine, PALETTE } from "./svg.ts";

/** One run's curves and stored fits, with the label its legend entry shows. */
export interface RunCurves {
  runId: number;
  label: string;
  points: readonly CurvePointDto[];
  fits?: readonly FitDto[];
}

export type XAxis = "d" | "x";

export interface PanelOptions {
  axis?: XAxis;
  gold?: boolean;
  proxy?: boolean;
  fits?: boolean;
  peaks?: boolean;
  bands?: boolean;
  /** Panel keys not to draw. */
  hidden?: ReadonlySet<string>;
  width?: number;
  height?: number;
}

/** A panel ready to render, with how many curve points it holds (benchmarks and tests count them). */
export interface Panel {
  key: string;
  spec: LinePanelSpec;
  points: number;
}

/** The colour of the i-th run. */
export function runColor(index: number): string {
  return PALETTE[index % PALETTE.length]!;
}

/** A series name without the "<grid point>/" prefix a study with several grid points adds. */
export function baseSeries(name: string): string {
  const slash = name.lastIndexOf("/");
  return slash < 0 ? name : name.slice(slash + 1);
}

/** Whether `name` (its grid-point prefix ignored) matches `pattern`, where `*` is any text. */
export function matchesPattern(pattern: string, name: string): boolean {
  const re = new RegExp(
    `^${pattern
      .split("*")
      .map((s) => s.replace(/[.+?^${}()|[\]\\]/g, "\\$&"))
      .join(".*")}$`,
  );
  return re.test(baseSeries(name));
}

/** The pattern whose series share one panel: the headline's baseline (e.g. `member:*`). */
function sharedPattern(views: KindDto["views"] | null | undefined): string | null {
  return views?.headline.type === "bar-at-max-x" ? (views.headline.baseline ?? null) : null;
}

/** The panel a series belongs to, and its title. */
export function panelOf(series: string, kind: Pick<KindDto, "views" | "series"> | null | undefined): { key: string; title: string } {
  const base = baseSeries(series);
  const shared = sharedPattern(kind?.views);
  const output = kind?.series.find((o) => matchesPattern(o.pattern, base));
  if (shared && matchesPattern(shared, base)) return { key: `pattern:${shared}`, title: `${output?.title ?? shared} (each member)` };
  if (!output) return { key: base, title: base };
  const star = output.pattern.indexOf("*");
  const rest = star < 0 ? "" : base.slice(star, base.length - (output.pattern.length - star - 1));
  return { key: base, title: rest ? `${output.title}: ${rest}` : output.title };
}

interface SeriesPoints {
  series: string;
  points: CurvePointDto[];
}

/** A run's points by series, each sorted by KL then x. */
export function seriesOf(points: readonly CurvePointDto[]): SeriesPoints[] {
  const by = new Map<string, CurvePointDto[]>();
  for (const p of points) {
    let list = by.get(p.series);
    if (!list) by.set(p.series, (list = []));
    list.push(p);
  }
  return [...by].map(([series, pts]) => ({ series, points: pts.sort((a, b) => a.kl - b.kl || a.x - b.x) }));
}

/** The observed gold peak of one series' points. */
export function observedPeak(points: readonly CurvePointDto[]): CurvePointDto | null {
  let best: CurvePointDto | null = null;
  for (const p of points) if (p.goldScore !== null && (best === null || p.goldScore > best.goldScore!)) best = p;
  return best;
}

/** A stored fit's value at d: `bon` forms d(a - b d), `rl` forms d(a - b ln d). */
export function fitValue(fit: Pick<FitDto, "form" | "coefficients">, d: number): number {
  const a = fit.coefficients.a ?? Number.NaN;
  const b = fit.coefficients.b ?? Number.NaN;
  if (/^\s*rl\b/i.test(fit.form)) return d === 0 ? 0 : d * (a - b * Math.log(d));
  return d * (a - b * d);
}

const xLabelOf = (axis: XAxis, xKind: string | undefined) => (axis === "d" ? "√KL (nats^½)" : xKind === "step" ? "step" : "n");

/** One panel per series group, every run in its own colour; the legend (runs, line styles) beside the plot. */
export function overoptimizationPanels(
  runs: readonly RunCurves[],
  kind: Pick<KindDto, "views" | "series"> | null | undefined,
  options: PanelOptions = {},
): Panel[] {
  const o = { axis: "d" as XAxis, gold: true, proxy: true, fits: true, peaks: true, bands: true, ...options };
  const panels = new Map<
    string,
    { title: string; lines: PanelLine[]; runs: Set<number>; points: number; xKind?: string; hasFit: boolean; hasBand: boolean }
  >();
  runs.forEach((run, i) => {
    const color = runColor(i);
    for (const s of seriesOf(run.points)) {
      const where = panelOf(s.series, kind);
      if (o.hidden?.has(where.key)) continue;
      let panel = panels.get(where.key);
      if (!panel)
        panels.set(
          where.key,
          (panel = { title: where.title, lines: [], runs: new Set(), points: 0, xKind: s.points[0]?.xKind, hasFit: false, hasBand: false }),
        );
      panel.runs.add(i);
      const thin = where.key.startsWith("pattern:");
      const xOf = (p: CurvePointDto) => (o.axis === "d" ? Math.sqrt(p.kl) : p.x);
      const id = `${run.runId}:${s.series}`;
      const name = `${run.label} ${s.series}`;
      for (const metric of ["gold", "proxy"] as const) {
        if (!o[metric]) continue;
        const pts = s.points
          .filter((p) => (metric === "gold" ? p.goldScore : p.proxyScore) !== null)
          .map((p) => ({ x: xOf(p), y: (metric === "gold" ? p.goldScore : p.proxyScore)!, se: metric === "gold" ? p.goldSe : p.proxySe }));
        if (pts.length === 0) continue;
        const band = o.bands && !thin && pts.some((p) => typeof p.se === "number");
        panel.hasBand ||= band;
        panel.points += pts.length;
        panel.lines.push({
          key: `${id}:${metric}`,
          label: `${name} ${metric}`,
          color,
          style: metric === "gold" ? "solid" : "dashed",
          points: pts,
          band,
          thin,
        });
      }
      if (o.fits && o.axis === "d") {
        const maxD = Math.sqrt(s.points.at(-1)?.kl ?? 0);
        for (const fit of run.fits ?? []) {
          if (fit.series !== s.series || !(maxD > 0) || (fit.target === "gold" ? !o.gold : !o.proxy)) continue;
          const pts = Array.from({ length: 49 }, (_, k) => (maxD * k) / 48).map((d) => ({ x: d, y: fitValue(fit, d) }));
          panel.hasFit = true;
          panel.lines.push({
            key: `${id}:fit:${fit.target}`,
            label: `${name} fitted ${fit.target} (${fit.form})`,
            color,
            style: "dotted",
            points: pts,
            thin,
          });
        }
      }
      if (o.peaks && o.gold && !thin) {
        const peak = observedPeak(s.points);
        if (peak)
          panel.lines.push({
            key: `${id}:peak`,
            label: `${name} observed gold peak`,
            color,
            style: "solid",
            points: [{ x: xOf(peak), y: peak.goldScore! }],
            markersOnly: true,
          });
      }
    }
  });
  return [...panels].map(([key, p]) => {
    const styles: LegendEntry[] = [];
    if (o.gold) styles.push({ label: "gold", style: "solid" });
    if (o.proxy) styles.push({ label: "proxy", style: "dashed" });
    if (p.hasFit) styles.push({ label: "fitted form (stored)", style: "dotted" });
    if (o.peaks && o.gold && !key.startsWith("pattern:")) styles.push({ label: "observed gold peak", marker: true, color: "#fff" });
    if (p.hasBand) styles.push({ label: "band: ± 1 SE", style: "solid", color: "#bbb" });
    const legend = [
      { title: "Runs", entries: [...p.runs].sort((a, b) => a - b).map((i) => ({ label: runs[i]!.label, color: runColor(i) })) },
      { title: "Lines", entries: styles },
    ];
    const spec: LinePanelSpec = {
      title: p.title,
      xLabel: xLabelOf(o.axis, p.xKind),
      yLabel: "score",
      lines: p.lines,
      legend,
      width: o.width,
      height: o.height,
    };
    return { key, spec, points: p.points };
  });
}

/** The value (and SE) at the largest x of one series' points. */
function atMaxX(points: readonly CurvePointDto[], y: "gold" | "proxy"): { value: number; se: number | null } | null {
  let last: CurvePointDto | null = null;
  for (const p of points) if ((y === "gold" ? p.goldScore : p.proxyScore) !== null && (last === null || p.x > last.x)) last = p;
  if (!last) return null;
  return y === "gold" ? { value: last.goldScore!, se: last.goldSe ?? null } : { value: last.proxyScore!, se: last.proxySe ?? null };
}

/**
 * The kind's headline (`bar-at-max-x`) as a bar chart: per run, a bar per series matching the
 * view's pattern at the largest x, +-1 SE, and the average of the baseline series marked.
 */
export function headlineChart(
  runs: readonly RunCurves[],
  headline: KindChartDto | null | undefined,
  options: { width?: number; height?: number } = {},
): BarChartSpec | null {
  if (!headline || headline.type !== "bar-at-max-x") return null;
  const groups: BarGroup[] = [];
  runs.forEach((run, i) => {
    const series = seriesOf(run.points);
    const bars = series
      .filter((s) => matchesPattern(headline.series, s.series))
      .flatMap((s) => {
        const v = atMaxX(s.points, headline.y);
        const label = baseSeries(s.series).replace(/^[^:]*:/, "");
        return v
          ? [
              {
                label: series.length > 1 && s.series.includes("/") ? `${s.series.slice(0, s.series.lastIndexOf("/"))} ${label}` : label,
                value: v.value,
                se: headline.errorBars === "se" ? v.se : null,
              },
            ]
          : [];
      });
    if (bars.length === 0) return;
    const base = headline.baseline
      ? series
          .filter((s) => matchesPattern(headline.baseline!, s.series))
          .map((s) => atMaxX(s.points, headline.y))
          .filter((v) => v !== null)
      : [];
    const baseline = base.length
      ? {
          label: base.length > 1 ? `single member (mean of ${base.length})` : "single member",
          value: base.reduce((a, v) => a + v.value, 0) / base.length,
        }
      : undefined;
    groups.push({ label: run.label, short: `#${run.runId}`, color: runColor(i), bars, ...(baseline ? { baseline } : {}) });
  });
  if (groups.length === 0) return null;
  return {
    title: headline.title,
    yLabel: `${headline.y} at the largest ${runs[0]?.points[0]?.xKind === "step" ? "step" : "n"}`,
    groups,
    ...options,
  };
}
