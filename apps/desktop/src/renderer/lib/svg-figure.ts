/**
 * A chart's lines as a standalone SVG document (for papers and slides), drawn from the same lines
 * as the on-screen chart. Long lines are thinned to at most `maxPoints` per line by keeping every
 * k-th point plus the extremes of each bucket, so the shape survives.
 */
import type { Line } from "./curves.ts";

const esc = (s: string) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");

function niceTicks(min: number, max: number, count = 5): number[] {
  if (!(max > min)) return [min];
  const step0 = (max - min) / count;
  const mag = 10 ** Math.floor(Math.log10(step0));
  const step = [1, 2, 5, 10].map((m) => m * mag).find((s) => s >= step0) ?? step0;
  const out: number[] = [];
  for (let t = Math.ceil(min / step) * step; t <= max + step * 1e-9; t += step) out.push(Number(t.toPrecision(12)));
  return out;
}

function thin(xs: number[], ys: number[], maxPoints: number): [number, number][] {
  if (xs.length <= maxPoints) return xs.map((x, i) => [x, ys[i]!]);
  const bucket = Math.ceil(xs.length / (maxPoints / 2));
  const out: [number, number][] = [];
  for (let start = 0; start < xs.length; start += bucket) {
    let lo = start, hi = start;
    for (let i = start; i < Math.min(xs.length, start + bucket); i++) {
      if (ys[i]! < ys[lo]!) lo = i;
      if (ys[i]! > ys[hi]!) hi = i;
    }
    for (const i of lo <= hi ? [lo, hi] : [hi, lo]) out.push([xs[i]!, ys[i]!]);
  }
  return out;
}

/** Renders lines to an SVG document string. */
export function linesToSvg(lines: readonly Line[], options: { title: string; xLabel: string; yLabel: string; width?: number; height?: number; maxPoints?: number }): string {
  const W = options.width ?? 720, H = options.height ?? 440;
  const m = { l: 64, r: 16, t: 36, b: 48 };
  let x0 = Infinity, x1 = -Infinity, y0 = Infinity, y1 = -Infinity;
  for (const l of lines) for (let i = 0; i < l.xs.length; i++) {
    x0 = Math.min(x0, l.xs[i]!); x1 = Math.max(x1, l.xs[i]!); y0 = Math.min(y0, l.ys[i]!); y1 = Math.max(y1, l.ys[i]!);
  }
  if (!Number.isFinite(x0)) { x0 = 0; x1 = 1; y0 = 0; y1 = 1; }
  if (x1 === x0) x1 = x0 + 1;
  if (y1 === y0) { y0 -= 0.5; y1 += 0.5; }
  const sx = (x: number) => m.l + ((x - x0) / (x1 - x0)) * (W - m.l - m.r);
  const sy = (y: number) => H - m.b - ((y - y0) / (y1 - y0)) * (H - m.t - m.b);
  const parts: string[] = [];
  parts.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="11">`);
  parts.push(`<rect width="${W}" height="${H}" fill="#fff"/>`);
  parts.push(`<text x="${W / 2}" y="20" text-anchor="middle" font-size="14">${esc(options.title)}</text>`);
  for (const t of niceTicks(x0, x1)) parts.push(`<line x1="${sx(t)}" x2="${sx(t)}" y1="${m.t}" y2="${H - m.b}" stroke="#e5e5e5"/><text x="${sx(t)}" y="${H - m.b + 16}" text-anchor="middle">${t}</text>`);
  for (const t of niceTicks(y0, y1)) parts.push(`<line x1="${m.l}" x2="${W - m.r}" y1="${sy(t)}" y2="${sy(t)}" stroke="#e5e5e5"/><text x="${m.l - 6}" y="${sy(t) + 4}" text-anchor="end">${t}</text>`);
  parts.push(`<text x="${W / 2}" y="${H - 10}" text-anchor="middle">${esc(options.xLabel)}</text>`);
  parts.push(`<text transform="translate(16 ${H / 2}) rotate(-90)" text-anchor="middle">${esc(options.yLabel)}</text>`);
  for (const l of lines) {
    if (l.pointsOnly) {
      for (let i = 0; i < l.xs.length; i++) parts.push(`<circle cx="${sx(l.xs[i]!).toFixed(2)}" cy="${sy(l.ys[i]!).toFixed(2)}" r="5" fill="${l.color}" stroke="#000"><title>${esc(l.label)}</title></circle>`);
      continue;
    }
    const pts = thin(l.xs, l.ys, options.maxPoints ?? 2000).map(([x, y]) => `${sx(x).toFixed(2)},${sy(y).toFixed(2)}`).join(" ");
    parts.push(`<polyline fill="none" stroke="${l.color}" stroke-width="1.6"${l.dashed ? ' stroke-dasharray="6 4"' : ""} points="${pts}"><title>${esc(l.label)}</title></polyline>`);
  }
  lines.filter((l) => !l.pointsOnly).forEach((l, i) => {
    const y = m.t + 6 + i * 14;
    parts.push(`<line x1="${W - m.r - 170}" x2="${W - m.r - 150}" y1="${y}" y2="${y}" stroke="${l.color}"${l.dashed ? ' stroke-dasharray="6 4"' : ""}/><text x="${W - m.r - 146}" y="${y + 4}">${esc(l.label)}</text>`);
  });
  parts.push("</svg>");
  return parts.join("\n");
}
