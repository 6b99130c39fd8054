import type { Migration } from "./migration.ts";

/**
 * Where a run executed when a worker pool (a BullMQ queue on Redis) ran it: the queue as host:port
 * only (never a password or a full URL), the job, the worker (`name@host`), and the content hash of
 * the run bundle imported from it. The hash makes the import idempotent: a run that has one adds
 * nothing from a second bundle. Runs executed in the lab's own process have no row.
 */
export const migration0100: Migration = {
  version: 100,
  name: "run-executions",
  up(db) {
    db.exec(`
      CREATE TABLE run_executions (
        run_id INTEGER PRIMARY KEY REFERENCES runs(id) ON DELETE CASCADE,
        queue TEXT NOT NULL CHECK (length(queue) > 0 AND queue NOT LIKE '%@%'),
        job_id TEXT NOT NULL CHECK (length(job_id) > 0),
        worker TEXT,
        bundle_hash TEXT CHECK (bundle_hash IS NULL OR length(bundle_hash) = 64),
        imported_at TEXT
      ) STRICT;
    `);
  },
};
