/**
 * Messages between the run executor and a run's worker thread. The worker never touches the
 * database: it streams what happens and the executor's single writer persists it.
 */
import type { SerializedError } from "../../shared/errors.ts";

/** A metric value at a step. */
export interface MetricSample {
  step: number;
  name: string;
  value: number;
}

/** One point of an overoptimization curve (gold/proxy vs KL). */
export interface CurveSample {
  series: string;
  x: number;
  xKind: "n" | "step";
  /** KL(pi || pi_init) in nats. */
  kl: number;
  klEstimator: string;
  proxyScore: number | null;
  goldScore: number | null;
}

/** What the worker is started with (its `workerData`). */
export interface WorkerStart {
  /** The TypeScript module to load first (the bootstrap registers tsx, then imports it). */
  entry: string;
  runId: number;
  /** file: URL of the experiment module; it exports `run(config, context)`. */
  experimentModule: string;
  config: Record<string, unknown>;
  seed: number;
  device: string;
  /** Folder of this run's checkpoints. */
  runDir: string;
  /** Continue from the last checkpoint in runDir instead of starting over. */
  resume: boolean;
  /** Int32Array view: index 0 becomes 1 when cancel is requested. */
  cancelFlag: SharedArrayBuffer;
}

export type WorkerMessage =
  | { type: "progress"; step: number; totalSteps: number; message: string | null }
  | { type: "metrics"; points: MetricSample[] }
  | { type: "curve"; points: CurveSample[] }
  | { type: "checkpoint"; step: number }
  | { type: "done"; result: Record<string, unknown> }
  | { type: "cancelled" }
  | { type: "failed"; error: SerializedError };

export type ParentMessage = { type: "cancel" };
