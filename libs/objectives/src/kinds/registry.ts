/**
 * The registry of experiment kinds: one list, read by the CLI (`goodhart kinds`, `presets`, `run
 * --preset`), the application's service (LabApi `kinds.list`, config validation at submission) and
 * through LabApi the UI. Adding a kind = its folder under kinds/ plus one line in BUILTIN_KINDS.
 */
import { deepMerge, parsePath, setAt } from "../config/paths.ts";
import { ConfigError, describeValue, validate } from "../config/validate.ts";
import { bonStudyKind } from "./bon-study/kind.ts";
import { rlStudyKind } from "./rl/kind.ts";
import { daaKind } from "./daa/kind.ts";
import { dmoermKind } from "./dmoerm/kind.ts";
import { constrainedRlhfKind } from "./constrained/kind.ts";
import type { ExperimentKind, KindDescription, KindPreset, PresetRequirement } from "./kind.ts";

/** Every kind this library provides, in the order lists show them. */
export const BUILTIN_KINDS: readonly ExperimentKind<any>[] = [bonStudyKind, daaKind, rlStudyKind, constrainedRlhfKind, dmoermKind];

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

/** The value at a dotted path of plain objects (undefined when any part is missing). */
function valueAt(value: unknown, path: string): unknown {
  let node = value;
  for (const part of parsePath(path))
    node = isObject(node) || Array.isArray(node) ? (node as Record<string | number, unknown>)[part] : undefined;
  return node;
}

function requirementIssue(preset: string, r: PresetRequirement): { path: string; message: string } {
  return { path: r.path, message: `preset "${preset}" needs ${r.description} here (e.g. --set ${r.path}=${JSON.stringify(r.example)})` };
}

export class KindRegistry {
  readonly #kinds = new Map<string, ExperimentKind<any>>();
  readonly #presets = new Map<string, { kind: string; preset: KindPreset }>();

  /** @throws Error when a kind id or a preset name appears twice, or a default preset is missing */
  constructor(kinds: readonly ExperimentKind<any>[] = BUILTIN_KINDS) {
    for (const kind of kinds) {
      if (this.#kinds.has(kind.id)) throw new Error(`experiment kind '${kind.id}' is registered twice`);
      this.#kinds.set(kind.id, kind);
      for (const preset of kind.presets) {
        const other = this.#presets.get(preset.name);
        if (other) throw new Error(`preset '${preset.name}' of kind '${kind.id}' has the name of a preset of kind '${other.kind}'`);
        this.#presets.set(preset.name, { kind: kind.id, preset });
      }
      if (kind.defaultPreset && !kind.presets.some((p) => p.name === kind.defaultPreset)) {
        throw new Error(`kind '${kind.id}': default preset '${kind.defaultPreset}' is not one of its presets`);
      }
    }
  }

  /** A registry with these kinds added (e.g. the application's diagnostic kinds, a test's toy kind). */
  with(kinds: readonly ExperimentKind<any>[]): KindRegistry {
    return new KindRegistry([...this.#kinds.values(), ...kinds]);
  }

  list(): ExperimentKind<any>[] {
    return [...this.#kinds.values()];
  }

  has(id: string): boolean {
    return this.#kinds.has(id);
  }

  /** @throws ConfigError naming the known kinds */
  get(id: string): ExperimentKind<any> {
    const kind = this.#kinds.get(id);
    if (!kind)
      throw new ConfigError([
        { path: "kind", message: `unknown experiment kind ${describeValue(id)}; known kinds: ${[...this.#kinds.keys()].join(", ")}` },
      ]);
    return kind;
  }

  /** Presets of one kind, or of every kind, each with its kind. */
  presets(kindId?: string): { kind: string; preset: KindPreset }[] {
    if (kindId !== undefined) this.get(kindId);
    return [...this.#presets.values()].filter((p) => kindId === undefined || p.kind === kindId);
  }

  /** @throws ConfigError naming the known presets (of the kind, when given) */
  preset(name: string, kindId?: string): { kind: string; preset: KindPreset } {
    const found = this.#presets.get(name);
    if (!found || (kindId !== undefined && found.kind !== kindId)) {
      const known = this.presets(kindId).map((p) => `"${p.preset.name}"`);
      throw new ConfigError([{ path: "preset", message: `expected one of ${known.join(", ")}, got ${describeValue(name)}` }]);
    }
    return found;
  }

  /**
   * Validates a config of a kind, filling every missing field from the preset it names
   * (`preset: "quick-demo"`) or else from the schema's defaults. Lists in the config replace the
   * preset's; objects merge field by field.
   *
   * @param source where the config came from (a file name), quoted in errors
   * @throws ConfigError listing every problem with its field path
   */
  parse<C = Record<string, unknown>>(kindId: string, input: unknown, source?: string): C {
    const kind = this.get(kindId);
    let body = input;
    if (isObject(input) && "preset" in input) {
      const { preset, ...rest } = input;
      let found: { preset: KindPreset };
      try {
        found = this.preset(typeof preset === "string" ? preset : String(describeValue(preset)), kindId);
      } catch (err) {
        if (err instanceof ConfigError) throw new ConfigError(err.issues, source);
        throw err;
      }
      body = deepMerge(found.preset.overrides, rest);
      const missing = (found.preset.requires ?? []).filter((r) => valueAt(body, r.path) === undefined);
      if (missing.length > 0)
        throw new ConfigError(
          missing.map((r) => requirementIssue(found.preset.name, r)),
          source,
        );
    }
    return validate(kind.schema, body, source) as C;
  }

  /**
   * The config a preset stands for with its required fields set to their examples: how a preset
   * that needs the user's data (`requires`) is validated on its own. Not a config to run.
   */
  presetExample(name: string): { kind: string; config: Record<string, unknown> } {
    const { kind, preset } = this.preset(name);
    const body: Record<string, unknown> = { preset: name };
    for (const r of preset.requires ?? []) setAt(body, parsePath(r.path), r.example, r.path);
    return { kind, config: this.parse(kind, body) };
  }

  /** What a fresh form shows and an empty config means: the default preset, else the schema's defaults. */
  defaultConfig(kindId: string): Record<string, unknown> {
    const kind = this.get(kindId);
    return this.parse(kindId, kind.defaultPreset ? { preset: kind.defaultPreset } : {});
  }

  /** The full config a preset stands for. */
  presetConfig(name: string): { kind: string; config: Record<string, unknown> } {
    const { kind } = this.preset(name);
    return { kind, config: this.parse(kind, { preset: name }) };
  }

  /** A kind as plain data (JSON): what forms, help texts and chart layouts are generated from. */
  describe(kindId: string): KindDescription {
    const k = this.get(kindId);
    return {
      id: k.id,
      title: k.title,
      description: k.description,
      diagnostic: k.diagnostic,
      configSchema: k.schema.describe(),
      defaultConfig: this.defaultConfig(kindId),
      presets: structuredClone(k.presets) as KindPreset[],
      series: structuredClone(k.series),
      metrics: structuredClone(k.metrics),
      views: structuredClone(k.views),
    };
  }
}

/** The kinds this library provides. */
export const kindRegistry = new KindRegistry();
