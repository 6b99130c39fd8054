/**
 * DIAGNOSTIC EXPERIMENT, not a science feature. `diagnostic.counter` exercises the run machinery
 * (worker threads, progress, metrics, curve points, checkpoints, cancel, resume) with a
 * deterministic numeric loop, so the machinery is tested on a real experiment function before the
 * real experiments land in libs/objectives. Its numbers mean nothing about reward models.
 */
// This module is what the worker loads, so it imports no library: the kind's declaration (schema,
// outputs, views) lives in diagnostic-counter-kind.ts.
import type { ExperimentContext } from "../runs/experiment.ts";

export interface DiagnosticCounterConfig {
  steps: number;
  stepMs: number;
  checkpointEvery: number;
  busy: boolean;
  ignoreCancel: boolean;
  failAtStep: number | null;
  badCurveAtStep: number | null;
  crashAtStep: number | null;
}

/** Defaults of every field (the kind's schema declares them from here). */
export const DIAGNOSTIC_COUNTER_DEFAULTS: DiagnosticCounterConfig = {
  steps: 100,
  stepMs: 10,
  checkpointEvery: 10,
  busy: false,
  ignoreCancel: false,
  failAtStep: null,
  badCurveAtStep: null,
  crashAtStep: null,
};

interface CounterState {
  /** A 31-bit linear congruential state: the run's deterministic "result". */
  acc: number;
}

/** One step of the deterministic recurrence; exported so tests can compute the expected value. */
export function counterStep(acc: number, step: number): number {
  return (Math.imul(acc, 1103515245) + 12345 + step) & 0x7fffffff;
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    function done(): void {
      clearTimeout(timer);
      signal.removeEventListener("abort", done);
      resolve();
    }
    signal.addEventListener("abort", done, { once: true });
  });
}

function spin(ms: number, context: ExperimentContext, ignoreCancel: boolean): void {
  const end = performance.now() + ms;
  while (performance.now() < end) if (!ignoreCancel && context.cancelRequested()) return;
}

/** Runs the counter: one progress report, two metrics and one curve point per step. */
export async function run(rawConfig: Record<string, unknown>, context: ExperimentContext): Promise<Record<string, unknown>> {
  // Validated at submission; the defaults fill configs handed to the executor directly (its tests).
  const config: DiagnosticCounterConfig = { ...DIAGNOSTIC_COUNTER_DEFAULTS, ...(rawConfig as Partial<DiagnosticCounterConfig>) };
  const resumed = await context.loadCheckpoint<CounterState>();
  let step = resumed?.step ?? 0;
  let acc = resumed?.state.acc ?? context.seed & 0x7fffffff;
  const resumedFrom = resumed?.step ?? null;
  while (step < config.steps) {
    if (!config.ignoreCancel) context.throwIfCancelled();
    if (config.busy) spin(config.stepMs, context, config.ignoreCancel);
    else if (config.ignoreCancel) await new Promise((r) => setTimeout(r, config.stepMs));
    else await sleep(config.stepMs, context.signal);
    if (!config.ignoreCancel) context.throwIfCancelled();
    step += 1;
    if (config.failAtStep === step) throw new Error(`diagnostic failure requested at step ${step}`);
    if (config.crashAtStep === step) process.exit(70);
    acc = counterStep(acc, step);
    context.metric(step, "counter.value", acc / 0x80000000);
    context.metric(step, "counter.step", step);
    const kl = config.badCurveAtStep === step ? Number.NaN : step / config.steps;
    context.curvePoint({
      series: "diagnostic",
      x: step,
      xKind: "step",
      kl,
      klEstimator: "exact",
      proxyScore: Math.sqrt(kl),
      goldScore: Math.sqrt(kl) * (1 - kl),
    });
    context.progress(step, config.steps);
    if (step % config.checkpointEvery === 0 || step === config.steps) await context.saveCheckpoint(step, { acc } satisfies CounterState);
  }
  return { acc, steps: step, resumedFrom };
}
