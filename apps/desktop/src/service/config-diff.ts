/** The paths where run configurations differ, for the Compare screen's config diff. */

function flatten(value: unknown, prefix: string, out: Map<string, unknown>): void {
  if (value !== null && typeof value === "object" && !Array.isArray(value)) {
    const entries = Object.entries(value as Record<string, unknown>);
    if (entries.length === 0 && prefix) out.set(prefix, {});
    for (const [k, v] of entries) flatten(v, prefix ? `${prefix}.${k}` : k, out);
  } else if (prefix) {
    out.set(prefix, value);
  }
}

/** Rows `{ path, values }` (one value per config, undefined where absent) for every differing leaf. */
export function diffConfigs(configs: readonly Record<string, unknown>[]): { path: string; values: unknown[] }[] {
  const flat = configs.map((c) => {
    const m = new Map<string, unknown>();
    flatten(c, "", m);
    return m;
  });
  const paths = [...new Set(flat.flatMap((m) => [...m.keys()]))].sort();
  return paths
    .map((path) => ({ path, values: flat.map((m) => m.get(path)) }))
    .filter((row) => new Set(row.values.map((v) => JSON.stringify(v) ?? "undefined")).size > 1);
}
