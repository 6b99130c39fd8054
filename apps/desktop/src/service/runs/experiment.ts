/**
 * What an experiment module looks like to the run machinery. An experiment is a plain async
 * function `(config, context) -> result` executed in a worker thread; the context is its only way
 * to report progress, metrics, curve points and checkpoints, and to learn that it was cancelled.
 */
import type { CurveSample, FitSample } from "./protocol.ts";

export interface ExperimentContext {
  readonly runId: number;
  readonly seed: number;
  readonly device: string;
  /** Folder shared by every run for cached artefacts (e.g. a pretrained base policy). */
  readonly cacheDir: string;
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
