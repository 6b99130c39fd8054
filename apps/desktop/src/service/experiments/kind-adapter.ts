/**
 * Runs a library kind's module in a run's worker: builds libs/objectives' ExperimentContext (an
 * engine runtime on the run's device, a sink, the seed, the cancel signal, the cache folder) from
 * the worker's context and forwards everything the experiment reports. A run module reporting
 * under a run key the job executes (a study's grid point, planned by the kind's `plan`) reports to
 * that run; anything else (a study-level sink such as the DAA frontier fits, or a kind without
 * grid points) reports to the job's first run.
 *
 * A grid point's run reports its own result when it ends (so it reads alone if the study stops
 * there). When the module returns, its study-level part (everything but `runs`: findings, fits,
 * onset summaries) is added to the result of every run of the job, with `studyGridPoints` naming
 * the points it was computed over: a study's findings are stored with each of its runs.
 */
import { createRuntime, type RuntimeOptions } from "@goodhart/engine";
import type { ExperimentContext as KindContext, RunSink } from "@goodhart/objectives";
import type { ExperimentContext } from "../runs/experiment.ts";
import { labExperimentSink, labRunSink } from "./lab-sink.ts";

type KindRun = (config: unknown, context: KindContext) => Promise<unknown>;

type JsonObject = Record<string, unknown>;

function runSinkFor(context: ExperimentContext, key: string, reported: Map<string, JsonObject>, begun: Set<string>): RunSink {
  if (key !== "" && context.runKeys.includes(key)) {
    const sink = labRunSink(context, key);
    begun.add(key);
    return {
      ...sink,
      result(result) {
        reported.set(key, result);
        sink.result!(result);
      },
    };
  }
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
    const reported = new Map<string, JsonObject>();
    const begun = new Set<string>();
    const sink = labExperimentSink(context, (spec) => runSinkFor(context, spec.id, reported, begun));
    let result: unknown;
    try {
      result = await mod.run(config, {
        runtime,
        seed: context.seed,
        sink,
        signal: context.signal,
        cacheDir: context.cacheDir,
        ...(context.datasets ? { datasets: context.datasets } : {}),
        ...(context.models ? { models: context.models } : {}),
      });
    } catch (err) {
      // Refused before any grid point began (a study that cannot fit, a bad dataset): the failure
      // is the study's, so every point failed with it (a point left unreached by a later failure
      // stays resumable instead).
      const points = context.runKeys.filter((k) => k !== "");
      if (begun.size === 0 && points.length > 1 && !context.cancelRequested()) {
        const message = err instanceof Error ? err.message : String(err);
        for (const key of points) {
          const r = context.run(key);
          r.begin();
          r.end("failed", message);
        }
      }
      throw err;
    }
    const out: JsonObject =
      typeof result === "object" && result !== null && !Array.isArray(result) ? (result as JsonObject) : { result: result ?? null };
    for (const [key, own] of reported) context.run(key).result(withStudyPart(own, out, key));
    return out;
  } finally {
    await runtime.release();
  }
}

/**
 * A grid point's stored result: its own result, the study's part (the module's result less its
 * `runs`), this point's entry of the study's `runs` (else its own), and the ids of the points the
 * study part covers (one when the point was executed alone, e.g. resumed).
 */
export function withStudyPart(own: JsonObject, study: JsonObject, key: string): JsonObject {
  const { runs, ...studyPart } = study;
  const all = Array.isArray(runs) ? (runs as { id?: unknown }[]) : [];
  const mine = all.filter((r) => r.id === key);
  return {
    ...own,
    ...studyPart,
    runs: mine.length > 0 ? mine : (own.runs ?? []),
    studyGridPoints: all.map((r) => r.id).filter((id): id is string => typeof id === "string"),
  };
}
