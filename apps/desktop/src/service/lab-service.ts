/**
 * The application's use cases behind LabApi: datasets, labels, experiments, runs (queued in worker
 * threads), curves, comparison, reports, settings and devices, over one lab database. The HTTP
 * server, the Electron IPC bridge and the CLI all call this one object.
 */
import { existsSync, mkdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import {
  type Dataset,
  type LabStore,
  type OnBadRow,
  type Preference,
  detectFormat,
  importDataset as storageImportDataset,
} from "@goodhart/storage";
import type { ReportDto, RunDto, RunStatus } from "../shared/dto.ts";
import { withValidation } from "../shared/boundary.ts";
import { LabConflictError, LabNotFoundError, LabValidationError } from "../shared/errors.ts";
import type { Dispose, LabApi, LabInput } from "../shared/lab-api.ts";
import { diffConfigs } from "./config-diff.ts";
import { curvePointDto, datasetDto, exampleDto, experimentDto, fitDto, labelDto, runDto } from "./dto-mapping.ts";
import { EventHub } from "./event-hub.ts";
import { type AppKind, ExperimentRegistry } from "./experiments/registry.ts";
import {
  DATASET_ID_FIELD,
  GOLD_PANEL_FIELD,
  LABEL_SETS_FIELD,
  datasetIdsOf,
  datasetRowsFor,
  goldPanelRefusal,
  labelSetIdsOf,
  labelSetRowsFor,
  missingDatasets,
  missingLabelSets,
} from "./experiments/dataset-rows.ts";
import { missingModels, modelFoldersFor, modelIdsOf } from "./experiments/model-folders.ts";
import { curvesToCsv, curvesToJson } from "./reports/curves-export.ts";
import { type ReportEnvironment, collectEnvironment } from "./reports/environment.ts";
import { renderHtmlReport } from "./reports/html-report.ts";
import { RunnerLock } from "./runner-lock.ts";
import { sweepGrid } from "./runs/plan.ts";
import type { PlannedRun } from "./experiments/bon-study-plan.ts";
import { ResultWriter } from "./runs/result-writer.ts";
import { type RunOutcome, RunExecutor, type RunSink } from "./runs/run-executor.ts";
import { checkpointPath } from "./runs/checkpoint-path.ts";
import { FIT_FORM_TEXT } from "./runs/fit-form.ts";
import { LLM_API_KEY, type SecretStore, llmKeyHandlers, noSecretStore } from "./secret-store.ts";
import { labelsHandlers } from "./labels-api.ts";
import { LAB_VERSION } from "./lab-version.ts";
import { modelsHandlers } from "./models.ts";
import { withDatasetSource } from "./dataset-files.ts";
import { externalRunsHandlers } from "./runs/external-runs.ts";
import { SettingsStore } from "./settings-store.ts";
import { QUEUE_PASSWORD, labPool } from "./queue/lab-pool.ts";
import { settingsQueueUrl } from "./queue/settings-queue.ts";

/** Imports a dataset file into the store (provided by libs/storage's importers). */
export type DatasetImporter = (
  store: LabStore,
  path: string,
  options: {
    name?: string;
    format?: string;
    mapping?: Record<string, string>;
    labelValues?: Record<string, Preference>;
    onBadRow?: OnBadRow;
  },
) => Promise<Dataset>;

export interface LabServiceOptions {
  store: LabStore;
  /** Folder for run checkpoints and settings (usually beside the database). */
  dataDir: string;
  /** Folder of artefacts shared by runs (the pretrained base policy, reward-model files); default `<dataDir>/cache`. */
  cacheDir?: string;
  registry?: ExperimentRegistry;
  secrets?: SecretStore;
  /** Default: libs/storage's streaming importer (format detection, all-or-nothing commit). */
  importDataset?: DatasetImporter;
  probeDevices?: () => Promise<{ device: string; ok: boolean; reason?: string; ms: number }[]>;
  environment?: () => ReportEnvironment;
  /** Overrides the stored setting (e.g. a CLI flag). */
  runConcurrency?: number;
  cancelGraceMs?: number;
  /** How long closing waits for workers to stop after their current step before terminating them. Default 15 s. */
  shutdownGraceMs?: number;
  /** ONNX Runtime intra-op threads of the runs this service executes (a CLI flag). */
  threads?: number;
  /** Who holds the runner lock, as other processes' refusals name it (e.g. "goodhart run"). */
  holder?: string;
  /** A worker pool (redis:// or rediss:// URL) that executes the runs this service starts, instead of its own threads; overrides Settings. */
  queueUrl?: string;
  /** Re-queue runs left `queued` by a previous process (default true). */
  requeueQueued?: boolean;
  /**
   * Execute runs (default true): take the runner lock, mark runs left `running` by a dead owner
   * `interrupted` and requeue its `queued` ones. When another live process holds the lock the
   * service still starts, reads everything, and refuses to start, resume or cancel runs with a
   * message naming that process; it takes the lock on the next such call once the other is gone.
   * Read-only tools (e.g. `goodhart report`) pass false and never take the lock.
   */
  recoverInterrupted?: boolean;
}

/** libs/storage's importer; a file whose content is already in the lab adds nothing and says where it is. */
const importWithStorage: DatasetImporter = async (store, path, options) => {
  const result = await storageImportDataset(store, path, {
    name: options.name,
    format: options.format,
    mapping: options.mapping,
    labelValues: options.labelValues,
    onBadRow: options.onBadRow,
  });
  if (result.duplicateOf !== undefined) {
    const existing = store.datasets.get(result.duplicateOf);
    throw new LabConflictError(
      `${path}: the same content was already imported as dataset ${result.duplicateOf}${existing ? ` ('${existing.name}')` : ""}; nothing was added.`,
    );
  }
  const dataset = store.datasets.get(result.datasetId);
  if (!dataset) throw new Error(`${path}: the importer reported dataset ${result.datasetId}, which does not exist`);
  return dataset;
};

/** A result as JSON keeps it: typed arrays (per-prompt values) become plain arrays, not `{"0": ...}` objects. */
function asJson(result: Record<string, unknown>): Record<string, unknown> {
  return JSON.parse(
    JSON.stringify(result, (_key, value: unknown) =>
      ArrayBuffer.isView(value) && !(value instanceof DataView) ? Array.from(value as unknown as ArrayLike<number>) : value,
    ),
  ) as Record<string, unknown>;
}

interface LiveProgress {
  step: number;
  totalSteps: number;
  t0: number;
  step0: number;
}

/** LabApi plus the lifecycle the front doors need. */
export interface LabService extends LabApi {
  /** Every event, for bridges (IPC, SSE). */
  subscribe(listener: Parameters<EventHub["subscribe"]>[0]): Dispose;
  /** Run ids marked `interrupted` when the service started (they were `running` when the last process died). */
  readonly interruptedAtStart: readonly number[];
  /** Why this service does not execute runs (another process holds the runner lock), or null when it does. */
  runnerConflict(): string | null;
  /** Publishes this lab's HTTP endpoint beside the runner lock (`lab.json`, 0600), now or once it holds the lock. */
  publishEndpoint(endpoint: { url: string; token: string }): void;
  /**
   * Stops workers after their current step (waiting up to the shutdown grace), flushes results and
   * releases the runner lock. Runs become `interrupted` (resumable; the default: the app closes) or
   * `cancelled` (Ctrl-C / SIGTERM: the user stopped them). Does not close the store.
   */
  close(options?: { runs?: "interrupt" | "cancel" }): Promise<void>;
  /** Imports a worker pool's run bundle (a job's result) into its run; the same bundle twice adds nothing. */
  importRunBundle(runId: number, bundle: string): Promise<{ added: boolean; reason?: string; hash: string }>;
}

/** Creates the service and recovers runs cut off by a previous crash. */
export function createLabService(options: LabServiceOptions): LabService {
  const { store, dataDir } = options;
  mkdirSync(dataDir, { recursive: true });
  const registry = options.registry ?? new ExperimentRegistry();
  const secrets = options.secrets ?? noSecretStore;
  const settings = new SettingsStore(join(dataDir, "settings.json"));
  const hub = new EventHub();
  // A run whose results cannot be stored (e.g. a non-finite KL) is stopped and failed, not left
  // running with its numbers silently dropped.
  const writeErrors = new Map<number, string>();
  const writer = new ResultWriter(store, (runId, err) => {
    if (writeErrors.has(runId)) return;
    writeErrors.set(runId, `results could not be stored: ${err instanceof Error ? err.message : String(err)}`);
    void executor.cancel(runId);
  });
  const progress = new Map<number, LiveProgress>();
  // Runs of the executing jobs that reported their own result (the job's result does not replace it).
  const ownResults = new Set<number>();
  const checkpoints = new Map<number, number | null>();
  const runDir = (runId: number): string => join(dataDir, "runs", String(runId));
  // GOODHART_CACHE lets several labs (and tests) share one pretrained base policy.
  const cacheDir = options.cacheDir ?? process.env.GOODHART_CACHE ?? join(dataDir, "cache");

  const checkpointStep = (runId: number): number | null => {
    if (!checkpoints.has(runId)) {
      const file = checkpointPath(runDir(runId));
      let step: number | null = null;
      if (existsSync(file)) {
        try {
          step = (JSON.parse(readFileSync(file, "utf8")) as { step: number }).step;
        } catch {
          step = null;
        }
      }
      checkpoints.set(runId, step);
    }
    return checkpoints.get(runId)!;
  };

  const toDto = (runId: number): RunDto => {
    const run = store.runs.get(runId);
    if (!run) throw new LabNotFoundError(`Run ${runId} does not exist.`);
    const p = progress.get(runId);
    const dto = runDto(run, { progress: p ? { step: p.step, totalSteps: p.totalSteps } : null, checkpointStep: checkpointStep(runId) });
    // Where a pooled run executes: its worker, or the queue it waits on (host:port only).
    const pooled = store.runExecutions.get(runId);
    return pooled ? { ...dto, executor: pooled.worker ?? `queue ${pooled.queue}` } : dto;
  };

  const setStatus = (runId: number, status: RunStatus, details: { device?: string; error?: string } = {}): void => {
    store.runs.setStatus(runId, status, details);
    hub.emit({ type: "runs.status", payload: { runId, status, error: store.runs.get(runId)?.error ?? null } });
  };

  const sink: RunSink = {
    started(runId) {
      setStatus(runId, "running", { device: runDevice.get(runId) });
    },
    progress(runId, step, totalSteps, message) {
      const now = performance.now();
      let p = progress.get(runId);
      if (!p) progress.set(runId, (p = { step, totalSteps, t0: now, step0: step }));
      p.step = step;
      p.totalSteps = totalSteps;
      const rate = (step - p.step0) / ((now - p.t0) / 1000);
      const etaSeconds = rate > 0 && Number.isFinite(rate) ? Math.max(0, (totalSteps - step) / rate) : null;
      hub.emit({ type: "runs.progress", payload: { runId, step, totalSteps, etaSeconds, message } });
    },
    metrics(runId, points) {
      writer.addMetrics(runId, points);
      hub.emit({ type: "runs.metrics", payload: { runId, points: points.map((p) => ({ runId, ...p })) } });
    },
    curve(runId, points) {
      writer.addCurvePoints(
        runId,
        points.map((p) => ({ runId, ...p })),
      );
    },
    fits(runId, fits) {
      writer.addFits(fits.map((f) => ({ runId, ...f, form: FIT_FORM_TEXT[f.form] })));
    },
    labelSet(runId, set) {
      writer.addLabelSet(runId, set);
    },
    samples(runId, set) {
      writer.addSamples(runId, set);
    },
    model(runId, model) {
      writer.addModel(runId, model);
    },
    checkpoint(runId, step) {
      checkpoints.set(runId, step);
    },
    runResult(runId, result) {
      ownResults.add(runId);
      try {
        store.runs.setResult(runId, asJson(result));
      } catch (err) {
        console.error(`Goodhart Lab: could not store the result of run ${runId}:`, err);
      }
    },
    result(runs, result) {
      // A study's result lists its grid points (`runs: [{id, ...}]`): each run keeps its own part.
      const parts = Array.isArray(result.runs) ? (result.runs as { id?: unknown }[]) : null;
      for (const { runId, key } of runs) {
        // A run that reported its own result when it ended keeps it (the experiment's own form).
        if (ownResults.delete(runId)) continue;
        const own = parts && key !== "" ? { ...result, runs: parts.filter((p) => p.id === key) } : result;
        try {
          store.runs.setResult(runId, asJson(own));
        } catch (err) {
          console.error(`Goodhart Lab: could not store the result of run ${runId}:`, err);
        }
      }
    },
    finished(runId, outcome: RunOutcome, begun) {
      // Results first, then the status: a run reads `done` only once its numbers are committed.
      writer.flush();
      const writeError = writeErrors.get(runId);
      writeErrors.delete(runId);
      runDevice.delete(runId);
      try {
        // A run its job never reached was not attempted: it stays resumable.
        if (!begun && outcome.status !== "cancelled")
          setStatus(runId, "interrupted", {
            error: `not started: ${outcome.status === "interrupted" ? outcome.error : outcome.status === "failed" ? `the study stopped (${outcome.error.message})` : "the study ended without it"}`,
          });
        else if (writeError) setStatus(runId, "failed", { error: writeError });
        else if (outcome.status === "done") setStatus(runId, "done");
        else if (outcome.status === "cancelled") setStatus(runId, "cancelled");
        else if (outcome.status === "failed") setStatus(runId, "failed", { error: `${outcome.error.name}: ${outcome.error.message}` });
        else setStatus(runId, "interrupted", { error: outcome.error });
      } catch (err) {
        console.error(`Goodhart Lab: could not record the end of run ${runId}:`, err);
      }
    },
  };

  const stored = settings.get();
  const executor = new RunExecutor({
    concurrency: options.runConcurrency ?? stored.runConcurrency,
    sink,
    cancelGraceMs: options.cancelGraceMs,
  });
  // The device each queued run will report when it starts.
  const runDevice = new Map<number, string>();

  const kindOfRun = (runId: number) => {
    const run = store.runs.get(runId)!;
    const experiment = run.experimentId === null ? undefined : store.experiments.get(run.experimentId);
    if (!experiment) throw new LabConflictError(`Run ${runId} has no experiment to execute.`);
    return { run, kind: registry.get(experiment.kind) };
  };

  /** The key a run's experiment knows it by: its grid-point id (its config planned alone), else "". */
  const runKey = (kind: AppKind, config: Record<string, unknown>, runId: number): string => {
    if (!kind.plan) return "";
    const planned = kind.plan(config);
    if (planned.length !== 1)
      throw new LabConflictError(`Run ${runId}'s config expands into ${planned.length} grid points; a run is one grid point.`);
    return planned[0]!.key;
  };

  // Runs go to the worker pool when a queue URL is set (the CLI's --queue, or Settings).
  const pool = labPool({
    url: () => options.queueUrl ?? settings.get().queueUrl,
    password: () => secrets.get(QUEUE_PASSWORD) ?? process.env.GOODHART_QUEUE_PASSWORD,
    store,
    sink,
    pointOf: (runId) => {
      const { run, kind } = kindOfRun(runId);
      return { kind: kind.kind, name: run.name, config: run.config };
    },
  });

  /** Queues one job for runs of one experiment (on `target`: this lab's executor, or a pool); the config is the one every run of the job shares. */
  const enqueueJob = (
    runs: { runId: number; key: string }[],
    config: Record<string, unknown>,
    resume: boolean,
    target: { enqueue: RunExecutor["enqueue"] } = executor,
  ): void => {
    const { run, kind } = kindOfRun(runs[0]!.runId);
    const device = run.device ?? settings.get().device;
    for (const r of runs) {
      progress.delete(r.runId);
      runDevice.set(r.runId, device);
    }
    // The worker has no database: the rows of the datasets the config reads travel with the job.
    const missing = missingDatasets(store, config);
    if (missing.length > 0)
      throw new LabConflictError(`Run ${runs[0]!.runId} reads dataset ${missing.join(", ")}, which this lab no longer has.`);
    const datasets = datasetIdsOf(config).length > 0 ? { datasets: datasetRowsFor(store, config) } : {};
    const absentSets = missingLabelSets(store, config);
    if (absentSets.length > 0)
      throw new LabConflictError(`Run ${runs[0]!.runId} reads label set ${absentSets.join(", ")}, which this lab no longer has.`);
    const labelSets = labelSetIdsOf(config).length > 0 ? { labelSets: labelSetRowsFor(store, config) } : {};
    // Registered model folders (`model:<id>` inits) travel as paths; the worker loads the weights.
    const absentModels = missingModels(store, config);
    if (absentModels.length > 0)
      throw new LabConflictError(
        `Run ${runs[0]!.runId} starts from model ${absentModels.map((m) => m.id).join(", ")}, which this lab has not registered (goodhart models list).`,
      );
    const models = modelIdsOf(config).length > 0 ? { models: modelFoldersFor(store, config) } : {};
    target.enqueue({
      runs,
      experimentModule: kind.module,
      config,
      ...datasets,
      ...labelSets,
      ...models,
      seed: run.seed,
      device,
      ...(options.threads ? { threads: options.threads } : {}),
      runDir: runDir(runs[0]!.runId),
      cacheDir,
      resume,
    });
  };

  /** Queues a run on its own: from its checkpoint when it has one, else from its beginning with its old results cleared. */
  /**
   * The key a run executes alone under, or a ConflictError: a run stored by an older Goodhart Lab
   * (one run per study, or the CLI's former per-grid-point config) cannot execute as it is.
   */
  const runnableKey = (runId: number): string => {
    const { run, kind } = kindOfRun(runId);
    try {
      registry.parseConfig(kind.kind, run.config);
      return runKey(kind, run.config, runId);
    } catch (err) {
      // Configs are validated when stored, so one that no longer parses was stored by an earlier
      // Goodhart Lab: say so, and which fields changed, rather than a bare validation error.
      const reason = (err instanceof Error ? err.message : String(err)).replace(`Invalid config for experiment kind '${kind.kind}': `, "");
      // Runs record the version that created them (since migration 0120); older ones only their date.
      const storedBy = run.labVersion
        ? `Goodhart Lab ${run.labVersion} (on ${run.createdAt.slice(0, 10)}; this is ${LAB_VERSION})`
        : `an earlier Goodhart Lab (on ${run.createdAt.slice(0, 10)})`;
      throw new LabConflictError(
        `Run ${runId} cannot be executed again: it was stored by ${storedBy} and its config is no longer one runnable ${kind.kind} grid point; config no longer valid: ${reason}. Start its experiment again instead.`,
      );
    }
  };

  const enqueueAlone = (runId: number, resume: boolean, target?: { enqueue: RunExecutor["enqueue"] }): void => {
    const { run } = kindOfRun(runId);
    const key = runnableKey(runId); // checked before anything is cleared
    const fromCheckpoint = resume && checkpointStep(runId) !== null;
    if (!fromCheckpoint) store.runs.clearResults(runId);
    enqueueJob([{ runId, key }], run.config, fromCheckpoint, target);
  };

  // Only the process that holds the runner lock executes runs, and only it may recover runs a
  // dead owner left behind: a run `running` under a live owner is that owner's, never ours to touch.
  const runner = options.recoverInterrupted ?? true;
  let lock: RunnerLock | null = null;
  let conflict: string | null = null;
  let endpoint: { url: string; token: string } | null = null;
  let closed = false;
  const wasRunning: number[] = [];
  const becomeRunner = (): boolean => {
    if (lock) return true;
    if (!runner || closed) return false;
    try {
      lock = RunnerLock.acquire(dataDir, store.path, options.holder);
    } catch (err) {
      if (!(err instanceof LabConflictError)) throw err;
      conflict = err.message;
      return false;
    }
    conflict = null;
    try {
      wasRunning.push(...store.runs.list({ status: "running" }).map((r) => r.id));
      store.runs.markRunningAsInterrupted();
      if (options.requeueQueued ?? true) {
        for (const r of store.runs.list({ status: "queued" })) {
          try {
            enqueueAlone(r.id, false);
          } catch (err) {
            // One run that cannot execute (stored by an older version) must not keep the lab from starting.
            if (!(err instanceof LabConflictError)) throw err;
            setStatus(r.id, "interrupted", { error: err.message });
          }
        }
      }
      if (endpoint) lock.publishEndpoint({ ...endpoint, dbFile: store.path });
    } catch (err) {
      lock.release();
      lock = null;
      throw err;
    }
    return true;
  };
  becomeRunner();
  const requireRunOwner = (): void => {
    if (becomeRunner()) return;
    if (!runner)
      throw new LabConflictError(
        "This process opened the lab without executing runs (e.g. `goodhart report`); start, resume or cancel runs from the app.",
      );
    throw new LabConflictError(`This lab cannot start, resume or cancel runs now: ${conflict}`);
  };

  /** The runs a config expands into (one per grid point), or a LabValidationError saying why it cannot run. */
  const planOrRefuse = (kind: AppKind, config: Record<string, unknown>, name: string): PlannedRun[] => {
    const missing = missingDatasets(store, config);
    if (missing.length > 0) {
      throw new LabValidationError(
        `Invalid config for experiment kind '${kind.kind}': ${DATASET_ID_FIELD}: no dataset ${missing.join(", ")} in this lab (goodhart datasets list shows the lab's datasets)`,
      );
    }
    const panelRefusal = goldPanelRefusal(store, config);
    if (panelRefusal)
      throw new LabValidationError(`Invalid config for experiment kind '${kind.kind}': ${GOLD_PANEL_FIELD}: ${panelRefusal}`);
    const absentModel = missingModels(store, config)[0];
    if (absentModel)
      throw new LabValidationError(
        `Invalid config for experiment kind '${kind.kind}': ${absentModel.field}: no registered model ${absentModel.id} in this lab (goodhart models list shows the lab's models)`,
      );
    const absentSets = missingLabelSets(store, config);
    if (absentSets.length > 0)
      throw new LabValidationError(
        `Invalid config for experiment kind '${kind.kind}': ${LABEL_SETS_FIELD}: no label set ${absentSets.join(", ")} in this lab`,
      );
    try {
      return kind.plan ? kind.plan(config) : [{ key: "", name, config }];
    } catch (err) {
      throw new LabValidationError(`'${name}' cannot be run: ${err instanceof Error ? err.message : String(err)}`);
    }
  };

  const requireExperiment = (id: number) => {
    const e = store.experiments.get(id);
    if (!e) throw new LabNotFoundError(`Experiment ${id} does not exist.`);
    return e;
  };
  const requireDataset = (id: number) => {
    const d = store.datasets.get(id);
    if (!d) throw new LabNotFoundError(`Dataset ${id} does not exist.`);
    return d;
  };
  const requireRuns = (ids: readonly number[]) => ids.map((id) => toDto(id));
  const curvePoints = (runId: number) => store.curves.series(runId).flatMap((s) => store.curves.points(runId, s.name).map(curvePointDto));
  const lastMetrics = (runId: number) =>
    new Map(
      store.metrics
        .names(runId)
        .map((name) => [name, store.metrics.latest(runId, name)?.value] as const)
        .filter((e): e is readonly [string, number] => e[1] !== undefined),
    );
  const settingsDto = () => ({ ...settings.get(), runConcurrency: executor.concurrency, llmApiKeySet: secrets.has(LLM_API_KEY) });

  const service: LabService = {
    interruptedAtStart: wasRunning,
    subscribe: (listener) => hub.subscribe(listener),
    runnerConflict: () => (lock ? null : (conflict ?? (runner ? null : "this process does not execute runs"))),
    publishEndpoint(e) {
      endpoint = e;
      lock?.publishEndpoint({ ...e, dbFile: store.path });
    },

    datasets: {
      list: async () => store.datasets.list().map(datasetDto),
      get: async (input) => datasetDto(requireDataset((input as LabInput<"datasets", "get">).id)),
      import: async (raw) => {
        const input = raw as LabInput<"datasets", "import">;
        // A path, or a dropped folder's files staged as a folder for the import (dataset-files.ts).
        return datasetDto(
          await withDatasetSource(dataDir, input, (path) =>
            (options.importDataset ?? importWithStorage)(store, path, {
              name: input.name,
              format: input.format,
              mapping: input.mapping,
              labelValues: input.labelValues,
              onBadRow: input.onBadRow,
            }),
          ),
        );
      },
      detect: async (raw) => {
        const input = raw as LabInput<"datasets", "detect">;
        const r = await withDatasetSource(dataDir, input, (path) => detectFormat(path, { format: input.format, mapping: input.mapping }));
        return {
          container: r.container,
          gzip: r.gzip,
          format: r.format,
          title: r.title,
          rule: r.rule,
          columns: r.columns,
          categoryColumn: r.categoryColumn,
          alsoMatched: r.alsoMatched,
          sourceColumns: r.sourceColumns,
        };
      },
      examples: async (raw) => {
        const input = raw as LabInput<"datasets", "examples">;
        requireDataset(input.id);
        return store.examples.list(input.id, { afterRow: input.afterRow, limit: input.limit }).map(exampleDto);
      },
      remove: async (input) => {
        const { id } = input as LabInput<"datasets", "remove">;
        if (!store.datasets.delete(id)) throw new LabNotFoundError(`Dataset ${id} does not exist.`);
        return { ok: true as const };
      },
    },

    labels: {
      list: async (raw) => {
        const input = raw as LabInput<"labels", "list">;
        requireDataset(input.datasetId);
        return store.labels.forDataset(input.datasetId, { dimension: input.dimension, source: input.source }).map(labelDto);
      },
      add: async (raw) => {
        const input = raw as LabInput<"labels", "add">;
        if (!store.examples.get(input.exampleId)) throw new LabNotFoundError(`Example ${input.exampleId} does not exist.`);
        return labelDto(store.labels.add(input));
      },
      stats: async (raw) => {
        const { datasetId } = raw as LabInput<"labels", "stats">;
        requireDataset(datasetId);
        const counts = store.datasets.labelCounts(datasetId);
        return { datasetId, total: counts.reduce((s, c) => s + c.count, 0), counts };
      },
      ...labelsHandlers(store, requireDataset, { secrets }),
    },

    kinds: {
      list: async () => registry.describeAll(),
      expand: async (raw) => {
        const input = raw as LabInput<"kinds", "expand">;
        return registry.expand(input.kind, input.axes);
      },
    },

    presets: {
      list: async (raw) => registry.presets((raw as LabInput<"presets", "list"> | undefined)?.kind),
    },

    experiments: {
      kinds: async () => registry.list(),
      create: async (raw) => {
        const input = raw as LabInput<"experiments", "create">;
        const config = registry.parseConfig(input.kind, input.config);
        // A config whose grid points cannot each run alone is refused now, before anything is stored.
        planOrRefuse(registry.get(input.kind), config, input.name);
        return experimentDto(store.experiments.create({ name: input.name, kind: input.kind, config }));
      },
      list: async () => store.experiments.list().map(experimentDto),
      get: async (raw) => experimentDto(requireExperiment((raw as LabInput<"experiments", "get">).id)),
    },

    runs: {
      start: async (raw) => {
        requireRunOwner();
        const input = raw as LabInput<"runs", "start">;
        const experiment = requireExperiment(input.experimentId);
        // Re-validated: the kind's schema may have gained defaults since the experiment was saved.
        // From here on the config is parsed: the worker receives it as is.
        const kind = registry.get(experiment.kind);
        const config = registry.parseConfig(kind.kind, experiment.config);
        const planned = planOrRefuse(kind, config, input.name ?? `${experiment.name} (seed ${input.seed})`);
        const device = input.device ?? settings.get().device;
        // Connected before any run is created: a refused pool (wrong password) leaves nothing behind.
        const remote = await pool.open().catch((err: unknown) => {
          throw new LabConflictError(err instanceof Error ? err.message : String(err));
        });
        // One run per grid point (a sweep is several runs), all created before any starts.
        const runs = store.transaction(() => {
          const grid = sweepGrid(kind.kind, config);
          const sweep = grid ? store.sweeps.create({ experimentId: experiment.id, name: `${experiment.name} sweep`, grid, config }) : null;
          return planned.map((p) =>
            store.runs.create({
              experimentId: experiment.id,
              sweepId: sweep?.id ?? null,
              name: p.key && input.name ? `${input.name}: ${p.name}` : p.name,
              seed: input.seed,
              config: p.config,
              device,
              labVersion: LAB_VERSION,
            }),
          );
        });
        for (const run of runs) hub.emit({ type: "runs.status", payload: { runId: run.id, status: "queued", error: null } });
        // The grid points of one submission run in one job: they share its base policy and samples.
        enqueueJob(
          runs.map((r, i) => ({ runId: r.id, key: planned[i]!.key })),
          runs.length > 1 ? config : runs[0]!.config,
          false,
          remote ?? executor,
        );
        return toDto(runs[0]!.id);
      },
      list: async (raw) => {
        const input = (raw ?? {}) as NonNullable<LabInput<"runs", "list">>;
        return store.runs
          .list({ status: input.status })
          .filter((r) => input.experimentId === undefined || r.experimentId === input.experimentId)
          .map((r) => toDto(r.id));
      },
      get: async (raw) => toDto((raw as LabInput<"runs", "get">).id),
      cancel: async (raw) => {
        requireRunOwner();
        const { id } = raw as LabInput<"runs", "cancel">;
        const run = toDto(id);
        if (!(await executor.cancel(id)) && !(await pool.cancel(id))) {
          if (run.status !== "queued")
            throw new LabConflictError(`Run ${id} is ${run.status}; only queued or running runs can be cancelled.`);
          setStatus(id, "cancelled");
        }
        return toDto(id);
      },
      resume: async (raw) => {
        requireRunOwner();
        const { id } = raw as LabInput<"runs", "resume">;
        const run = toDto(id);
        // A queued run no job holds (its study's process died before reaching it) is resumable too.
        const remote = await pool.open().catch((err: unknown) => {
          throw new LabConflictError(err instanceof Error ? err.message : String(err));
        });
        if (run.status === "queued" && !executor.knows(id) && !pool.knows(id)) {
          enqueueAlone(id, true, remote ?? executor);
          return toDto(id);
        }
        if (!["interrupted", "cancelled", "failed"].includes(run.status)) {
          throw new LabConflictError(`Run ${id} is ${run.status}; only interrupted, cancelled or failed runs can be resumed.`);
        }
        runnableKey(id); // refused before its status changes
        setStatus(id, "queued");
        try {
          enqueueAlone(id, true, remote ?? executor);
        } catch (err) {
          setStatus(id, "interrupted", { error: `could not be resumed: ${err instanceof Error ? err.message : String(err)}` });
          throw err;
        }
        return toDto(id);
      },
      samples: async (raw) => {
        const input = raw as LabInput<"runs", "samples">;
        toDto(input.runId);
        const sets = store.samples.forRun(input.runId);
        const setsDto = sets.map((s) => ({ name: s.name, series: s.series, members: s.members, poolSize: s.poolSize, prompts: s.prompts }));
        const set = input.set === undefined ? sets[0] : sets.find((s) => s.name === input.set);
        if (!set) {
          if (input.set !== undefined)
            throw new LabNotFoundError(
              `Run ${input.runId} has no sample set '${input.set}'; it has ${sets.map((s) => s.name).join(", ") || "none"}.`,
            );
          return { runId: input.runId, sets: setsDto, set: null, series: null, n: null, picks: [] };
        }
        const series = input.series ?? set.series[0]!;
        const n = input.n ?? set.poolSize;
        try {
          const picks = store.samples.picks(set.id, { n, series, sort: input.sort });
          return { runId: input.runId, sets: setsDto, set: set.name, series, n, picks };
        } catch (err) {
          throw new LabValidationError(`Run ${input.runId}, sample set '${set.name}': ${err instanceof Error ? err.message : String(err)}`);
        }
      },
      fits: async (raw) => {
        const { runId } = raw as LabInput<"runs", "fits">;
        toDto(runId);
        return store.fits.forRun(runId).map(fitDto);
      },
      result: async (raw) => {
        const { runId } = raw as LabInput<"runs", "result">;
        toDto(runId);
        return store.runs.get(runId)?.result ?? null;
      },
      metrics: async (raw) => {
        const input = raw as LabInput<"runs", "metrics">;
        toDto(input.runId);
        const names = input.name === undefined ? store.metrics.names(input.runId) : [input.name];
        return names.map((name) => {
          const s = store.metrics.series(input.runId, name);
          const steps: number[] = [];
          const values: (number | null)[] = [];
          for (let i = 0; i < s.steps.length; i++) {
            if (input.afterStep !== undefined && s.steps[i]! <= input.afterStep) continue;
            steps.push(s.steps[i]!);
            values.push(Number.isNaN(s.values[i]!) ? null : s.values[i]!);
          }
          return { runId: input.runId, name, steps, values };
        });
      },
      ...externalRunsHandlers(store, toDto),
      onDidProgress: (listener) => hub.on("runs.progress", listener),
      onDidRecordMetrics: (listener) => hub.on("runs.metrics", listener),
      onDidChangeStatus: (listener) => hub.on("runs.status", listener),
    },

    curves: {
      get: async (raw) => {
        const { runId } = raw as LabInput<"curves", "get">;
        toDto(runId);
        return curvePoints(runId);
      },
      export: async (raw) => {
        const input = raw as LabInput<"curves", "export">;
        const points = requireRuns(input.runIds).flatMap((r) => curvePoints(r.id));
        return input.format === "csv"
          ? { mimeType: "text/csv", text: curvesToCsv(points) }
          : { mimeType: "application/json", text: curvesToJson(points) };
      },
    },

    compare: {
      runs: async (raw) => {
        const { runIds, curves: withCurves } = raw as LabInput<"compare", "runs">;
        const runs = requireRuns(runIds);
        const experimentIds = [...new Set(runs.map((r) => r.experimentId).filter((id): id is number => id !== null))];
        const metrics = runs.map((r) => lastMetrics(r.id));
        const names = [...new Set(metrics.flatMap((m) => [...m.keys()]))].sort();
        return {
          runs,
          experiments: experimentIds.map((id) => experimentDto(requireExperiment(id))),
          curves: withCurves ? runs.map((r) => ({ runId: r.id, points: curvePoints(r.id) })) : [],
          metrics: names.map((name) => ({ name, values: metrics.map((m) => m.get(name) ?? null) })),
          configDiff: diffConfigs(runs.map((r) => r.config)),
        };
      },
    },

    reports: {
      create: async (raw) => {
        const input = raw as LabInput<"reports", "create">;
        const runs = requireRuns(input.runIds);
        const title = input.title ?? `Goodhart Lab report: run${runs.length === 1 ? "" : "s"} ${runs.map((r) => r.id).join(", ")}`;
        const experimentIds = [...new Set(runs.map((r) => r.experimentId).filter((id): id is number => id !== null))];
        const html = renderHtmlReport({
          title,
          generatedAt: new Date().toISOString(),
          runs,
          experiments: experimentIds.map((id) => experimentDto(requireExperiment(id))),
          curves: new Map(runs.map((r) => [r.id, curvePoints(r.id)])),
          metrics: new Map(runs.map((r) => [r.id, lastMetrics(r.id)])),
          metricSeries: new Map(runs.map((r) => [r.id, store.metrics.names(r.id).map((name) => store.metrics.series(r.id, name))])),
          fits: runs.flatMap((r) => store.fits.forRun(r.id).map(fitDto)),
          kinds: registry.describeAll(),
          results: new Map(runs.map((r) => [r.id, store.runs.get(r.id)?.result ?? null])),
          environment: (options.environment ?? collectEnvironment)(),
        });
        const report = store.reports.create({ title, format: "html", runIds: runs.map((r) => r.id), content: html });
        return { id: report.id, title, runIds: report.runIds, html, createdAt: report.createdAt } satisfies ReportDto;
      },
      list: async () =>
        store.reports.list().map((r) => ({ id: r.id, title: r.title, format: r.format, runIds: r.runIds, createdAt: r.createdAt })),
      get: async (raw) => {
        const { id } = raw as LabInput<"reports", "get">;
        const r = store.reports.get(id);
        if (!r) throw new LabNotFoundError(`Report ${id} does not exist.`);
        return { id: r.id, title: r.title, runIds: r.runIds, html: r.content ?? "", createdAt: r.createdAt };
      },
    },

    settings: {
      ...llmKeyHandlers(secrets, settingsDto),
      get: async () => settingsDto(),
      update: async (raw) => {
        const input = raw as LabInput<"settings", "update">;
        settings.update({ ...input, ...settingsQueueUrl(input.queueUrl, secrets) });
        if (input.runConcurrency !== undefined) executor.setConcurrency(input.runConcurrency);
        return settingsDto();
      },
    },

    devices: {
      list: async () => {
        const probe = options.probeDevices ?? (await import("@goodhart/engine")).probeDevices;
        return probe();
      },
    },

    models: modelsHandlers(store, dataDir),

    importRunBundle: (runId, bundle) => pool.importBundle(runId, bundle),

    async close(closeOptions) {
      // Idempotent: a Ctrl-C handler may close with the runs cancelled before the final close.
      closed = true;
      await executor.shutdown(closeOptions?.runs ?? "interrupt", options.shutdownGraceMs);
      await pool.shutdown(closeOptions?.runs ?? "interrupt");
      writer.flush();
      lock?.release();
      lock = null;
    },
  };
  return withValidation(service);
}
