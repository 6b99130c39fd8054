/**
 * The one sweep-grid expander. A grid is a list of axes (a field path and the values to try); its
 * points are the Cartesian product, the last axis varying fastest. A study's own axes (proxy
 * sizes x training sizes x noise x seeds), a sweep over other fields, the CLI's --sweep and the
 * Experiment screen's sweep columns all expand through this function (the screen through LabApi
 * `kinds.expand`, since the renderer may not import libraries).
 */

export interface GridAxis {
  path: string;
  values: readonly unknown[];
}

/** One point of a grid: the value of each axis by path, and a short readable label. */
export interface GridPoint {
  values: Record<string, unknown>;
  label: string;
}

function labelOf(path: string, value: unknown): string {
  return `${path}=${typeof value === "string" ? value : JSON.stringify(value)}`;
}

/** The Cartesian product of the axes; an axis without values is skipped (not swept). */
export function expandGrid(axes: readonly GridAxis[]): GridPoint[] {
  let points: GridPoint[] = [{ values: {}, label: "" }];
  for (const axis of axes) {
    if (axis.values.length === 0) continue;
    const next: GridPoint[] = [];
    for (const p of points) {
      for (const v of axis.values) {
        const part = labelOf(axis.path, v);
        next.push({ values: { ...p.values, [axis.path]: v }, label: p.label ? `${p.label}, ${part}` : part });
      }
    }
    points = next;
  }
  return points;
}
