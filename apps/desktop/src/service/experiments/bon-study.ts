/**
 * The best-of-n overoptimization study (libs/objectives) as a job of the application: it executes
 * in the job's worker thread and reports through the worker's context, so the service's single
 * writer persists curves, metrics, fits, label sets and model files. Each grid point of the study
 * is its own run of the lab (the job's runs are keyed by grid-point id); the grid points of one
 * job share the base policy and the samples.
 */
import { createRuntime, type RuntimeOptions } from "@goodhart/engine";
import { runBonStudy, storedBonStudyResult, type ExperimentSink, type RunSink } from "@goodhart/objectives";
import type { ExperimentContext } from "../runs/experiment.ts";
import { runDatasetStudy } from "./bon-study-dataset.ts";
import { bonJobConfig } from "./bon-study-plan.ts";

/** Progress is reported in thousandths of the whole study. */
const PROGRESS_UNITS = 1000;

function formatEta(seconds: number | null): string {
  if (seconds === null) return "";
  return seconds >= 90 ? `, about ${Math.round(seconds / 60)} min left` : `, about ${Math.round(seconds)} s left`;
}

export async function run(config: Record<string, unknown>, context: ExperimentContext): Promise<Record<string, unknown>> {
  // Validated once, at submission: the job receives the parsed study.
  const job = bonJobConfig(config);
  const runtime = await createRuntime({
    device: context.device as RuntimeOptions["device"],
    ...(context.threads ? { threads: context.threads } : {}),
  });
  try {
    // A study on an imported dataset runs the dataset task, never the built-in world.
    if (job.study.task.kind === "dataset") {
      if (job.grid && Object.keys(job.grid).length > 0)
        throw new Error(
          `${job.study.name}: sweep grids over a dataset task are not supported yet; list the values in the study's own axes`,
        );
      return await runDatasetStudy(job.study, context, runtime);
    }
    const sink: ExperimentSink = {
      beginRun(spec): RunSink {
        const r = context.run(spec.id);
        r.begin();
        return {
          metric: (step, name, value) => r.metric(step, name, value),
          curvePoints: (points) => r.curvePoints(points),
          fit: (fit) => r.fit(fit),
          labelSet: (set) => r.labelSet(set),
          samples: (set) => r.samples(set),
          checkpoint: (model) => r.model(model),
          result: (result) => r.result(result),
          log() {},
          end: (status, error) => r.end(status, error),
        };
      },
      progress(p) {
        context.progress(Math.round(p.fraction * PROGRESS_UNITS), PROGRESS_UNITS, `${p.phase} ${p.done}/${p.total}${formatEta(p.etaS)}`);
      },
      log() {},
      checkpoint: (model) => context.model(model),
    };
    const result = await runBonStudy(
      job.grid ? { study: job.study, grid: job.grid } : job.study,
      { runtime, seed: context.seed, sink, signal: context.signal, cacheDir: context.cacheDir },
      job.options,
    );
    // The job's result is kept as JSON: the headline numbers, not the curves (stored already).
    // storedBonStudyResult drops the per-prompt arrays and adds the analysis (intervals over prompts and seeds).
    return storedBonStudyResult(result) as unknown as Record<string, unknown>;
  } finally {
    // ONNX Runtime sessions are released here, in the worker, before it exits: never by a terminate mid-call.
    await runtime.release();
  }
}
