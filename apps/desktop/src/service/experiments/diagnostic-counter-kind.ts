/**
 * The `diagnostic.counter` kind's declaration (schema with defaults, descriptions and units;
 * outputs; views). Its module, diagnostic-counter.ts, speaks the worker's context directly, so the
 * service registers it as a worker kind (registry.ts).
 */
import { configSchema as c, defineKind } from "@goodhart/objectives";
import { DIAGNOSTIC_COUNTER_DEFAULTS as D, type DiagnosticCounterConfig } from "./diagnostic-counter.ts";

const field = <T>(schema: Parameters<typeof c.withDefault<T>>[0], value: T, description: string, unit?: string) =>
  c.meta(c.withDefault(schema, value), { description, ...(unit ? { unit } : {}) });

/** A step number at which something is provoked, or null for never. */
const atStep = (value: number | null, description: string) =>
  field(c.nullable(c.num({ integer: true, min: 1 })), value, description, "step");

export const diagnosticCounterSchema = c.obj<DiagnosticCounterConfig>({
  steps: field(
    c.num({ integer: true, min: 1, max: 1_000_000 }),
    D.steps,
    "Number of steps; one curve point and two metrics per step.",
    "steps",
  ),
  stepMs: field(c.num({ min: 0, max: 60_000 }), D.stepMs, "Time each step takes.", "ms"),
  checkpointEvery: field(
    c.num({ integer: true, min: 1 }),
    D.checkpointEvery,
    "Write a checkpoint every this many steps (resume starts from the last one).",
    "steps",
  ),
  busy: field(c.bool(), D.busy, "Spin the CPU for stepMs instead of sleeping (a CPU-bound step)."),
  ignoreCancel: field(c.bool(), D.ignoreCancel, "Never check the cancel flag, so only a hard stop ends the run."),
  failAtStep: atStep(D.failAtStep, "Throw at this step, to see a failed run (null: never)."),
  badCurveAtStep: atStep(
    D.badCurveAtStep,
    "Emit a curve point with a non-finite KL at this step, to see unstorable results fail the run (null: never).",
  ),
  crashAtStep: atStep(D.crashAtStep, "End the worker abruptly at this step, to see an interrupted run (null: never)."),
});

export const diagnosticCounterKind = defineKind<DiagnosticCounterConfig>({
  id: "diagnostic.counter",
  title: "Diagnostic: counter",
  description:
    "A deterministic numeric loop that checks the run machinery (progress, metrics, checkpoints, cancel, resume). Not a science experiment.",
  diagnostic: true,
  schema: diagnosticCounterSchema,
  presets: [],
  series: [{ pattern: "diagnostic", title: "Counter curve", group: "diagnostic" }],
  metrics: [
    { pattern: "counter.value", title: "Counter state / 2^31", group: "counter" },
    { pattern: "counter.step", title: "Step", group: "counter", unit: "steps" },
  ],
  views: {
    headline: { type: "curves", title: "Diagnostic curve", group: "diagnostic", x: "x", y: "gold-and-proxy" },
    panels: [],
    summaryColumns: [
      { key: "acc", title: "Final state", source: { result: "acc" } },
      { key: "steps", title: "Steps", unit: "steps", source: { result: "steps" } },
    ],
  },
  module: new URL("./diagnostic-counter.ts", import.meta.url).href,
});
