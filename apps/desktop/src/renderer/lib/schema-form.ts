/**
 * The Experiment form is generated from a kind's config schema (LabApi kinds.list: JSON Schema
 * keywords plus `unit`, as libs/objectives describes its validators). This module is the form's
 * logic without the DOM: which input a field gets, the defaults a new list item starts from, the
 * preset a form starts from, and the client-side check of a value against the schema - the same
 * rules the service applies, so most mistakes are shown at their field before anything is sent;
 * what only the service knows (cross-field rules) comes back as its message and is placed at the
 * field it names (`issuesFromServer`).
 */

/** The schema keywords the form understands (a subset of libs/objectives' JsonSchema). */
export interface FieldSchema {
  type?: string | string[];
  title?: string;
  description?: string;
  unit?: string;
  default?: unknown;
  enum?: readonly unknown[];
  const?: unknown;
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  exclusiveMaximum?: number;
  minLength?: number;
  pattern?: string;
  items?: FieldSchema;
  minItems?: number;
  maxItems?: number;
  uniqueItems?: boolean;
  properties?: Record<string, FieldSchema>;
  required?: string[];
  additionalProperties?: boolean | FieldSchema;
  anyOf?: FieldSchema[];
  constraints?: string[];
  /** The value names one of the lab's things (a dataset id): the form offers them in a select. */
  picker?: "dataset" | "model";
}

/** The input a field gets. `json`: a text box holding JSON, for shapes the form has no widget for (free-key maps). */
export type FieldKind = "object" | "list" | "integer" | "number" | "boolean" | "enum" | "const" | "string" | "null" | "variant" | "json";

export function fieldKind(schema: FieldSchema): FieldKind {
  if (schema.anyOf) return "variant";
  if (schema.const !== undefined) return "const";
  if (schema.enum) return "enum";
  const type = Array.isArray(schema.type) ? schema.type[0] : schema.type;
  switch (type) {
    case "object":
      return schema.properties ? "object" : "json";
    case "array":
      return "list";
    case "integer":
      return "integer";
    case "number":
      return "number";
    case "boolean":
      return "boolean";
    case "string":
      return "string";
    case "null":
      return "null";
    default:
      return "json";
  }
}

/** `a.b`, `a[2]`: the path syntax of the service's messages. */
export function joinPath(parent: string, key: string | number): string {
  if (typeof key === "number") return `${parent}[${key}]`;
  return parent ? `${parent}.${key}` : key;
}

/** A short label for a variant of an `anyOf` (shown in its picker). */
export function variantLabel(schema: FieldSchema): string {
  if (schema.title) return schema.title;
  if (schema.const !== undefined) return JSON.stringify(schema.const);
  const kind = fieldKind(schema);
  if (kind === "enum") return schema.enum!.map((v) => String(v)).join(" | ");
  if (kind === "object") {
    const k = schema.properties?.kind;
    if (k?.const !== undefined) return `{kind: ${JSON.stringify(k.const)}, …}`;
    if (k?.enum) return `{kind: ${k.enum.join(" | ")}}`;
    return "object";
  }
  if (kind === "list") return `list of ${schema.items ? variantLabel(schema.items) : "values"}`;
  if (kind === "null") return "none";
  return kind;
}

/** The first variant the value satisfies (by the checks below), else the first whose JSON type matches, else 0. */
export function variantIndex(variants: readonly FieldSchema[], value: unknown): number {
  const exact = variants.findIndex((v) => checkValue(v, value, "").length === 0);
  if (exact >= 0) return exact;
  const typed = variants.findIndex((v) => typeMatches(v, value));
  return typed >= 0 ? typed : 0;
}

function typeMatches(schema: FieldSchema, value: unknown): boolean {
  switch (fieldKind(schema)) {
    case "object":
    case "json":
      return typeof value === "object" && value !== null && !Array.isArray(value);
    case "list":
      return Array.isArray(value);
    case "integer":
    case "number":
      return typeof value === "number";
    case "boolean":
      return typeof value === "boolean";
    case "null":
      return value === null;
    default:
      return typeof value === "string";
  }
}

/** A fresh value for a field: its default, else an empty value of its kind (objects filled field by field). */
export function emptyValue(schema: FieldSchema): unknown {
  if (schema.default !== undefined) return structuredClone(schema.default);
  switch (fieldKind(schema)) {
    case "object":
      return Object.fromEntries(
        Object.entries(schema.properties ?? {})
          .map(([k, s]) => [k, emptyValue(s)])
          .filter(([, v]) => v !== undefined),
      );
    case "list":
      return [];
    case "variant":
      return emptyValue(schema.anyOf![0]!);
    case "const":
      return schema.const;
    case "enum":
      return schema.enum![0];
    case "boolean":
      return false;
    case "null":
      return null;
    case "json":
      return {};
    default:
      return undefined;
  }
}

/** A new list item: a copy of the last one when there is one (the usual next row), else an empty item. */
export function newItem(list: readonly unknown[], items: FieldSchema | undefined): unknown {
  if (list.length > 0) return structuredClone(list[list.length - 1]);
  return items ? emptyValue(items) : null;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

/** Overrides on top of a base config: objects merge, lists and scalars replace (as presets do). */
export function mergeConfig(base: unknown, overrides: unknown): unknown {
  if (!isObject(base) || !isObject(overrides)) return structuredClone(overrides);
  const out: Record<string, unknown> = structuredClone(base);
  for (const [k, v] of Object.entries(overrides)) out[k] = k in out ? mergeConfig(out[k], v) : structuredClone(v);
  return out;
}

/** The config a preset stands for: the schema's defaults with its overrides. */
export function presetConfig(schema: FieldSchema, overrides: Record<string, unknown>): Record<string, unknown> {
  return mergeConfig(emptyValue(schema), overrides) as Record<string, unknown>;
}

function describe(value: unknown): string {
  if (value === undefined) return "nothing";
  if (typeof value === "string") return value === "" ? "an empty text" : `"${value}"`;
  return JSON.stringify(value);
}

/** One problem at a field path. */
export interface FieldIssue {
  path: string;
  message: string;
}

/** Checks a value against the schema; every problem with the path of its field. */
export function checkValue(schema: FieldSchema, value: unknown, path: string): FieldIssue[] {
  const issues: FieldIssue[] = [];
  const add = (message: string, at = path) => issues.push({ path: at, message });
  const kind = fieldKind(schema);
  if (value === undefined) {
    add("required field is missing");
    return issues;
  }
  switch (kind) {
    case "variant": {
      const results = schema.anyOf!.map((v) => checkValue(v, value, path));
      if (results.some((r) => r.length === 0)) return issues;
      const typed = schema.anyOf!.findIndex((v) => typeMatches(v, value));
      if (typed >= 0) return results[typed]!;
      add(`expected ${schema.anyOf!.map(variantLabel).join(" or ")}, got ${describe(value)}`);
      return issues;
    }
    case "const":
      if (value !== schema.const) add(`expected ${JSON.stringify(schema.const)}, got ${describe(value)}`);
      return issues;
    case "enum":
      if (!schema.enum!.includes(value))
        add(`expected one of ${schema.enum!.map((v) => JSON.stringify(v)).join(", ")}, got ${describe(value)}`);
      return issues;
    case "integer":
    case "number": {
      const what = kind === "integer" ? "an integer" : "a number";
      if (typeof value !== "number" || !Number.isFinite(value) || (kind === "integer" && !Number.isInteger(value))) {
        add(`expected ${what}, got ${describe(value)}`);
      } else if (schema.minimum !== undefined && value < schema.minimum) add(`expected ${what} ≥ ${schema.minimum}, got ${value}`);
      else if (schema.maximum !== undefined && value > schema.maximum) add(`expected ${what} ≤ ${schema.maximum}, got ${value}`);
      else if (schema.exclusiveMinimum !== undefined && value <= schema.exclusiveMinimum)
        add(`expected ${what} > ${schema.exclusiveMinimum}, got ${value}`);
      else if (schema.exclusiveMaximum !== undefined && value >= schema.exclusiveMaximum)
        add(`expected ${what} < ${schema.exclusiveMaximum}, got ${value}`);
      return issues;
    }
    case "boolean":
      if (typeof value !== "boolean") add(`expected true or false, got ${describe(value)}`);
      return issues;
    case "null":
      if (value !== null) add(`expected none, got ${describe(value)}`);
      return issues;
    case "string":
      if (typeof value !== "string" || value.length < (schema.minLength ?? 0)) add(`expected a non-empty text, got ${describe(value)}`);
      else if (schema.pattern && !new RegExp(schema.pattern).test(value))
        add(`expected a text matching ${schema.pattern}, got ${describe(value)}`);
      return issues;
    case "list": {
      if (!Array.isArray(value)) {
        add(`expected a list, got ${describe(value)}`);
        return issues;
      }
      if (schema.minItems !== undefined && value.length < schema.minItems)
        add(`expected at least ${schema.minItems} item${schema.minItems === 1 ? "" : "s"}, got ${value.length}`);
      if (schema.maxItems !== undefined && value.length > schema.maxItems)
        add(`expected at most ${schema.maxItems} items, got ${value.length}`);
      if (schema.items) value.forEach((v, i) => issues.push(...checkValue(schema.items!, v, joinPath(path, i))));
      if (schema.uniqueItems) {
        const seen = new Set<string>();
        value.forEach((v, i) => {
          const key = JSON.stringify(v);
          if (seen.has(key)) add(`duplicate value ${key}; list items must be unique`, joinPath(path, i));
          seen.add(key);
        });
      }
      return issues;
    }
    case "object": {
      if (!isObject(value)) {
        add(`expected an object, got ${describe(value)}`);
        return issues;
      }
      const props = schema.properties ?? {};
      for (const k of Object.keys(value))
        if (!(k in props) && schema.additionalProperties === false)
          add(`unknown field; expected one of ${Object.keys(props).join(", ")}`, joinPath(path, k));
      for (const [k, s] of Object.entries(props)) {
        if (value[k] === undefined) {
          if (schema.required?.includes(k)) add("required field is missing", joinPath(path, k));
        } else issues.push(...checkValue(s, value[k], joinPath(path, k)));
      }
      return issues;
    }
    default:
      if (!isObject(value)) add(`expected an object, got ${describe(value)}`);
      return issues;
  }
}

/**
 * The service's validation message split into field issues. Its form is
 * `<what>: <path>: <message>; <path>: <message>`; a part naming no field of the form stays general.
 */
export function issuesFromServer(message: string, knownPaths: readonly string[]): { fields: FieldIssue[]; general: string[] } {
  const fields: FieldIssue[] = [];
  const general: string[] = [];
  const paths = [...knownPaths].sort((a, b) => b.length - a.length);
  for (const part of message.split(/;\s+/)) {
    const path = paths.find((p) => part.startsWith(`${p}: `) || part.includes(`: ${p}: `) || part.includes(` ${p}: `));
    if (path) fields.push({ path, message: part.slice(part.indexOf(`${path}: `) + path.length + 2).trim() });
    else general.push(part.trim());
  }
  return { fields, general };
}
