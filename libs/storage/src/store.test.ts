import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import Database from "better-sqlite3";
import { afterAll, describe, expect, it } from "vitest";
import { appDataFolder, defaultDatabasePath } from "./app-data.ts";
import { latestVersion, migrate, NewerDatabaseError } from "./migrations/index.ts";
import { LabStore, connectionOf, openDatabase } from "./store.ts";

const dir = mkdtempSync(path.join(os.tmpdir(), "goodhart-store-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("openDatabase", () => {
  it("creates a migrated file in WAL mode with foreign keys on", () => {
    const file = path.join(dir, "nested", "lab.sqlite");
    const store = openDatabase(file);
    expect(store.schemaVersion()).toBe(latestVersion());
    expect(store.journalMode()).toBe("wal");
    expect(connectionOf(store).pragma("foreign_keys", { simple: true })).toBe(1);
    expect(connectionOf(store).pragma("mmap_size", { simple: true })).toBe(268435456);
    expect(store.integrityCheck()).toBe("ok");
    store.close();
    expect(store.isOpen).toBe(false);
    const again = openDatabase(file);
    expect(again.schemaVersion()).toBe(latestVersion());
    again.close();
  });

  it("refuses a file from a newer Goodhart Lab and leaves it untouched", () => {
    const file = path.join(dir, "newer.sqlite");
    const raw = new Database(file);
    raw.pragma("user_version = 990");
    raw.close();
    expect(() => openDatabase(file)).toThrow(NewerDatabaseError);
    expect(() => openDatabase(file)).toThrow(/schema version 990 is newer than this Goodhart Lab supports/);
    const check = new Database(file);
    expect(check.pragma("user_version", { simple: true })).toBe(990);
    expect(check.prepare("SELECT count(*) AS n FROM sqlite_schema").get()).toEqual({ n: 0 });
    check.close();
  });
});

describe("defaultDatabasePath", () => {
  it("honours GOODHART_DB", () => {
    expect(defaultDatabasePath({ GOODHART_DB: "/tmp/x.sqlite" }, "linux", "/home/u")).toBe("/tmp/x.sqlite");
  });
  it("uses the OS app-data folder", () => {
    expect(defaultDatabasePath({}, "linux", "/home/u")).toBe("/home/u/.local/share/goodhart-lab/lab.sqlite");
    expect(defaultDatabasePath({ XDG_DATA_HOME: "/data" }, "linux", "/home/u")).toBe("/data/goodhart-lab/lab.sqlite");
    expect(appDataFolder({ XDG_DATA_HOME: "relative" }, "linux", "/home/u")).toBe("/home/u/.local/share/goodhart-lab");
    expect(defaultDatabasePath({}, "darwin", "/Users/u")).toBe("/Users/u/Library/Application Support/Goodhart Lab/lab.sqlite");
    expect(defaultDatabasePath({ APPDATA: "C:\\Users\\u\\AppData\\Roaming" }, "win32", "C:\\Users\\u")).toBe(
      "C:\\Users\\u\\AppData\\Roaming\\Goodhart Lab\\lab.sqlite",
    );
  });
});

describe("query plans", () => {
  // Only these small, user-sized tables may be listed by a full scan; every other table (examples,
  // labels, metrics, curve points, ...) grows with the data and must be reached through an index.
  const scannable = new Set(["datasets", "models", "experiments", "runs", "reports", "label_sets"]);

  it("every repository query on a large table uses an index", () => {
    const db = new Database(":memory:");
    const statements: string[] = [];
    const recording = new Proxy(db, {
      get(target, prop, receiver) {
        if (prop === "prepare") {
          return (sql: string) => {
            statements.push(sql);
            return target.prepare(sql);
          };
        }
        const value = Reflect.get(target, prop, receiver);
        return typeof value === "function" ? value.bind(target) : value;
      },
    });
    migrate(db);
    new LabStore(":memory:", recording);
    const selects = statements.filter((s) => /^\s*SELECT/i.test(s));
    expect(selects.length).toBeGreaterThan(25);
    const offenders: string[] = [];
    for (const sql of selects) {
      const params = (sql.match(/\?/g) ?? []).map(() => 1);
      const plan = (db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all(...params) as { detail: string }[]).map((r) => r.detail);
      for (const step of plan) {
        const scanned = /^SCAN (\w+)/.exec(step)?.[1];
        if (scanned && !scannable.has(scanned) && !/USING (COVERING )?INDEX|PRIMARY KEY/.test(step)) offenders.push(`${step}  <-  ${sql}`);
      }
    }
    expect(offenders).toEqual([]);
    // The check itself must be able to fail: a query without a usable index is caught.
    const bad = (db.prepare("EXPLAIN QUERY PLAN SELECT * FROM examples WHERE prompt = ?").all("x") as { detail: string }[])[0]!.detail;
    expect(bad).toMatch(/^SCAN examples$/);
  });

  it("reads a metric series and a curve by one primary-key range (no sort), and examples by the dataset index", () => {
    const store = openDatabase(":memory:");
    const db = connectionOf(store);
    const plan = (sql: string) => (db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all() as { detail: string }[]).map((r) => r.detail).join(" | ");
    expect(plan("SELECT n, data FROM metric_chunks WHERE run_id = 1 AND name_id = 1 ORDER BY chunk")).toMatch(
      /^SEARCH metric_chunks USING PRIMARY KEY \(run_id=\? AND name_id=\?\)$/,
    );
    expect(plan("SELECT n, data FROM curve_chunks WHERE series_id = 1 ORDER BY chunk")).toMatch(
      /^SEARCH curve_chunks USING PRIMARY KEY \(series_id=\?\)$/,
    );
    expect(plan("SELECT * FROM examples WHERE dataset_id = 1 AND row_index > 0 ORDER BY row_index LIMIT 10")).toMatch(
      /USING INDEX examples_dataset_row/,
    );
    expect(plan("SELECT * FROM datasets WHERE content_hash = 'x'")).toMatch(/USING INDEX datasets_content_hash/);
    expect(plan("SELECT * FROM runs WHERE status = 'running'")).toMatch(/USING INDEX runs_status/);
    expect(plan("SELECT * FROM labels WHERE example_id = 1")).toMatch(/USING INDEX labels_example_dimension/);
    store.close();
  });
});
