import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import Database from "better-sqlite3";
import { afterAll, describe, expect, it } from "vitest";
import { checkMigrationOrder, latestVersion, migrate, migrations, NewerDatabaseError } from "./index.ts";

const dir = mkdtempSync(path.join(os.tmpdir(), "goodhart-migrate-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("migration runner", () => {
  it("has versions in increasing steps of 10", () => {
    expect(() => checkMigrationOrder(migrations)).not.toThrow();
    expect(migrations.map((m) => m.version)).toEqual([10, 20, 30, 50, 60, 80, 90, 100, 120]);
    expect(() =>
      checkMigrationOrder([
        { version: 20, name: "b", up() {} },
        { version: 10, name: "a", up() {} },
      ]),
    ).toThrow(/does not follow/);
    expect(() => checkMigrationOrder([{ version: 15, name: "x", up() {} }])).toThrow(/multiple of 10/);
  });

  it("applies all pending migrations and sets user_version, then nothing on the second run", () => {
    const db = new Database(":memory:");
    expect(migrate(db)).toEqual([10, 20, 30, 50, 60, 80, 90, 100, 120]);
    expect(db.pragma("user_version", { simple: true })).toBe(latestVersion());
    expect(migrate(db)).toEqual([]);
  });

  it("applies only the migrations newer than the file", () => {
    const db = new Database(":memory:");
    migrate(db, migrations.slice(0, 1));
    expect(db.pragma("user_version", { simple: true })).toBe(10);
    expect(migrate(db)).toEqual([20, 30, 50, 60, 80, 90, 100, 120]);
  });

  it("rolls every pending migration back when one fails", () => {
    const db = new Database(":memory:");
    const broken = [
      ...migrations,
      { version: latestVersion() + 10, name: "broken", up: (d: Database.Database) => d.exec("CREATE TABLE nope (") },
    ];
    expect(() => migrate(db, broken)).toThrow();
    expect(db.pragma("user_version", { simple: true })).toBe(0);
    expect(db.prepare("SELECT count(*) AS n FROM sqlite_schema").get()).toEqual({ n: 0 });
  });

  it("refuses a database written by a newer version, naming the file", () => {
    const file = path.join(dir, "future.sqlite");
    const db = new Database(file);
    db.pragma("user_version = 990");
    expect(() => migrate(db)).toThrow(NewerDatabaseError);
    expect(() => migrate(db)).toThrow(
      new RegExp(String.raw`future\.sqlite: database schema version 990 is newer than this Goodhart Lab supports \(${latestVersion()}\)`),
    );
    db.close();
  });
});
