/**
 * Reading experiment configs from JSON or YAML texts, and the best-of-n study's shorthands.
 */
import { parse as parseYaml } from "yaml";
import type { BonStudyConfig } from "../kinds/bon-study/schema.ts";
import { kindRegistry } from "../kinds/registry.ts";
import { ConfigError } from "./validate.ts";

/**
 * Validates a study config object, filling missing fields from the preset it names
 * (`preset: "gao-bon-small"`) or from DEFAULT_BON_STUDY.
 *
 * @param source where the config came from (a file name), quoted in errors
 * @throws ConfigError listing every problem with its field path
 */
export function parseBonStudy(input: unknown, source?: string): BonStudyConfig {
  return kindRegistry.parse<BonStudyConfig>("bon-study", input, source);
}

/** Text formats a config file can be in. */
export type ConfigFormat = "json" | "yaml";

function lineAndColumn(text: string, position: number): string {
  const before = text.slice(0, position);
  const line = before.split("\n").length;
  return `line ${line}, column ${position - before.lastIndexOf("\n")}`;
}

/**
 * Where JSON.parse first fails: the shortest prefix that fails for a reason other than ending early.
 * (Node's message gives a position for some errors only.)
 */
function jsonErrorPosition(text: string, message: string): number {
  const stated = message.match(/at position (\d+)/);
  if (stated) return Number(stated[1]);
  const failsInside = (k: number) => {
    try {
      JSON.parse(text.slice(0, k));
      return false;
    } catch (err) {
      const m = String(err);
      if (/end of JSON input/i.test(m)) return false;
      const at = m.match(/at position (\d+)/);
      return at ? Number(at[1]) < k : true;
    }
  };
  let lo = 0;
  let hi = text.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (failsInside(mid + 1)) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

/**
 * Reads a config document from text (not yet validated; an empty document is `{}`). The format is
 * `options.format`, else the source's extension (.json, .yaml, .yml), else JSON when the text
 * starts with "{" and YAML otherwise.
 *
 * @throws ConfigError with the line and column of a syntax error
 */
export function parseConfigText(text: string, options: { source?: string; format?: ConfigFormat } = {}): unknown {
  const { source } = options;
  const ext = source?.toLowerCase().match(/\.(json|ya?ml)$/)?.[1];
  const format: ConfigFormat =
    options.format ?? (ext === "json" ? "json" : ext ? "yaml" : text.trimStart().startsWith("{") ? "json" : "yaml");
  let value: unknown;
  try {
    value = format === "json" ? JSON.parse(text) : parseYaml(text, { prettyErrors: true });
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    const where = format === "json" ? ` at ${lineAndColumn(text, jsonErrorPosition(text, message))}` : "";
    throw new ConfigError([{ path: "", message: `not valid ${format.toUpperCase()}${where}: ${message.split("\n")[0]}` }], source);
  }
  return value === null || value === undefined ? {} : value;
}

/** Parses and validates a study config from text (see parseConfigText for the format). */
export function parseBonStudyText(text: string, options: { source?: string; format?: ConfigFormat } = {}): BonStudyConfig {
  return parseBonStudy(parseConfigText(text, options), options.source);
}
