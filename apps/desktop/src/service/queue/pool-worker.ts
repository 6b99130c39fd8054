/**
 * `goodhart worker`: pulls grid points from the pool's queue and runs each with the lab's own run
 * machinery (RunExecutor: a worker thread per run, the kind's module from this worker's registry),
 * collecting what it reports into a run bundle that goes back as the job's result. Progress goes
 * back live as BullMQ job progress.
 *
 * A worker killed mid-run loses its job lock; BullMQ's stalled-job check puts the job back and
 * another worker takes it. With a shared folder the run resumes from its last checkpoint: the
 * bundle collected up to that checkpoint is saved beside it, so the resumed run's bundle has every
 * point exactly once. Without one (or when the two disagree) it restarts from its beginning.
 */
import { cpSync, existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import { basename, join, relative, resolve } from "node:path";
import { type Job, UnrecoverableError, Worker } from "bullmq";
import { ExperimentRegistry } from "../experiments/registry.ts";
import { checkpointPath } from "../runs/checkpoint-path.ts";
import { type RunJob, type RunOutcome, RunExecutor, type RunSink } from "../runs/run-executor.ts";
import { closeQuietly, openPoolQueue, reportErrors } from "./connect.ts";
import { POOL_QUEUE, type PoolJob, type PoolProgress, parsePoolJob } from "./pool-job.ts";
import { type QueueAddress, connectionOf, redactQueueUrl } from "./queue-url.ts";
import { BUNDLE_FORMAT, type BundleContent, type RunBundle, decodeBundle, emptyContent, encodeBundle } from "./run-bundle.ts";

export interface PoolWorkerOptions {
  address: QueueAddress;
  /** Runs executed at once by this worker (each in its own thread). */
  concurrency: number;
  /** Overrides the device the lab asked for. */
  device?: string;
  /** ONNX Runtime threads per run (overrides the lab's). */
  threads?: number;
  /** A folder every worker (and optionally the lab) sees: checkpoints, the model cache, model files. */
  shared?: string;
  /** Cached artefacts (the pretrained base policy); default <shared>/cache, else <workDir>/cache. */
  cacheDir?: string;
  /** This machine's scratch folder for runs when there is no shared folder. */
  workDir: string;
  /** This worker's name; its id is `name@host`. */
  name?: string;
  /** How long a job stays this worker's without a lock renewal (BullMQ lockDuration). Default 30 s. */
  lockMs?: number;
  registry?: ExperimentRegistry;
  log(text: string): void;
}

export interface PoolWorker {
  /** `name@host`, as the lab shows where a run executes. */
  readonly id: string;
  /** Stops taking jobs; runs still executing are interrupted and their jobs go back to the queue. */
  close(): Promise<void>;
}

/** What a run folder keeps beside its checkpoint: the bundle collected up to that step. */
const PARTIAL = "bundle-partial.json";
/** How often a running job checks whether its lab cancelled it. */
const CANCEL_POLL_MS = 1000;

/** Redis key a lab sets to cancel a job that is executing on some worker. */
export const cancelKey = (jobId: string): string => `goodhart:cancel:${jobId}`;

function readJson<T>(file: string): T | null {
  try {
    return JSON.parse(readFileSync(file, "utf8")) as T;
  } catch {
    return null;
  }
}

function writeAtomically(file: string, text: string): void {
  const temp = `${file}.${process.pid}.tmp`;
  writeFileSync(temp, text);
  renameSync(temp, file);
}

/** The state a run restarts from: its checkpoint and the bundle up to it, when both agree. */
function resumePoint(runDir: string): { step: number; content: BundleContent } | null {
  const checkpoint = readJson<{ step: number }>(checkpointPath(runDir));
  const partial = readJson<{ step: number; bundle: string }>(join(runDir, PARTIAL));
  if (checkpoint && partial && partial.step === checkpoint.step) {
    try {
      const b = decodeBundle(partial.bundle);
      return { step: checkpoint.step, content: b };
    } catch {
      // A partial bundle from another version: restart.
    }
  }
  // A checkpoint without its points (killed between the two writes) would lose points: restart.
  rmSync(runDir, { recursive: true, force: true });
  return null;
}

function bundleOf(job: PoolJob, content: BundleContent, outcome: RunOutcome, execution: RunBundle["execution"]): RunBundle {
  return {
    format: BUNDLE_FORMAT,
    point: { lab: job.lab, runId: job.runId, key: job.key, kind: job.kind, seed: job.seed, config: job.config },
    status: outcome.status === "done" ? "done" : outcome.status === "cancelled" ? "cancelled" : "failed",
    error:
      outcome.status === "failed"
        ? `${outcome.error.name}: ${outcome.error.message}`
        : outcome.status === "interrupted"
          ? outcome.error
          : null,
    metrics: content.metrics,
    curves: content.curves,
    fits: content.fits,
    labelSets: content.labelSets,
    samples: content.samples,
    models: content.models,
    ownResult: content.ownResult,
    jobResult: content.jobResult,
    execution,
  };
}

/** Model files outside the shared folder are copied into it, so the lab (which sees it) can open them. */
function shareModels(content: BundleContent, shared: string | undefined, runFolder: string): void {
  if (!shared) return;
  for (const entry of content.models) {
    const path = resolve(entry.model.path);
    if (!relative(shared, path).startsWith("..")) continue;
    if (!existsSync(path)) continue;
    const target = join(shared, "models", runFolder, basename(path));
    cpSync(path, target, { recursive: true });
    entry.model = { ...entry.model, path: target };
  }
}

export async function startPoolWorker(options: PoolWorkerOptions): Promise<PoolWorker> {
  const { address, log } = options;
  const id = `${options.name ?? `worker-${process.pid}`}@${os.hostname()}`;
  const registry = options.registry ?? new ExperimentRegistry();
  const shared = options.shared ? resolve(options.shared) : undefined;
  const runsRoot = join(shared ?? resolve(options.workDir), "runs");
  const cacheDir = options.cacheDir ?? process.env.GOODHART_CACHE ?? join(shared ?? resolve(options.workDir), "cache");
  mkdirSync(runsRoot, { recursive: true });
  // A wrong password or an unreachable server is one clear error, before any job is taken. The
  // queue stays open for the cancel checks.
  const queue = await openPoolQueue(address);
  reportErrors(queue, address.label, (t) => log(`${id}: ${t}`));

  const active = new Set<RunExecutor>();
  let closing = false;

  const processJob = async (job: Job): Promise<string> => {
    let data: PoolJob;
    let config: Record<string, unknown>;
    let module: string;
    try {
      data = parsePoolJob(job.data, String(job.id));
      config = registry.parseConfig(data.kind, data.config);
      module = registry.workerModule(data.kind);
    } catch (err) {
      // A job this worker cannot run (unknown kind, invalid config) fails for good: retrying elsewhere would fail the same way.
      throw new UnrecoverableError(`${id} cannot run job ${job.id}: ${err instanceof Error ? err.message : String(err)}`);
    }
    const runFolder = `${data.lab}-r${data.runId}`;
    const runDir = join(runsRoot, runFolder);
    const resumed = resumePoint(runDir);
    const content: BundleContent = resumed?.content ?? emptyContent();
    if (resumed) log(`${id}: job ${job.id} resumes from the checkpoint at step ${resumed.step}`);
    const startedAt = new Date().toISOString();
    await job.updateProgress({
      type: "started",
      worker: id,
      attempt: job.attemptsStarted,
      resumedFromStep: resumed?.step ?? null,
    } satisfies PoolProgress);

    let lastProgress = 0;
    let progressTimer: NodeJS.Timeout | null = null;
    let pendingProgress: PoolProgress | null = null;
    const sendProgress = (): void => {
      progressTimer = null;
      if (pendingProgress) void job.updateProgress(pendingProgress).catch(() => undefined);
      pendingProgress = null;
      lastProgress = Date.now();
    };
    let finish!: (outcome: RunOutcome) => void;
    const finished = new Promise<RunOutcome>((r) => (finish = r));
    // The executor's events for this one run, collected into the bundle.
    const sink: RunSink = {
      started() {},
      progress(_runId, step, totalSteps, message) {
        pendingProgress = { type: "progress", step, totalSteps, message };
        // At most five updates a second (each is a Redis round trip), the last one always.
        if (step >= totalSteps) sendProgress();
        else progressTimer ??= setTimeout(sendProgress, Math.max(0, 200 - (Date.now() - lastProgress)));
      },
      metrics: (_runId, points) => void content.metrics.push(...points),
      curve: (_runId, points) => void content.curves.push([...points]),
      fits: (_runId, fits) => void content.fits.push(...fits),
      labelSet: (_runId, set) => void content.labelSets.push(set),
      samples: (_runId, set) => void content.samples.push(set),
      model: (runId, model) => void content.models.push({ shared: runId === null, model }),
      checkpoint(_runId, step) {
        // Saved after the worker thread's checkpoint file: on resume both name the same step. Only
        // the content is read back (the status is a placeholder).
        writeAtomically(
          join(runDir, PARTIAL),
          JSON.stringify({ step, bundle: encodeBundle(bundleOf(data, content, { status: "cancelled" }, execution())) }),
        );
      },
      runResult: (_runId, result) => void (content.ownResult = result),
      result: (_runs, result) => void (content.jobResult = result),
      finished: (_runId, outcome) => finish(outcome),
    };
    const execution = (): RunBundle["execution"] => ({
      worker: id,
      attempts: job.attemptsStarted,
      startedAt,
      endedAt: new Date().toISOString(),
      resumedFromStep: resumed?.step ?? null,
    });

    const executor = new RunExecutor({ concurrency: 1, sink });
    active.add(executor);
    // The lab cancels a running job by setting its key; checked once a second.
    const client = await queue.getBackend().client;
    const cancelPoll = setInterval(() => {
      void client
        .get(cancelKey(String(job.id)))
        .then((v: string | null) => {
          if (v) void executor.cancel(1);
        })
        .catch(() => undefined);
    }, CANCEL_POLL_MS);
    try {
      mkdirSync(runDir, { recursive: true });
      executor.enqueue({
        // Inputs first: nothing in them may replace what the worker decides below.
        ...(data.inputs as Partial<RunJob> | undefined),
        runs: [{ runId: 1, key: data.key }],
        experimentModule: module,
        config,
        seed: data.seed,
        device: options.device ?? data.device,
        ...((options.threads ?? data.threads) ? { threads: options.threads ?? data.threads } : {}),
        runDir,
        cacheDir,
        resume: resumed !== null,
      });
      const outcome = await finished;
      if (progressTimer) clearTimeout(progressTimer);
      if (pendingProgress) sendProgress();
      if (outcome.status === "interrupted") {
        // Killed thread or this worker shutting down: the job goes back to the queue (from the checkpoint, with a shared folder).
        throw new Error(closing ? `${id} was stopped (Ctrl-C / SIGTERM)` : `run interrupted on ${id}: ${outcome.error}`);
      }
      if (outcome.status === "cancelled") throw new UnrecoverableError(closing ? `${id} stopped` : "cancelled by the lab");
      if (outcome.status === "failed") throw new UnrecoverableError(`${outcome.error.name}: ${outcome.error.message}`);
      shareModels(content, shared, runFolder);
      const text = encodeBundle(bundleOf(data, content, outcome, execution()));
      log(`${id}: job ${job.id} (${data.kind} ${data.key || data.name}) done`);
      rmSync(runDir, { recursive: true, force: true });
      return text;
    } finally {
      clearInterval(cancelPoll);
      active.delete(executor);
      await executor.shutdown("interrupt", 5_000);
    }
  };

  const worker = new Worker(POOL_QUEUE, processJob, {
    connection: connectionOf(address),
    concurrency: options.concurrency,
    name: id,
    lockDuration: options.lockMs ?? 30_000,
    stalledInterval: Math.max(500, Math.round((options.lockMs ?? 30_000) / 2)),
    // A job whose worker died is taken again (resumed or restarted), up to three times.
    maxStalledCount: 3,
  });
  reportErrors(worker, address.label, (t) => log(`${id}: ${t}`));
  worker.on("failed", (job, err) => {
    // An interrupted run is tried again (elsewhere) while attempts remain; anything else has failed.
    const again = err.name !== "UnrecoverableError" && job !== undefined && job.attemptsMade < (job.opts.attempts ?? 1);
    log(`${id}: job ${job?.id ?? "?"} ${again ? "goes back to the queue" : "failed"}: ${redactQueueUrl(err.message)}`);
  });
  await worker.waitUntilReady();
  log(
    `${id}: waiting for runs on ${address.label} (queue ${POOL_QUEUE}, ${options.concurrency} at a time${shared ? `, shared folder ${shared}` : ""})`,
  );

  return {
    id,
    async close() {
      closing = true;
      // Executing runs are interrupted (their jobs go back to the queue), then BullMQ lets go.
      await Promise.all([...active].map((e) => e.shutdown("interrupt", 5_000)));
      await closeQuietly(worker);
      await closeQuietly(queue);
    },
  };
}
