/**
 * A small schema validator for experiment configs: it fills documented defaults and reports every
 * problem with the field path ("proxySizes[1].layers") and what was expected, so a user editing a
 * YAML file can fix it in one pass.
 */

/** One problem found while validating. */
export interface ConfigIssue {
  /** Field path, e.g. "bon.ns[3]"; "" for the whole document. */
  path: string;
  message: string;
}

/** Thrown when a config is invalid; `issues` lists every problem. */
export class ConfigError extends Error {
  readonly issues: readonly ConfigIssue[];
  readonly source: string | undefined;

  constructor(issues: readonly ConfigIssue[], source?: string) {
    const where = source ? ` in ${source}` : "";
    const lines = issues.map((i) => `  ${i.path || "(document)"}: ${i.message}`);
    super(`Invalid experiment config${where}:\n${lines.join("\n")}`);
    this.name = "ConfigError";
    this.issues = issues;
    this.source = source;
  }
}

/**
 * What a schema tells a form, a help text or another program about its values: a JSON Schema
 * (draft 2020-12 keywords) plus `unit`, the physical or counting unit of a number ("comparisons",
 * "nats", "ms"). Generated from the same declaration that validates, so the two cannot drift.
 */
export interface JsonSchema {
  type?:
    "object" | "array" | "string" | "number" | "integer" | "boolean" | "null" | ("string" | "number" | "integer" | "boolean" | "null")[];
  title?: string;
  description?: string;
  unit?: string;
  default?: unknown;
  enum?: readonly unknown[];
  const?: unknown;
  minimum?: number;
  maximum?: number;
  exclusiveMaximum?: number;
  exclusiveMinimum?: number;
  minLength?: number;
  pattern?: string;
  items?: JsonSchema;
  minItems?: number;
  maxItems?: number;
  uniqueItems?: boolean;
  properties?: Record<string, JsonSchema>;
  required?: string[];
  additionalProperties?: boolean | JsonSchema;
  anyOf?: JsonSchema[];
  /** Cross-field rules the schema checks beyond the keywords above, in words. */
  constraints?: string[];
  /** The value names one of the lab's things: a form offers them in a select (see FieldMeta.picker). */
  picker?: FieldPicker;
}

/** What a field's value names in the lab: an imported dataset's id, a stored model. */
export type FieldPicker = "dataset" | "model";

/** A schema: checks a value at a path, returns the typed value or undefined after recording issues. */
export interface Schema<T> {
  parse(value: unknown, path: string, issues: ConfigIssue[]): T | undefined;
  /** Used for missing object fields; absent = required. */
  default?: () => T;
  /** The JSON description of accepted values (see JsonSchema). */
  describe(): JsonSchema;
}

export function describeValue(value: unknown): string {
  if (value === undefined) return "nothing";
  if (value === null) return "null";
  if (Array.isArray(value)) return "a list";
  if (typeof value === "object") return "an object";
  if (typeof value === "string") return `"${value}"`;
  return String(value);
}

export const join = (path: string, key: string | number) => (typeof key === "number" ? `${path}[${key}]` : path ? `${path}.${key}` : key);

export interface NumberRule {
  integer?: boolean;
  min?: number;
  max?: number;
  /** Strict upper bound. */
  below?: number;
  /** Strict lower bound. */
  above?: number;
}

export function num(rule: NumberRule = {}): Schema<number> {
  const kind = rule.integer ? "an integer" : "a number";
  const upper = rule.max !== undefined ? `${rule.max}]` : rule.below !== undefined ? `${rule.below})` : undefined;
  const lower = rule.min !== undefined ? `[${rule.min}` : rule.above !== undefined ? `(${rule.above}` : undefined;
  const expected =
    lower !== undefined && upper !== undefined
      ? `${kind} in ${lower}, ${upper}`
      : rule.min !== undefined
        ? `${kind} >= ${rule.min}`
        : rule.above !== undefined
          ? `${kind} > ${rule.above}`
          : rule.max !== undefined
            ? `${kind} <= ${rule.max}`
            : rule.below !== undefined
              ? `${kind} < ${rule.below}`
              : kind;
  return {
    parse(value, path, issues) {
      const ok =
        typeof value === "number" &&
        Number.isFinite(value) &&
        (!rule.integer || Number.isInteger(value)) &&
        (rule.min === undefined || value >= rule.min) &&
        (rule.above === undefined || value > rule.above) &&
        (rule.max === undefined || value <= rule.max) &&
        (rule.below === undefined || value < rule.below);
      if (!ok) {
        issues.push({ path, message: `expected ${expected}, got ${describeValue(value)}` });
        return undefined;
      }
      return value as number;
    },
    describe: () => ({
      type: rule.integer ? "integer" : "number",
      ...(rule.min !== undefined ? { minimum: rule.min } : {}),
      ...(rule.max !== undefined ? { maximum: rule.max } : {}),
      ...(rule.below !== undefined ? { exclusiveMaximum: rule.below } : {}),
      ...(rule.above !== undefined ? { exclusiveMinimum: rule.above } : {}),
    }),
  };
}

export function bool(): Schema<boolean> {
  return {
    parse(value, path, issues) {
      if (typeof value === "boolean") return value;
      issues.push({ path, message: `expected true or false, got ${describeValue(value)}` });
      return undefined;
    },
    describe: () => ({ type: "boolean" }),
  };
}

/** The schema, or null (e.g. "never" for an optional step number). */
export function nullable<T>(schema: Schema<T>): Schema<T | null> {
  return {
    parse(value, path, issues) {
      return value === null ? null : schema.parse(value, path, issues);
    },
    describe: () => ({ anyOf: [schema.describe(), { type: "null" }] }),
  };
}

export function str(rule: { oneOf?: readonly string[]; pattern?: RegExp; patternText?: string } = {}): Schema<string> {
  return {
    parse(value, path, issues) {
      if (typeof value !== "string" || value.length === 0) {
        issues.push({ path, message: `expected a non-empty string, got ${describeValue(value)}` });
        return undefined;
      }
      if (rule.oneOf && !rule.oneOf.includes(value)) {
        issues.push({ path, message: `expected one of ${rule.oneOf.map((v) => `"${v}"`).join(", ")}, got "${value}"` });
        return undefined;
      }
      if (rule.pattern && !rule.pattern.test(value)) {
        issues.push({ path, message: `expected ${rule.patternText ?? `a string matching ${rule.pattern}`}, got "${value}"` });
        return undefined;
      }
      return value;
    },
    describe: () => ({
      type: "string",
      minLength: 1,
      ...(rule.oneOf ? { enum: [...rule.oneOf] } : {}),
      ...(rule.pattern ? { pattern: rule.pattern.source } : {}),
    }),
  };
}

/** One of a few strings (an enum), typed as their union. */
export function oneOf<T extends string>(values: readonly T[]): Schema<T> {
  return str({ oneOf: values }) as Schema<T>;
}

export function list<T>(item: Schema<T>, rule: { minLength?: number; maxLength?: number; unique?: boolean } = {}): Schema<T[]> {
  return {
    parse(value, path, issues) {
      if (!Array.isArray(value)) {
        issues.push({ path, message: `expected a list, got ${describeValue(value)}` });
        return undefined;
      }
      const min = rule.minLength ?? 0;
      if (value.length < min) {
        issues.push({ path, message: `expected a list of at least ${min} item${min === 1 ? "" : "s"}, got ${value.length}` });
        return undefined;
      }
      if (rule.maxLength !== undefined && value.length > rule.maxLength) {
        issues.push({ path, message: `expected a list of at most ${rule.maxLength} items, got ${value.length}` });
        return undefined;
      }
      const before = issues.length;
      const out = value.map((v, i) => item.parse(v, join(path, i), issues));
      if (issues.length > before) return undefined;
      if (rule.unique) {
        const seen = new Set<string>();
        out.forEach((v, i) => {
          const key = JSON.stringify(v);
          if (seen.has(key)) issues.push({ path: join(path, i), message: `duplicate value ${key}; list items must be unique` });
          seen.add(key);
        });
        if (issues.length > before) return undefined;
      }
      return out as T[];
    },
    describe: () => ({
      type: "array",
      items: item.describe(),
      ...(rule.minLength !== undefined ? { minItems: rule.minLength } : {}),
      ...(rule.maxLength !== undefined ? { maxItems: rule.maxLength } : {}),
      ...(rule.unique ? { uniqueItems: true } : {}),
    }),
  };
}

/** An object with known fields; unknown fields are errors (they are usually typos). */
/** Every field of T, optional ones too (so a field added to T must be declared), with its schema. */
export type Shape<T> = { [K in keyof T]-?: Partial<Pick<T, K>> extends Pick<T, K> ? Schema<T[K] | undefined> : Schema<T[K]> };

export function obj<T extends object>(shape: Shape<T>): Schema<T> {
  return {
    parse(value, path, issues) {
      if (typeof value !== "object" || value === null || Array.isArray(value)) {
        issues.push({ path, message: `expected an object, got ${describeValue(value)}` });
        return undefined;
      }
      const input = value as Record<string, unknown>;
      const keys = Object.keys(shape) as (keyof T & string)[];
      for (const k of Object.keys(input)) {
        if (!(keys as string[]).includes(k)) {
          issues.push({ path: join(path, k), message: `unknown field; expected one of ${keys.join(", ")}` });
        }
      }
      const out: Partial<T> = {};
      const before = issues.length;
      for (const k of keys) {
        const schema = shape[k];
        if (input[k] === undefined) {
          if (schema.default) {
            const d = schema.default();
            if (d !== undefined) out[k] = d;
          } else issues.push({ path: join(path, k), message: "required field is missing" });
        } else {
          out[k] = schema.parse(input[k], join(path, k), issues);
        }
      }
      return issues.length > before ? undefined : (out as T);
    },
    describe() {
      const keys = Object.keys(shape) as (keyof T & string)[];
      const properties: Record<string, JsonSchema> = {};
      for (const k of keys) properties[k] = shape[k].describe();
      const required = keys.filter((k) => !shape[k].default);
      return { type: "object", properties, ...(required.length ? { required } : {}), additionalProperties: false };
    },
  };
}

/** The same schema with a default for when the field is missing (deep-copied on each use). */
export function withDefault<T>(schema: Schema<T>, value: T): Schema<T> {
  return {
    parse: schema.parse,
    default: () => structuredClone(value),
    describe: () => ({ ...schema.describe(), default: structuredClone(value) }),
  };
}

/** A field that may be left out (it is then absent from the parsed object). */
export function optional<T>(schema: Schema<T>): Schema<T | undefined> {
  return { parse: schema.parse, default: () => undefined, describe: () => schema.describe() };
}

/** An object whose keys are free (e.g. field paths) and whose values all follow one schema. */
export function record<T>(value: Schema<T>, keyRule: { description?: string } = {}): Schema<Record<string, T>> {
  return {
    parse(input, path, issues) {
      if (typeof input !== "object" || input === null || Array.isArray(input)) {
        issues.push({ path, message: `expected an object, got ${describeValue(input)}` });
        return undefined;
      }
      const before = issues.length;
      const out: Record<string, T> = {};
      for (const [k, v] of Object.entries(input)) out[k] = value.parse(v, join(path, k), issues) as T;
      return issues.length > before ? undefined : out;
    },
    describe: () => ({
      type: "object",
      additionalProperties: value.describe(),
      ...(keyRule.description ? { description: keyRule.description } : {}),
    }),
  };
}

/** What a field means, for forms and help: a sentence, a unit, a short title. */
export interface FieldMeta {
  description?: string;
  unit?: string;
  title?: string;
  /** A cross-field rule the schema checks (see refine), in words. */
  constraint?: string;
  /** The value names one of the lab's things (a dataset id): forms offer the lab's in a select. */
  picker?: FieldPicker;
}

/** The same schema with its meaning attached (shown in forms, CLI help and the JSON description). */
export function meta<T>(schema: Schema<T>, info: FieldMeta): Schema<T> {
  const { constraint, ...rest } = info;
  return {
    ...schema,
    describe: () => {
      const base = schema.describe();
      return { ...base, ...rest, ...(constraint ? { constraints: [...(base.constraints ?? []), constraint] } : {}) };
    },
  };
}

/** A schema checked by a custom function after the base schema passed. */
export function refine<T>(schema: Schema<T>, check: (value: T, path: string, issues: ConfigIssue[]) => void): Schema<T> {
  return {
    default: schema.default,
    describe: () => schema.describe(),
    parse(value, path, issues) {
      const before = issues.length;
      const out = schema.parse(value, path, issues);
      if (out === undefined || issues.length > before) return undefined;
      check(out, path, issues);
      return issues.length > before ? undefined : out;
    },
  };
}

/** Runs a schema on a whole document; throws ConfigError with every issue. */
export function validate<T>(schema: Schema<T>, value: unknown, source?: string): T {
  const issues: ConfigIssue[] = [];
  const out = schema.parse(value, "", issues);
  if (issues.length > 0 || out === undefined) throw new ConfigError(issues.length ? issues : [{ path: "", message: "invalid" }], source);
  return out;
}
