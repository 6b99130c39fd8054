/**
 * What `goodhart run` executes: a kind and its validated config, resolved from a config file, a
 * preset and `--set path=value` overrides, in that order of precedence (later wins):
 *
 *   kind defaults <- preset (--preset, or the file's `preset:`) <- the file's fields <- --set
 *
 * A config file may name its `kind:` (default: bon-study, the kind every older study file is for)
 * and its `preset:`. `--set` values are JSON when they parse as JSON (`3`, `[0, 0.25]`, `true`,
 * `"x"`) and plain strings otherwise; a path the kind's schema does not have is refused naming the
 * nearest valid ones. The result is validated once, here; the service stores it as is.
 */
import { readFileSync } from "node:fs";
import { ConfigError, isBonStudyJob, parseConfigText, parsePath, requirePath, setAt } from "@goodhart/objectives";
import { ExperimentRegistry } from "../service/experiments/registry.ts";

/** The kind a config file is for when it does not say. */
export const DEFAULT_KIND = "bon-study";

export interface RunConfigRequest {
  /** A JSON or YAML config file. */
  file?: string;
  /** A preset name (any kind's; `goodhart presets` lists them). */
  preset?: string;
  /** The kind, when neither the file nor the preset says. */
  kind?: string;
  /** `path=value` overrides, applied in order. */
  set?: readonly string[];
}

export interface ResolvedRunConfig {
  kind: string;
  /** Validated, every default filled. */
  config: Record<string, unknown>;
  /** Where it came from, for messages: "study.yaml + preset quick-demo + 2 --set". */
  source: string;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

/** `a.b=v` -> path and value (JSON when it parses, else the text). */
export function parseSetOption(option: string): { path: string; value: unknown } {
  const eq = option.indexOf("=");
  if (eq <= 0) throw new ConfigError([{ path: option, message: "expected --set path=value, e.g. --set bon.poolSize=256" }], "--set");
  const text = option.slice(eq + 1);
  let value: unknown = text;
  try {
    value = JSON.parse(text);
  } catch {
    // Not JSON: the text itself (e.g. --set name=my-study).
  }
  return { path: option.slice(0, eq).trim(), value };
}

function readConfigFile(file: string): Record<string, unknown> {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (err) {
    throw new ConfigError([{ path: "", message: `cannot read the file: ${(err as NodeJS.ErrnoException).code ?? String(err)}` }], file);
  }
  const doc = parseConfigText(text, { source: file });
  if (!isObject(doc))
    throw new ConfigError([{ path: "", message: "expected a config object (fields and values) at the top of the file" }], file);
  return doc;
}

/**
 * Resolves a run's kind and config.
 *
 * @throws ConfigError naming the file (or "--preset", "--set") and each bad field
 */
export function resolveRunConfig(request: RunConfigRequest, registry: ExperimentRegistry = new ExperimentRegistry()): ResolvedRunConfig {
  const kinds = registry.kinds;
  const { kind: fileKind, preset: filePreset, ...body } = request.file ? readConfigFile(request.file) : ({} as Record<string, unknown>);
  const source = request.file ?? (request.preset ? `--preset ${request.preset}` : "--set");
  for (const [name, value] of [
    ["kind", fileKind],
    ["preset", filePreset],
  ] as const) {
    if (value !== undefined && typeof value !== "string")
      throw new ConfigError([{ path: name, message: `expected a name, got ${JSON.stringify(value)}` }], source);
  }
  if (request.preset && filePreset && request.preset !== filePreset) {
    throw new ConfigError(
      [{ path: "preset", message: `the file names preset "${filePreset}" and --preset names "${request.preset}"; keep one` }],
      source,
    );
  }
  const presetName = (request.preset ?? filePreset) as string | undefined;
  const preset = presetName ? kinds.preset(presetName) : undefined;
  const kind = (request.kind ?? (fileKind as string | undefined) ?? preset?.kind ?? DEFAULT_KIND) as string;
  kinds.get(kind);
  if (preset && preset.kind !== kind) {
    throw new ConfigError([{ path: "preset", message: `preset "${preset.preset.name}" is for kind ${preset.kind}, not ${kind}` }], source);
  }

  const sets = (request.set ?? []).map(parseSetOption);
  // A field the preset requires (a dataset id) may come from --set: it must be there when the preset is applied.
  const first: Record<string, unknown> = presetName ? { preset: presetName, ...structuredClone(body) } : body;
  for (const r of preset?.preset.requires ?? []) {
    const given = sets.find((s) => s.path === r.path);
    if (given) setAt(first, parsePath(r.path), given.value, r.path);
  }
  let config = kinds.parse<Record<string, unknown>>(kind, first, source);
  if (sets.length > 0) {
    const schema = kinds.get(kind).schema.describe();
    // A sweep file's fields live under `study` (see bon-study's job.ts); --set edits the study.
    const target = isBonStudyJob(config) ? (config.study as unknown as Record<string, unknown>) : config;
    for (const { path, value } of sets) {
      try {
        setAt(target, requirePath(schema, path), value, path);
      } catch (err) {
        if (err instanceof ConfigError) throw new ConfigError(err.issues, "--set");
        throw err;
      }
    }
    config = kinds.parse(kind, config, `${source} with --set ${sets.map((s) => s.path).join(", ")}`);
  }
  const parts = [request.file, presetName && `preset ${presetName}`, sets.length > 0 && `${sets.length} --set`].filter(Boolean);
  return { kind, config, source: parts.join(" + ") || `${kind} defaults` };
}
