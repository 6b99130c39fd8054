import type { Migration } from "./migration.ts";

/** Models, checkpoints, experiments, sweeps and runs. */
export const migration0020: Migration = {
  version: 20,
  name: "models-and-runs",
  up(db) {
    db.exec(`
      CREATE TABLE models (
        id INTEGER PRIMARY KEY,
        name TEXT NOT NULL,
        kind TEXT NOT NULL,
        path TEXT,
        config TEXT NOT NULL DEFAULT '{}',
        hash TEXT,
        created_at TEXT NOT NULL
      ) STRICT;

      CREATE TABLE experiments (
        id INTEGER PRIMARY KEY,
        name TEXT NOT NULL,
        kind TEXT NOT NULL,
        config TEXT NOT NULL DEFAULT '{}',
        created_at TEXT NOT NULL
      ) STRICT;

      CREATE TABLE sweeps (
        id INTEGER PRIMARY KEY,
        experiment_id INTEGER NOT NULL REFERENCES experiments(id) ON DELETE CASCADE,
        name TEXT NOT NULL,
        grid TEXT NOT NULL DEFAULT '{}',
        config TEXT NOT NULL DEFAULT '{}',
        created_at TEXT NOT NULL
      ) STRICT;
      CREATE INDEX sweeps_experiment ON sweeps(experiment_id);

      CREATE TABLE runs (
        id INTEGER PRIMARY KEY,
        experiment_id INTEGER REFERENCES experiments(id) ON DELETE CASCADE,
        sweep_id INTEGER REFERENCES sweeps(id) ON DELETE CASCADE,
        name TEXT NOT NULL,
        config TEXT NOT NULL DEFAULT '{}',
        status TEXT NOT NULL DEFAULT 'queued'
          CHECK (status IN ('queued', 'running', 'done', 'failed', 'cancelled', 'interrupted')),
        seed INTEGER NOT NULL,
        device TEXT,
        created_at TEXT NOT NULL,
        started_at TEXT,
        ended_at TEXT,
        error TEXT
      ) STRICT;
      CREATE INDEX runs_status ON runs(status);
      CREATE INDEX runs_sweep ON runs(sweep_id);
      CREATE INDEX runs_experiment ON runs(experiment_id);

      CREATE TABLE checkpoints (
        id INTEGER PRIMARY KEY,
        model_id INTEGER NOT NULL REFERENCES models(id) ON DELETE CASCADE,
        run_id INTEGER REFERENCES runs(id) ON DELETE SET NULL,
        step INTEGER NOT NULL DEFAULT 0,
        path TEXT NOT NULL,
        config TEXT NOT NULL DEFAULT '{}',
        hash TEXT,
        created_at TEXT NOT NULL
      ) STRICT;
      CREATE INDEX checkpoints_model_step ON checkpoints(model_id, step);
      CREATE INDEX checkpoints_run_step ON checkpoints(run_id, step);
    `);
  },
};
