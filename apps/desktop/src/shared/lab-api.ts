/**
 * The LabApi contract: one table of namespaced methods, each with the schema of its input and
 * output, and one table of events. The TypeScript interface is derived from the tables, so the
 * schemas that validate calls at every boundary and the types the code is checked against cannot
 * drift apart. The IPC channel of a method is `lab:<service>.<method>`; events travel on one
 * channel, `lab:event`.
 */
import { z } from "zod";
import {
  CompareDto,
  CurvePointDto,
  ColumnMappingDto,
  LabelValuesDto,
  OnBadRowDto,
  DatasetDto,
  DetectionDto,
  DeviceProbeDto,
  ExampleDto,
  ExperimentDto,
  ExperimentKindDto,
  FitDto,
  RunSamplesDto,
  GridPointDto,
  Id,
  JsonObject,
  KindDto,
  LabelDto,
  LabelSource,
  Preference,
  LabelStatsDto,
  MetricSeriesDto,
  PresetDto,
  ReportDto,
  ReportSummaryDto,
  RunDto,
  RunMetricEvent,
  RunProgressEvent,
  RunStatus,
  RunStatusEvent,
  SettingsDto,
} from "./dto.ts";

/** A method's input and output schemas. */
export interface MethodSpec<I extends z.ZodType = z.ZodType, O extends z.ZodType = z.ZodType> {
  input: I;
  output: O;
}

function method<I extends z.ZodType, O extends z.ZodType>(input: I, output: O): MethodSpec<I, O> {
  return { input, output };
}

const none = z.object({}).strict().optional();
const byId = z.object({ id: Id }).strict();
const ok = z.object({ ok: z.literal(true) });
const maxPage = 1000;
/** A dropped dataset folder's files: each its path inside the folder (`train/state.json`) and the grant (or path) of its bytes. */
const DatasetFilesDto = z
  .array(z.object({ name: z.string().min(1).max(500), path: z.string().min(1) }).strict())
  .min(1)
  .max(4096);
/** The dropped folder's own name (the dataset's default name). */
const DatasetFolderName = z.string().min(1).max(200);

/** A statistic with its percentile bootstrap interval (libs/objectives BootstrapInterval). */
const IntervalDto = z.object({
  estimate: z.number().nullable(),
  low: z.number().nullable(),
  high: z.number().nullable(),
  level: z.number(),
  /** The bootstrap SE (standard deviation of the replicates). */
  se: z.number().nullable(),
  replicates: z.number().int(),
  failed: z.number().int(),
});
/** Agreement among a dataset's labelers on one dimension (service/labels.ts datasetAgreement). */
export const AgreementDto = z.object({
  datasetId: Id,
  dimension: z.string(),
  /** `<source>: <annotator>` per rater index. */
  raterNames: z.array(z.string()),
  items: z.number().int().nonnegative(),
  raw: IntervalDto,
  cohen: IntervalDto.nullable(),
  fleiss: IntervalDto.extend({ items: z.number().int() }).nullable(),
  pairwise: z.array(
    z.object({ raters: z.tuple([z.number().int(), z.number().int()]), items: z.number().int(), raw: IntervalDto, cohen: IntervalDto }),
  ),
});
export type AgreementDto = z.infer<typeof AgreementDto>;

/** Cost and time of an LLM labeling job before it starts (service/labels.ts estimateLlmLabeling). */
export const LlmEstimateDto = z.object({
  comparisons: z.number().int(),
  /** Requests still to send: both orders of every comparison, less the answers already cached. */
  requests: z.number().int(),
  cachedAnswers: z.number().int(),
  inputTokens: z.number(),
  outputTokens: z.number(),
  /** At the given prices per million tokens; null without prices. */
  cost: z.number().nullable(),
  /** The least time the rate limit allows. */
  seconds: z.number(),
});
export type LlmEstimateDto = z.infer<typeof LlmEstimateDto>;

/** An LLM labeling job of this lab process (service/labels-llm.ts); the counts are null until it is done. */
export const LlmJobDto = z.object({
  id: Id,
  datasetId: Id,
  name: z.string(),
  template: z.string(),
  model: z.string(),
  baseUrl: z.string(),
  status: z.enum(["running", "done", "failed", "cancelled"]),
  /** Comparisons answered in both orders (from the endpoint or the cache), of `total`. */
  done: z.number().int(),
  total: z.number().int(),
  labelSetId: Id.nullable(),
  kept: z.number().int().nullable(),
  inconsistent: z.number().int().nullable(),
  malformed: z.number().int().nullable(),
  requests: z.number().int().nullable(),
  /** Answers read from the cache instead of the endpoint; null until done. */
  cached: z.number().int().nullable(),
  /** The judge's notices so far (retries after rate limits or errors), the latest 50. */
  notes: z.array(z.string()),
  error: z.string().nullable(),
  startedAt: z.string(),
});
export type LlmJobDto = z.infer<typeof LlmJobDto>;

/** A label set: which labels of a dataset a run trains on, with the flips drawn for label noise. */
export const LabelSetDto = z.object({
  id: Id,
  name: z.string(),
  datasetId: Id,
  dimension: z.string(),
  source: LabelSource.nullable(),
  flipP: z.number(),
  seed: z.number().int(),
  size: z.number().int().nonnegative(),
  flippedCount: z.number().int().nonnegative(),
  createdAt: z.string(),
});
export type LabelSetDto = z.infer<typeof LabelSetDto>;

const llmJobInput = {
  datasetId: Id,
  /** A built-in judge template: `overall` or a capability. */
  template: z.string().min(1).max(100),
  model: z.string().min(1).max(200),
  requestsPerMinute: z.number().positive().max(100_000).optional(),
};

/** A registered Hugging Face model folder (service/models.ts). */
export const ModelDto = z.object({
  id: Id,
  name: z.string(),
  path: z.string(),
  architecture: z.enum(["gpt2", "gpt_neox", "llama"]),
  parameters: z.number().int(),
  vocab: z.number().int(),
  dModel: z.number().int(),
  nLayers: z.number().int(),
  nHeads: z.number().int(),
  maxSeq: z.number().int(),
  tokenizer: z.string().nullable(),
  weightFiles: z.array(z.string()),
  weightBytes: z.number(),
  fingerprint: z.string(),
  memory: z.object({ fullTrain: z.number(), loraTrain: z.number(), inference: z.number(), fullTrainSummary: z.string() }),
  createdAt: z.string(),
});
export type ModelDto = z.infer<typeof ModelDto>;

/** Run-log formats of other tools `runs.import` reads (libs/storage run-import; docs/run-import.md). */
export const RUN_LOG_FORMATS = ["trl", "openrlhf", "verl", "wandb", "verl-rollouts"] as const;
/** What `runs.import` did: the external run, or the run a file with the same content went into (`duplicate`, nothing added). */
export const RunImportDto = z.object({
  run: RunDto,
  format: z.enum(RUN_LOG_FORMATS),
  duplicate: z.boolean(),
  metrics: z.number().int(),
  curvePoints: z.number().int(),
  samples: z.number().int(),
});
export type RunImportDto = z.infer<typeof RunImportDto>;
/** What `runs.rescore` stored: per-sample scores, per-step means and the curve points (where the run logged a per-sequence KL). */
export const RescoreDto = z.object({
  runId: Id,
  scorer: z.string(),
  samples: z.number().int(),
  steps: z.number().int(),
  series: z.string(),
  curvePoints: z.number().int(),
  /** The mean gold of the first rescored step, subtracted so that step scores 0 (the lab's recentring); null without gold. */
  goldOffset: z.number().nullable(),
  /** Why steps have no curve point (no per-sequence KL logged at that step), or null. */
  note: z.string().nullable(),
});
export type RescoreDto = z.infer<typeof RescoreDto>;

/** Every LabApi method, by service. */
export const labMethods = {
  datasets: {
    list: method(none, z.array(DatasetDto)),
    get: method(byId, DatasetDto),
    /**
     * Imports a file or folder already on this machine (drag-in gives a grant in Electron; browser
     * mode uploads first), or a dropped folder's files (`files`, names relative to the folder named
     * `folder`), which the lab places in a temporary folder and imports as one dataset.
     */
    import: method(
      z
        .object({
          path: z.string().min(1).optional(),
          files: DatasetFilesDto.optional(),
          folder: DatasetFolderName.optional(),
          name: z.string().min(1).optional(),
          format: z.string().min(1).optional(),
          mapping: ColumnMappingDto.optional(),
          labelValues: LabelValuesDto.optional(),
          onBadRow: OnBadRowDto.optional(),
        })
        .strict(),
      DatasetDto,
    ),
    /** What importing the file (or folder, or a dropped folder's `files`) would recognise (format, column roles); imports nothing. */
    detect: method(
      z
        .object({
          path: z.string().min(1).optional(),
          files: DatasetFilesDto.optional(),
          folder: DatasetFolderName.optional(),
          format: z.string().min(1).optional(),
          mapping: ColumnMappingDto.optional(),
        })
        .strict(),
      DetectionDto,
    ),
    /** A page of examples, after the given 1-based row (0 = from the start). */
    examples: method(
      z
        .object({ id: Id, afterRow: z.number().int().nonnegative().default(0), limit: z.number().int().min(1).max(maxPage).default(50) })
        .strict(),
      z.array(ExampleDto),
    ),
    remove: method(byId, ok),
  },
  labels: {
    list: method(
      z.object({ datasetId: Id, source: LabelSource.optional(), dimension: z.string().min(1).default("overall") }).strict(),
      z.array(LabelDto),
    ),
    add: method(
      z
        .object({
          exampleId: Id,
          dimension: z.string().min(1).default("overall"),
          preferred: Preference,
          source: LabelSource.default("human"),
          annotator: z.string().min(1).nullable().default(null),
          confidence: z.number().min(0).max(1).nullable().default(null),
        })
        .strict(),
      LabelDto,
    ),
    stats: method(z.object({ datasetId: Id }).strict(), LabelStatsDto),
    /** Undo of a person's label: only `human` labels that no label set holds can be removed. */
    remove: method(byId, ok),
    /** Raw agreement, Cohen's and Fleiss' kappa with 95% bootstrap intervals among everyone who labelled the dataset. */
    agreement: method(z.object({ datasetId: Id, dimension: z.string().min(1).default("overall") }).strict(), AgreementDto),
    /** A dataset of built-in task comparisons to label (two samples of the true generator per prompt). */
    createComparisons: method(
      z
        .object({
          name: z.string().min(1).max(200),
          count: z.number().int().min(1).max(100_000).default(100),
          seed: z.number().int().nonnegative().default(0),
        })
        .strict(),
      DatasetDto,
    ),
    /**
     * The synthetic labeler on a dataset of comparisons: per dimension, the built-in gold's
     * preferences as `synthetic` labels and a label set `<name>/<dimension>` with each non-tie label
     * flipped with probability `noise` (seeded).
     */
    createSynthetic: method(
      z
        .object({
          datasetId: Id,
          name: z.string().min(1).max(200),
          dimensions: z.array(z.string().min(1)).min(1).max(32).default(["overall"]),
          noise: z.number().min(0).lt(1).default(0),
          seed: z.number().int().nonnegative().default(0),
        })
        .strict(),
      z.array(LabelSetDto),
    ),
    /** Requests, tokens, cost and least time of judging a dataset with the LLM judge (cached answers subtracted); sends nothing. */
    estimateLlm: method(
      z
        .object({
          ...llmJobInput,
          inputPricePerMTok: z.number().nonnegative().optional(),
          outputPricePerMTok: z.number().nonnegative().optional(),
        })
        .strict(),
      LlmEstimateDto,
    ),
    /** Starts an LLM judge job (the API key: the keychain's in the desktop app, else GOODHART_LLM_API_KEY); poll `llmJob`. */
    startLlm: method(
      z.object({ ...llmJobInput, baseUrl: z.string().url().max(2000), name: z.string().min(1).max(200) }).strict(),
      LlmJobDto,
    ),
    llmJob: method(byId, LlmJobDto),
    /** Stops a running LLM job; its answers so far stay cached, so starting it again resumes. */
    cancelLlm: method(byId, LlmJobDto),
  },
  kinds: {
    /** Every experiment kind with its config schema, presets, outputs and views. */
    list: method(none, z.array(KindDto)),
    /**
     * The points of a sweep grid over a kind's config (Cartesian product, last axis fastest); each
     * path is checked against the kind's schema, an unknown one named with the nearest valid paths.
     */
    expand: method(
      z
        .object({
          kind: z.string().min(1),
          axes: z.array(z.object({ path: z.string().min(1), values: z.array(z.unknown()) }).strict()).max(32),
        })
        .strict(),
      z.array(GridPointDto),
    ),
  },
  presets: {
    /** Presets of every kind, or of one. */
    list: method(
      z
        .object({ kind: z.string().min(1).optional() })
        .strict()
        .optional(),
      z.array(PresetDto),
    ),
  },
  experiments: {
    /** The older, flat view of the kinds (parameters as dotted paths); `kinds.list` has everything. */
    kinds: method(none, z.array(ExperimentKindDto)),
    create: method(
      z.object({ name: z.string().min(1).max(200), kind: z.string().min(1), config: JsonObject.default({}) }).strict(),
      ExperimentDto,
    ),
    list: method(none, z.array(ExperimentDto)),
    get: method(byId, ExperimentDto),
  },
  runs: {
    /** Queues a run of an experiment; it starts when a slot of the run queue frees up. */
    start: method(
      z
        .object({
          experimentId: Id,
          seed: z
            .number()
            .int()
            .min(0)
            .max(2 ** 31 - 1)
            .default(0),
          device: z.string().min(1).optional(),
          name: z.string().min(1).max(200).optional(),
        })
        .strict(),
      RunDto,
    ),
    list: method(z.object({ experimentId: Id.optional(), status: RunStatus.optional() }).strict().optional(), z.array(RunDto)),
    get: method(byId, RunDto),
    /** Cancels a queued or running run; resolves once it is stored `cancelled` (within 2 s). */
    cancel: method(byId, RunDto),
    /** Requeues an `interrupted` (or `cancelled`/`failed`) run from its last checkpoint. */
    resume: method(byId, RunDto),
    /**
     * The samples behind a run's best-of-n curves: per prompt, the completion a best-of-n draw of
     * size `n` (default: the pool size) picks under `series` (default: the set's first), sorted by
     * proxy - gold gain (largest first: where the proxy most overrates its pick) or by prompt.
     */
    samples: method(
      z
        .object({
          runId: Id,
          n: z.number().int().positive().optional(),
          series: z.string().min(1).optional(),
          set: z.string().min(1).optional(),
          sort: z.enum(["proxy-gold", "prompt"]).default("proxy-gold"),
        })
        .strict(),
      RunSamplesDto,
    ),
    /** The scaling laws fitted to a run's curves, with SEs and bootstrap intervals of coefficients and peaks. */
    fits: method(z.object({ runId: Id }).strict(), z.array(FitDto)),
    /**
     * What the run's experiment returned (null until it has): its headline numbers, the paths a
     * kind's summary columns name; for a best-of-n study also `analysis` (per cell of seeds: curves
     * as mean +- SE, bootstrap intervals, each aggregation minus the single member), as the CLI's
     * summary table prints it. Non-finite numbers are null.
     */
    result: method(z.object({ runId: Id }).strict(), JsonObject.nullable()),
    /** A run's metrics as columns, one series per name; `afterStep` fetches only newer points (live charts). */
    metrics: method(
      z.object({ runId: Id, name: z.string().optional(), afterStep: z.number().int().nonnegative().optional() }).strict(),
      z.array(MetricSeriesDto),
    ),
    /** Imports another tool's run log (TRL, OpenRLHF, verl, W&B CSV, verl rollout dump) as an external run; the same content twice adds nothing. */
    import: method(
      z
        .object({
          path: z.string().min(1),
          format: z.enum(RUN_LOG_FORMATS).optional(),
          name: z.string().min(1).max(200).optional(),
          runId: Id.optional(),
        })
        .strict(),
      RunImportDto,
    ),
    /** Scores an external run's rollout samples offline (`gold`: the built-in task's gold judge; `model:<id>`: a reward model the lab trained), adding a curve. */
    rescore: method(z.object({ runId: Id, with: z.string().min(1).max(200).default("gold") }).strict(), RescoreDto),
  },
  curves: {
    get: method(z.object({ runId: Id }).strict(), z.array(CurvePointDto)),
    /** The curve points of runs as CSV or JSON text, for export. */
    export: method(
      z.object({ runIds: z.array(Id).min(1), format: z.enum(["csv", "json"]) }).strict(),
      z.object({ mimeType: z.string(), text: z.string() }),
    ),
  },
  compare: {
    /** Runs side by side; `curves: false` leaves `curves` empty for callers that already hold the points. */
    runs: method(z.object({ runIds: z.array(Id).min(1).max(50), curves: z.boolean().default(true) }).strict(), CompareDto),
  },
  reports: {
    /** A self-contained HTML report (inline SVG figures, tables, configs, environment) of runs. */
    create: method(z.object({ runIds: z.array(Id).min(1).max(50), title: z.string().min(1).max(200).optional() }).strict(), ReportDto),
    list: method(none, z.array(ReportSummaryDto)),
    get: method(byId, ReportDto),
  },
  settings: {
    get: method(none, SettingsDto),
    update: method(
      z
        .object({
          device: z.string().min(1).optional(),
          threads: z.number().int().positive().max(1024).optional(),
          runConcurrency: z.number().int().min(1).max(64).optional(),
          llmEndpoint: z.string().url().nullable().optional(),
          /** A worker pool (redis://host:port or rediss://); a password in it goes to the OS keychain. Null or "": run here. */
          queueUrl: z.string().max(2000).nullable().optional(),
        })
        .strict(),
      SettingsDto,
    ),
    /** Stores the LLM judge's API key in the OS keychain (desktop app only; browser mode and the CLI refuse). Never returned. */
    setLlmApiKey: method(z.object({ key: z.string().min(1).max(4096) }).strict(), SettingsDto),
    clearLlmApiKey: method(none, SettingsDto),
  },
  devices: {
    list: method(none, z.array(DeviceProbeDto)),
  },
  models: {
    list: method(none, z.array(ModelDto)),
    /**
     * Registers a model folder (idempotent for an unchanged folder): its path on this machine, or
     * its files (a dropped folder: grant ids from uploads or the preload, with each file's name),
     * which the lab copies into a folder of its own.
     */
    import: method(
      z
        .object({
          path: z.string().min(1).optional(),
          files: z
            .array(z.object({ name: z.string().min(1).max(200), path: z.string().min(1) }).strict())
            .min(1)
            .max(256)
            .optional(),
          name: z.string().min(1).max(200).optional(),
        })
        .strict(),
      ModelDto,
    ),
    /** What an experiment form can offer as policy / reward-model initialisation: "builtin" or "model:<id>". */
    initChoices: method(none, z.array(z.object({ value: z.string(), label: z.string() }))),
  },
} as const;

/** Every LabApi event: `<service>.<onDidX>` maps to its wire type and payload schema. */
export const labEvents = {
  runs: {
    onDidProgress: { type: "runs.progress", payload: RunProgressEvent },
    onDidRecordMetrics: { type: "runs.metrics", payload: RunMetricEvent },
    onDidChangeStatus: { type: "runs.status", payload: RunStatusEvent },
  },
} as const;

type Methods = typeof labMethods;
type Events = typeof labEvents;
export type ServiceName = keyof Methods;

/** Removes a listener. */
export type Dispose = () => void;

type ArgsOf<I extends z.ZodType> = undefined extends z.input<I> ? [input?: z.input<I>] : [input: z.input<I>];
type ServiceMethods<S extends Record<string, MethodSpec>> = {
  [M in keyof S]: (...args: ArgsOf<S[M]["input"]>) => Promise<z.output<S[M]["output"]>>;
};
interface EventSpec {
  type: string;
  payload: z.ZodType;
}
type EventListenerOf<T> = T extends EventSpec ? (listener: (event: z.output<T["payload"]>) => void) => Dispose : never;
type ServiceEvents<K extends string> = K extends keyof Events ? { [E in keyof Events[K]]: EventListenerOf<Events[K][E]> } : unknown;
type EventMessageOf<T> = T extends EventSpec ? { type: T["type"]; payload: z.output<T["payload"]> } : never;

/** The one interface every front door (IPC, HTTP, CLI) exposes. */
export type LabApi = { [S in ServiceName]: ServiceMethods<Methods[S]> & ServiceEvents<S> };

/** The input type of `service.method` after defaults are applied (what an implementation receives). */
export type LabInput<S extends ServiceName, M extends keyof Methods[S]> =
  Methods[S][M] extends MethodSpec<infer I, z.ZodType> ? z.output<I> : never;

/** A `lab:event` message. */
export type LabEvent = { [K in keyof Events]: { [E in keyof Events[K]]: EventMessageOf<Events[K][E]> }[keyof Events[K]] }[keyof Events];
export type LabEventType = LabEvent["type"];

/** `"datasets.list"`, ... : every method, in table order. */
export const labMethodNames: readonly string[] = Object.entries(labMethods).flatMap(([service, methods]) =>
  Object.keys(methods).map((m) => `${service}.${m}`),
);

export { LAB_EVENT_CHANNEL, labChannel } from "./lab-channels.ts";

/** The spec of `service.method`, or undefined when it is not part of LabApi. */
export function findMethod(methodName: string): MethodSpec | undefined {
  const dot = methodName.indexOf(".");
  if (dot < 0) return undefined;
  const service = methodName.slice(0, dot);
  const name = methodName.slice(dot + 1);
  if (!Object.hasOwn(labMethods, service)) return undefined;
  const methods = labMethods[service as ServiceName] as Record<string, MethodSpec>;
  return Object.hasOwn(methods, name) ? methods[name] : undefined;
}

/** Every event as `{ service, name, type, payload schema }`. */
export const labEventList: readonly { service: string; name: string; type: string; payload: z.ZodType }[] = Object.entries(
  labEvents,
).flatMap(([service, events]) =>
  Object.entries(events).map(([name, e]) => ({ service, name, type: e.type, payload: e.payload as z.ZodType })),
);
