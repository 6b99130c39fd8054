/**
 * The experiment kinds the lab can run: for each, its config schema (validated when an experiment
 * is created, so a bad config fails at the call and not minutes later in a worker) and the module
 * the worker loads. The science experiments register here as libs/objectives provides them.
 */
import type { z } from "zod";
import type { ExperimentKindDto } from "../../shared/dto.ts";
import { LabValidationError } from "../../shared/errors.ts";
import { bonStudyConfig, bonStudyParameters } from "./bon-study-config.ts";
import { diagnosticCounterConfig } from "./diagnostic-counter.ts";

export interface ExperimentKind {
  kind: string;
  title: string;
  description: string;
  diagnostic: boolean;
  config: z.ZodType<Record<string, unknown>>;
  /** file: URL of the module exporting `run(config, context)`. */
  module: string;
  /** A one-line explanation per parameter (dotted config path), for the UI. */
  parameters?: readonly { path: string; description: string }[];
}

export const builtinExperimentKinds: readonly ExperimentKind[] = [
  {
    kind: "bon-study",
    title: "Best-of-n overoptimization (Gao et al.; Coste et al.)",
    description:
      "Train proxy reward models on gold-labelled comparisons of the built-in task (with label noise), pick the best of n base-policy samples by proxy, and watch gold and proxy against sqrt(KL).",
    diagnostic: false,
    config: bonStudyConfig,
    module: new URL("./bon-study.ts", import.meta.url).href,
    parameters: bonStudyParameters,
  },
  {
    kind: "diagnostic.counter",
    title: "Diagnostic: counter",
    description:
      "A deterministic numeric loop that checks the run machinery (progress, metrics, checkpoints, cancel, resume). Not a science experiment.",
    diagnostic: true,
    config: diagnosticCounterConfig,
    module: new URL("./diagnostic-counter.ts", import.meta.url).href,
    parameters: [
      { path: "steps", description: "Number of steps; one curve point and two metrics per step." },
      { path: "stepMs", description: "Time each step takes, in milliseconds." },
      { path: "checkpointEvery", description: "Write a checkpoint every this many steps (resume starts from the last one)." },
      { path: "busy", description: "Spin the CPU for stepMs instead of sleeping (a CPU-bound step)." },
      { path: "ignoreCancel", description: "Never check the cancel flag, so only a hard stop ends the run." },
      { path: "failAtStep", description: "Throw at this step, to see a failed run (null: never)." },
      { path: "badCurveAtStep", description: "Emit a curve point with a non-finite KL at this step, to see unstorable results fail the run (null: never)." },
      { path: "crashAtStep", description: "End the worker abruptly at this step, to see an interrupted run (null: never)." },
    ],
  },
];

/** Looks kinds up and validates their configs. */
export class ExperimentRegistry {
  readonly #kinds = new Map<string, ExperimentKind>();

  constructor(kinds: readonly ExperimentKind[] = builtinExperimentKinds) {
    for (const k of kinds) {
      if (this.#kinds.has(k.kind)) throw new Error(`experiment kind '${k.kind}' is registered twice`);
      this.#kinds.set(k.kind, k);
    }
  }

  get(kind: string): ExperimentKind {
    const k = this.#kinds.get(kind);
    if (!k) throw new LabValidationError(`Unknown experiment kind '${kind}'. Known kinds: ${[...this.#kinds.keys()].join(", ")}.`);
    return k;
  }

  /** The config with defaults applied, or a LabValidationError naming the field. */
  parseConfig(kind: string, config: unknown): Record<string, unknown> {
    const parsed = this.get(kind).config.safeParse(config);
    if (!parsed.success) {
      const issues = parsed.error.issues.map((i) => `${i.path.join(".") || "(config)"}: ${i.message}`).join("; ");
      throw new LabValidationError(`Invalid config for experiment kind '${kind}': ${issues}`);
    }
    return parsed.data;
  }

  list(): ExperimentKindDto[] {
    return [...this.#kinds.values()].map((k) => ({
      kind: k.kind,
      title: k.title,
      description: k.description,
      diagnostic: k.diagnostic,
      defaultConfig: k.config.parse({}),
      parameters: [...(k.parameters ?? [])],
    }));
  }
}
