/**
 * Runs experiment jobs in worker threads, never on the caller's event loop: a FIFO queue with a
 * configurable concurrency, streamed progress/metrics/curves, and cancel that is cooperative (a
 * shared Atomics flag and a message; the experiment stops after its current step and releases its
 * sessions) with `worker.terminate()` only as the last resort after a grace period. A job executes
 * one or more runs (a study's grid points); cancelling any of them cancels the job.
 *
 * Shutdown never terminates a worker that is still within its grace period: terminating a thread
 * while onnxruntime-node is inside a native call aborts the whole process ("terminate called after
 * throwing an instance of 'Napi::Error'").
 */
import { Worker } from "node:worker_threads";
import type { SerializedError } from "../../shared/errors.ts";
import type {
  CurveSample,
  FitSample,
  JobRun,
  LabelSetSample,
  MetricSample,
  ModelSample,
  ParentMessage,
  RunEndStatus,
  SampleSetSample,
  WorkerMessage,
  WorkerStart,
} from "./protocol.ts";

/** One job to execute: what its worker starts with, less what the executor adds. */
export type RunJob = Omit<WorkerStart, "entry" | "cancelFlag">;

/** How a run ended. `interrupted`: the worker died without saying why (killed, out of memory), or the process shut down. */
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
  labelSet(runId: number, set: LabelSetSample): void;
  /** The best-of-n pools behind a run's curves. */
  samples(runId: number, set: SampleSetSample): void;
  /** A model file; runId null for one shared by the job's runs. */
  model(runId: number | null, model: ModelSample): void;
  checkpoint(runId: number, step: number): void;
  /** A run of the job reported its result. */
  runResult(runId: number, result: Record<string, unknown>): void;
  /** The job returned `result` (before its runs still open are reported finished). */
  result(runs: readonly JobRun[], result: Record<string, unknown>): void;
  /**
   * A run ended. Called once per run of the job: when the experiment ends it, or when the job
   * ends with the job's outcome (`begun` false: the run never started).
   */
  finished(runId: number, outcome: RunOutcome, begun: boolean): void;
}

export interface RunExecutorOptions {
  concurrency: number;
  sink: RunSink;
  /** How long a cancelled worker may take to stop by itself before it is terminated. */
  cancelGraceMs?: number;
}

interface ActiveJob {
  job: RunJob;
  worker: Worker;
  flag: Int32Array;
  cancelRequested: boolean;
  /** Set by shutdown("interrupt"): the cooperative stop is reported `interrupted`, not `cancelled`. */
  interrupting: boolean;
  begun: Set<number>;
  ended: Set<number>;
  exited: Promise<void>;
}

const bootstrap = new URL("./worker-bootstrap.mjs", import.meta.url);
const workerEntry = new URL("./worker-entry.ts", import.meta.url).href;

export class RunExecutor {
  readonly #queue: RunJob[] = [];
  /** Active jobs by the id of their first run. */
  readonly #active = new Map<number, ActiveJob>();
  readonly #sink: RunSink;
  readonly #graceMs: number;
  #concurrency: number;
  #closed = false;

  constructor(options: RunExecutorOptions) {
    this.#sink = options.sink;
    this.#concurrency = checkConcurrency(options.concurrency);
    // Generous: the cooperative stop normally lands within one step (well under 2 s); the
    // terminate behind it is a last resort that can abort the process mid-ONNX-Runtime call.
    this.#graceMs = options.cancelGraceMs ?? 5000;
  }

  get concurrency(): number {
    return this.#concurrency;
  }

  /** Changes how many jobs execute at once; queued jobs start if slots opened. */
  setConcurrency(n: number): void {
    this.#concurrency = checkConcurrency(n);
    this.#pump();
  }

  /** Queues a job; it starts as soon as a slot is free. */
  enqueue(job: RunJob): void {
    if (this.#closed) throw new Error("the run executor is shut down");
    if (job.runs.length === 0) throw new Error("a job needs at least one run");
    for (const { runId } of job.runs) if (this.knows(runId)) throw new Error(`run ${runId} is already queued or running`);
    this.#queue.push(job);
    this.#pump();
  }

  /** True when the run belongs to a queued or executing job. */
  knows(runId: number): boolean {
    return this.#queue.some((j) => j.runs.some((r) => r.runId === runId)) || this.#activeOf(runId) !== undefined;
  }

  /** Runs of executing jobs. */
  runningIds(): number[] {
    return [...this.#active.values()].flatMap((a) => a.job.runs.map((r) => r.runId));
  }

  /** Runs of jobs waiting for a slot. */
  queuedIds(): number[] {
    return this.#queue.flatMap((j) => j.runs.map((r) => r.runId));
  }

  /**
   * Cancels the queued or executing job of a run and resolves once it has stopped and `finished`
   * was reported for its runs. Returns false when the executor does not know the run.
   */
  async cancel(runId: number): Promise<boolean> {
    const queued = this.#queue.findIndex((j) => j.runs.some((r) => r.runId === runId));
    if (queued >= 0) {
      const [job] = this.#queue.splice(queued, 1);
      for (const r of job!.runs) this.#sink.finished(r.runId, { status: "cancelled" }, false);
      return true;
    }
    const active = this.#activeOf(runId);
    if (!active) return false;
    this.#requestStop(active, this.#graceMs);
    await active.exited;
    return true;
  }

  /**
   * Stops everything. Queued jobs are dropped (their runs stay `queued` in the store with
   * "interrupt", or are reported cancelled with "cancel"). Executing workers are asked to stop
   * after their current step and given `graceMs` to do so (releasing their ONNX Runtime sessions)
   * before a terminate; their runs are reported `cancelled` ("cancel": Ctrl-C) or `interrupted`
   * ("interrupt": the app closes; resumable).
   */
  async shutdown(mode: "cancel" | "interrupt" = "interrupt", graceMs = 15_000): Promise<void> {
    this.#closed = true;
    const dropped = this.#queue.splice(0);
    if (mode === "cancel")
      for (const job of dropped) for (const r of job.runs) this.#sink.finished(r.runId, { status: "cancelled" }, false);
    const active = [...this.#active.values()];
    for (const a of active) {
      a.interrupting = mode === "interrupt";
      this.#requestStop(a, graceMs);
    }
    await Promise.all(active.map((a) => a.exited));
  }

  #activeOf(runId: number): ActiveJob | undefined {
    for (const a of this.#active.values()) if (a.job.runs.some((r) => r.runId === runId)) return a;
    return undefined;
  }

  #requestStop(active: ActiveJob, graceMs: number): void {
    if (active.cancelRequested) return;
    active.cancelRequested = true;
    Atomics.store(active.flag, 0, 1);
    active.worker.postMessage({ type: "cancel" } satisfies ParentMessage);
    const timer = setTimeout(() => void active.worker.terminate(), graceMs);
    void active.exited.finally(() => clearTimeout(timer));
  }

  #pump(): void {
    while (!this.#closed && this.#active.size < this.#concurrency && this.#queue.length > 0) this.#launch(this.#queue.shift()!);
  }

  #launch(job: RunJob): void {
    const cancelFlag = new SharedArrayBuffer(4);
    const workerData: WorkerStart = { entry: workerEntry, ...job, cancelFlag };
    const first = job.runs[0]!.runId;
    const worker = new Worker(bootstrap, { workerData, name: `goodhart-run-${first}` });
    let exit!: () => void;
    const active: ActiveJob = {
      job,
      worker,
      flag: new Int32Array(cancelFlag),
      cancelRequested: false,
      interrupting: false,
      begun: new Set(),
      ended: new Set(),
      exited: new Promise((r) => (exit = r)),
    };
    this.#active.set(first, active);
    const inJob = new Set(job.runs.map((r) => r.runId));
    const begin = (runId: number): void => {
      if (active.begun.has(runId)) return;
      active.begun.add(runId);
      this.#sink.started(runId);
    };
    const endRun = (runId: number, outcome: RunOutcome): void => {
      if (active.ended.has(runId)) return;
      active.ended.add(runId);
      this.#sink.finished(runId, outcome, active.begun.has(runId));
    };
    // A stop the parent asked for: cancelled, or interrupted when the process is closing.
    const stopped = (): RunOutcome =>
      active.interrupting ? { status: "interrupted", error: "the lab closed while the run was running" } : { status: "cancelled" };
    const finishJob = (outcome: RunOutcome): void => {
      for (const { runId } of job.runs) {
        if (active.ended.has(runId)) continue;
        // A run the job never reached did not fail: it was not attempted.
        if (!active.begun.has(runId) && outcome.status === "done")
          endRun(runId, { status: "failed", error: { name: "Error", message: "the experiment finished without running this grid point" } });
        else endRun(runId, outcome);
      }
    };
    // A single-run job is its run: it starts with the worker. Runs of a study start when the study reaches them.
    if (job.runs.length === 1) begin(first);
    let workerError: Error | null = null;
    let outcome: RunOutcome | null = null;
    worker.on("message", (m: WorkerMessage) => {
      if ("runId" in m && m.runId !== null && !inJob.has(m.runId)) return; // never write into another job's run
      switch (m.type) {
        case "run-started":
          begin(m.runId);
          break;
        case "progress":
          this.#sink.progress(m.runId, m.step, m.totalSteps, m.message);
          break;
        case "metrics":
          this.#sink.metrics(m.runId, m.points);
          break;
        case "curve":
          this.#sink.curve(m.runId, m.points);
          break;
        case "fits":
          this.#sink.fits(m.runId, m.fits);
          break;
        case "label-set":
          this.#sink.labelSet(m.runId, m.set);
          break;
        case "samples":
          this.#sink.samples(m.runId, m.set);
          break;
        case "model":
          this.#sink.model(m.runId, m.model);
          break;
        case "checkpoint":
          this.#sink.checkpoint(first, m.step);
          break;
        case "run-result":
          this.#sink.runResult(m.runId, m.result);
          break;
        case "run-ended":
          endRun(m.runId, runEndOutcome(m.status, m.error, stopped));
          break;
        case "done":
          outcome = { status: "done", result: m.result };
          this.#sink.result(job.runs, m.result);
          break;
        case "cancelled":
          outcome = stopped();
          break;
        case "failed":
          outcome = { status: "failed", error: m.error };
          break;
      }
    });
    worker.on("error", (err) => (workerError = err));
    worker.on("exit", (code) => {
      this.#active.delete(first);
      if (active.cancelRequested) finishJob(outcome?.status === "done" ? outcome : stopped());
      else if (outcome) finishJob(outcome);
      else if (workerError) finishJob({ status: "failed", error: { name: workerError.name, message: workerError.message } });
      else finishJob({ status: "interrupted", error: `the run's worker stopped unexpectedly (exit code ${code})` });
      exit();
      this.#pump();
    });
  }
}

function runEndOutcome(status: RunEndStatus, error: string | null, stopped: () => RunOutcome): RunOutcome {
  if (status === "done") return { status: "done", result: {} };
  if (status === "cancelled") return stopped();
  return { status: "failed", error: { name: "Error", message: error ?? "the run failed" } };
}

function checkConcurrency(n: number): number {
  if (!Number.isInteger(n) || n < 1) throw new RangeError(`run concurrency must be a positive integer, got ${n}`);
  return n;
}
