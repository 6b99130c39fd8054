import type Database from "better-sqlite3";
import { nowIso } from "../json.ts";

/** Where a run executed on a worker pool, and the bundle imported from it (migration 0100). */
export interface RunExecution {
  runId: number;
  /** The queue as host:port (no credentials). */
  queue: string;
  jobId: string;
  /** `name@host` of the worker that picked the job up, or null while it waits. */
  worker: string | null;
  /** sha256 of the imported run bundle, or null before its import. */
  bundleHash: string | null;
  importedAt: string | null;
}

interface Row {
  run_id: number;
  queue: string;
  job_id: string;
  worker: string | null;
  bundle_hash: string | null;
  imported_at: string | null;
}

const toExecution = (r: Row): RunExecution => ({
  runId: r.run_id,
  queue: r.queue,
  jobId: r.job_id,
  worker: r.worker,
  bundleHash: r.bundle_hash,
  importedAt: r.imported_at,
});

export class RunExecutionRepository {
  private readonly upsertStmt;
  private readonly getStmt;
  private readonly workerStmt;
  private readonly importedStmt;

  constructor(db: Database.Database) {
    // A new job for the run (a resume) replaces the row: the run has one execution at a time.
    this.upsertStmt = db.prepare(
      "INSERT INTO run_executions (run_id, queue, job_id) VALUES (?, ?, ?) ON CONFLICT (run_id) DO UPDATE SET queue = excluded.queue, job_id = excluded.job_id, worker = NULL, bundle_hash = NULL, imported_at = NULL",
    );
    this.getStmt = db.prepare<[number], Row>("SELECT * FROM run_executions WHERE run_id = ?");
    this.workerStmt = db.prepare("UPDATE run_executions SET worker = ? WHERE run_id = ? AND job_id = ?");
    this.importedStmt = db.prepare(
      "UPDATE run_executions SET bundle_hash = ?, imported_at = ?, worker = coalesce(?, worker) WHERE run_id = ? AND bundle_hash IS NULL",
    );
  }

  /** Records that the run was submitted to `queue` (host:port) as job `jobId`. */
  submitted(runId: number, queue: string, jobId: string): RunExecution {
    if (queue.includes("@") || queue.includes("://")) throw new Error(`run ${runId}: store the queue as host:port only, got a URL`);
    this.upsertStmt.run(runId, queue, jobId);
    return this.get(runId)!;
  }

  get(runId: number): RunExecution | undefined {
    const row = this.getStmt.get(runId);
    return row && toExecution(row);
  }

  /** The worker that picked the run's current job up. */
  setWorker(runId: number, jobId: string, worker: string): void {
    this.workerStmt.run(worker, runId, jobId);
  }

  /** Marks the run's bundle imported; false when one was already imported (nothing changes). */
  markImported(runId: number, bundleHash: string, worker: string | null): boolean {
    return this.importedStmt.run(bundleHash, nowIso(), worker, runId).changes === 1;
  }
}
