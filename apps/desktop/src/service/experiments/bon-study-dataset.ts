/**
 * A best-of-n study whose task is an imported dataset, as a job of the application: the dataset
 * task (libs/objectives task/dataset) runs in the job's worker on the rows the service sent with
 * the job, and each of its proxies reports to the lab run of its grid point. The dataset task
 * names its runs its own way; they are matched to the service's grid points (expandStudy's ids)
 * by what defines a point: proxy size, training-set size, label noise and seed.
 */
import type { Runtime } from "@goodhart/engine";
import { expandStudy, runBonStudyOnDataset, type BonStudyConfig } from "@goodhart/objectives";
import type { ExperimentContext } from "../runs/experiment.ts";
import { labExperimentSink, labRunSink } from "./lab-sink.ts";

const pointKey = (proxy: string, trainingSize: unknown, labelNoise: unknown, seed: unknown): string =>
  JSON.stringify([proxy, trainingSize, labelNoise, seed]);

export async function runDatasetStudy(
  study: BonStudyConfig,
  context: ExperimentContext,
  runtime: Runtime,
): Promise<Record<string, unknown>> {
  // Without the lab's rows the dataset task refuses (it never falls back to the built-in world).
  const keys = new Map(expandStudy(study).map((p) => [pointKey(p.proxy.name, p.trainingSize, p.labelNoise, p.seed), p.id]));
  const sink = labExperimentSink(context, (spec) => {
    const c = spec.config as { proxy?: { name?: string }; trainingSize?: number; labelNoise?: number; seed?: number };
    const key = keys.get(pointKey(c.proxy?.name ?? "", c.trainingSize, c.labelNoise, c.seed));
    if (key === undefined) throw new Error(`the dataset task reported run ${spec.id}, which is no grid point of ${study.name}`);
    return labRunSink(context, key);
  });
  const result = await runBonStudyOnDataset(study, {
    runtime,
    seed: context.seed,
    sink,
    signal: context.signal,
    cacheDir: context.cacheDir,
    ...(context.datasets ? { datasets: context.datasets } : {}),
    ...(context.models ? { models: context.models } : {}),
  });
  // The job's result: headline numbers (the curves are stored already, per run).
  return { ...result, runs: result.runs.map(({ curve: _curve, ...run }) => run) } as unknown as Record<string, unknown>;
}
