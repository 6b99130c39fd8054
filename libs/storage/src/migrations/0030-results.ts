import type { Migration } from "./migration.ts";

/**
 * Metrics, curves, fits and reports. Metric and curve points are stored packed: one row holds up
 * to 1024 points of one series as a Float64 blob (see repositories/packed-series.ts), keyed so a
 * series is one primary-key range. `first_key`/`last_key` bound the chunk's steps (or x).
 */
export const migration0030: Migration = {
  version: 30,
  name: "results",
  up(db) {
    db.exec(`
      CREATE TABLE metric_names (
        id INTEGER PRIMARY KEY,
        name TEXT NOT NULL UNIQUE
      ) STRICT;

      CREATE TABLE metric_chunks (
        run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
        name_id INTEGER NOT NULL REFERENCES metric_names(id),
        chunk INTEGER NOT NULL,
        first_key REAL NOT NULL,
        last_key REAL NOT NULL,
        n INTEGER NOT NULL CHECK (n > 0),
        data BLOB NOT NULL,
        PRIMARY KEY (run_id, name_id, chunk)
      ) STRICT, WITHOUT ROWID;

      CREATE TABLE curve_series (
        id INTEGER PRIMARY KEY,
        run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
        name TEXT NOT NULL,
        x_kind TEXT NOT NULL CHECK (x_kind IN ('n', 'step')),
        kl_estimator TEXT NOT NULL,
        kl_prompts TEXT,
        -- ensemble size: each point stores this many per-member proxy scores
        members INTEGER NOT NULL DEFAULT 0 CHECK (members >= 0),
        UNIQUE (run_id, name)
      ) STRICT;

      -- columns per point: x, kl, proxy score, gold score, then one per member
      CREATE TABLE curve_chunks (
        series_id INTEGER NOT NULL REFERENCES curve_series(id) ON DELETE CASCADE,
        chunk INTEGER NOT NULL,
        first_key REAL NOT NULL,
        last_key REAL NOT NULL,
        n INTEGER NOT NULL CHECK (n > 0),
        data BLOB NOT NULL,
        PRIMARY KEY (series_id, chunk)
      ) STRICT, WITHOUT ROWID;

      CREATE TABLE fits (
        id INTEGER PRIMARY KEY,
        run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
        series TEXT NOT NULL,
        target TEXT NOT NULL CHECK (target IN ('gold', 'proxy')),
        form TEXT NOT NULL,
        coefficients TEXT NOT NULL,
        standard_errors TEXT,
        residual REAL,
        n_points INTEGER NOT NULL,
        created_at TEXT NOT NULL
      ) STRICT;
      CREATE INDEX fits_run ON fits(run_id);

      CREATE TABLE reports (
        id INTEGER PRIMARY KEY,
        title TEXT NOT NULL,
        format TEXT NOT NULL,
        run_ids TEXT NOT NULL DEFAULT '[]',
        path TEXT,
        content TEXT,
        created_at TEXT NOT NULL
      ) STRICT;
    `);
  },
};
