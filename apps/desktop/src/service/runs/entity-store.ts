/**
 * How a run's label sets and model files become rows: the compared pairs as a dataset with gold
 * labels and the labels actually trained on, and every model file as a model plus a checkpoint
 * tied to its run. Called by the single writer inside its per-run transaction, so a run's
 * entities land together with its points.
 */
import { createHash } from "node:crypto";
import type { LabStore } from "@goodhart/storage";
import type { LabelSetSample, ModelSample } from "./protocol.ts";

/** Name prefix of the datasets a run's label sets become (RunRepository.clearResults relies on it). */
export const runLabelSetPrefix = (runId: number): string => `run ${runId}: `;

/**
 * Stores a label set: the pairs as a dataset; gold decides the "gold" labels (ties kept as ties);
 * the labels trained on (after the seeded flips) are stored with source "synthetic". The training
 * label set has flipP 0: the flips are already in its labels, flipping again would be a second
 * round of noise.
 */
export function storeLabelSet(store: LabStore, runId: number, set: LabelSetSample): void {
  const name = `${runLabelSetPrefix(runId)}${set.name}`;
  const text = JSON.stringify(set.pairs);
  const dataset = store.datasets.create({
    name,
    sourcePath: `builtin-task:${set.name}`,
    contentHash: createHash("sha256").update(`${set.name}\n${text}`).digest("hex"),
    format: "builtin-task-comparisons",
    rowCount: set.pairs.length,
    detection: { noise: set.noise, seed: set.seed, labelled: set.labels.length },
  });
  const ids = store.examples.insertMany(
    dataset.id,
    set.pairs.map((p, i) => ({
      rowIndex: i + 1,
      kind: "pair",
      prompt: p.prompt,
      promptMessages: null,
      responseA: p.responseA,
      responseB: p.responseB,
      responses: null,
      category: p.category,
      metadata: { goldA: p.goldA, goldB: p.goldB },
    })),
  );
  const labelled = new Map(set.labels.map((l) => [l.pair, l]));
  store.labels.addMany(
    ids.map((exampleId, i) => {
      const l = labelled.get(i);
      return {
        exampleId,
        preferred: l ? (l.goldChosen === 0 ? ("a" as const) : ("b" as const)) : ("tie" as const),
        source: "gold" as const,
        annotator: "builtin-task gold",
      };
    }),
  );
  store.labels.addMany(
    set.labels.map((l) => ({
      exampleId: ids[l.pair]!,
      preferred: l.chosen === 0 ? ("a" as const) : ("b" as const),
      source: "synthetic" as const,
      annotator: `label noise p=${set.noise} seed=${set.seed}`,
    })),
  );
  store.labelSets.create({ name: `${name}/gold`, datasetId: dataset.id, source: "gold", flipP: 0, seed: set.seed });
  store.labelSets.create({ name: `${name}/train`, datasetId: dataset.id, source: "synthetic", flipP: 0, seed: set.seed });
}

/** Stores a model file: one model row per file (reused when the same file comes again), one checkpoint per report. */
export function storeModel(store: LabStore, runId: number | null, m: ModelSample): void {
  const model =
    (m.hash && store.models.list().find((x) => x.hash === m.hash && x.path === m.path)) ||
    store.models.create({ name: m.name, kind: m.kind, path: m.path, config: m.config, hash: m.hash ?? null });
  store.checkpoints.create({ modelId: model.id, runId, step: m.step ?? 0, path: m.path, config: m.config, hash: m.hash ?? null });
}
