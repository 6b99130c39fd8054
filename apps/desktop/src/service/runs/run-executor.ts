/**
 * Runs experiments in worker threads, never on the caller's event loop: a FIFO queue with a
 * configurable concurrency, streamed progress/metrics/curves, and cancel that completes within
 * the grace period plus a terminate (well under 2 s): cooperative first (a shared Atomics flag and
 * a message), then `worker.terminate()`.
 */
import { Worker } from "node:worker_threads";
import type { SerializedError } from "../../shared/errors.ts";
import type { CurveSample, FitSample, MetricSample, ParentMessage, WorkerMessage, WorkerStart } from "./protocol.ts";

/** One run to execute: what its worker starts with, less what the executor adds. */
export type RunJob = Omit<WorkerStart, "entry" | "cancelFlag">;

/** How a run ended. `interrupted`: the worker died without saying why (killed, out of memory). */
export type RunOutcome =
  | { status: "done"; result: Record<string, unknown> }
  | { status: "failed"; error: SerializedError }
  | { status: "cancelled" }
  | { status: "interrupted"; error: string };

/** Receives everything the executor observes, in order, per run. */
export interface RunSink {
  started(runId: number): void;
  progress(runId: number, step: number, totalSteps: number, message: string | null): void;
  metrics(runId: number, points: MetricSample[]): void;
  curve(runId: number, points: CurveSample[]): void;
  fits(runId: number, fits: FitSample[]): void;
  checkpoint(runId: number, step: number): void;
  finished(runId: number, outcome: RunOutcome): void;
}

export interface RunExecutorOptions {
  concurrency: number;
  sink: RunSink;
  /** How long a cancelled worker may take to stop by itself before it is terminated. */
  cancelGraceMs?: number;
}

interface ActiveRun {
  job: RunJob;
  worker: Worker;
  flag: Int32Array;
  cancelRequested: boolean;
  finished: boolean;
  exited: Promise<void>;
}

const bootstrap = new URL("./worker-bootstrap.mjs", import.meta.url);
const workerEntry = new URL("./worker-entry.ts", import.meta.url).href;

export class RunExecutor {
  readonly #queue: RunJob[] = [];
  readonly #active = new Map<number, ActiveRun>();
  readonly #sink: RunSink;
  readonly #graceMs: number;
  #concurrency: number;
  #closed = false;

  constructor(options: RunExecutorOptions) {
    this.#sink = options.sink;
    this.#concurrency = checkConcurrency(options.concurrency);
    this.#graceMs = options.cancelGraceMs ?? 1000;
  }

  get concurrency(): number {
    return this.#concurrency;
  }

  /** Changes how many runs execute at once; queued runs start if slots opened. */
  setConcurrency(n: number): void {
    this.#concurrency = checkConcurrency(n);
    this.#pump();
  }

  /** Queues a run; it starts as soon as a slot is free. */
  enqueue(job: RunJob): void {
    if (this.#closed) throw new Error("the run executor is shut down");
    if (this.#active.has(job.runId) || this.#queue.some((j) => j.runId === job.runId)) throw new Error(`run ${job.runId} is already queued or running`);
    this.#queue.push(job);
    this.#pump();
  }

  /** Runs executing now. */
  runningIds(): number[] {
    return [...this.#active.keys()];
  }

  /** Runs waiting for a slot. */
  queuedIds(): number[] {
    return this.#queue.map((j) => j.runId);
  }

  /**
   * Cancels a queued or running run and resolves once it has stopped and `finished` was reported.
   * Returns false when the executor does not know the run.
   */
  async cancel(runId: number): Promise<boolean> {
    const queued = this.#queue.findIndex((j) => j.runId === runId);
    if (queued >= 0) {
      this.#queue.splice(queued, 1);
      this.#sink.finished(runId, { status: "cancelled" });
      return true;
    }
    const active = this.#active.get(runId);
    if (!active) return false;
    if (!active.cancelRequested) {
      active.cancelRequested = true;
      Atomics.store(active.flag, 0, 1);
      active.worker.postMessage({ type: "cancel" } satisfies ParentMessage);
      const timer = setTimeout(() => void active.worker.terminate(), this.#graceMs);
      void active.exited.finally(() => clearTimeout(timer));
    }
    await active.exited;
    return true;
  }

  /**
   * Stops everything: queued runs are dropped (they stay `queued` in the store), running workers
   * are terminated and reported `interrupted` so they can be resumed from their last checkpoint.
   */
  async shutdown(): Promise<void> {
    this.#closed = true;
    this.#queue.length = 0;
    await Promise.all(
      [...this.#active.values()].map(async (a) => {
        await a.worker.terminate();
        await a.exited;
      }),
    );
  }

  #pump(): void {
    while (!this.#closed && this.#active.size < this.#concurrency && this.#queue.length > 0) this.#launch(this.#queue.shift()!);
  }

  #launch(job: RunJob): void {
    const cancelFlag = new SharedArrayBuffer(4);
    const workerData: WorkerStart = { entry: workerEntry, ...job, experimentModule: job.experimentModule, cancelFlag };
    const worker = new Worker(bootstrap, { workerData, name: `goodhart-run-${job.runId}` });
    let exit!: () => void;
    const active: ActiveRun = {
      job,
      worker,
      flag: new Int32Array(cancelFlag),
      cancelRequested: false,
      finished: false,
      exited: new Promise((r) => (exit = r)),
    };
    this.#active.set(job.runId, active);
    const finish = (outcome: RunOutcome): void => {
      if (active.finished) return;
      active.finished = true;
      this.#sink.finished(job.runId, outcome);
    };
    this.#sink.started(job.runId);
    let workerError: Error | null = null;
    worker.on("message", (m: WorkerMessage) => {
      switch (m.type) {
        case "progress":
          this.#sink.progress(job.runId, m.step, m.totalSteps, m.message);
          break;
        case "metrics":
          this.#sink.metrics(job.runId, m.points);
          break;
        case "curve":
          this.#sink.curve(job.runId, m.points);
          break;
        case "fits":
          this.#sink.fits(job.runId, m.fits);
          break;
        case "checkpoint":
          this.#sink.checkpoint(job.runId, m.step);
          break;
        case "done":
          finish({ status: "done", result: m.result });
          break;
        case "cancelled":
          finish({ status: "cancelled" });
          break;
        case "failed":
          finish({ status: "failed", error: m.error });
          break;
      }
    });
    worker.on("error", (err) => (workerError = err));
    worker.on("exit", (code) => {
      this.#active.delete(job.runId);
      if (active.cancelRequested) finish({ status: "cancelled" });
      else if (workerError) finish({ status: "failed", error: { name: workerError.name, message: workerError.message } });
      else finish({ status: "interrupted", error: `the run's worker stopped unexpectedly (exit code ${code})` });
      exit();
      this.#pump();
    });
  }
}

function checkConcurrency(n: number): number {
  if (!Number.isInteger(n) || n < 1) throw new RangeError(`run concurrency must be a positive integer, got ${n}`);
  return n;
}
