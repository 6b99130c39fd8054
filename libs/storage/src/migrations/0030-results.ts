import type { Migration } from "./migration.ts";

/**
 * Metrics, curves, fits and reports. Metric names are interned so a point is four integers/reals
 * in a WITHOUT ROWID table: batched writes stay fast and a run's series reads are one range scan.
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

      CREATE TABLE metrics (
        run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
        name_id INTEGER NOT NULL REFERENCES metric_names(id),
        step INTEGER NOT NULL,
        value REAL,
        PRIMARY KEY (run_id, name_id, step)
      ) STRICT, WITHOUT ROWID;

      CREATE TABLE curve_series (
        id INTEGER PRIMARY KEY,
        run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
        name TEXT NOT NULL,
        x_kind TEXT NOT NULL CHECK (x_kind IN ('n', 'step')),
        kl_estimator TEXT NOT NULL,
        kl_prompts TEXT,
        UNIQUE (run_id, name)
      ) STRICT;

      CREATE TABLE curve_points (
        series_id INTEGER NOT NULL REFERENCES curve_series(id) ON DELETE CASCADE,
        x REAL NOT NULL,
        kl REAL NOT NULL,
        proxy_score REAL,
        proxy_scores TEXT,
        gold_score REAL,
        PRIMARY KEY (series_id, x)
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
