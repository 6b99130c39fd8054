/**
 * The data that crosses LabApi, as zod schemas (the single source of truth) with their inferred
 * types. Timestamps are ISO-8601 strings; ids are positive integers (SQLite row ids).
 */
import { z } from "zod";

export const Id = z.number().int().positive();
export const IsoTime = z.string().min(1);
/** An experiment or report configuration: any JSON object. */
export const JsonObject = z.record(z.string(), z.unknown());

export const RUN_STATUSES = ["queued", "running", "done", "failed", "cancelled", "interrupted"] as const;
export const RunStatus = z.enum(RUN_STATUSES);
export type RunStatus = z.infer<typeof RunStatus>;

export const DatasetDto = z.object({
  id: Id,
  name: z.string(),
  sourcePath: z.string(),
  /** sha256 of the file content, hex. */
  contentHash: z.string(),
  /** Preference format id detected at import, e.g. `hh-rlhf`. */
  format: z.string(),
  rowCount: z.number().int().nonnegative(),
  importedAt: IsoTime,
  /** What the import decided or left out: label source and why, rows skipped under on-bad-row skip. */
  importReport: z
    .object({
      labelSourceReason: z.string().nullable(),
      scalarsAsText: z.record(z.string(), z.number().int().nonnegative()),
      skipped: z.array(z.object({ row: z.number().int().positive(), field: z.string().optional(), reason: z.string() })),
    })
    .optional(),
});
export type DatasetDto = z.infer<typeof DatasetDto>;

/** What the importer recognises in a file before importing it (libs/storage's detection report). */
export const DetectionDto = z.object({
  /** Record layout: `jsonl`, `json`, `csv`, `tsv`, `parquet`. */
  container: z.string(),
  gzip: z.boolean(),
  /** Preference format id, e.g. `stack-exchange-paired`. */
  format: z.string(),
  title: z.string(),
  /** The rule that recognised it, or `as requested`. */
  rule: z.string(),
  /** Role -> source column(s), e.g. `{prompt: "question", chosen: "response_j"}`. */
  columns: z.record(z.string(), z.union([z.string(), z.array(z.string())])),
  categoryColumn: z.string().nullable(),
  /** Other formats whose rule the first record also satisfies. */
  alsoMatched: z.array(z.string()),
  /** The columns of the first record. */
  sourceColumns: z.array(z.string()),
});
export type DetectionDto = z.infer<typeof DetectionDto>;

/** An explicit column mapping: canonical field (`prompt`, `chosen`, ...) -> source column. */
export const ColumnMappingDto = z.record(z.string().min(1), z.string().min(1));

/** Textual label values and what they mean (`{ours: "a", reference: "b"}`; good/bad for unpaired rows). */
export const LabelValuesDto = z.record(z.string().min(1), z.enum(["a", "b", "tie", "good", "bad"]));
/** A row that cannot be read: fail refuses the file, skip imports the others and reports each skipped row. */
export const OnBadRowDto = z.enum(["fail", "skip"]);

export const EXAMPLE_KINDS = ["pair", "ranked", "single"] as const;

export const ExampleDto = z.object({
  id: Id,
  datasetId: Id,
  /** 1-based position of the source row. */
  rowIndex: z.number().int().positive(),
  kind: z.enum(EXAMPLE_KINDS),
  prompt: z.string(),
  responseA: z.string().nullable(),
  responseB: z.string().nullable(),
  /** Ranked list, best first (kind `ranked`). */
  responses: z.array(z.string()).nullable(),
  category: z.string().nullable(),
});
export type ExampleDto = z.infer<typeof ExampleDto>;

export const LABEL_SOURCES = ["gold", "human", "llm", "synthetic"] as const;
export const LabelSource = z.enum(LABEL_SOURCES);
export const PREFERENCES = ["a", "b", "tie", "good", "bad"] as const;
export const Preference = z.enum(PREFERENCES);

export const LabelDto = z.object({
  id: Id,
  exampleId: Id,
  /** `overall` or a capability name. */
  dimension: z.string(),
  preferred: Preference,
  source: LabelSource,
  annotator: z.string().nullable(),
  confidence: z.number().min(0).max(1).nullable(),
  createdAt: IsoTime,
});
export type LabelDto = z.infer<typeof LabelDto>;

export const LabelStatsDto = z.object({
  datasetId: Id,
  total: z.number().int().nonnegative(),
  /** Count per source and dimension. */
  counts: z.array(z.object({ source: z.string(), dimension: z.string(), count: z.number().int().nonnegative() })),
});
export type LabelStatsDto = z.infer<typeof LabelStatsDto>;

export const ExperimentKindDto = z.object({
  kind: z.string(),
  title: z.string(),
  description: z.string(),
  /** True for machinery checks (e.g. `diagnostic.counter`) that carry no science. */
  diagnostic: z.boolean(),
  defaultConfig: JsonObject,
  /** One line per parameter (dotted path into the config), shown beside its field. */
  parameters: z.array(z.object({ path: z.string(), description: z.string() })).default([]),
});
export type ExperimentKindDto = z.infer<typeof ExperimentKindDto>;

/**
 * An experiment kind as the registry describes it (libs/objectives/src/kinds/kind.ts): the UI
 * generates its form from `configSchema` (JSON Schema keywords plus `unit`), lists `presets`, and
 * lays out charts and tables from `series`, `metrics` and `views`.
 */
export const KindPresetDto = z.object({
  name: z.string(),
  title: z.string(),
  description: z.string(),
  /** Short citations of the papers whose setup it reproduces. */
  papers: z.array(z.string()),
  /** Datasets it suits ("builtin" = the built-in task). */
  datasets: z.array(z.string()),
  /** The fields that differ from the kind's defaults (objects merge, lists replace). */
  overrides: JsonObject,
  /** Fields the preset leaves to the user (e.g. `task.dataset.datasetId`): a config using it must set them. */
  requires: z.array(z.object({ path: z.string(), description: z.string(), example: z.unknown() })).optional(),
});
export type KindPresetDto = z.infer<typeof KindPresetDto>;

/** A family of curve series or metrics: names matching `pattern` (`*` = any text) share `group`. */
export const KindOutputDto = z.object({
  pattern: z.string(),
  title: z.string(),
  group: z.string(),
  unit: z.string().optional(),
  description: z.string().optional(),
});
export type KindOutputDto = z.infer<typeof KindOutputDto>;

export const KindChartDto = z.discriminatedUnion("type", [
  z.object({
    type: z.literal("curves"),
    title: z.string(),
    group: z.string(),
    x: z.enum(["sqrt-kl", "kl", "x"]),
    y: z.enum(["gold", "proxy", "gold-and-proxy"]),
  }),
  z.object({
    type: z.literal("bar-at-max-x"),
    title: z.string(),
    series: z.string(),
    y: z.enum(["gold", "proxy"]),
    errorBars: z.enum(["se", "none"]),
    baseline: z.string().optional(),
  }),
]);
export type KindChartDto = z.infer<typeof KindChartDto>;

export const KindDto = z.object({
  id: z.string(),
  title: z.string(),
  description: z.string(),
  diagnostic: z.boolean(),
  /** JSON Schema of the config: types, defaults, descriptions, `unit`, ranges, enums, nested objects, lists. */
  configSchema: JsonObject,
  defaultConfig: JsonObject,
  presets: z.array(KindPresetDto),
  series: z.array(KindOutputDto),
  metrics: z.array(KindOutputDto),
  views: z.object({
    headline: KindChartDto,
    panels: z.array(KindChartDto),
    /** `source.result`: dotted path into the run's result JSON, `[]` = each list item (one row per item). */
    summaryColumns: z.array(
      z.object({
        key: z.string(),
        title: z.string(),
        unit: z.string().optional(),
        source: z.union([z.object({ result: z.string() }), z.object({ metric: z.string() })]),
        /** The column's standard error ("value ± se"). */
        se: z.object({ result: z.string() }).optional(),
      }),
    ),
  }),
});
export type KindDto = z.infer<typeof KindDto>;

/** A preset with the kind it belongs to and the full config it stands for. */
export const PresetDto = KindPresetDto.extend({ kind: z.string(), config: JsonObject });
export type PresetDto = z.infer<typeof PresetDto>;

/** One point of a sweep grid: the swept values by field path, and a label like `a=1, b=x`. */
export const GridPointDto = z.object({ values: JsonObject, label: z.string() });
export type GridPointDto = z.infer<typeof GridPointDto>;

export const ExperimentDto = z.object({
  id: Id,
  name: z.string(),
  kind: z.string(),
  config: JsonObject,
  createdAt: IsoTime,
});
export type ExperimentDto = z.infer<typeof ExperimentDto>;

export const RunDto = z.object({
  id: Id,
  experimentId: Id.nullable(),
  name: z.string(),
  /** The configuration the run executes (the experiment's, frozen at start). */
  config: JsonObject,
  status: RunStatus,
  seed: z.number().int(),
  device: z.string().nullable(),
  createdAt: IsoTime,
  startedAt: IsoTime.nullable(),
  endedAt: IsoTime.nullable(),
  error: z.string().nullable(),
  /** Last progress seen in this session (steps done / total), or null. */
  progress: z.object({ step: z.number().int().nonnegative(), totalSteps: z.number().int().nonnegative() }).nullable(),
  /** The step of the last checkpoint written, or null when there is none to resume from. */
  checkpointStep: z.number().int().nonnegative().nullable(),
  /** The Goodhart Lab version that created the run (runs.lab_version), or null for older and imported runs. */
  labVersion: z.string().nullable(),
  /** Where a pooled run executes: its worker (`name@host`) or `queue host:port` while it waits; absent when this lab runs it. */
  executor: z.string().optional(),
});
export type RunDto = z.infer<typeof RunDto>;

export const MetricPointDto = z.object({
  runId: Id,
  step: z.number().int().nonnegative(),
  name: z.string(),
  value: z.number(),
});
export type MetricPointDto = z.infer<typeof MetricPointDto>;

/** One metric of one run as columns (what charts want); NaN travels as null (JSON has no NaN). */
export const MetricSeriesDto = z.object({
  runId: Id,
  name: z.string(),
  steps: z.array(z.number().int().nonnegative()),
  values: z.array(z.number().nullable()),
});
export type MetricSeriesDto = z.infer<typeof MetricSeriesDto>;

export const KL_ESTIMATORS = ["analytic-bon", "k1", "k2", "k3", "exact"] as const;

export const CurvePointDto = z.object({
  runId: Id,
  /** Series name, e.g. `proxy:mean`, `gold`. */
  series: z.string(),
  /** Best-of-n n, or the optimisation step (see xKind). */
  x: z.number(),
  xKind: z.enum(["n", "step"]),
  /** KL(pi || pi_init) in nats. */
  kl: z.number(),
  /** Which estimator produced `kl` (`analytic-bon`, `k1`, `k2`, `k3`, `exact`). */
  klEstimator: z.string(),
  proxyScore: z.number().nullable(),
  goldScore: z.number().nullable(),
  /** Standard errors over prompts of proxyScore and goldScore, and how many prompts they average (absent when not measured). */
  proxySe: z.number().nullable().optional(),
  goldSe: z.number().nullable().optional(),
  prompts: z.number().int().nullable().optional(),
  /** Other estimates of this point's KL, each under its estimator's name (e.g. `beirami-bon`, the best-of-n policy's actual KL). */
  klEstimates: z.array(z.object({ estimator: z.string(), kl: z.number(), se: z.number().nullable() })).optional(),
  /** Each ensemble member's proxy score at this point (absent for single proxies; null where a member has none). */
  proxyScores: z.array(z.number().nullable()).optional(),
});
export type CurvePointDto = z.infer<typeof CurvePointDto>;

/** A percentile bootstrap interval (DESIGN.md section 2): bounds, level, replicates, what was resampled. */
export const ConfidenceIntervalDto = z.object({
  low: z.number(),
  high: z.number(),
  level: z.number(),
  replicates: z.number().int(),
  resampled: z.string(),
});

/** A scaling law fitted to a run's curve series, with its coefficients' SEs and bootstrap intervals. */
export const FitDto = z.object({
  id: Id,
  runId: Id,
  series: z.string(),
  target: z.enum(["gold", "proxy"]),
  /** e.g. `bon: d(a - b d)` or `rl: d(a - b ln d)`. */
  form: z.string(),
  /** a, b, r2, and when the curve has one the peak (`peakD`, `peakValue`) and the observed peak. */
  coefficients: z.record(z.string(), z.number()),
  standardErrors: z.record(z.string(), z.number()).nullable(),
  /** Intervals by coefficient name (a, b, peakD, peakValue, observedPeak, goldAtMaxN, ...). */
  intervals: z.record(z.string(), ConfidenceIntervalDto).nullable(),
  residual: z.number().nullable(),
  nPoints: z.number().int(),
});
export type FitDto = z.infer<typeof FitDto>;

/** The completion a best-of-n draw of size n picks for one prompt, under one proxy series. */
export const SamplePickDto = z.object({
  promptIndex: z.number().int(),
  prompt: z.string(),
  sampleIndex: z.number().int(),
  completion: z.string(),
  proxy: z.number(),
  gold: z.number(),
  /** Both recentred on the prompt's whole-pool mean (the base policy scores 0). */
  proxyGain: z.number(),
  goldGain: z.number(),
  logProb: z.number().nullable(),
  /** Each ensemble member's normalised score of the pick. */
  members: z.array(z.number()),
});

/** The samples behind a run's best-of-n curves at one n (`runs.samples`). */
export const RunSamplesDto = z.object({
  runId: Id,
  /** The stored sample sets of the run (usually one, `bon-pool`). */
  sets: z.array(
    z.object({
      name: z.string(),
      series: z.array(z.string()),
      members: z.number().int(),
      poolSize: z.number().int(),
      prompts: z.number().int(),
    }),
  ),
  set: z.string().nullable(),
  series: z.string().nullable(),
  n: z.number().int().nullable(),
  picks: z.array(SamplePickDto),
});
export type RunSamplesDto = z.infer<typeof RunSamplesDto>;

export const ConfigDiffRowDto = z.object({
  /** Dotted path into the configs, e.g. `optimizer.lr`. */
  path: z.string(),
  /** One JSON value per compared run, in the order of `runs`; undefined where absent. */
  values: z.array(z.unknown()),
});

export const CompareDto = z.object({
  runs: z.array(RunDto),
  experiments: z.array(ExperimentDto),
  curves: z.array(z.object({ runId: Id, points: z.array(CurvePointDto) })),
  /** Last value of each metric, per run. */
  metrics: z.array(z.object({ name: z.string(), values: z.array(z.number().nullable()) })),
  configDiff: z.array(ConfigDiffRowDto),
});
export type CompareDto = z.infer<typeof CompareDto>;

export const ReportSummaryDto = z.object({
  id: Id,
  title: z.string(),
  format: z.string(),
  runIds: z.array(Id),
  createdAt: IsoTime,
});
export type ReportSummaryDto = z.infer<typeof ReportSummaryDto>;

export const ReportDto = z.object({
  id: Id,
  title: z.string(),
  runIds: z.array(Id),
  html: z.string(),
  createdAt: IsoTime,
});
export type ReportDto = z.infer<typeof ReportDto>;

export const SettingsDto = z.object({
  device: z.string(),
  threads: z.number().int().positive(),
  /** How many runs execute at the same time. */
  runConcurrency: z.number().int().min(1).max(64),
  llmEndpoint: z.string().nullable(),
  /** Whether an LLM-labeler API key is stored in the OS keychain (the key itself never crosses). */
  llmApiKeySet: z.boolean(),
  /** The worker pool runs go to (redis://host:port, no credentials), or null: this lab runs them. */
  queueUrl: z.string().nullable().optional(),
});
export type SettingsDto = z.infer<typeof SettingsDto>;

export const DeviceProbeDto = z.object({
  device: z.string(),
  ok: z.boolean(),
  reason: z.string().optional(),
  ms: z.number(),
});
export type DeviceProbeDto = z.infer<typeof DeviceProbeDto>;

// Events.

export const RunProgressEvent = z.object({
  runId: Id,
  step: z.number().int().nonnegative(),
  totalSteps: z.number().int().nonnegative(),
  /** Seconds left at the current rate, or null before it can be estimated. */
  etaSeconds: z.number().nonnegative().nullable(),
  message: z.string().nullable(),
});
export type RunProgressEvent = z.infer<typeof RunProgressEvent>;

export const RunMetricEvent = z.object({ runId: Id, points: z.array(MetricPointDto) });
export type RunMetricEvent = z.infer<typeof RunMetricEvent>;

export const RunStatusEvent = z.object({ runId: Id, status: RunStatus, error: z.string().nullable() });
export type RunStatusEvent = z.infer<typeof RunStatusEvent>;
