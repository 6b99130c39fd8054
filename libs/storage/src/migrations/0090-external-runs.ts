import type { Migration } from "./migration.ts";

/**
 * Runs imported from other tools (TRL, OpenRLHF, verl, W&B exports; docs/run-import.md):
 * - `external_runs`: per imported run, the tool that trained it and the mapping the import applied
 *   (each logged key's lab name, which KL the tool logs and how it was converted, rescoring done);
 * - `external_files`: each file imported into such a run, keyed by the sha256 of its content, so
 *   the same file imported twice adds nothing;
 * - `external_samples`: rollout dumps (prompt, completion, the tool's score per training step) and
 *   the gold score a lab scorer gave each sample when the run was rescored (NULL before).
 */
export const migration0090: Migration = {
  version: 90,
  name: "external-runs",
  up(db) {
    db.exec(`
      CREATE TABLE external_runs (
        run_id INTEGER PRIMARY KEY REFERENCES runs(id) ON DELETE CASCADE,
        tool TEXT NOT NULL CHECK (tool IN ('trl', 'openrlhf', 'verl')),
        mapping TEXT NOT NULL DEFAULT '{}'
      ) STRICT;

      CREATE TABLE external_files (
        content_hash TEXT PRIMARY KEY CHECK (length(content_hash) = 64),
        run_id INTEGER NOT NULL REFERENCES external_runs(run_id) ON DELETE CASCADE,
        format TEXT NOT NULL CHECK (format IN ('trl', 'openrlhf', 'verl', 'wandb', 'verl-rollouts')),
        file_name TEXT NOT NULL CHECK (length(file_name) > 0),
        imported_at TEXT NOT NULL
      ) STRICT, WITHOUT ROWID;
      CREATE INDEX external_files_run ON external_files(run_id);

      CREATE TABLE external_samples (
        run_id INTEGER NOT NULL REFERENCES external_runs(run_id) ON DELETE CASCADE,
        step INTEGER NOT NULL CHECK (step >= 0),
        sample_index INTEGER NOT NULL CHECK (sample_index >= 0),
        prompt TEXT NOT NULL,
        completion TEXT NOT NULL,
        score REAL,
        gold REAL,
        PRIMARY KEY (run_id, step, sample_index)
      ) STRICT, WITHOUT ROWID;
    `);
  },
};
