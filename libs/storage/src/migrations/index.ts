import type Database from "better-sqlite3";
import { migration0010 } from "./0010-datasets.ts";
import { migration0020 } from "./0020-models-and-runs.ts";
import { migration0030 } from "./0030-results.ts";
import { migration0050 } from "./0050-run-results.ts";
import { migration0060 } from "./0060-curve-statistics-and-samples.ts";
import { migration0080 } from "./0080-llm-judgements.ts";
import { migration0090 } from "./0090-external-runs.ts";
import { migration0100 } from "./0100-run-executions.ts";
import { migration0120 } from "./0120-run-lab-version.ts";
import type { Migration } from "./migration.ts";

export type { Migration } from "./migration.ts";

/** Every migration, oldest first. Append only; never edit a released one. */
export const migrations: readonly Migration[] = [
  migration0010,
  migration0020,
  migration0030,
  migration0050,
  migration0060,
  migration0080,
  migration0090,
  migration0100,
  migration0120,
];

/** Thrown when the file was written by a newer Goodhart Lab than this one. */
export class NewerDatabaseError extends Error {
  override name = "NewerDatabaseError";
  constructor(
    readonly path: string,
    readonly fileVersion: number,
    readonly supportedVersion: number,
  ) {
    super(
      `${path}: database schema version ${fileVersion} is newer than this Goodhart Lab supports (${supportedVersion}). ` +
        "Upgrade Goodhart Lab, or open a different database with --db.",
    );
  }
}

/** Checks that versions strictly increase, are positive multiples of 10 and are unique. */
export function checkMigrationOrder(list: readonly Migration[]): void {
  let previous = 0;
  for (const m of list) {
    if (!Number.isInteger(m.version) || m.version <= 0 || m.version % 10 !== 0) {
      throw new Error(`migration '${m.name}': version ${m.version} must be a positive multiple of 10`);
    }
    if (m.version <= previous) {
      throw new Error(`migration '${m.name}': version ${m.version} does not follow version ${previous}`);
    }
    previous = m.version;
  }
}

/** The schema version this build writes. */
export function latestVersion(list: readonly Migration[] = migrations): number {
  return list.length ? list[list.length - 1]!.version : 0;
}

/**
 * Brings the database up to the newest version: all pending migrations run in one transaction,
 * so a failure leaves the file at its old version. Returns the versions applied.
 */
export function migrate(db: Database.Database, list: readonly Migration[] = migrations, path = db.name): number[] {
  checkMigrationOrder(list);
  const current = db.pragma("user_version", { simple: true }) as number;
  const latest = latestVersion(list);
  if (current > latest) throw new NewerDatabaseError(path, current, latest);
  const pending = list.filter((m) => m.version > current);
  if (pending.length === 0) return [];
  db.transaction(() => {
    for (const m of pending) m.up(db);
    // PRAGMA cannot take a bound parameter; the value is a checked integer.
    db.pragma(`user_version = ${latest}`);
  }).immediate();
  return pending.map((m) => m.version);
}
