/**
 * One lab run per grid point: a study's config split into its points, each with the study narrowed
 * to that point alone (every axis holding that point's value). The narrowed config must expand to
 * exactly that point under the same id, so the run executes and resumes alone with the numbers it
 * has inside the whole study (its seeds and data orders derive from the id and the config).
 */
import type { KindGridPoint } from "./kind.ts";

export function planGridPoints<C, P extends { id: string }>(
  config: C,
  expand: (config: C) => P[],
  narrow: (config: C, point: P) => C,
  name: (point: P) => string = (p) => p.id,
): KindGridPoint[] {
  const points = expand(config);
  const seen = new Set<string>();
  for (const p of points) {
    // Two points under one id would be one lab run (e.g. two proxy sizes of the same name).
    if (seen.has(p.id)) throw new Error(`grid point ${p.id} appears twice; give each value of an axis its own name`);
    seen.add(p.id);
  }
  return points.map((point) => {
    const alone = narrow(config, point);
    const check = expand(alone);
    if (check.length !== 1 || check[0]!.id !== point.id)
      throw new Error(
        `grid point ${point.id} cannot run on its own as the same run (narrowed, it expands to ${check.map((c) => c.id).join(", ") || "nothing"})`,
      );
    return { key: point.id, name: name(point), config: alone as unknown as Record<string, unknown> };
  });
}
