/**
 * An `ExperimentSink` that persists what an experiment reports into the lab's SQLite store:
 * one experiment row per study, one run per grid point (status queued -> running -> done/failed/
 * cancelled), metrics (batched), curve points, fits, label sets (the compared pairs as a dataset,
 * gold labels, the noisy training labels) and model files as models + checkpoints. Progress and
 * log lines go to callbacks, so the CLI prints them and the application's worker forwards them;
 * this module does no I/O of its own besides the store.
 */
import { createHash } from "node:crypto";
import type { ExperimentCheckpoint, ExperimentSink, ExperimentProgress, RunSink } from "@goodhart/objectives";
import type { JsonObject, LabStore, MetricPoint, Run } from "@goodhart/storage";
import { FIT_FORM_TEXT } from "../service/runs/fit-form.ts";

export interface StorageSinkOptions {
  /** The study: stored as one experiment row that every run points to. */
  experiment: { name: string; kind: string; config: JsonObject };
  /** A sweep grid the study expands (field path -> values): stored as a sweep every run belongs to. */
  sweep?: { name: string; grid: JsonObject };
  /** Recorded on every run (e.g. "cpu"). */
  device: string;
  onProgress?: (progress: ExperimentProgress) => void;
  onLog?: (message: string, runName?: string) => void;
}


/** Metric points are written in batches of this many (and at the end of each run). */
const METRIC_BATCH = 256;

export interface StorageSink extends ExperimentSink {
  readonly experimentId: number;
  readonly sweepId: number | null;
  /** Runs created so far, in order. */
  readonly runs: Run[];
}

/** Creates the experiment row and returns a sink writing into `store`. */
export function createStorageSink(store: LabStore, options: StorageSinkOptions): StorageSink {
  const experiment = store.experiments.create(options.experiment);
  const sweep = options.sweep ? store.sweeps.create({ experimentId: experiment.id, name: options.sweep.name, grid: options.sweep.grid, config: options.experiment.config }) : null;
  const runs: Run[] = [];

  const saveModel = (c: ExperimentCheckpoint, runId: number | null) => {
    const model = (c.hash && store.models.list().find((m) => m.hash === c.hash && m.path === c.path)) || store.models.create({ name: c.name, kind: c.kind, path: c.path, config: c.config, hash: c.hash ?? null });
    store.checkpoints.create({ modelId: model.id, runId, step: 0, path: c.path, config: c.config, hash: c.hash ?? null });
  };

  return {
    experimentId: experiment.id,
    sweepId: sweep?.id ?? null,
    runs,
    beginRun(spec) {
      const run = store.runs.create({ name: spec.name, seed: spec.seed, experimentId: experiment.id, sweepId: sweep?.id ?? null, config: spec.config });
      store.runs.setStatus(run.id, "running", { device: options.device });
      runs.push(store.runs.get(run.id)!);
      let metrics: MetricPoint[] = [];
      const flush = () => {
        if (metrics.length) store.metrics.append(run.id, metrics);
        metrics = [];
      };
      const sink: RunSink = {
        metric(step, name, value) {
          metrics.push({ step, name, value });
          if (metrics.length >= METRIC_BATCH) flush();
        },
        curvePoints(points) {
          store.curves.append(points.map((p) => ({ ...p, runId: run.id })));
        },
        fit(f) {
          store.fits.create({ runId: run.id, series: f.series, target: f.target, form: FIT_FORM_TEXT[f.form], coefficients: f.coefficients, standardErrors: f.standardErrors, residual: f.residual, nPoints: f.nPoints });
        },
        labelSet(set) {
          // The compared pairs become a dataset; gold decides the "gold" labels (ties kept as
          // ties), and the labels actually trained on (after the seeded flips) are stored as
          // source "synthetic". The training label set selects those with flipP 0: the flips
          // are already in them, and flipping again here would train-test mismatch.
          // Label-set names are unique in the store: the run's row id makes a repeated study distinct.
          const name = `run ${run.id}: ${set.name}`;
          store.transaction(() => {
            const text = JSON.stringify(set.pairs);
            const dataset = store.datasets.create({
              name,
              sourcePath: `builtin-task:${spec.id}`,
              contentHash: createHash("sha256").update(`${spec.id}\n${text}`).digest("hex"),
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
                return { exampleId, preferred: l ? (l.goldChosen === 0 ? "a" : "b") : "tie", source: "gold" as const, annotator: "builtin-task gold" };
              }),
            );
            store.labels.addMany(
              set.labels.map((l) => ({ exampleId: ids[l.pair]!, preferred: l.chosen === 0 ? ("a" as const) : ("b" as const), source: "synthetic" as const, annotator: `label noise p=${set.noise} seed=${set.seed}` })),
            );
            store.labelSets.create({ name: `${name}/gold`, datasetId: dataset.id, source: "gold", flipP: 0, seed: set.seed });
            store.labelSets.create({ name: `${name}/train`, datasetId: dataset.id, source: "synthetic", flipP: 0, seed: set.seed });
          });
        },
        checkpoint(c) {
          saveModel(c, run.id);
        },
        log(message) {
          options.onLog?.(message, spec.name);
        },
        end(status, error) {
          flush();
          store.runs.setStatus(run.id, status, error === undefined ? {} : { error });
          runs[runs.findIndex((r) => r.id === run.id)] = store.runs.get(run.id)!;
        },
      };
      return sink;
    },
    progress(p) {
      options.onProgress?.(p);
    },
    log(message) {
      options.onLog?.(message);
    },
    checkpoint(c) {
      saveModel(c, null);
    },
  };
}
