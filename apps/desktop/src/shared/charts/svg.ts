/**
 * The one SVG chart module (issue 12): line panels with standard-error bands and a legend beside
 * the plot, and bar charts with error bars and a baseline mark. Pure string building - no DOM, no
 * Node - so the report (service), the figure export and the Compare screen (renderer) draw the
 * same pictures. What to draw (which runs, series and fits) is decided by ./overoptimization.ts.
 */

export type LineStyle = "solid" | "dashed" | "dotted";

/** A point; `se` draws a band of +-1 standard error when the line asks for one. */
export interface ChartPoint {
  x: number;
  y: number;
  se?: number | null;
}

export interface PanelLine {
  key: string;
  /** Shown as the line's tooltip (the legend names colours and styles, not every line). */
  label: string;
  color: string;
  style: LineStyle;
  points: readonly ChartPoint[];
  /** Shade y +- se where points carry an SE. */
  band?: boolean;
  /** Draw the points as markers only (e.g. observed peaks). */
  markersOnly?: boolean;
  /** Thinner stroke (e.g. individual ensemble members). */
  thin?: boolean;
}

export interface LegendEntry {
  label: string;
  color?: string;
  style?: LineStyle;
  marker?: boolean;
}

/** A titled block of the legend ("Runs", "Lines"). */
export interface LegendSection {
  title: string;
  entries: readonly LegendEntry[];
}

export interface LinePanelSpec {
  title: string;
  xLabel: string;
  yLabel: string;
  lines: readonly PanelLine[];
  legend: readonly LegendSection[];
  width?: number;
  height?: number;
  /** Points per line kept after thinning (bucket extremes survive). */
  maxPoints?: number;
}

export interface Bar {
  label: string;
  value: number;
  se?: number | null;
}

/** One cluster of bars (e.g. one run): its own colour, and optionally a baseline drawn across it. */
export interface BarGroup {
  label: string;
  /** What the axis shows under the cluster (e.g. "#3"); the legend keeps the full label. */
  short?: string;
  color: string;
  bars: readonly Bar[];
  baseline?: Bar;
}

export interface BarChartSpec {
  title: string;
  yLabel: string;
  groups: readonly BarGroup[];
  width?: number;
  height?: number;
}

/** Colour-blind-friendly palette (Okabe-Ito, black last). One hue per run. */
export const PALETTE = ["#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#8C6D1F", "#000000"];

const DASH: Record<LineStyle, string> = { solid: "", dashed: ' stroke-dasharray="6 4"', dotted: ' stroke-dasharray="1.5 3"' };

export function escapeXml(s: string): string {
  return s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
}

/** "Nice" tick values covering [min, max]. */
export function niceTicks(min: number, max: number, count = 5): number[] {
  if (!(max > min)) return [min];
  const raw = (max - min) / count;
  const magnitude = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * magnitude).find((s) => s >= raw)!;
  const ticks: number[] = [];
  // Repeated addition leaves float noise (0 arrives as -5.6e-17): snap ticks within 1e-9 steps of 0.
  for (let t = Math.ceil(min / step) * step; t <= max + step * 1e-9; t += step)
    ticks.push(Math.abs(t) < step * 1e-9 ? 0 : Number(t.toPrecision(12)));
  return ticks;
}

export function formatTick(v: number): string {
  return Math.abs(v) >= 1e4 || (Math.abs(v) < 1e-3 && v !== 0) ? v.toExponential(1) : String(Number(v.toPrecision(4)));
}

/**
 * At most about `maxPoints` points of a long line: per bucket its lowest and highest point, in x
 * order, so spikes survive.
 */
export function thinPoints<P extends ChartPoint>(points: readonly P[], maxPoints: number): P[] {
  if (points.length <= maxPoints) return points.slice();
  const bucket = Math.ceil(points.length / Math.max(1, Math.floor(maxPoints / 2)));
  const out: P[] = [];
  for (let start = 0; start < points.length; start += bucket) {
    let lo = start;
    let hi = start;
    for (let i = start; i < Math.min(points.length, start + bucket); i++) {
      if (points[i]!.y < points[lo]!.y) lo = i;
      if (points[i]!.y > points[hi]!.y) hi = i;
    }
    out.push(points[Math.min(lo, hi)]!);
    if (lo !== hi) out.push(points[Math.max(lo, hi)]!);
  }
  return out;
}

const finite = (p: ChartPoint) => Number.isFinite(p.x) && Number.isFinite(p.y);

function svgOpen(width: number, height: number, title: string): string {
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="system-ui, sans-serif" font-size="11" role="img" aria-label="${escapeXml(title)}"><rect width="${width}" height="${height}" fill="#fff"/><text x="8" y="18" font-size="13" font-weight="600">${escapeXml(title)}</text>`;
}

const LEGEND_WIDTH = 170;
const LEGEND_ROW = 15;
/** Characters of a legend label that fit beside its swatch; longer ones end in "…" (full text on hover). */
const LEGEND_CHARS = 23;

/** `text` cut to `max` characters, ending in "…" when cut. */
export function clip(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, Math.max(1, max - 1))}…`;
}

function legendRows(sections: readonly LegendSection[]): number {
  return sections.reduce((n, s) => n + 1 + s.entries.length, 0) + Math.max(0, sections.length - 1) * 0.5;
}

/** The legend as a column starting at (x, y): never inside the plot. */
function renderLegend(sections: readonly LegendSection[], x: number, y: number): string {
  const parts: string[] = [];
  let row = 0;
  for (const section of sections) {
    const top = y + row * LEGEND_ROW;
    parts.push(`<text x="${x}" y="${top + 10}" font-weight="600">${escapeXml(section.title)}</text>`);
    row++;
    for (const e of section.entries) {
      const cy = y + row * LEGEND_ROW + 6;
      const color = e.color ?? "#333";
      if (e.marker) parts.push(`<circle cx="${x + 11}" cy="${cy}" r="4" fill="${color}" stroke="#000"/>`);
      else
        parts.push(`<line x1="${x}" x2="${x + 22}" y1="${cy}" y2="${cy}" stroke="${color}" stroke-width="2"${DASH[e.style ?? "solid"]}/>`);
      parts.push(
        `<text x="${x + 28}" y="${cy + 4}">${escapeXml(clip(e.label, LEGEND_CHARS))}${e.label.length > LEGEND_CHARS ? `<title>${escapeXml(e.label)}</title>` : ""}</text>`,
      );
      row++;
    }
    row += 0.5;
  }
  return parts.join("");
}

/** The bounds of everything drawn, bands included; a flat or empty range is widened. */
function bounds(lines: readonly PanelLine[]): { x0: number; x1: number; y0: number; y1: number } | null {
  let x0 = Infinity,
    x1 = -Infinity,
    y0 = Infinity,
    y1 = -Infinity;
  for (const l of lines) {
    for (const p of l.points) {
      if (!finite(p)) continue;
      const se = l.band && typeof p.se === "number" && Number.isFinite(p.se) ? p.se : 0;
      x0 = Math.min(x0, p.x);
      x1 = Math.max(x1, p.x);
      y0 = Math.min(y0, p.y - se);
      y1 = Math.max(y1, p.y + se);
    }
  }
  if (!Number.isFinite(x0)) return null;
  if (x1 === x0) [x0, x1] = [x0 - 1, x1 + 1];
  if (y1 === y0) [y0, y1] = [y0 - 0.5, y1 + 0.5];
  const pad = (y1 - y0) * 0.04;
  return { x0, x1, y0: y0 - pad, y1: y1 + pad };
}

/** A line panel: axes, ticks, SE bands, lines and markers, and the legend to the right of the plot. */
export function renderLinePanel(spec: LinePanelSpec): string {
  const hasLegend = spec.legend.some((s) => s.entries.length > 0);
  const width = spec.width ?? 560;
  const legendH = hasLegend ? legendRows(spec.legend) * LEGEND_ROW + 40 : 0;
  const height = Math.max(spec.height ?? 300, legendH);
  const m = { top: 30, right: hasLegend ? LEGEND_WIDTH + 12 : 14, bottom: 42, left: 56 };
  const plotW = width - m.left - m.right;
  const plotH = height - m.top - m.bottom;
  const parts = [svgOpen(width, height, spec.title)];
  const b = bounds(spec.lines);
  if (!b) {
    parts.push(`<text x="${m.left + plotW / 2}" y="${m.top + plotH / 2}" text-anchor="middle" fill="#666">no data</text>`);
  } else {
    const sx = (x: number) => m.left + ((x - b.x0) / (b.x1 - b.x0)) * plotW;
    const sy = (y: number) => m.top + plotH - ((y - b.y0) / (b.y1 - b.y0)) * plotH;
    for (const t of niceTicks(b.x0, b.x1)) {
      parts.push(
        `<line x1="${sx(t).toFixed(1)}" x2="${sx(t).toFixed(1)}" y1="${m.top}" y2="${m.top + plotH}" stroke="#eee"/><text x="${sx(t).toFixed(1)}" y="${m.top + plotH + 15}" text-anchor="middle">${formatTick(t)}</text>`,
      );
    }
    for (const t of niceTicks(b.y0, b.y1)) {
      parts.push(
        `<line x1="${m.left}" x2="${m.left + plotW}" y1="${sy(t).toFixed(1)}" y2="${sy(t).toFixed(1)}" stroke="#eee"/><text x="${m.left - 5}" y="${(sy(t) + 4).toFixed(1)}" text-anchor="end">${formatTick(t)}</text>`,
      );
    }
    // About two points per horizontal pixel of a panel: more is invisible and costs parse time.
    const maxPoints = spec.maxPoints ?? 800;
    // Bands first, so every line stays visible on top of them.
    for (const l of spec.lines) {
      if (!l.band) continue;
      const pts = thinPoints(
        l.points.filter((p) => finite(p) && typeof p.se === "number" && Number.isFinite(p.se)),
        maxPoints,
      );
      if (pts.length < 2) continue;
      const upper = pts.map((p) => `${sx(p.x).toFixed(2)},${sy(p.y + p.se!).toFixed(2)}`);
      const lower = pts.map((p) => `${sx(p.x).toFixed(2)},${sy(p.y - p.se!).toFixed(2)}`).reverse();
      parts.push(
        `<polygon points="${[...upper, ...lower].join(" ")}" fill="${l.color}" fill-opacity="0.14" stroke="none" data-band="${escapeXml(l.key)}"/>`,
      );
    }
    for (const l of spec.lines) {
      const pts = thinPoints(l.points.filter(finite), maxPoints);
      if (pts.length === 0) continue;
      if (l.markersOnly) {
        for (const p of pts)
          parts.push(
            `<circle cx="${sx(p.x).toFixed(2)}" cy="${sy(p.y).toFixed(2)}" r="4" fill="${l.color}" stroke="#000"><title>${escapeXml(l.label)}</title></circle>`,
          );
        continue;
      }
      const d = pts.map((p, i) => `${i === 0 ? "M" : "L"}${sx(p.x).toFixed(2)},${sy(p.y).toFixed(2)}`).join("");
      parts.push(
        `<path d="${d}" fill="none" stroke="${l.color}" stroke-width="${l.thin ? 1 : 1.8}"${DASH[l.style]} data-line="${escapeXml(l.key)}"><title>${escapeXml(l.label)}</title></path>`,
      );
    }
  }
  parts.push(`<rect x="${m.left}" y="${m.top}" width="${plotW}" height="${plotH}" fill="none" stroke="#999"/>`);
  parts.push(`<text x="${m.left + plotW / 2}" y="${height - 8}" text-anchor="middle" font-size="12">${escapeXml(spec.xLabel)}</text>`);
  parts.push(
    `<text x="14" y="${m.top + plotH / 2}" text-anchor="middle" font-size="12" transform="rotate(-90 14 ${m.top + plotH / 2})">${escapeXml(spec.yLabel)}</text>`,
  );
  if (hasLegend) parts.push(renderLegend(spec.legend, width - LEGEND_WIDTH, m.top));
  parts.push("</svg>");
  return parts.join("");
}

/**
 * Bars in clusters (one per group, e.g. per run) with +-1 SE error bars; a group's baseline is a
 * dashed line across its cluster, labelled. The legend (groups) sits to the right.
 */
export function renderBarChart(spec: BarChartSpec): string {
  const width = spec.width ?? 560;
  const height = spec.height ?? 300;
  const showLegend = spec.groups.length > 1;
  const m = { top: 30, right: showLegend ? LEGEND_WIDTH + 12 : 14, bottom: 58, left: 56 };
  const plotW = width - m.left - m.right;
  const plotH = height - m.top - m.bottom;
  const parts = [svgOpen(width, height, spec.title)];
  const values: number[] = [0];
  for (const g of spec.groups) {
    for (const bar of [...g.bars, ...(g.baseline ? [g.baseline] : [])]) {
      if (!Number.isFinite(bar.value)) continue;
      const se = typeof bar.se === "number" && Number.isFinite(bar.se) ? bar.se : 0;
      values.push(bar.value - se, bar.value + se);
    }
  }
  const nBars = spec.groups.reduce((n, g) => n + g.bars.length, 0);
  if (nBars === 0) {
    parts.push(`<text x="${m.left + plotW / 2}" y="${m.top + plotH / 2}" text-anchor="middle" fill="#666">no data</text></svg>`);
    return parts.join("");
  }
  let y0 = Math.min(...values);
  let y1 = Math.max(...values);
  if (y1 === y0) [y0, y1] = [y0 - 0.5, y1 + 0.5];
  const pad = (y1 - y0) * 0.06;
  y0 -= y0 < 0 ? pad : 0;
  y1 += pad;
  const sy = (y: number) => m.top + plotH - ((y - y0) / (y1 - y0)) * plotH;
  for (const t of niceTicks(y0, y1)) {
    parts.push(
      `<line x1="${m.left}" x2="${m.left + plotW}" y1="${sy(t).toFixed(1)}" y2="${sy(t).toFixed(1)}" stroke="#eee"/><text x="${m.left - 5}" y="${(sy(t) + 4).toFixed(1)}" text-anchor="end">${formatTick(t)}</text>`,
    );
  }
  parts.push(`<line x1="${m.left}" x2="${m.left + plotW}" y1="${sy(0).toFixed(1)}" y2="${sy(0).toFixed(1)}" stroke="#666"/>`);
  const gap = 0.6; // a gap between clusters, in bar widths
  const slots = nBars + gap * (spec.groups.length + 1);
  const barW = plotW / slots;
  let x = m.left + gap * barW;
  for (const g of spec.groups) {
    const start = x;
    for (const bar of g.bars) {
      if (Number.isFinite(bar.value)) {
        const top = Math.min(sy(bar.value), sy(0));
        const h = Math.abs(sy(bar.value) - sy(0));
        parts.push(
          `<rect x="${(x + barW * 0.1).toFixed(2)}" y="${top.toFixed(2)}" width="${(barW * 0.8).toFixed(2)}" height="${h.toFixed(2)}" fill="${g.color}" fill-opacity="0.8" data-bar="${escapeXml(`${g.label} ${bar.label}`)}"><title>${escapeXml(`${g.label} ${bar.label}: ${formatTick(bar.value)}${typeof bar.se === "number" ? ` ± ${formatTick(bar.se)}` : ""}`)}</title></rect>`,
        );
        if (typeof bar.se === "number" && Number.isFinite(bar.se) && bar.se > 0) {
          const cx = x + barW / 2;
          const [a, c] = [sy(bar.value + bar.se), sy(bar.value - bar.se)];
          parts.push(
            `<path d="M${cx.toFixed(2)},${a.toFixed(2)}V${c.toFixed(2)}M${(cx - 4).toFixed(2)},${a.toFixed(2)}h8M${(cx - 4).toFixed(2)},${c.toFixed(2)}h8" stroke="#000" stroke-width="1.2" data-error-bar=""/>`,
          );
        }
      }
      parts.push(
        `<text x="${(x + barW / 2).toFixed(2)}" y="${m.top + plotH + 13}" text-anchor="middle" font-size="10">${escapeXml(bar.label)}</text>`,
      );
      x += barW;
    }
    if (g.baseline && Number.isFinite(g.baseline.value)) {
      const y = sy(g.baseline.value);
      parts.push(
        `<line x1="${start.toFixed(2)}" x2="${x.toFixed(2)}" y1="${y.toFixed(2)}" y2="${y.toFixed(2)}" stroke="#000" stroke-width="1.5" stroke-dasharray="5 3" data-baseline=""><title>${escapeXml(`${g.label} ${g.baseline.label}: ${formatTick(g.baseline.value)}`)}</title></line>`,
      );
      parts.push(
        `<text x="${(x - 2).toFixed(2)}" y="${(y - 3).toFixed(2)}" text-anchor="end" font-size="10">${escapeXml(g.baseline.label)}</text>`,
      );
    }
    if (spec.groups.length > 1) {
      // Cut to the cluster's width (about 6 px a character) so neighbouring labels never overlap.
      const fits = Math.max(3, Math.floor((x - start) / 6.5));
      parts.push(
        `<text x="${((start + x) / 2).toFixed(2)}" y="${m.top + plotH + 28}" text-anchor="middle" font-weight="600">${escapeXml(clip(g.short ?? g.label, fits))}<title>${escapeXml(g.label)}</title></text>`,
      );
    }
    x += gap * barW;
  }
  parts.push(`<rect x="${m.left}" y="${m.top}" width="${plotW}" height="${plotH}" fill="none" stroke="#999"/>`);
  parts.push(
    `<text x="14" y="${m.top + plotH / 2}" text-anchor="middle" font-size="12" transform="rotate(-90 14 ${m.top + plotH / 2})">${escapeXml(spec.yLabel)}</text>`,
  );
  if (showLegend)
    parts.push(
      renderLegend([{ title: "Runs", entries: spec.groups.map((g) => ({ label: g.label, color: g.color })) }], width - LEGEND_WIDTH, m.top),
    );
  parts.push("</svg>");
  return parts.join("");
}
