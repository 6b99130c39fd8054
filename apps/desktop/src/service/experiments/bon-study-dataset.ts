/**
 * A best-of-n study whose task is an imported dataset, as a job of the application: the dataset
 * task (libs/objectives task/dataset) runs in the job's worker on the rows the service sent with
 * the job, and each of its proxies reports to the lab run of its grid point. The dataset task
 * names its runs its own way; they are matched to the service's grid points (expandStudy's ids, or
 * sweep's with a grid) by what defines a point: proxy size, training-set size, label noise, seed
 * and the sweep grid's values. With a grid, each grid point is a dataset study of its own.
 */
import type { Runtime } from "@goodhart/engine";
import {
  canonicalJson,
  expandStudy,
  runBonStudyOnDataset,
  runBonStudySweepOnDataset,
  sweep,
  type BonStudyConfig,
  type DatasetProxyRun,
} from "@goodhart/objectives";
import type { ExperimentContext } from "../runs/experiment.ts";
import { labExperimentSink, labRunSink } from "./lab-sink.ts";

const pointKey = (proxy: string, trainingSize: unknown, labelNoise: unknown, seed: unknown, overrides: unknown): string =>
  canonicalJson([proxy, trainingSize, labelNoise, seed, overrides ?? {}]);

export async function runDatasetStudy(
  study: BonStudyConfig,
  context: ExperimentContext,
  runtime: Runtime,
  grid?: Record<string, unknown[]>,
): Promise<Record<string, unknown>> {
  const swept = grid !== undefined && Object.keys(grid).length > 0;
  // Without the lab's rows the dataset task refuses (it never falls back to the built-in world).
  const points = swept ? sweep(study, grid) : expandStudy(study);
  const keys = new Map(points.map((p) => [pointKey(p.proxy.name, p.trainingSize, p.labelNoise, p.seed, p.overrides), p.id]));
  const sink = labExperimentSink(context, (spec) => {
    const c = spec.config as { proxy?: { name?: string }; trainingSize?: number; labelNoise?: number; seed?: number; overrides?: unknown };
    const key = keys.get(pointKey(c.proxy?.name ?? "", c.trainingSize, c.labelNoise, c.seed, c.overrides));
    if (key === undefined) throw new Error(`the dataset task reported run ${spec.id}, which is no grid point of ${study.name}`);
    return labRunSink(context, key);
  });
  const datasetContext = {
    runtime,
    seed: context.seed,
    sink,
    signal: context.signal,
    cacheDir: context.cacheDir,
    ...(context.datasets ? { datasets: context.datasets } : {}),
    ...(context.models ? { models: context.models } : {}),
  };
  const result = swept ? await runBonStudySweepOnDataset(study, grid, datasetContext) : await runBonStudyOnDataset(study, datasetContext);
  // The job's result: headline numbers (the curves are stored already, per run).
  const headline = (runs: DatasetProxyRun[]) =>
    runs.map(({ curve: _curve, ensemble, ...run }) => ({
      ...run,
      ...(ensemble ? { ensemble: { ...ensemble, series: ensemble.series.map(({ curve: _c, ...s }) => s) } } : {}),
    }));
  const stored =
    "points" in result
      ? { ...result, points: result.points.map((p) => ({ ...p, runs: headline(p.runs) })), runs: headline(result.runs) }
      : { ...result, runs: headline(result.runs) };
  return stored as unknown as Record<string, unknown>;
}
