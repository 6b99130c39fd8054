/**
 * What an experiment reports to and receives from whoever runs it (DESIGN.md section 5). The
 * experiment never touches storage: it writes through an `ExperimentSink`, and the application
 * (CLI, service worker) supplies one backed by SQLite. Plain data only, so a sink can forward
 * everything across a worker-thread boundary.
 */
import type { ModelSource } from "./model-init.ts";
import type { Runtime } from "@goodhart/engine";
import type { FitForm } from "../fits.ts";
import type { LabelledExample } from "../task/dataset/pairs.ts";

/** Where a study is and how long it will take. */
export interface ExperimentProgress {
  /** Current phase: "task", "pretrain", "sampling", "labels", "rm-training", "scoring", "curves". */
  phase: string;
  /** Work done / total in this phase (units depend on the phase: steps, samples, members). */
  done: number;
  total: number;
  /** Fraction of the whole study done, in [0, 1]. */
  fraction: number;
  /** Seconds since the study started. */
  elapsedS: number;
  /** Estimated seconds left (null until there is enough to extrapolate from). */
  etaS: number | null;
  message?: string;
}

/** One curve point, as the storage layer's curve points hold it. */
export interface ExperimentCurvePoint {
  /** Series name, e.g. "proxy:mean", "proxy:wco", "member:2". */
  series: string;
  /** x coordinate: best-of-n n, or an optimisation step. */
  x: number;
  xKind: "n" | "step";
  /** KL(pi || pi_init) in nats, and the estimator that produced it ("analytic-bon", "k1", ...). */
  kl: number;
  klEstimator: string;
  /** On which prompts the KL (and the scores) were measured, e.g. "test:24x64". */
  klPrompts: string;
  /** Aggregated proxy score (recentred so the initial policy scores 0). */
  proxyScore: number;
  /** Each member's (normalised, recentred) score of the sample the series' proxy selects. */
  proxyScores: number[] | null;
  /** Gold score recentred so the initial policy scores 0. */
  goldScore: number;
  /** Standard errors across prompts of proxyScore and goldScore (paired per prompt), and how many prompts. */
  proxySe?: number;
  goldSe?: number;
  prompts?: number;
  /** Other estimates of the same point's KL, each under its own estimator name (e.g. "beirami-bon"). */
  klEstimates?: { estimator: string; kl: number; se: number }[];
}

/** A percentile bootstrap interval of one number (see stats/bootstrap.ts). */
export interface ExperimentInterval {
  low: number;
  high: number;
  level: number;
  replicates: number;
  /** What was resampled, e.g. "prompts" or "prompts+seeds". */
  resampled: string;
}

/**
 * The samples behind a best-of-n curve: every evaluation prompt's pool, with gold, the base
 * policy's log-probability and the proxy scores (each series' aggregated score, then each member's
 * normalised score), so a reader can see which completion each best-of-n pick is.
 */
export interface ExperimentSampleSet {
  name: string;
  /** Proxy series whose scores `scores` holds first, in order (e.g. "proxy:mean", "member:0"). */
  series: string[];
  /** Ensemble members whose normalised scores follow the series' scores. */
  members: number;
  poolSize: number;
  /** One entry per evaluation prompt. */
  pools: {
    prompt: string;
    completions: string[];
    gold: ArrayLike<number>;
    /** ln pi_init(completion | prompt), or null when not measured. */
    logProb: ArrayLike<number> | null;
    /** Row-major [poolSize, series.length + members]. */
    scores: Float64Array;
  }[];
}

/** A fitted scaling law for one series. */
export interface ExperimentFit {
  series: string;
  target: "gold" | "proxy";
  form: FitForm;
  coefficients: Record<string, number>;
  standardErrors: Record<string, number>;
  /** Residual sum of squares. */
  residual: number;
  nPoints: number;
  /** Bootstrap confidence intervals of coefficients and peaks, by the same names. */
  intervals?: Record<string, ExperimentInterval>;
}

/** A comparison data set with gold labels and (optionally) flipped ones, as trained on. */
export interface ExperimentLabelSet {
  name: string;
  /** Probability with which each label was flipped, and the seed of the flips. */
  noise: number;
  seed: number;
  /** The compared texts, in pair order. */
  pairs: { prompt: string; category: string; responseA: string; responseB: string; goldA: number; goldB: number }[];
  /** One per kept pair (ties are dropped): which response is chosen after noise (0 = A). */
  labels: { pair: number; chosen: 0 | 1; goldChosen: 0 | 1; flipped: boolean }[];
}

/** A saved model file (a reward-model member or the base policy). */
export interface ExperimentCheckpoint {
  /** e.g. "proxy:member:3" or "base-policy". */
  name: string;
  kind: "policy" | "reward";
  /** Folder holding model.safetensors + config.json. */
  path: string;
  /** Extra facts stored with it: config, normalisation constants, validation accuracy. */
  config: Record<string, unknown>;
  hash?: string;
  /** The training step whose weights it holds (stored with the checkpoint; default 0). */
  step?: number;
}

/** Reports of one run (one grid point of a study). */
export interface RunSink {
  metric(step: number, name: string, value: number): void;
  curvePoints(points: readonly ExperimentCurvePoint[]): void;
  fit(fit: ExperimentFit): void;
  labelSet(set: ExperimentLabelSet): void;
  checkpoint(checkpoint: ExperimentCheckpoint): void;
  /** The samples behind the run's curves (optional: sinks that do not keep samples leave it out). */
  samples?(set: ExperimentSampleSet): void;
  log(message: string): void;
  /**
   * The run's result (its headline numbers as JSON), reported just before `end("done")` so a
   * store can commit it together with the run's end. Optional for sinks that do not keep it.
   */
  result?(result: Record<string, unknown>): void;
  /** The run ended; `error` set when it failed. */
  end(status: "done" | "failed" | "cancelled", error?: string): void;
}

/** Reports of a whole study. */
export interface ExperimentSink {
  /** A run starts; everything it reports goes through the returned sink. */
  beginRun(run: { id: string; name: string; seed: number; config: Record<string, unknown> }): RunSink;
  progress(progress: ExperimentProgress): void;
  log(message: string): void;
  /** Study-wide files (the base policy). */
  checkpoint(checkpoint: ExperimentCheckpoint): void;
}

/** What an experiment function receives besides its config. */
export interface ExperimentContext {
  /** The engine runtime every program runs on. */
  runtime: Runtime;
  /** Study seed (forks of it seed the sampling; each run also has its own seed). */
  seed: number;
  sink: ExperimentSink;
  /** Aborted on cancel: the experiment stops at the next step with an AbortError. */
  signal?: AbortSignal;
  /** Folder for cached artefacts (the pretrained base policy) and run files (RM checkpoints). */
  cacheDir: string;
  /** The lab's imported datasets, for studies whose task is a dataset (the lab provides it). */
  datasets?: DatasetSource;
  /** The lab's registered model folders, for configs that start a model from one (`model:<id>`; see model-init.ts). */
  models?: ModelSource;
}

/** Reads an imported dataset's labelled pairs (see task/dataset/pairs.ts). */
export interface DatasetSource {
  labelledExamples(datasetId: number): Promise<LabelledExample[]> | LabelledExample[];
  /** A stored label set's comparisons, with the set's preferences (the DMoERM kind's LLM capability labels). */
  labelSet?(labelSetId: number): Promise<LabelSetComparisons> | LabelSetComparisons;
}

/** A stored label set as a study reads it: its dimension and, per labelled example, the texts and the set's preference. */
export interface LabelSetComparisons {
  id: number;
  name: string;
  dimension: string;
  source: string | null;
  pairs: { exampleId: number; prompt: string; responseA: string; responseB: string; preferred: "a" | "b" | "tie" }[];
}

/** A sink that drops everything (and a run sink that does too). */
export function nullSink(): ExperimentSink {
  const run: RunSink = { metric() {}, curvePoints() {}, fit() {}, labelSet() {}, checkpoint() {}, log() {}, end() {} };
  return { beginRun: () => run, progress() {}, log() {}, checkpoint() {} };
}

/** Everything a run reported, kept in memory (tests, and the demo's summary). */
export interface RecordedRun {
  id: string;
  name: string;
  seed: number;
  config: Record<string, unknown>;
  metrics: { step: number; name: string; value: number }[];
  curves: ExperimentCurvePoint[];
  fits: ExperimentFit[];
  labelSets: ExperimentLabelSet[];
  checkpoints: ExperimentCheckpoint[];
  sampleSets: ExperimentSampleSet[];
  logs: string[];
  status: "running" | "done" | "failed" | "cancelled";
  error?: string;
}

/** A sink that records everything in memory; `forward` also passes every call on to another sink. */
export function memorySink(
  forward?: ExperimentSink,
): ExperimentSink & { runs: RecordedRun[]; progressLog: ExperimentProgress[]; logs: string[]; checkpoints: ExperimentCheckpoint[] } {
  const runs: RecordedRun[] = [];
  const progressLog: ExperimentProgress[] = [];
  const logs: string[] = [];
  const checkpoints: ExperimentCheckpoint[] = [];
  return {
    runs,
    progressLog,
    logs,
    checkpoints,
    beginRun(spec) {
      const rec: RecordedRun = {
        ...spec,
        metrics: [],
        curves: [],
        fits: [],
        labelSets: [],
        checkpoints: [],
        sampleSets: [],
        logs: [],
        status: "running",
      };
      runs.push(rec);
      const next = forward?.beginRun(spec);
      return {
        metric(step, name, value) {
          rec.metrics.push({ step, name, value });
          next?.metric(step, name, value);
        },
        curvePoints(points) {
          rec.curves.push(...points);
          next?.curvePoints(points);
        },
        fit(fit) {
          rec.fits.push(fit);
          next?.fit(fit);
        },
        labelSet(set) {
          rec.labelSets.push(set);
          next?.labelSet(set);
        },
        checkpoint(c) {
          rec.checkpoints.push(c);
          next?.checkpoint(c);
        },
        samples(set) {
          rec.sampleSets.push(set);
          next?.samples?.(set);
        },
        log(message) {
          rec.logs.push(message);
          next?.log(message);
        },
        end(status, error) {
          rec.status = status;
          if (error !== undefined) rec.error = error;
          next?.end(status, error);
        },
      };
    },
    progress(p) {
      progressLog.push(p);
      forward?.progress(p);
    },
    log(message) {
      logs.push(message);
      forward?.log(message);
    },
    checkpoint(c) {
      checkpoints.push(c);
      forward?.checkpoint(c);
    },
  };
}
