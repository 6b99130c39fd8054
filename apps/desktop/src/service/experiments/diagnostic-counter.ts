/**
 * DIAGNOSTIC EXPERIMENT, not a science feature. `diagnostic.counter` exercises the run machinery
 * (worker threads, progress, metrics, curve points, checkpoints, cancel, resume) with a
 * deterministic numeric loop, so the machinery is tested on a real experiment function before the
 * real experiments land in libs/objectives. Its numbers mean nothing about reward models.
 */
import { z } from "zod";
import type { ExperimentContext } from "../runs/experiment.ts";

export const diagnosticCounterConfig = z
  .object({
    /** Number of steps. */
    steps: z.number().int().min(1).max(1_000_000).default(100),
    /** Time per step in milliseconds. */
    stepMs: z.number().min(0).max(60_000).default(10),
    /** Write a checkpoint every this many steps. */
    checkpointEvery: z.number().int().min(1).default(10),
    /** Spin the CPU for stepMs instead of sleeping (a CPU-bound step). */
    busy: z.boolean().default(false),
    /** Never look at the cancel flag: only the executor's hard terminate can stop it. */
    ignoreCancel: z.boolean().default(false),
    /** Throw at this step (tests the `failed` path). */
    failAtStep: z.number().int().min(1).nullable().default(null),
    /** Emit a curve point with a non-finite KL at this step (tests that unstorable results fail the run). */
    badCurveAtStep: z.number().int().min(1).nullable().default(null),
    /** End the worker thread abruptly at this step, with no goodbye (tests the `interrupted` path). */
    crashAtStep: z.number().int().min(1).nullable().default(null),
  })
  .strict();
export type DiagnosticCounterConfig = z.infer<typeof diagnosticCounterConfig>;

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
  const config = diagnosticCounterConfig.parse(rawConfig);
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
    context.curvePoint({ series: "diagnostic", x: step, xKind: "step", kl, klEstimator: "exact", proxyScore: Math.sqrt(kl), goldScore: Math.sqrt(kl) * (1 - kl) });
    context.progress(step, config.steps);
    if (step % config.checkpointEvery === 0 || step === config.steps) await context.saveCheckpoint(step, { acc } satisfies CounterState);
  }
  return { acc, steps: step, resumedFrom };
}
