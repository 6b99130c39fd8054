import type { Migration } from "./migration.ts";

/**
 * The Goodhart Lab version that created each run (the app's package.json version), so a run an
 * older lab stored can be named by its version when its config no longer parses. Runs stored
 * before this migration, and runs imported from other tools, have none.
 */
export const migration0120: Migration = {
  version: 120,
  name: "run-lab-version",
  up(db) {
    db.exec("ALTER TABLE runs ADD COLUMN lab_version TEXT CHECK (lab_version IS NULL OR length(lab_version) BETWEEN 1 AND 100)");
  },
};
