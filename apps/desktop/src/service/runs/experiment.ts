/**
 * What an experiment module looks like to the run machinery. An experiment is a plain async
 * function `(config, context) -> result` executed in a worker thread; the context is its only way
 * to report progress, metrics, curve points and checkpoints, and to learn that it was cancelled.
 * A job may execute several runs (a study's grid points); `context.run(key)` reports to one of
 * them, the plain methods report to the job's first run.
 */
import type { DatasetSource, ModelSource } from "@goodhart/objectives";
import type { CurveSample, FitSample, LabelSetSample, ModelSample, RunEndStatus, SampleSetSample } from "./protocol.ts";

/** Reports of one run of the job. */
export interface RunReporter {
  readonly runId: number;
  /** The run starts now (it reads `running`). */
  begin(): void;
  metric(step: number, name: string, value: number): void;
  /** A batch of curve points: sent and stored whole. */
  curvePoints(points: readonly CurveSample[]): void;
  fit(fit: FitSample): void;
  labelSet(set: LabelSetSample): void;
  /** The samples behind the run's curves (best-of-n pools). */
  samples(set: SampleSetSample): void;
  model(model: ModelSample): void;
  /** The run's result (headline numbers as JSON); report it before `end("done")`. */
  result(result: Record<string, unknown>): void;
  /** The run ended; its results are committed before its status changes. */
  end(status: RunEndStatus, error?: string): void;
}

export interface ExperimentContext {
  /** The job's first run. */
  readonly runId: number;
  /** Keys of the runs this job executes (grid-point ids; "" for a single-run job). */
  readonly runKeys: readonly string[];
  readonly seed: number;
  readonly device: string;
  /** ONNX Runtime intra-op threads to use (undefined: the engine's default). */
  readonly threads: number | undefined;
  /** Folder shared by every run for cached artefacts (e.g. a pretrained base policy). */
  readonly cacheDir: string;
  /** The imported datasets the job's config reads (their rows came with the job; absent when it reads none). */
  readonly datasets?: DatasetSource;
  /** The registered model folders the job's config starts from (`model:<id>`; absent when it names none). */
  readonly models?: ModelSource;
  /** Aborted when the run is cancelled; pass it to anything that waits. */
  readonly signal: AbortSignal;
  /** True once cancel was requested; cheap to read inside tight loops (an Atomics load). */
  cancelRequested(): boolean;
  /** Throws a CancelledError when cancel was requested; call between steps. */
  throwIfCancelled(): void;
  progress(step: number, totalSteps: number, message?: string): void;
  metric(step: number, name: string, value: number): void;
  curvePoint(point: CurveSample): void;
  /** Stores a scaling-law fit of one of the run's curve series. */
  fit(fit: FitSample): void;
  /** The reporter of the run with this key; throws when the job has no such run. */
  run(key: string): RunReporter;
  /** A model file shared by the job's runs (e.g. the base policy). */
  model(model: ModelSample): void;
  /** Writes the state atomically (temp file + rename) so a kill never leaves a torn checkpoint. */
  saveCheckpoint(step: number, state: unknown): Promise<void>;
  /** The last checkpoint when resuming, else null. */
  loadCheckpoint<T>(): Promise<{ step: number; state: T } | null>;
}

/** The export every experiment module provides. */
export type ExperimentRun = (config: Record<string, unknown>, context: ExperimentContext) => Promise<Record<string, unknown>>;

/** Thrown by throwIfCancelled; the worker reports the run `cancelled`. */
export class CancelledError extends Error {
  override name = "CancelledError";
}
