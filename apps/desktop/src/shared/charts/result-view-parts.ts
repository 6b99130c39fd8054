/**
 * What the kinds' result views share (./result-views.ts): the data a view reads of a stored run,
 * the figures it returns, and small drawing helpers (step markers, a stored fit's peak and its
 * interval, the fit's numbers in words).
 */
import type { CurvePointDto, FitDto } from "../dto.ts";
import { fitValue } from "./overoptimization.ts";
import { type LegendEntry, type LegendSection, type LinePanelSpec, type LineStyle, type PanelLine, PALETTE } from "./svg.ts";

export interface MetricColumns {
  name: string;
  steps: ArrayLike<number>;
  values: ArrayLike<number | null>;
}

/** What a view reads of one stored run. */
export interface ViewRun {
  runId: number;
  label: string;
  points: readonly CurvePointDto[];
  metrics: readonly MetricColumns[];
  fits: readonly FitDto[];
  /** The run's stored result JSON (LabApi `runs.result`), where a view needs it (a study's proxy points). */
  result?: unknown;
}

export interface ViewFigure {
  key: string;
  spec: LinePanelSpec;
  /** Sentences under the figure: the stored numbers it marks (d*, firing steps, ...). */
  notes: string[];
}

export interface ViewSection {
  key: string;
  title: string;
  figures: ViewFigure[];
  /** Said once for the section, e.g. what is not stored for this run. */
  notes: string[];
}

export interface ResultView {
  kind: string;
  sections: ViewSection[];
  /** The figures a reader should see first (Compare and the report show these). */
  headline: ViewFigure[];
}

export interface ViewOptions {
  width?: number;
  height?: number;
}

/** Colours the views share: gold, proxy, a signal's firing, the gold peak. */
export const GOLD = PALETTE[0]!;
export const PROXY = PALETTE[1]!;
export const MARK = "#C00000";
export const PEAK = "#555555";

/** "0.83", "1.2e-4": 3 significant digits. */
export function short(v: number | null | undefined): string {
  if (v === null || v === undefined) return "—";
  if (!Number.isFinite(v)) return String(v);
  return String(Number(v.toPrecision(3)));
}

/** The metric whose name is `name` or ends in `/name` (studies prefix names with their run). */
export function metricsNamed(run: ViewRun, name: string): MetricColumns[] {
  return run.metrics.filter((m) => m.name === name || m.name.endsWith(`/${name}`));
}

export function columnPoints(m: MetricColumns): { x: number; y: number }[] {
  const out: { x: number; y: number }[] = [];
  for (let i = 0; i < m.steps.length; i++) {
    const y = m.values[i];
    if (typeof y === "number" && Number.isFinite(y)) out.push({ x: m.steps[i]!, y });
  }
  return out;
}

/** The first step a metric was recorded at (e.g. an onset signal's firing), or null. */
export function firstStep(run: ViewRun, name: string): { step: number; value: number } | null {
  const m = metricsNamed(run, name)[0];
  const p = m ? columnPoints(m)[0] : undefined;
  return p ? { step: p.x, value: p.y } : null;
}

/** A vertical line at x spanning the y range of `lines` (a step marker). */
export function vline(
  lines: readonly PanelLine[],
  x: number,
  key: string,
  label: string,
  color: string,
  style: LineStyle,
): PanelLine | null {
  let lo = Infinity;
  let hi = -Infinity;
  for (const l of lines)
    for (const p of l.points) {
      if (!Number.isFinite(p.y)) continue;
      lo = Math.min(lo, p.y);
      hi = Math.max(hi, p.y);
    }
  if (!Number.isFinite(lo)) return null;
  if (hi === lo) [lo, hi] = [lo - 0.5, hi + 0.5];
  return {
    key,
    label,
    color,
    style,
    points: [
      { x, y: lo },
      { x, y: hi },
    ],
  };
}

export function panel(
  title: string,
  xLabel: string,
  yLabel: string,
  lines: PanelLine[],
  legend: LegendSection[],
  o: ViewOptions,
): LinePanelSpec {
  return {
    title,
    xLabel,
    yLabel,
    lines,
    legend: legend.filter((s) => s.entries.length > 0),
    width: o.width ?? 520,
    height: o.height ?? 300,
  };
}

/** The stored fit's peak: a marker at (d*, fitted peak value) and its 95% interval as a segment. */
export function peakLines(
  fit: FitDto,
  key: string,
  color: string,
  offset: number,
  maxD: number,
): { lines: PanelLine[]; legend: LegendEntry[] } {
  const d = fit.coefficients.peakD;
  if (d === undefined || !(d > 0) || d > 3 * maxD) return { lines: [], legend: [] };
  const y = (fit.coefficients.peakValue ?? fitValue(fit, d)) + offset;
  const lines: PanelLine[] = [
    { key: `${key}:peak`, label: `fitted peak d* = ${short(d)}`, color, style: "solid", points: [{ x: d, y }], markersOnly: true },
  ];
  const ci = fit.intervals?.peakD;
  if (ci && Number.isFinite(ci.low) && Number.isFinite(ci.high))
    lines.push({
      key: `${key}:peak-ci`,
      label: `d* ${Math.round(ci.level * 100)}% interval [${short(ci.low)}, ${short(ci.high)}]`,
      color,
      style: "solid",
      points: [
        { x: ci.low, y },
        // An interval reaching far past the data would squash the plot: cut at the larger of the
        // data's range and d* (the note under the figure gives the whole interval).
        { x: Math.min(ci.high, Math.max(maxD, d) * 1.1), y },
      ],
    });
  return { lines, legend: [{ label: ci ? "fitted peak d* (95% CI)" : "fitted peak d*", marker: true, color }] };
}

/** "d (a − b ln d): a = 0.5 ± 0.1, b = ...; d* = 1.2 [0.9, 1.6]" for a stored fit. */
export function fitNote(fit: FitDto, what: string): string {
  const se = (k: string) => (fit.standardErrors?.[k] !== undefined ? ` ± ${short(fit.standardErrors[k])}` : "");
  const ci = fit.intervals?.peakD;
  const peak =
    fit.coefficients.peakD !== undefined
      ? `; peak d* = e^(a/b − 1) = ${short(fit.coefficients.peakD)}${ci ? ` [${short(ci.low)}, ${short(ci.high)}] (${Math.round(ci.level * 100)}% bootstrap over ${ci.resampled})` : ""}${fit.coefficients.peakValue !== undefined ? `, fitted ${what} there ${short(fit.coefficients.peakValue)}` : ""}`
      : "; no peak (b ≤ 0)";
  return `Stored fit of ${what}, d (a − b ln d): a = ${short(fit.coefficients.a)}${se("a")}, b = ${short(fit.coefficients.b)}${se("b")}${peak}.`;
}
