/**
 * Runs a library kind's module in a run's worker: builds libs/objectives' ExperimentContext (an
 * engine runtime on the run's device, a sink, the seed, the cancel signal, the cache folder) from
 * the worker's context and forwards everything the experiment reports. A run module reporting
 * under a run key the job executes (a study's grid point) reports to that run; anything else
 * reports to the job's first run.
 */
import { createRuntime, type RuntimeOptions } from "@goodhart/engine";
import type { ExperimentContext as KindContext, RunSink } from "@goodhart/objectives";
import type { ExperimentContext } from "../runs/experiment.ts";
import { labExperimentSink, labRunSink } from "./lab-sink.ts";

type KindRun = (config: unknown, context: KindContext) => Promise<unknown>;

function runSinkFor(context: ExperimentContext, key: string): RunSink {
  if (key !== "" && context.runKeys.includes(key)) return labRunSink(context, key);
  return {
    metric: (step, name, value) => context.metric(step, name, value),
    curvePoints(points) {
      for (const p of points) context.curvePoint(p);
    },
    fit: (fit) => context.fit(fit),
    // The samples behind the curves belong to the job's first run, like its other reports.
    samples: (set) => context.run(context.runKeys[0]!).samples(set),
    labelSet() {},
    checkpoint: (model) => context.model(model),
    log() {},
    // The job's first run ends when the module returns (the worker reports it).
    end() {},
  };
}

/** Imports `moduleUrl`, runs its `run(config, context)` and returns its result as a JSON object. */
export async function runKindModule(
  moduleUrl: string,
  config: Record<string, unknown>,
  context: ExperimentContext,
): Promise<Record<string, unknown>> {
  const mod = (await import(moduleUrl)) as { run?: KindRun };
  if (typeof mod.run !== "function") throw new Error(`${moduleUrl} does not export run(config, context)`);
  const runtime = await createRuntime({
    device: context.device as RuntimeOptions["device"],
    ...(context.threads ? { threads: context.threads } : {}),
  });
  try {
    const sink = labExperimentSink(context, (spec) => runSinkFor(context, spec.id));
    const result = await mod.run(config, {
      runtime,
      seed: context.seed,
      sink,
      signal: context.signal,
      cacheDir: context.cacheDir,
      ...(context.datasets ? { datasets: context.datasets } : {}),
    });
    return typeof result === "object" && result !== null && !Array.isArray(result)
      ? (result as Record<string, unknown>)
      : { result: result ?? null };
  } finally {
    await runtime.release();
  }
}
