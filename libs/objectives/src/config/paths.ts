/**
 * Dotted field paths into configs ("bon.poolSize", "proxySizes[0].layers"): parsing them, checking
 * them against a schema's JSON description (so a typo is named with the nearest valid paths),
 * setting values at them, and layering configs (defaults <- preset <- file <- --set).
 */
import type { JsonSchema } from "./validate.ts";
import { ConfigError } from "./validate.ts";

export type PathPart = string | number;

/** "a.b[2].c" -> ["a", "b", 2, "c"]; throws a ConfigError for anything else. */
export function parsePath(path: string): PathPart[] {
  const parts: PathPart[] = [];
  for (const piece of path.split(".")) {
    const m = piece.match(/^([A-Za-z_][A-Za-z0-9_]*)((?:\[\d+\])*)$/);
    if (!m) throw new ConfigError([{ path, message: `not a field path like "bon.poolSize" or "proxySizes[0].layers"` }]);
    parts.push(m[1]!);
    for (const idx of m[2]!.matchAll(/\[(\d+)\]/g)) parts.push(Number(idx[1]));
  }
  return parts;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

/** Objects merged key by key; lists and other values in `over` replace those in `base`. Copies. */
export function deepMerge(base: unknown, over: unknown): unknown {
  if (over === undefined) return structuredClone(base);
  if (!isObject(base) || !isObject(over)) return structuredClone(over);
  const out: Record<string, unknown> = structuredClone(base);
  for (const [k, v] of Object.entries(over)) out[k] = deepMerge(base[k], v);
  return out;
}

/** The object branches of a schema node (itself, or the object members of an anyOf). */
function objectBranches(node: JsonSchema): JsonSchema[] {
  if (node.properties) return [node];
  return (node.anyOf ?? []).flatMap(objectBranches);
}

function arrayBranches(node: JsonSchema): JsonSchema[] {
  if (node.items) return [node];
  return (node.anyOf ?? []).flatMap(arrayBranches);
}

/** Every path a schema accepts, lists written with "[0]" (for suggestions and help). */
export function schemaPaths(schema: JsonSchema, prefix = ""): string[] {
  const out: string[] = [];
  for (const branch of objectBranches(schema)) {
    for (const [k, child] of Object.entries(branch.properties ?? {})) {
      const path = prefix ? `${prefix}.${k}` : k;
      out.push(path);
      out.push(...schemaPaths(child, path));
      for (const arr of arrayBranches(child)) out.push(...schemaPaths(arr.items!, `${path}[0]`));
    }
  }
  return [...new Set(out)];
}

/** The schema node at a path, or undefined when the schema has no such field. */
export function schemaAt(schema: JsonSchema, parts: readonly PathPart[]): JsonSchema | undefined {
  let nodes: JsonSchema[] = [schema];
  for (const part of parts) {
    nodes =
      typeof part === "number"
        ? nodes.flatMap(arrayBranches).map((n) => n.items!)
        : nodes.flatMap(objectBranches).flatMap((n) => (n.properties?.[part] ? [n.properties[part]] : []));
    if (nodes.length === 0) return undefined;
  }
  return nodes[0];
}

function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let diag = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const up = row[j]!;
      row[j] = Math.min(row[j]! + 1, row[j - 1]! + 1, diag + (a[i - 1]!.toLowerCase() === b[j - 1]!.toLowerCase() ? 0 : 1));
      diag = up;
    }
  }
  return row[b.length]!;
}

const parentOf = (path: string) => path.slice(0, Math.max(0, path.lastIndexOf(".")));

/**
 * The valid paths closest to `path`: edit distance, plus one for a path under another parent (a
 * typo usually sits in the last name), ties in schema order.
 */
export function nearestPaths(schema: JsonSchema, path: string, count = 3): string[] {
  const normal = path.replace(/\[\d+\]/g, "[0]");
  return schemaPaths(schema)
    .map((p, i) => ({ p, i, d: editDistance(normal, p) + (parentOf(p) === parentOf(normal) ? 0 : 1) }))
    .sort((a, b) => a.d - b.d || a.i - b.i)
    .slice(0, count)
    .map((x) => x.p);
}

/** Throws a ConfigError naming `path` and the nearest valid ones when the schema has no such field. */
export function requirePath(schema: JsonSchema, path: string): PathPart[] {
  const parts = parsePath(path);
  if (!schemaAt(schema, parts)) {
    const near = nearestPaths(schema, path);
    throw new ConfigError([{ path, message: `no such field${near.length ? `; nearest valid: ${near.join(", ")}` : ""}` }]);
  }
  return parts;
}

/**
 * Sets `value` at `parts` inside `target`, creating the objects on the way. A list index must
 * address an existing item or the one just past the end.
 */
export function setAt(target: Record<string, unknown>, parts: readonly PathPart[], value: unknown, path = parts.join(".")): void {
  let node: unknown = target;
  for (let i = 0; i < parts.length - 1; i++) {
    const key = parts[i]!;
    const container = node as Record<PathPart, unknown>;
    if (container[key] === undefined) container[key] = typeof parts[i + 1] === "number" ? [] : {};
    node = container[key];
    if (typeof node !== "object" || node === null) {
      throw new ConfigError([
        { path, message: `cannot set a field inside ${JSON.stringify(node)} (at ${parts.slice(0, i + 1).join(".")})` },
      ]);
    }
  }
  const last = parts[parts.length - 1]!;
  if (typeof last === "number") {
    if (!Array.isArray(node)) throw new ConfigError([{ path, message: "expected a list at this index" }]);
    if (last > node.length)
      throw new ConfigError([{ path, message: `list index ${last} is past the end (the list has ${node.length} items)` }]);
  }
  (node as Record<PathPart, unknown>)[last] = structuredClone(value);
}
