/**
 * Messages between the run executor and a job's worker thread. The worker never touches the
 * database: it streams what happens and the service's single writer persists it. A job executes
 * one or more runs (a study's grid points share one worker, so they share its base policy and
 * samples); every result message names the run it belongs to, and carries whole batches (arrays
 * of points), which the writer commits in one transaction.
 */
import type { CurvePoint, MetricPoint } from "@goodhart/storage";
import type {
  ExperimentCheckpoint,
  ExperimentFit,
  ExperimentLabelSet,
  ExperimentSampleSet,
  LabelledExample,
  ModelFolderRef,
} from "@goodhart/objectives";
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
  /** Bootstrap confidence intervals of coefficients and peaks, by the same names. */
  intervals?: ExperimentFit["intervals"];
}

/** The best-of-n pools behind a run's curves (completions, gold, log-probs, proxy scores). */
export type SampleSetSample = ExperimentSampleSet;

/** Comparisons with gold labels and the (noisy) labels a run trained on. */
export type LabelSetSample = ExperimentLabelSet;

/** A model file a run (or the job, for shared ones like the base policy) wrote. */
export type ModelSample = ExperimentCheckpoint;

/** One run of a job: its row in the store and the key the experiment knows it by (a grid-point id). */
export interface JobRun {
  runId: number;
  key: string;
}

/** What the worker is started with (its `workerData`). */
export interface WorkerStart {
  /** The TypeScript module to load first (the bootstrap registers tsx, then imports it). */
  entry: string;
  /** The runs this job executes; the first one receives job-wide reports (progress, checkpoints). */
  runs: JobRun[];
  /** file: URL of the experiment module; it exports `run(config, context)`. */
  experimentModule: string;
  /** Parsed once, at submission. */
  config: Record<string, unknown>;
  seed: number;
  device: string;
  /** ONNX Runtime intra-op threads (absent: the engine's default). */
  threads?: number;
  /** Folder of this job's checkpoints (the first run's folder). */
  runDir: string;
  /** Folder shared by every run for cached artefacts (e.g. a pretrained base policy). */
  cacheDir: string;
  /** Continue from the last checkpoint in runDir instead of starting over. */
  resume: boolean;
  /** The labelled pairs of each imported dataset the config reads, by dataset id (the worker has no database). */
  datasets?: Record<number, LabelledExample[]>;
  /** The label sets the config reads (a DMoERM study's capability labels), by label-set id. */
  labelSets?: Record<number, import("@goodhart/objectives").LabelSetComparisons>;
  /** The registered model folders the config starts from (`model:<id>`), by id. */
  models?: Record<number, ModelFolderRef>;
  /** Int32Array view: index 0 becomes 1 when cancel is requested. */
  cancelFlag: SharedArrayBuffer;
}

export type RunEndStatus = "done" | "failed" | "cancelled";

export type WorkerMessage =
  | { type: "progress"; runId: number; step: number; totalSteps: number; message: string | null }
  | { type: "run-started"; runId: number }
  | { type: "metrics"; runId: number; points: MetricSample[] }
  | { type: "curve"; runId: number; points: CurveSample[] }
  | { type: "fits"; runId: number; fits: FitSample[] }
  | { type: "label-set"; runId: number; set: LabelSetSample }
  | { type: "samples"; runId: number; set: SampleSetSample }
  | { type: "model"; runId: number | null; model: ModelSample }
  | { type: "run-result"; runId: number; result: Record<string, unknown> }
  | { type: "run-ended"; runId: number; status: RunEndStatus; error: string | null }
  | { type: "checkpoint"; step: number }
  | { type: "done"; result: Record<string, unknown> }
  | { type: "cancelled" }
  | { type: "failed"; error: SerializedError };

export type ParentMessage = { type: "cancel" };
