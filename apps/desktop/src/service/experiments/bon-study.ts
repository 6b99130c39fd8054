/**
 * The best-of-n overoptimization study (libs/objectives) as a job of the application: it executes
 * in the job's worker thread and reports through the worker's context, so the service's single
 * writer persists curves, metrics, fits, label sets and model files. Each grid point of the study
 * is its own run of the lab (the job's runs are keyed by grid-point id); the grid points of one
 * job share the base policy and the samples.
 */
import { createRuntime, type RuntimeOptions } from "@goodhart/engine";
import { assertStudyFits, bonStudyPhases, refuseModelInitsOnBuiltinTask, runBonStudy, storedBonStudyResult } from "@goodhart/objectives";
import type { ExperimentContext } from "../runs/experiment.ts";
import { runDatasetStudy } from "./bon-study-dataset.ts";
import { bonJobConfig } from "./bon-study-plan.ts";
import { labExperimentSink, labRunSink } from "./lab-sink.ts";

export async function run(config: Record<string, unknown>, context: ExperimentContext): Promise<Record<string, unknown>> {
  // Validated once, at submission: the job receives the parsed study.
  const job = bonJobConfig(config);
  const runtime = await createRuntime({
    device: context.device as RuntimeOptions["device"],
    ...(context.threads ? { threads: context.threads } : {}),
  });
  try {
    // A study on an imported dataset runs the dataset task, never the built-in world.
    if (job.study.task.kind === "dataset") return await runDatasetStudy(job.study, context, runtime, job.grid);
    // The built-in task's word vocabulary fits no registered model (objectives experiments/model-init.ts).
    refuseModelInitsOnBuiltinTask(job.study.name, job.study, ["basePolicy.init", "proxy.init"], context);
    // Refused before any work when its models cannot fit (libs/objectives/src/experiments/memory-check.ts).
    assertStudyFits(job.study.name, bonStudyPhases(job.study, job.options?.rmTraining?.batchSize), runtime.device);
    // Each grid point is the job's run of the same id.
    const sink = labExperimentSink(context, (spec) => labRunSink(context, spec.id), { showEta: true });
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
