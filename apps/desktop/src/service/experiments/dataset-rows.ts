/**
 * The imported datasets a study reads, as the service hands them to the run's worker. The worker
 * has no database: the service loads a dataset's labelled pairs once, when it queues the job, and
 * sends them in the worker's start message.
 */
import type { LabelledExample } from "@goodhart/objectives";
import { labelledPairs, type LabStore } from "@goodhart/storage";

/** Where a config names its dataset (a study's task, in a plain study or a `{study, grid?}` job). */
export const DATASET_ID_FIELD = "task.dataset.datasetId";

/** The dataset ids a kind's config reads: a task of kind "dataset" names one (none otherwise). */
export function datasetIdsOf(config: Record<string, unknown>): number[] {
  const body = (typeof config.study === "object" && config.study !== null ? config.study : config) as {
    task?: { kind?: unknown; dataset?: { datasetId?: unknown } };
  };
  const id = body.task?.kind === "dataset" ? body.task.dataset?.datasetId : undefined;
  return typeof id === "number" ? [id] : [];
}

/** The ids `config` names that the lab has no dataset for. */
export function missingDatasets(store: LabStore, config: Record<string, unknown>): number[] {
  return datasetIdsOf(config).filter((id) => !store.datasets.get(id));
}

/** The rows of every dataset `config` reads, by id (what the worker's start message carries). */
export function datasetRowsFor(store: LabStore, config: Record<string, unknown>): Record<number, LabelledExample[]> {
  return Object.fromEntries(datasetIdsOf(config).map((id) => [id, labelledPairs(store, id)]));
}
