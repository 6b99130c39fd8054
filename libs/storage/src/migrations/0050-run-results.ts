import type { Migration } from "./migration.ts";

/**
 * A run's result JSON: the headline numbers its experiment returned (for a study's grid point, its
 * part of the study's result). Summary tables and `goodhart runs show` read it; the curves, metrics
 * and fits stay in their own tables. Null until the run's job has returned.
 */
export const migration0050: Migration = {
  version: 50,
  name: "run-results",
  up(db) {
    db.exec("ALTER TABLE runs ADD COLUMN result TEXT");
  },
};
