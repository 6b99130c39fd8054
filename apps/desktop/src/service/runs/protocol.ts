/**
 * Messages between the run executor and a run's worker thread. The worker never touches the
 * database: it streams what happens and the executor's single writer persists it.
 */
import type { CurvePoint, MetricPoint } from "@goodhart/storage";
import type { SerializedError } from "../../shared/errors.ts";

/** A metric value at a step, as the store keeps it. */
export type MetricSample = MetricPoint;

/** One point of an overoptimization curve (gold/proxy vs KL), as the store keeps it, less its run. */
export type CurveSample = Omit<CurvePoint, "runId">;

/** A scaling law fitted to one curve series (DESIGN.md section 2). */
export interface FitSample {
  series: string;
  target: "gold" | "proxy";
  /** `bon`: R(d) = d (a - b d); `rl`: R(d) = d (a - b ln d). */
  form: "bon" | "rl";
  coefficients: Record<string, number>;
  standardErrors: Record<string, number>;
  /** Residual sum of squares. */
  residual: number;
  nPoints: number;
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
  /** Folder shared by every run for cached artefacts (e.g. a pretrained base policy). */
  cacheDir: string;
  /** Continue from the last checkpoint in runDir instead of starting over. */
  resume: boolean;
  /** Int32Array view: index 0 becomes 1 when cancel is requested. */
  cancelFlag: SharedArrayBuffer;
}

export type WorkerMessage =
  | { type: "progress"; step: number; totalSteps: number; message: string | null }
  | { type: "metrics"; points: MetricSample[] }
  | { type: "curve"; points: CurveSample[] }
  | { type: "fits"; fits: FitSample[] }
  | { type: "checkpoint"; step: number }
  | { type: "done"; result: Record<string, unknown> }
  | { type: "cancelled" }
  | { type: "failed"; error: SerializedError };

export type ParentMessage = { type: "cancel" };
