/**
 * The Experiment form's text views: the config as YAML or JSON to read, copy or paste. Parsing
 * accepts either (JSON is YAML) and keeps numbers, booleans and null typed, so a config pasted
 * here and the form round-trip to the same object.
 */
import { parse, stringify } from "yaml";

export type ConfigTextFormat = "yaml" | "json";

export function configToText(config: unknown, format: ConfigTextFormat): string {
  return format === "json" ? `${JSON.stringify(config, null, 2)}\n` : stringify(config, { indent: 2, lineWidth: 0 });
}

/** The pasted config, or an error naming the line when the text is not YAML/JSON or not an object. */
export function parseConfigText(text: string): { config: Record<string, unknown> } | { error: string } {
  let value: unknown;
  try {
    value = parse(text, { prettyErrors: true });
  } catch (err) {
    return { error: err instanceof Error ? err.message : String(err) };
  }
  if (value === null || typeof value !== "object" || Array.isArray(value))
    return { error: "The config must be a mapping of fields (e.g. `steps: 10`), not a list or a single value." };
  return { config: value as Record<string, unknown> };
}
