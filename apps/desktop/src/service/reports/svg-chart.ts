/**
 * A dependency-free SVG line chart for reports: several series over one x axis, with axes,
 * ticks and a legend. Self-contained (inline styles), so a report opens anywhere.
 */
import { escapeHtml } from "./escape.ts";

export interface ChartSeries {
  label: string;
  points: readonly { x: number; y: number }[];
  /** Dashed line (e.g. proxy), solid otherwise (e.g. gold). */
  dashed?: boolean;
  color: string;
}

export interface ChartOptions {
  title: string;
  xLabel: string;
  yLabel: string;
  width?: number;
  height?: number;
}

/** A colour-blind-friendly palette (Okabe-Ito). */
export const PALETTE = ["#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#F0E442", "#000000"];

/** "Nice" tick values covering [min, max]. */
export function niceTicks(min: number, max: number, count = 5): number[] {
  if (!(max > min)) return [min];
  const raw = (max - min) / count;
  const magnitude = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * magnitude).find((s) => s >= raw)!;
  const ticks: number[] = [];
  for (let t = Math.ceil(min / step) * step; t <= max + step * 1e-9; t += step) ticks.push(Number(t.toPrecision(12)));
  return ticks;
}

function formatTick(v: number): string {
  return Math.abs(v) >= 1e4 || (Math.abs(v) < 1e-3 && v !== 0) ? v.toExponential(1) : String(Number(v.toPrecision(4)));
}

/** Renders the chart as an `<svg>` element string. */
export function renderLineChart(series: readonly ChartSeries[], options: ChartOptions): string {
  const width = options.width ?? 640;
  const height = options.height ?? 360;
  const margin = { top: 32, right: 16, bottom: 48, left: 64 };
  const finite = series.flatMap((s) => s.points).filter((p) => Number.isFinite(p.x) && Number.isFinite(p.y));
  const title = `<text x="${width / 2}" y="18" text-anchor="middle" font-size="14" font-weight="600">${escapeHtml(options.title)}</text>`;
  if (finite.length === 0) {
    return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" role="img">${title}<text x="${width / 2}" y="${height / 2}" text-anchor="middle" fill="#666">no data</text></svg>`;
  }
  let [xMin, xMax] = [Math.min(...finite.map((p) => p.x)), Math.max(...finite.map((p) => p.x))];
  let [yMin, yMax] = [Math.min(...finite.map((p) => p.y)), Math.max(...finite.map((p) => p.y))];
  if (xMax === xMin) [xMin, xMax] = [xMin - 1, xMax + 1];
  if (yMax === yMin) [yMin, yMax] = [yMin - 1, yMax + 1];
  const plotW = width - margin.left - margin.right;
  const plotH = height - margin.top - margin.bottom;
  const sx = (x: number) => margin.left + ((x - xMin) / (xMax - xMin)) * plotW;
  const sy = (y: number) => margin.top + plotH - ((y - yMin) / (yMax - yMin)) * plotH;
  const parts: string[] = [title];
  for (const t of niceTicks(xMin, xMax)) {
    parts.push(`<line x1="${sx(t)}" x2="${sx(t)}" y1="${margin.top}" y2="${margin.top + plotH}" stroke="#eee"/>`);
    parts.push(`<text x="${sx(t)}" y="${margin.top + plotH + 16}" text-anchor="middle" font-size="11">${formatTick(t)}</text>`);
  }
  for (const t of niceTicks(yMin, yMax)) {
    parts.push(`<line x1="${margin.left}" x2="${margin.left + plotW}" y1="${sy(t)}" y2="${sy(t)}" stroke="#eee"/>`);
    parts.push(`<text x="${margin.left - 6}" y="${sy(t) + 4}" text-anchor="end" font-size="11">${formatTick(t)}</text>`);
  }
  parts.push(`<rect x="${margin.left}" y="${margin.top}" width="${plotW}" height="${plotH}" fill="none" stroke="#999"/>`);
  parts.push(`<text x="${margin.left + plotW / 2}" y="${height - 8}" text-anchor="middle" font-size="12">${escapeHtml(options.xLabel)}</text>`);
  parts.push(
    `<text x="14" y="${margin.top + plotH / 2}" text-anchor="middle" font-size="12" transform="rotate(-90 14 ${margin.top + plotH / 2})">${escapeHtml(options.yLabel)}</text>`,
  );
  series.forEach((s, i) => {
    const pts = s.points.filter((p) => Number.isFinite(p.x) && Number.isFinite(p.y));
    if (pts.length > 0) {
      const d = pts.map((p, j) => `${j === 0 ? "M" : "L"}${sx(p.x).toFixed(2)},${sy(p.y).toFixed(2)}`).join(" ");
      parts.push(`<path d="${d}" fill="none" stroke="${s.color}" stroke-width="2"${s.dashed ? ' stroke-dasharray="6 4"' : ""}/>`);
    }
    const ly = margin.top + 8 + i * 16;
    parts.push(`<line x1="${margin.left + 8}" x2="${margin.left + 32}" y1="${ly}" y2="${ly}" stroke="${s.color}" stroke-width="2"${s.dashed ? ' stroke-dasharray="6 4"' : ""}/>`);
    parts.push(`<text x="${margin.left + 38}" y="${ly + 4}" font-size="11">${escapeHtml(s.label)}</text>`);
  });
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" role="img" aria-label="${escapeHtml(options.title)}">${parts.join("")}</svg>`;
}
