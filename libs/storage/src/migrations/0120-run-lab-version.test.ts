import Database from "better-sqlite3";
import { describe, expect, it } from "vitest";
import { openDatabase } from "../store.ts";
import { migrate, migrations } from "./index.ts";

describe("migration 0120 run lab version", () => {
  it("leaves runs stored before it without a version, records the creating lab's on new runs, refuses an empty one", () => {
    const db = new Database(":memory:");
    // A lab file at the previous version, holding one run.
    migrate(
      db,
      migrations.filter((m) => m.version < 120),
    );
    db.prepare("INSERT INTO runs (id, name, seed, status, created_at) VALUES (1, 'old', 0, 'done', '2026-01-02T00:00:00Z')").run();
    expect(migrate(db)).toEqual([120]);
    expect(db.prepare("SELECT lab_version FROM runs WHERE id = 1").get()).toEqual({ lab_version: null });
    expect(() =>
      db.prepare("INSERT INTO runs (name, seed, status, created_at, lab_version) VALUES ('x', 0, 'done', 't', '')").run(),
    ).toThrow(/CHECK constraint failed/);
    db.close();

    const store = openDatabase(":memory:");
    expect(store.runs.create({ name: "new", seed: 1, labVersion: "0.1.0" }).labVersion).toBe("0.1.0");
    expect(store.runs.create({ name: "unversioned", seed: 1 }).labVersion).toBeNull();
    expect(store.runs.list().map((r) => r.labVersion)).toEqual(["0.1.0", null]);
    store.close();
  });
});
