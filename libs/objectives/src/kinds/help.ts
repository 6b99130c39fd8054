/**
 * A kind's config fields as help text lines (the CLI's `goodhart kinds <id>`), generated from the
 * schema's JSON description like the UI's forms.
 */
import type { JsonSchema } from "../config/validate.ts";

export interface FieldHelp {
  /** Dotted path; list items as "[]". */
  path: string;
  /** "integer", "number", "string", "boolean", "list of integer", "object", or alternatives joined by " | ". */
  type: string;
  /** "[1, 64]", "> 0", "one of a, b", ... ("" when unconstrained). */
  range: string;
  unit: string;
  default: string;
  description: string;
}

function typeOf(s: JsonSchema): string {
  if (s.anyOf) return s.anyOf.map(typeOf).join(" | ");
  if (s.const !== undefined) return JSON.stringify(s.const);
  if (s.type === "array") return `list of ${s.items ? typeOf(s.items) : "values"}`;
  if (Array.isArray(s.type)) return s.type.join(" | ");
  return s.type ?? "value";
}

function rangeOf(s: JsonSchema): string {
  if (s.enum) return `one of ${s.enum.map((v) => (typeof v === "string" ? v : JSON.stringify(v))).join(", ")}`;
  const lo = s.minimum !== undefined ? `[${s.minimum}` : s.exclusiveMinimum !== undefined ? `(${s.exclusiveMinimum}` : undefined;
  const hi = s.maximum !== undefined ? `${s.maximum}]` : s.exclusiveMaximum !== undefined ? `${s.exclusiveMaximum})` : undefined;
  if (lo && hi) return `${lo}, ${hi}`;
  if (lo) return `${lo.startsWith("[") ? ">=" : ">"} ${lo.slice(1)}`;
  if (hi) return `${hi.endsWith("]") ? "<=" : "<"} ${hi.slice(0, -1)}`;
  if (s.type === "array" && s.items) return rangeOf(s.items);
  return "";
}

/** One line per field, depth first in declaration order; objects' own line precedes their fields. */
export function fieldHelp(schema: JsonSchema, prefix = ""): FieldHelp[] {
  const out: FieldHelp[] = [];
  for (const [key, child] of Object.entries(schema.properties ?? {})) {
    const path = prefix ? `${prefix}.${key}` : key;
    const isObject = child.type === "object" && child.properties;
    out.push({
      path,
      type: typeOf(child),
      range: rangeOf(child),
      unit: child.unit ?? "",
      default: child.default === undefined || isObject ? "" : JSON.stringify(child.default),
      description: [child.description ?? "", ...(child.constraints ?? []).map((c) => `(${c})`)].filter(Boolean).join(" "),
    });
    if (isObject) out.push(...fieldHelp(child, path));
    else if (child.type === "array" && child.items?.properties) out.push(...fieldHelp(child.items, `${path}[]`));
  }
  return out;
}

/** The fields as aligned text: `path  type  range  unit  default  description`. */
export function formatFieldHelp(fields: readonly FieldHelp[]): string {
  const rows = fields.map((f) => [f.path, f.type, f.range, f.unit, f.default === "" ? "" : `= ${f.default}`, f.description]);
  const widths = [0, 1, 2, 3, 4].map((c) => Math.min(36, Math.max(...rows.map((r) => r[c]!.length))));
  return rows
    .map((r) =>
      r
        .map((cell, c) => (c < 5 ? cell.padEnd(widths[c]!) : cell))
        .join("  ")
        .trimEnd(),
    )
    .join("\n");
}
