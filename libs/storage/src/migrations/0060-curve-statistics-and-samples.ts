import type { Migration } from "./migration.ts";

/**
 * The uncertainty behind curves and fits, and the samples behind best-of-n curves:
 * - `curve_point_stats`: per curve point, the standard errors over prompts of its proxy and gold
 *   scores and the number of prompts averaged;
 * - `curve_kl_estimates`: other estimates of a point's KL, each under its estimator's name (the
 *   series' own `kl` stays the one its `kl_estimator` names), with their standard errors;
 * - `fits.intervals`: bootstrap confidence intervals of a fit's coefficients and peaks (JSON);
 * - `sample_sets` / `samples`: a run's best-of-n pools: per evaluation prompt and sample, the
 *   completion, its gold score, ln pi_init, and the proxy scores (each listed series, then each
 *   member) as a Float64 blob.
 */
export const migration0060: Migration = {
  version: 60,
  name: "curve-statistics-and-samples",
  up(db) {
    db.exec(`
      CREATE TABLE curve_point_stats (
        series_id INTEGER NOT NULL REFERENCES curve_series(id) ON DELETE CASCADE,
        x REAL NOT NULL,
        proxy_se REAL,
        gold_se REAL,
        prompts INTEGER CHECK (prompts IS NULL OR prompts > 0),
        PRIMARY KEY (series_id, x)
      ) STRICT, WITHOUT ROWID;

      CREATE TABLE curve_kl_estimates (
        series_id INTEGER NOT NULL REFERENCES curve_series(id) ON DELETE CASCADE,
        x REAL NOT NULL,
        estimator TEXT NOT NULL CHECK (length(estimator) > 0),
        kl REAL NOT NULL,
        kl_se REAL,
        PRIMARY KEY (series_id, x, estimator)
      ) STRICT, WITHOUT ROWID;

      ALTER TABLE fits ADD COLUMN intervals TEXT;

      CREATE TABLE sample_sets (
        id INTEGER PRIMARY KEY,
        run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
        name TEXT NOT NULL,
        -- JSON array of the proxy series whose scores come first in each sample's blob
        series TEXT NOT NULL,
        members INTEGER NOT NULL CHECK (members >= 0),
        pool_size INTEGER NOT NULL CHECK (pool_size > 0),
        prompts INTEGER NOT NULL CHECK (prompts > 0),
        created_at TEXT NOT NULL,
        UNIQUE (run_id, name)
      ) STRICT;

      CREATE TABLE samples (
        set_id INTEGER NOT NULL REFERENCES sample_sets(id) ON DELETE CASCADE,
        prompt_index INTEGER NOT NULL CHECK (prompt_index >= 0),
        sample_index INTEGER NOT NULL CHECK (sample_index >= 0),
        prompt TEXT NOT NULL,
        completion TEXT NOT NULL,
        gold REAL NOT NULL,
        log_prob REAL,
        scores BLOB NOT NULL,
        PRIMARY KEY (set_id, prompt_index, sample_index)
      ) STRICT, WITHOUT ROWID;
    `);
  },
};
