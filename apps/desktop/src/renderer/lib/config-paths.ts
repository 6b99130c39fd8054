/**
 * Experiment configs are nested JSON; the parameter editor works on their leaves as dotted paths
 * (`policy.temperature`). Arrays count as leaves: they are edited as JSON.
 */

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** Every leaf of a config as `[path, value]`, in key order. */
export function flattenConfig(config: Record<string, unknown>, prefix = ""): [string, unknown][] {
  const out: [string, unknown][] = [];
  for (const [key, value] of Object.entries(config)) {
    const path = prefix ? `${prefix}.${key}` : key;
    if (value !== null && typeof value === "object" && !Array.isArray(value) && Object.keys(value).length > 0) {
      out.push(...flattenConfig(value as Record<string, unknown>, path));
    } else out.push([path, value]);
  }
  return out;
}

/** Builds a nested config from `[path, value]` pairs. */
export function unflattenConfig(entries: Iterable<readonly [string, unknown]>): Record<string, unknown> {
  const root: Record<string, unknown> = {};
  for (const [path, value] of entries) {
    const keys = path.split(".");
    let node = root;
    for (const k of keys.slice(0, -1)) {
      if (typeof node[k] !== "object" || node[k] === null) node[k] = {};
      node = node[k] as Record<string, unknown>;
    }
    node[keys[keys.length - 1]!] = value;
  }
  return root;
}

/** Parses an edited field like its default: numbers, booleans, null and JSON stay typed. */
export function parseFieldValue(text: string, like: unknown): unknown {
  const t = text.trim();
  if (typeof like === "string") return text;
  if (t === "") return like === null ? null : text;
  try {
    return JSON.parse(t);
  } catch {
    return text;
  }
}

/** Shows a value in an input field. */
export function formatFieldValue(value: unknown): string {
  return typeof value === "string" ? value : JSON.stringify(value);
}
