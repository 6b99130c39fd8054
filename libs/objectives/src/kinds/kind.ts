/**
 * What an experiment kind declares (DESIGN.md section 3, "Experiments are plug-ins"). A kind is
 * data plus one module: the registry, the CLI, the LabApi and the UI derive everything else
 * (validation, defaults, forms, help, preset lists, chart layout) from this declaration.
 */
import type { JsonSchema, Schema } from "../config/validate.ts";

/** A named starting point: the kind's defaults with some fields changed. */
export interface KindPreset {
  /** Unique across all kinds, so `--preset NAME` needs no kind. Letters, digits, - and _. */
  name: string;
  title: string;
  description: string;
  /** The papers whose setup it reproduces, as short citations ("Gao et al. 2023"). */
  papers: readonly string[];
  /** Datasets it suits: "builtin" for the built-in task, or dataset formats/kinds it expects. */
  datasets: readonly string[];
  /** Fields that differ from the kind's defaults (deep-merged: objects merge, lists replace). */
  overrides: Record<string, unknown>;
  /**
   * Fields the preset cannot fill and a config using it must (the id of an imported dataset): a
   * config without one is refused naming the field. The preset validates on its own with each
   * field's `example` in place.
   */
  requires?: readonly PresetRequirement[];
}

/** A field a preset leaves to the user (see KindPreset.requires). */
export interface PresetRequirement {
  /** Dotted path of the field, e.g. "task.dataset.datasetId". */
  path: string;
  /** What to put there, for messages and forms ("the id of an imported dataset"). */
  description: string;
  /** A value of the right type the preset is validated with on its own (never run). */
  example: unknown;
}

/**
 * A family of curve series or metrics the kind produces. `pattern` matches names, with `*` for
 * any text ("member:*"); a run of a study with several grid points prefixes names with
 * "<grid point>/", which the pattern does not need to mention.
 */
export interface OutputSpec {
  pattern: string;
  title: string;
  /** Series/metrics of one group share a panel (small multiples) and a legend section. */
  group: string;
  unit?: string;
  description?: string;
}

/**
 * A declarative chart: what to plot, never how. `bar-at-max-x`: one bar per series matched by
 * `series`, its height the curve's `y` at the largest x, error bars from the point's standard
 * error when it has one, and the series matching `baseline` drawn as a reference line.
 * `curves`: y against x for the series of `group`.
 */
export type ChartSpec =
  | { type: "curves"; title: string; group: string; x: "sqrt-kl" | "kl" | "x"; y: "gold" | "proxy" | "gold-and-proxy" }
  | { type: "bar-at-max-x"; title: string; series: string; y: "gold" | "proxy"; errorBars: "se" | "none"; baseline?: string };

/**
 * A column of the kind's summary table. `result` is a dotted path into the run's result JSON where
 * `[]` stands for every item of a list ("runs[].series[].goldAtMaxN"): the table has one row per
 * item of the deepest list, and a column with a shorter list prefix repeats its parent's value.
 * `metric` is the last value of a metric of the run.
 */
export interface SummaryColumn {
  key: string;
  title: string;
  unit?: string;
  source: { result: string } | { metric: string };
  /** Its standard error, shown as "value ± se" (same path rules as `source`). */
  se?: { result: string };
}

/**
 * A column whose value is the result object at `path` (its `.mean`, or `.estimate` for an interval
 * estimate) shown with that object's `.se`.
 */
export function meanSeColumn(
  key: string,
  title: string,
  path: string,
  options: { unit?: string; value?: "mean" | "estimate" } = {},
): SummaryColumn {
  return {
    key,
    title,
    ...(options.unit ? { unit: options.unit } : {}),
    source: { result: `${path}.${options.value ?? "mean"}` },
    se: { result: `${path}.se` },
  };
}

export interface KindViews {
  /** The one chart a reader should see first (Compare, reports). */
  headline: ChartSpec;
  /** Further panels, e.g. one per series group. */
  panels: readonly ChartSpec[];
  summaryColumns: readonly SummaryColumn[];
}

/**
 * One grid point of a study: its stable key (the grid-point id the run module reports it under),
 * a display name, and the study narrowed to that point alone, which executes (and resumes) it on
 * its own with the same id and numbers.
 */
export interface KindGridPoint {
  key: string;
  name: string;
  config: Record<string, unknown>;
}

/**
 * An experiment kind. `C` is its validated config type.
 *
 * `module` is the file: URL of the module exporting `run(config, context)`, written against
 * libs/objectives' `ExperimentContext` (runtime, seed, sink, signal, cacheDir): the CLI calls it
 * in process, the application's worker loads it through the service's adapter. The config it
 * receives has been validated by `schema` (defaults filled) exactly once, at submission.
 */
export interface ExperimentKind<C = unknown> {
  id: string;
  title: string;
  description: string;
  /** True for machinery checks (no science); the UI hides them unless asked. */
  diagnostic: boolean;
  schema: Schema<C>;
  presets: readonly KindPreset[];
  /** The preset a fresh form and an empty config start from; absent = the schema's defaults. */
  defaultPreset?: string;
  series: readonly OutputSpec[];
  metrics: readonly OutputSpec[];
  views: KindViews;
  module: string;
  /**
   * Splits a validated config into its grid points, one lab run each (absent: the config is one
   * run). Throws when a point cannot execute alone under the same id.
   */
  plan?: (config: C) => KindGridPoint[];
}

/** A kind as data: what `goodhart kinds --json` and LabApi `kinds.list` return. */
export interface KindDescription {
  id: string;
  title: string;
  description: string;
  diagnostic: boolean;
  configSchema: JsonSchema;
  /** What a fresh form shows: the default preset's config, else the schema's defaults. */
  defaultConfig: Record<string, unknown>;
  presets: readonly KindPreset[];
  series: readonly OutputSpec[];
  metrics: readonly OutputSpec[];
  views: KindViews;
}

/** Identity function that checks a declaration against `ExperimentKind` and keeps its config type. */
export function defineKind<C>(kind: ExperimentKind<C>): ExperimentKind<C> {
  return kind;
}
