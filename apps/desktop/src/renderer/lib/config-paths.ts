/**
 * Experiment configs are nested JSON addressed by dotted paths (`policy.temperature`): the sweep
 * fields name the field they sweep this way, and a grid point sets its values at those paths.
 * Arrays count as leaves.
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

/** The value at a dotted path, or undefined. */
export function getAt(config: unknown, path: string): unknown {
  let node = config;
  for (const k of path.split(".")) {
    if (node === null || typeof node !== "object" || Array.isArray(node)) return undefined;
    node = (node as Record<string, unknown>)[k];
  }
  return node;
}

/** A copy of the config with `values` (dotted path -> value) set. */
export function withValuesAt(config: Record<string, unknown>, values: Record<string, unknown>): Record<string, unknown> {
  const out = structuredClone(config);
  for (const [path, value] of Object.entries(values)) {
    const keys = path.split(".");
    let node = out;
    for (const k of keys.slice(0, -1)) {
      if (typeof node[k] !== "object" || node[k] === null || Array.isArray(node[k])) node[k] = {};
      node = node[k] as Record<string, unknown>;
    }
    node[keys[keys.length - 1]!] = structuredClone(value);
  }
  return out;
}
