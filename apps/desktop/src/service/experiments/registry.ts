/**
 * The experiment kinds the application runs: libs/objectives' registry of kinds (the science) plus
 * the application's own diagnostic kinds, and any extra kinds a caller registers (a test's toy
 * kind). For each kind it validates configs at submission (so a bad config fails at the call, not
 * minutes later in a worker) and names the module the run's worker loads.
 *
 * Two module contracts exist. A kind declared in libs/objectives exports `run(config, context)`
 * against objectives' ExperimentContext (runtime, sink, ...); the worker loads it through
 * kind-adapter.ts, which builds that context from the worker's. A "worker kind" exports `run`
 * against the worker's own context (runs/experiment.ts) and is loaded directly: the diagnostic
 * counter, and bon-study's storing module (service/experiments/bon-study.ts).
 */
import {
  ConfigError,
  expandGrid,
  kindRegistry,
  parsePath,
  requirePath,
  type ExperimentKind,
  type GridAxis,
  type GridPoint,
  type KindDescription,
  type KindRegistry,
} from "@goodhart/objectives";
import type { ExperimentKindDto, KindDto, PresetDto } from "../../shared/dto.ts";
import { LabValidationError } from "../../shared/errors.ts";
import { planBonStudy, type PlannedRun } from "./bon-study-plan.ts";
import { diagnosticCounterKind } from "./diagnostic-counter-kind.ts";

/** A kind whose module speaks the worker's context directly, or a worker module for an existing kind. */
export interface WorkerKind {
  kind: ExperimentKind<any>;
  /** file: URL of the module exporting `run(config, context)` against runs/experiment.ts's context. */
  workerModule: string;
  /** Splits a validated config into runs, one per grid point (absent: the config is one run). */
  plan?: (config: Record<string, unknown>) => PlannedRun[];
}

/** A kind as the service executes it: its declaration, the module the worker loads, its planner. */
export type AppKind = ExperimentKind<any> & {
  /** The kind's id (the name experiments store). */
  kind: string;
  /** What the worker imports (not the declaration's `module` for library kinds: see adaptedModule). */
  module: string;
  plan?: (config: Record<string, unknown>) => PlannedRun[];
};

export interface ExperimentRegistryOptions {
  /** Kinds written against libs/objectives' context, added to the library's (e.g. a test's toy kind). */
  kinds?: readonly ExperimentKind<any>[];
  /** Kinds (or worker modules of library kinds) that speak the worker's context. */
  workerKinds?: readonly WorkerKind[];
  /** The library registry to start from (default: every kind libs/objectives provides). */
  base?: KindRegistry;
}

/** The application's worker kinds: the diagnostic counter, and bon-study's module that stores its results. */
export const builtinWorkerKinds: readonly WorkerKind[] = [{ kind: diagnosticCounterKind, workerModule: diagnosticCounterKind.module }];

const KIND_ADAPTER = new URL("./kind-adapter.ts", import.meta.url).href;

/**
 * The module a worker imports to run a library kind: a two-line ES module (as a data: URL, so no
 * file per kind is needed) that hands the kind's module to the adapter.
 */
export function adaptedModule(kindModule: string): string {
  const source = `import { runKindModule } from ${JSON.stringify(KIND_ADAPTER)};\nexport const run = (config, context) => runKindModule(${JSON.stringify(kindModule)}, config, context);\n`;
  return `data:text/javascript,${encodeURIComponent(source)}`;
}

/** Turns ConfigErrors of the library into the LabApi's validation errors. */
function asValidation<T>(fn: () => T, what: string): T {
  try {
    return fn();
  } catch (err) {
    if (err instanceof ConfigError) {
      throw new LabValidationError(`${what}: ${err.issues.map((i) => `${i.path || "(config)"}: ${i.message}`).join("; ")}`);
    }
    throw err;
  }
}

/** Looks kinds up, validates their configs and names their worker modules. */
export class ExperimentRegistry {
  readonly kinds: KindRegistry;
  readonly #workerKinds = new Map<string, WorkerKind>();

  constructor(options: ExperimentRegistryOptions = {}) {
    const base = options.base ?? kindRegistry;
    const workerKinds = [
      ...builtinWorkerKinds,
      // bon-study's results (curves per member and aggregation, fits) are stored by this module.
      ...(base.has("bon-study")
        ? [{ kind: base.get("bon-study"), workerModule: new URL("./bon-study.ts", import.meta.url).href, plan: planBonStudy }]
        : []),
      ...(options.workerKinds ?? []),
    ];
    const added = [...(options.kinds ?? []), ...workerKinds.map((w) => w.kind).filter((k) => !base.has(k.id))];
    this.kinds = base.with(added.filter((k, i) => added.findIndex((x) => x.id === k.id) === i));
    for (const w of workerKinds) this.#workerKinds.set(w.kind.id, w);
  }

  /** @throws LabValidationError naming the known kinds */
  get(kindId: string): AppKind {
    const definition = asValidation(() => this.kinds.get(kindId), `Unknown experiment kind '${kindId}'`);
    const worker = this.#workerKinds.get(kindId);
    return {
      ...definition,
      kind: definition.id,
      module: worker?.workerModule ?? adaptedModule(definition.module),
      // A worker kind's planner, else the kind's own (library kinds with grid points: one run each).
      ...(worker?.plan ? { plan: worker.plan } : definition.plan ? { plan: (c: Record<string, unknown>) => definition.plan!(c) } : {}),
    };
  }

  /**
   * The config with defaults applied, or a LabValidationError naming each field. An empty config
   * means the kind's default preset (what a fresh form shows).
   */
  parseConfig(kindId: string, config: unknown): Record<string, unknown> {
    this.get(kindId);
    const empty = typeof config === "object" && config !== null && Object.keys(config).length === 0;
    return asValidation(
      () => (empty ? this.kinds.defaultConfig(kindId) : this.kinds.parse(kindId, config ?? {})),
      `Invalid config for experiment kind '${kindId}'`,
    );
  }

  /** Every kind as the LabApi describes it. */
  describeAll(): KindDto[] {
    return this.kinds.list().map((k) => this.kinds.describe(k.id) as KindDescription as KindDto);
  }

  presets(kindId?: string): PresetDto[] {
    if (kindId !== undefined) this.get(kindId);
    return this.kinds.presets(kindId).map(({ kind, preset: { requires, ...preset } }) => ({
      ...structuredClone(preset),
      papers: [...preset.papers],
      datasets: [...preset.datasets],
      ...(requires ? { requires: requires.map((r) => ({ ...r })) } : {}),
      kind,
      config: presetConfigWithoutRequired(this.kinds, preset.name),
    }));
  }

  /** The points of a sweep grid over a kind's config; every path must name a field of its schema. */
  expand(kindId: string, axes: readonly GridAxis[]): GridPoint[] {
    const schema = this.get(kindId).schema.describe();
    for (const axis of axes) asValidation(() => requirePath(schema, axis.path), `Invalid sweep for experiment kind '${kindId}'`);
    return expandGrid(axes);
  }

  /** The module the run's worker imports for a kind. */
  workerModule(kindId: string): string {
    return this.get(kindId).module;
  }

  /** Every kind as the service executes it. */
  appKinds(): AppKind[] {
    return this.kinds.list().map((k) => this.get(k.id));
  }

  /** The older flat listing (`experiments.kinds`): one explanation per dotted parameter path. */
  list(): ExperimentKindDto[] {
    return this.describeAll().map((k) => ({
      kind: k.id,
      title: k.title,
      description: k.description,
      diagnostic: k.diagnostic,
      defaultConfig: k.defaultConfig,
      parameters: parameterLines(k.configSchema),
    }));
  }
}

/**
 * The full config a preset stands for; a field the preset requires (a dataset id) is left out, for
 * the user to fill. Validated with the requirement's example in place.
 */
function presetConfigWithoutRequired(kinds: KindRegistry, name: string): Record<string, unknown> {
  const { preset } = kinds.preset(name);
  const { config } = kinds.presetExample(name);
  for (const r of preset.requires ?? []) {
    const parts = parsePath(r.path);
    let node: unknown = config;
    for (const part of parts.slice(0, -1)) node = (node as Record<string | number, unknown> | undefined)?.[part];
    if (typeof node === "object" && node !== null) delete (node as Record<string | number, unknown>)[parts[parts.length - 1]!];
  }
  return config;
}

/** "path: description" for every described field, objects first-level and nested, in schema order. */
function parameterLines(schema: Record<string, unknown>, prefix = ""): { path: string; description: string }[] {
  const out: { path: string; description: string }[] = [];
  const properties = (schema.properties ?? {}) as Record<string, Record<string, unknown>>;
  for (const [key, child] of Object.entries(properties)) {
    const path = prefix ? `${prefix}.${key}` : key;
    const unit = typeof child.unit === "string" ? ` (${child.unit})` : "";
    if (typeof child.description === "string") out.push({ path, description: `${child.description}${unit}` });
    if (child.properties) out.push(...parameterLines(child, path));
  }
  return out;
}

/** The kinds a default registry executes (tests pick worker modules from here). */
export const builtinExperimentKinds: readonly AppKind[] = new ExperimentRegistry().appKinds();
