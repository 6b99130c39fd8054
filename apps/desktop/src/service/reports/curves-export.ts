/** Curve points as CSV (RFC 4180, header row) or JSON, for pasting into papers and notebooks. */
import type { CurvePointDto } from "../../shared/dto.ts";

const COLUMNS = ["runId", "series", "x", "xKind", "kl", "sqrtKl", "klEstimator", "proxyScore", "goldScore"] as const;

function csvCell(v: unknown): string {
  if (v === null || v === undefined) return "";
  const s = String(v);
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export function curvesToCsv(points: readonly CurvePointDto[]): string {
  const lines = [COLUMNS.join(",")];
  for (const p of points) {
    const row = { ...p, sqrtKl: Math.sqrt(p.kl) };
    lines.push(COLUMNS.map((c) => csvCell(row[c])).join(","));
  }
  return `${lines.join("\r\n")}\r\n`;
}

export function curvesToJson(points: readonly CurvePointDto[]): string {
  return `${JSON.stringify(
    points.map((p) => ({ ...p, sqrtKl: Math.sqrt(p.kl) })),
    null,
    2,
  )}\n`;
}
