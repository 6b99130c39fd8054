/**
 * The sweep grid: each swept parameter gets a list of values, and the grid is their Cartesian
 * product, one experiment per point. Values are written separated by `|` or `;` (commas belong
 * to JSON arrays), e.g. `4 | 16 | 64`.
 */
import { parseFieldValue } from "./config-paths.ts";

/** One point of the grid: the swept values by path, and a short label. */
export interface GridPoint {
  values: Record<string, unknown>;
  label: string;
}

/** Splits a sweep field into values typed like the default; empty means "not swept". */
export function parseSweepValues(text: string, like: unknown): unknown[] {
  return text
    .split(/[|;]/)
    .map((s) => s.trim())
    .filter((s) => s !== "")
    .map((s) => parseFieldValue(s, like));
}

/** The Cartesian product of the axes, in axis order (the last axis varies fastest). */
export function expandGrid(axes: readonly { path: string; values: readonly unknown[] }[]): GridPoint[] {
  let points: GridPoint[] = [{ values: {}, label: "" }];
  for (const axis of axes) {
    if (axis.values.length === 0) continue;
    const next: GridPoint[] = [];
    for (const p of points) {
      for (const v of axis.values) {
        const part = `${axis.path}=${typeof v === "string" ? v : JSON.stringify(v)}`;
        next.push({ values: { ...p.values, [axis.path]: v }, label: p.label ? `${p.label}, ${part}` : part });
      }
    }
    points = next;
  }
  return points;
}
