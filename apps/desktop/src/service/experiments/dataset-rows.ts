/**
 * The imported datasets a study reads, as the service hands them to the run's worker. The worker
 * has no database: the service loads a dataset's labelled pairs (and the label sets a config names)
 * once, when it queues the job, and sends them in the worker's start message.
 */
import { splitByPanel, type GoldPanelSpec, type LabelSetComparisons, type LabelledExample } from "@goodhart/objectives";
import { labelledPairs, type LabStore } from "@goodhart/storage";

/** Where a config names its dataset (a study's task, in a plain study or a `{study, grid?}` job). */
export const DATASET_ID_FIELD = "task.dataset.datasetId";

/** The dataset ids a kind's config reads: a task of kind "dataset" names one, and a sweep grid may list more (none otherwise). */
export function datasetIdsOf(config: Record<string, unknown>): number[] {
  const body = (typeof config.study === "object" && config.study !== null ? config.study : config) as {
    task?: { kind?: unknown; dataset?: { datasetId?: unknown } };
  };
  if (body.task?.kind !== "dataset") return [];
  const swept = (config.grid as Record<string, unknown> | undefined)?.[DATASET_ID_FIELD];
  const ids = [body.task.dataset?.datasetId, ...(Array.isArray(swept) ? swept : [])];
  return [...new Set(ids.filter((id): id is number => typeof id === "number"))];
}

/** The ids `config` names that the lab has no dataset for. */
export function missingDatasets(store: LabStore, config: Record<string, unknown>): number[] {
  return datasetIdsOf(config).filter((id) => !store.datasets.get(id));
}

/** The rows of every dataset `config` reads, by id (what the worker's start message carries). */
export function datasetRowsFor(store: LabStore, config: Record<string, unknown>): Record<number, LabelledExample[]> {
  return Object.fromEntries(datasetIdsOf(config).map((id) => [id, labelledPairs(store, id)]));
}

/** Where a config names the held-out annotator panel of agreement-based gold. */
export const GOLD_PANEL_FIELD = "task.dataset.goldPanel";

/**
 * Why a config's annotator panel cannot run on the lab's data (a dataset with one label per pair,
 * an annotator it lacks, a panel leaving a side no labels), checked on the study's own split
 * before anything is stored; undefined when it can, or when the config has no panel.
 */
export function goldPanelRefusal(store: LabStore, config: Record<string, unknown>): string | undefined {
  const body = (typeof config.study === "object" && config.study !== null ? config.study : config) as {
    task?: { seed?: number; dataset?: { heldOutFraction?: number; goldPanel?: GoldPanelSpec } };
  };
  const d = body.task?.dataset;
  if (!d?.goldPanel) return undefined;
  for (const id of datasetIdsOf(config)) {
    try {
      splitByPanel(labelledPairs(store, id), {
        seed: body.task?.seed ?? 0,
        heldOutFraction: d.heldOutFraction ?? 0.15,
        datasetId: id,
        panel: d.goldPanel,
      });
    } catch (err) {
      return err instanceof Error ? err.message : String(err);
    }
  }
  return undefined;
}

/** Where a config names stored label sets: the DMoERM kind's capability labels (`labels.capability: labelSets`). */
export const LABEL_SETS_FIELD = "labels.labelSets";

/** The label-set ids a config reads (none unless its capability labels come from label sets). */
export function labelSetIdsOf(config: Record<string, unknown>): number[] {
  const body = (typeof config.study === "object" && config.study !== null ? config.study : config) as {
    labels?: { capability?: unknown; labelSets?: unknown };
  };
  if (body.labels?.capability !== "labelSets" || !Array.isArray(body.labels.labelSets)) return [];
  return body.labels.labelSets.filter((id): id is number => typeof id === "number");
}

/** The label-set ids `config` names that the lab has no label set for. */
export function missingLabelSets(store: LabStore, config: Record<string, unknown>): number[] {
  return labelSetIdsOf(config).filter((id) => !store.labelSets.get(id));
}

/** Every label set `config` reads, as the worker's start message carries it: the set's preference per labelled example. */
export function labelSetRowsFor(store: LabStore, config: Record<string, unknown>): Record<number, LabelSetComparisons> {
  return Object.fromEntries(
    labelSetIdsOf(config).map((id) => {
      const set = store.labelSets.get(id)!;
      const pairs = store.labelSets.members(id).flatMap((m) => {
        const e = store.examples.get(m.exampleId);
        const preferred = m.preferred;
        if (!e || e.responseA === null || e.responseB === null || !(preferred === "a" || preferred === "b" || preferred === "tie"))
          return [];
        return [{ exampleId: e.id, prompt: e.prompt, responseA: e.responseA, responseB: e.responseB, preferred }];
      });
      return [id, { id, name: set.name, dimension: set.dimension, source: set.source, pairs }];
    }),
  );
}
