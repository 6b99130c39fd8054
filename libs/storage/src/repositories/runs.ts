import type Database from "better-sqlite3";
import type { JsonObject, Run, RunStatus } from "../dto.ts";
import { fromJson, nowIso, toJson } from "../json.ts";

interface RunRow {
  id: number;
  experiment_id: number | null;
  sweep_id: number | null;
  name: string;
  config: string;
  status: RunStatus;
  seed: number;
  device: string | null;
  created_at: string;
  started_at: string | null;
  ended_at: string | null;
  error: string | null;
  result: string | null;
  lab_version: string | null;
}

const toRun = (r: RunRow): Run => ({
  id: r.id,
  experimentId: r.experiment_id,
  sweepId: r.sweep_id,
  name: r.name,
  config: fromJson<JsonObject>(r.config) ?? {},
  status: r.status,
  seed: r.seed,
  device: r.device,
  createdAt: r.created_at,
  startedAt: r.started_at,
  endedAt: r.ended_at,
  error: r.error,
  result: fromJson<JsonObject>(r.result),
  labVersion: r.lab_version,
});

/**
 * Allowed status changes. Failed, cancelled and interrupted runs may be queued again (resume/retry).
 * A queued run becomes interrupted when the job that would have executed it (a study's worker)
 * stopped before reaching it.
 */
export const RUN_TRANSITIONS: Readonly<Record<RunStatus, readonly RunStatus[]>> = {
  queued: ["running", "cancelled", "interrupted"],
  running: ["done", "failed", "cancelled", "interrupted"],
  interrupted: ["queued", "running", "cancelled"],
  failed: ["queued"],
  cancelled: ["queued"],
  done: [],
};

const TERMINAL = new Set<RunStatus>(["done", "failed", "cancelled", "interrupted"]);

/** A status change the state machine does not allow. */
export class RunStatusError extends Error {
  override name = "RunStatusError";
}

export interface NewRun {
  name: string;
  seed: number;
  experimentId?: number | null;
  sweepId?: number | null;
  config?: JsonObject;
  device?: string | null;
  /** The Goodhart Lab version creating the run (the service passes its own). */
  labVersion?: string | null;
}

export class RunRepository {
  private readonly insertStmt;
  private readonly getStmt;
  private readonly listStmt;
  private readonly byStatusStmt;
  private readonly bySweepStmt;
  private readonly updateStmt;
  private readonly interruptStmt;
  private readonly clearStmts;
  private readonly resultStmt;

  constructor(private readonly db: Database.Database) {
    this.insertStmt = db.prepare(
      "INSERT INTO runs (experiment_id, sweep_id, name, config, status, seed, device, created_at, lab_version) VALUES (?, ?, ?, ?, 'queued', ?, ?, ?, ?)",
    );
    this.getStmt = db.prepare<[number], RunRow>("SELECT * FROM runs WHERE id = ?");
    this.listStmt = db.prepare<[], RunRow>("SELECT * FROM runs ORDER BY id");
    this.byStatusStmt = db.prepare<[string], RunRow>("SELECT * FROM runs WHERE status = ? ORDER BY id");
    this.bySweepStmt = db.prepare<[number], RunRow>("SELECT * FROM runs WHERE sweep_id = ? ORDER BY id");
    this.updateStmt = db.prepare(
      "UPDATE runs SET status = ?, device = ?, started_at = ?, ended_at = ?, error = ? WHERE id = ? AND status = ?",
    );
    // A run's own label-set datasets are named "run <id>: ..." by the service that stores them.
    this.clearStmts = [
      "DELETE FROM metric_chunks WHERE run_id = @id",
      "DELETE FROM curve_series WHERE run_id = @id",
      "DELETE FROM fits WHERE run_id = @id",
      "DELETE FROM models WHERE id IN (SELECT model_id FROM checkpoints WHERE run_id = @id) AND NOT EXISTS (SELECT 1 FROM checkpoints c WHERE c.model_id = models.id AND (c.run_id IS NULL OR c.run_id <> @id))",
      "DELETE FROM checkpoints WHERE run_id = @id",
      "DELETE FROM datasets WHERE name LIKE 'run ' || CAST(@id AS INTEGER) || ': %'",
    ].map((sql) => db.prepare(sql));
    this.resultStmt = db.prepare("UPDATE runs SET result = ? WHERE id = ?");
    this.interruptStmt = db.prepare(
      "UPDATE runs SET status = 'interrupted', ended_at = ?, error = coalesce(error, ?) WHERE status = 'running'",
    );
  }

  /** Creates a run in status `queued`. */
  create(r: NewRun): Run {
    const id = Number(
      this.insertStmt.run(
        r.experimentId ?? null,
        r.sweepId ?? null,
        r.name,
        toJson(r.config ?? {}),
        r.seed,
        r.device ?? null,
        nowIso(),
        r.labVersion ?? null,
      ).lastInsertRowid,
    );
    return this.get(id)!;
  }

  get(id: number): Run | undefined {
    const row = this.getStmt.get(id);
    return row && toRun(row);
  }

  list(filter: { status?: RunStatus; sweepId?: number } = {}): Run[] {
    if (filter.status !== undefined)
      return this.byStatusStmt
        .all(filter.status)
        .map(toRun)
        .filter((r) => filter.sweepId === undefined || r.sweepId === filter.sweepId);
    if (filter.sweepId !== undefined) return this.bySweepStmt.all(filter.sweepId).map(toRun);
    return this.listStmt.all().map(toRun);
  }

  /**
   * Moves a run to `status`, checking the transition. `running` stamps the start time (kept on
   * resume) and the device; terminal states stamp the end time; `failed` records the error.
   */
  setStatus(id: number, status: RunStatus, details: { device?: string; error?: string } = {}): Run {
    return this.db.transaction(() => {
      const run = this.get(id);
      if (!run) throw new RunStatusError(`run ${id} does not exist`);
      if (!RUN_TRANSITIONS[run.status].includes(status)) {
        throw new RunStatusError(`run ${id} ('${run.name}') cannot go from ${run.status} to ${status}`);
      }
      const now = nowIso();
      const startedAt = status === "running" ? (run.startedAt ?? now) : run.startedAt;
      const endedAt = TERMINAL.has(status) ? now : null;
      const error = status === "failed" || status === "interrupted" ? (details.error ?? run.error) : status === "done" ? null : run.error;
      this.updateStmt.run(status, details.device ?? run.device, startedAt, endedAt, error ?? null, id, run.status);
      return this.get(id)!;
    })();
  }

  /** Stores the run's result JSON (null clears it). */
  setResult(id: number, result: JsonObject | null): void {
    this.resultStmt.run(result === null ? null : toJson(result), id);
  }

  /**
   * Deletes what a run stored (metrics, curves, fits, its checkpoints and models no other run
   * uses, its label-set datasets), in one transaction: a run that restarts from its beginning
   * (no checkpoint to resume from) must not keep the points of its cut-off attempt.
   */
  clearResults(id: number): void {
    this.db.transaction(() => {
      for (const stmt of this.clearStmts) stmt.run({ id });
      this.resultStmt.run(null, id);
    })();
  }

  /** At start-up: every run still marked running was cut off by a crash or kill. Returns how many. */
  markRunningAsInterrupted(): number {
    return this.interruptStmt.run(nowIso(), "the process stopped while the run was running").changes;
  }
}
