/**
 * The lab's side of the worker pool: instead of starting worker threads, each grid point of a job
 * becomes one BullMQ job (generic over kinds: kind id, key, resolved config, seed). QueueEvents
 * bring progress back live; a completed job's run bundle is replayed into the lab's RunSink, so a
 * pooled run is stored by the same single writer as a local one.
 *
 * Imports are idempotent: the run records the hash of the bundle it imported (run_executions), and
 * a run that has one adds nothing from any later bundle, so a job reported twice (a retry after a
 * stall, a bundle submitted again) never duplicates a point. Only `host:port` of the queue is ever
 * stored or logged.
 */
import { randomBytes } from "node:crypto";
import { Job, type Queue, type QueueEvents } from "bullmq";
import type { LabStore } from "@goodhart/storage";
import type { JobRun } from "../runs/protocol.ts";
import type { RunJob, RunSink } from "../runs/run-executor.ts";
import { closeQuietly, describeQueueError, openPoolEvents, openPoolQueue, reportErrors } from "./connect.ts";
import { type PoolJob, type PoolProgress, poolJobId } from "./pool-job.ts";
import { cancelKey } from "./pool-worker.ts";
import type { QueueAddress } from "./queue-url.ts";
import { type RunBundle, bundleHash, decodeBundle, replayBundle } from "./run-bundle.ts";

export interface QueueExecutorOptions {
  address: QueueAddress;
  sink: RunSink;
  store: LabStore;
  /** This lab's id on the pool (several labs may share one). */
  lab: string;
  /** A run's kind, name and own resolved config (one grid point). */
  pointOf(runId: number): { kind: string; name: string; config: Record<string, unknown> };
  /** How many times a job is tried (a killed worker, an interrupted run). Default 3. */
  attempts?: number;
  log?: (text: string) => void;
}

interface Tracked {
  run: JobRun;
  jobId: string;
  begun: boolean;
  ended: boolean;
  cancelRequested: boolean;
  done: Promise<void>;
  end(): void;
}

export interface BundleImport {
  added: boolean;
  /** Why nothing was added. */
  reason?: string;
  hash: string;
}

/** How often the lab checks its open jobs' states in Redis, beside the events. */
const RECONCILE_MS = 5_000;

/** The fields of a lab job that the pool job carries itself (everything else travels as `inputs`). */
const OWN_FIELDS = new Set(["runs", "experimentModule", "config", "seed", "device", "threads", "runDir", "cacheDir", "resume"]);

/** The job's other inputs for the worker thread (datasets' rows, model folders, ...), generically. */
function inputsOf(job: RunJob): { inputs?: Record<string, unknown> } {
  const inputs = Object.fromEntries(Object.entries(job).filter(([k, v]) => !OWN_FIELDS.has(k) && v !== undefined));
  return Object.keys(inputs).length > 0 ? { inputs } : {};
}

export class QueueExecutor {
  readonly #o: QueueExecutorOptions;
  readonly #queue: Queue;
  readonly #events: QueueEvents;
  readonly #byJob = new Map<string, Tracked>();
  readonly #byRun = new Map<number, Tracked>();
  #closed = false;
  #reconcileTimer: NodeJS.Timeout;
  #reconciling = false;

  private constructor(options: QueueExecutorOptions, queue: Queue, events: QueueEvents) {
    this.#o = options;
    this.#queue = queue;
    this.#events = events;
    const log = options.log ?? ((t: string) => console.error(`Goodhart Lab: ${t}`));
    reportErrors(queue, options.address.label, log);
    reportErrors(events, options.address.label, log);
    events.on("progress", ({ jobId, data }) => this.#onProgress(jobId, data as PoolProgress));
    events.on("completed", ({ jobId, returnvalue }) => this.#onCompleted(jobId, returnvalue));
    events.on("failed", ({ jobId, failedReason }) => void this.#onFailed(jobId, failedReason));
    // Events are the fast path; this check is the safe one (an event lost to a reconnect or a
    // trimmed stream must not leave a run waiting forever).
    this.#reconcileTimer = setInterval(() => void this.#reconcile(), RECONCILE_MS);
    this.#reconcileTimer.unref();
  }

  /** Connects to the pool; a wrong password or an unreachable server is a QueueConnectionError. */
  static async open(options: QueueExecutorOptions): Promise<QueueExecutor> {
    const queue = await openPoolQueue(options.address);
    try {
      const events = await openPoolEvents(options.address, queue);
      return new QueueExecutor(options, queue, events);
    } catch (err) {
      await closeQuietly(queue);
      throw err;
    }
  }

  /** `host:port` of the pool. */
  get label(): string {
    return this.#o.address.label;
  }

  /** Submits one BullMQ job per run of the job (each grid point runs wherever a worker is free). */
  enqueue(job: RunJob): void {
    if (this.#closed) throw new Error("the pool connection is closed");
    for (const run of job.runs) if (this.knows(run.runId)) throw new Error(`run ${run.runId} is already queued or running`);
    const submission = randomBytes(4).toString("hex");
    for (const run of job.runs) {
      const point = this.#o.pointOf(run.runId);
      const data: PoolJob = {
        format: 1,
        lab: this.#o.lab,
        runId: run.runId,
        key: run.key,
        kind: point.kind,
        name: point.name,
        // A job of several grid points carries the whole study; each pooled job its own point.
        config: job.runs.length > 1 ? point.config : job.config,
        seed: job.seed,
        device: job.device,
        ...(job.threads ? { threads: job.threads } : {}),
        ...inputsOf(job),
      };
      const jobId = poolJobId(this.#o.lab, run.runId, submission);
      const tracked = this.#track(run, jobId);
      this.#o.store.runExecutions.submitted(run.runId, this.label, jobId);
      this.#queue
        .add(point.kind, data, {
          jobId,
          attempts: this.#o.attempts ?? 3,
          // Finished jobs stay a while (their bundle is the lab's to import), then Redis forgets them.
          removeOnComplete: { age: 24 * 3600 },
          removeOnFail: { age: 7 * 24 * 3600 },
        })
        .catch((err: unknown) =>
          this.#end(tracked, { status: "failed", error: { name: "Error", message: describeQueueError(err, this.label) } }),
        );
    }
  }

  /** True when the run's job is waiting or executing on the pool. */
  knows(runId: number): boolean {
    const t = this.#byRun.get(runId);
    return t !== undefined && !t.ended;
  }

  /**
   * Cancels a run's job: a waiting job is removed, an executing one is asked to stop (its worker
   * checks once a second). Resolves when the run has ended; false when the pool does not hold it.
   */
  async cancel(runId: number): Promise<boolean> {
    const t = this.#byRun.get(runId);
    if (!t || t.ended) return false;
    t.cancelRequested = true;
    const job = await Job.fromId(this.#queue, t.jobId);
    const state = job ? await job.getState() : "unknown";
    if (state === "waiting" || state === "delayed" || state === "prioritized" || state === "unknown") {
      try {
        await job?.remove();
        this.#end(t, { status: "cancelled" });
        return true;
      } catch {
        // It became active meanwhile: ask its worker.
      }
    }
    await (await this.#queue.getBackend().client).set(cancelKey(t.jobId), "1", { EX: 3600 });
    const timeout = new Promise<void>((r) => setTimeout(r, 30_000).unref());
    await Promise.race([t.done, timeout]);
    if (!t.ended) this.#end(t, { status: "cancelled" });
    return true;
  }

  /**
   * Imports a run bundle into run `runId`: nothing is added when the run already imported one (the
   * same or another), when it is not waiting for one, or when the bundle belongs elsewhere.
   */
  importBundle(runId: number, input: string | RunBundle): BundleImport {
    const bundle = typeof input === "string" ? decodeBundle(input) : input;
    const hash = bundleHash(bundle);
    const nothing = (reason: string): BundleImport => ({ added: false, reason, hash });
    if (bundle.point.lab !== this.#o.lab || bundle.point.runId !== runId)
      return nothing(`the bundle belongs to run ${bundle.point.runId} of lab ${bundle.point.lab}, not run ${runId} of this lab`);
    const execution = this.#o.store.runExecutions.get(runId);
    if (!execution) return nothing(`run ${runId} was not submitted to a worker pool`);
    if (execution.bundleHash)
      return nothing(
        execution.bundleHash === hash
          ? `run ${runId} already imported this bundle`
          : `run ${runId} already imported bundle ${execution.bundleHash.slice(0, 12)}`,
      );
    const run = this.#o.store.runs.get(runId);
    if (!run || (run.status !== "queued" && run.status !== "running"))
      return nothing(`run ${runId} is ${run?.status ?? "gone"}; it takes no results`);
    const t = this.#byRun.get(runId);
    replayBundle(bundle, this.#o.sink, t?.run ?? { runId, key: bundle.point.key }, { begun: t?.begun ?? run.status === "running" });
    this.#o.store.runExecutions.markImported(runId, hash, bundle.execution.worker);
    if (t) {
      t.ended = true;
      t.end();
    }
    return { added: true, hash };
  }

  /**
   * Lets go of the pool. The lab's runs on it end now: `interrupt` (the lab closes; resumable, and
   * a worker resumes from the shared checkpoint) or `cancel`. Waiting jobs are removed, executing
   * ones asked to stop.
   */
  async shutdown(mode: "cancel" | "interrupt" = "interrupt"): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    const open = [...this.#byRun.values()].filter((t) => !t.ended);
    await Promise.all(
      open.map(async (t) => {
        try {
          const job = await Job.fromId(this.#queue, t.jobId);
          if (job && (await job.getState()) !== "active") await job.remove();
          else await (await this.#queue.getBackend().client).set(cancelKey(t.jobId), "1", { EX: 3600 });
        } catch {
          // The pool is gone: nothing to stop there.
        }
        this.#end(
          t,
          mode === "cancel"
            ? { status: "cancelled" }
            : { status: "interrupted", error: "the lab closed while the run was on the worker pool" },
        );
      }),
    );
    clearInterval(this.#reconcileTimer);
    await closeQuietly(this.#events);
    await closeQuietly(this.#queue);
  }

  /** Brings every open run up to its job's state in Redis: started, completed (imported) or failed. */
  async #reconcile(): Promise<void> {
    if (this.#reconciling || this.#closed) return;
    this.#reconciling = true;
    try {
      for (const t of [...this.#byJob.values()]) {
        if (t.ended || this.#closed) continue;
        const job = await Job.fromId(this.#queue, t.jobId).catch(() => undefined);
        if (!job || t.ended) continue;
        const state = await job.getState().catch(() => "unknown");
        if ((state === "active" || state === "completed") && !t.begun && job.processedBy)
          this.#onProgress(t.jobId, { type: "started", worker: job.processedBy, attempt: job.attemptsStarted, resumedFromStep: null });
        if (state === "completed") this.#onCompleted(t.jobId, job.returnvalue);
        else if (state === "failed") await this.#onFailed(t.jobId, job.failedReason);
      }
    } finally {
      this.#reconciling = false;
    }
  }

  #track(run: JobRun, jobId: string): Tracked {
    let end!: () => void;
    const done = new Promise<void>((r) => (end = r));
    const t: Tracked = { run, jobId, begun: false, ended: false, cancelRequested: false, done, end };
    this.#byJob.set(jobId, t);
    this.#byRun.set(run.runId, t);
    return t;
  }

  #end(t: Tracked, outcome: Parameters<RunSink["finished"]>[1]): void {
    if (t.ended) return;
    t.ended = true;
    this.#o.sink.finished(t.run.runId, outcome, t.begun);
    t.end();
  }

  #onProgress(jobId: string, data: PoolProgress): void {
    const t = this.#byJob.get(jobId);
    if (!t || t.ended || typeof data !== "object" || data === null) return;
    if (data.type === "started") {
      this.#o.store.runExecutions.setWorker(t.run.runId, jobId, data.worker);
      if (!t.begun) {
        t.begun = true;
        this.#o.sink.started(t.run.runId);
      }
    } else if (data.type === "progress") {
      this.#o.sink.progress(t.run.runId, data.step, data.totalSteps, data.message);
    }
  }

  #onCompleted(jobId: string, returnvalue: unknown): void {
    const t = this.#byJob.get(jobId);
    if (!t || t.ended) return;
    try {
      const result = this.importBundle(t.run.runId, typeof returnvalue === "string" ? returnvalue : JSON.stringify(returnvalue));
      if (!result.added)
        this.#end(t, { status: "failed", error: { name: "Error", message: `the pool's bundle was not imported: ${result.reason}` } });
    } catch (err) {
      this.#end(t, { status: "failed", error: { name: "BundleError", message: err instanceof Error ? err.message : String(err) } });
    }
  }

  async #onFailed(jobId: string, reason: string): Promise<void> {
    const t = this.#byJob.get(jobId);
    if (!t || t.ended) return;
    // A failure BullMQ will retry (an interrupted run) is not the end of the run.
    const job = await Job.fromId(this.#queue, jobId).catch(() => undefined);
    const state = job ? await job.getState().catch(() => "unknown") : "unknown";
    if (state !== "failed" && state !== "unknown") return;
    if (t.cancelRequested || /cancelled by the lab/.test(reason)) this.#end(t, { status: "cancelled" });
    else this.#end(t, { status: "failed", error: { name: "Error", message: reason } });
  }
}
