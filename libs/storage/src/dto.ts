// Plain data objects returned by the repositories. Raw SQLite rows never leave libs/storage.

/** Who produced a preference label. */
export type LabelSource = "gold" | "human" | "llm" | "synthetic";
/** `a`/`b`/`tie` for a pair; `good`/`bad` for a single (unpaired) response. */
export type Preference = "a" | "b" | "tie" | "good" | "bad";
/** A pair of responses, a ranked list (best first), or one response judged good or bad. */
export type ExampleKind = "pair" | "ranked" | "single";
export type RunStatus = "queued" | "running" | "done" | "failed" | "cancelled" | "interrupted";
/** What the x coordinate of a curve counts: best-of-n `n`, or an optimisation step. */
export type CurveXKind = "n" | "step";
export type JsonObject = Record<string, unknown>;

export interface ChatMessage {
  role: "system" | "user" | "assistant" | (string & {});
  content: string;
}

export interface Dataset {
  id: number;
  name: string;
  sourcePath: string;
  /** sha256 of the decompressed file content, hex. */
  contentHash: string;
  /** Preference format id, e.g. `hh-rlhf`. */
  format: string;
  rowCount: number;
  /** The detection report stored at import time. */
  detection: JsonObject | null;
  importedAt: string;
}

export interface Example {
  id: number;
  datasetId: number;
  /** 1-based position of the source row (line for JSONL, element for JSON, record for CSV/Parquet). */
  rowIndex: number;
  kind: ExampleKind;
  /** The prompt as text; multi-turn prompts are rendered `Human: ...\n\nAssistant: ...`. */
  prompt: string;
  /** The prompt as chat messages when the source had them (or they could be recovered). */
  promptMessages: ChatMessage[] | null;
  responseA: string | null;
  responseB: string | null;
  /** Ranked list, best first (kind `ranked`). */
  responses: string[] | null;
  category: string | null;
  metadata: JsonObject | null;
}

export type NewExample = Omit<Example, "id" | "datasetId">;

export interface Label {
  id: number;
  exampleId: number;
  /** `overall` or a capability name. */
  dimension: string;
  preferred: Preference;
  source: LabelSource;
  annotator: string | null;
  confidence: number | null;
  createdAt: string;
}

export type NewLabel = Omit<Label, "id" | "createdAt" | "dimension" | "annotator" | "confidence"> &
  Partial<Pick<Label, "dimension" | "annotator" | "confidence" | "createdAt">>;

export interface LabelSet {
  id: number;
  name: string;
  datasetId: number;
  dimension: string;
  /** Only labels from this source were selected; null = any source. */
  source: LabelSource | null;
  /** Probability with which each label was flipped (a<->b). */
  flipP: number;
  seed: number;
  size: number;
  flippedCount: number;
  createdAt: string;
}

export interface LabelSetMember {
  labelId: number;
  exampleId: number;
  /** The preference after noise. */
  preferred: Preference;
  /** The label as stored, before noise. */
  originalPreferred: Preference;
  flipped: boolean;
}

export interface Model {
  id: number;
  name: string;
  /** e.g. `policy`, `reward`, `gold`, `reference`. */
  kind: string;
  path: string | null;
  config: JsonObject;
  hash: string | null;
  createdAt: string;
}

export interface Checkpoint {
  id: number;
  modelId: number;
  runId: number | null;
  step: number;
  path: string;
  config: JsonObject;
  hash: string | null;
  createdAt: string;
}

export interface Experiment {
  id: number;
  name: string;
  /** e.g. `bon`, `ppo`, `dpo`, `rm-train`. */
  kind: string;
  config: JsonObject;
  createdAt: string;
}

export interface Sweep {
  id: number;
  experimentId: number;
  name: string;
  /** Parameter name -> list of values. */
  grid: JsonObject;
  config: JsonObject;
  createdAt: string;
}

export interface Run {
  id: number;
  experimentId: number | null;
  sweepId: number | null;
  name: string;
  config: JsonObject;
  status: RunStatus;
  seed: number;
  device: string | null;
  createdAt: string;
  startedAt: string | null;
  endedAt: string | null;
  error: string | null;
  /** What the run's experiment returned (its headline numbers), once its job has returned. */
  result: JsonObject | null;
  /** The Goodhart Lab version that created the run; null for runs stored before labs recorded it, and for imported runs. */
  labVersion: string | null;
}

export interface MetricPoint {
  step: number;
  name: string;
  value: number;
}

export interface CurvePoint {
  runId: number;
  /** Series name, e.g. `proxy:mean`, `proxy:wco`, `member:3`, `gold`. */
  series: string;
  x: number;
  xKind: CurveXKind;
  /** KL(pi || pi_init) in nats. */
  kl: number;
  /** Which estimator produced `kl`: `analytic-bon`, `k1`, `k2`, `k3`, `exact`. */
  klEstimator: string;
  /** On which prompts the KL was measured, e.g. `eval:256`. */
  klPrompts?: string | null;
  /** Aggregated proxy score. */
  proxyScore: number | null;
  /** Per-member proxy scores (ensembles); every point of a series has the same number. */
  proxyScores?: number[] | null;
  goldScore: number | null;
  /** Standard errors over prompts of proxyScore and goldScore, and how many prompts they average. */
  proxySe?: number | null;
  goldSe?: number | null;
  prompts?: number | null;
  /** Other estimates of this point's KL, each under its own estimator name (e.g. `beirami-bon`). */
  klEstimates?: KlEstimate[] | null;
}

/** One estimate of a curve point's KL, with its standard error. */
export interface KlEstimate {
  estimator: string;
  kl: number;
  se: number | null;
}

export interface CurveSeries {
  id: number;
  runId: number;
  name: string;
  xKind: CurveXKind;
  klEstimator: string;
  klPrompts: string | null;
  /** Ensemble size: how many per-member proxy scores each point holds. */
  members: number;
  points: number;
}

/** One series as columns (ready for plotting), in x order; missing scores are NaN. */
export interface CurveColumns {
  series: CurveSeries;
  x: Float64Array;
  kl: Float64Array;
  proxyScore: Float64Array;
  goldScore: Float64Array;
  /** Per-member proxy scores: one column per ensemble member. */
  memberScores: Float64Array[];
  /** Standard errors over prompts (NaN where not stored). */
  proxySe: Float64Array;
  goldSe: Float64Array;
  /** Other KL estimates, one column pair per estimator (NaN where a point has none). */
  klEstimates: { estimator: string; kl: Float64Array; se: Float64Array }[];
}

export interface Fit {
  id: number;
  runId: number;
  series: string;
  /** Which score was fitted. */
  target: "gold" | "proxy";
  /** Functional form, e.g. `bon: d(a - b d)` or `rl: d(a - b ln d)`. */
  form: string;
  coefficients: Record<string, number>;
  standardErrors: Record<string, number> | null;
  residual: number | null;
  nPoints: number;
  /** Bootstrap confidence intervals of coefficients and peaks, by the coefficients' names; null when none were stored. */
  intervals: Record<string, ConfidenceInterval> | null;
  createdAt: string;
}

/** A confidence interval: bounds, level (0.95), replicates behind it and what was resampled. */
export interface ConfidenceInterval {
  low: number;
  high: number;
  level: number;
  replicates: number;
  resampled: string;
}

/** A run's stored best-of-n pools (see migration 0060). */
export interface SampleSet {
  id: number;
  runId: number;
  name: string;
  /** Proxy series whose scores come first in each sample's `scores`. */
  series: string[];
  members: number;
  poolSize: number;
  prompts: number;
  createdAt: string;
}

/** One stored sample of a pool. */
export interface StoredSample {
  promptIndex: number;
  sampleIndex: number;
  prompt: string;
  completion: string;
  gold: number;
  logProb: number | null;
  /** Each series' proxy score, then each member's normalised score. */
  scores: Float64Array;
}

export interface Report {
  id: number;
  title: string;
  /** `html`, `pdf`, `csv`, `json`, `svg`, `png`. */
  format: string;
  runIds: number[];
  path: string | null;
  content: string | null;
  createdAt: string;
}
