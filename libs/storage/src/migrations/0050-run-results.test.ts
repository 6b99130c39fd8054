import Database from "better-sqlite3";
import { describe, expect, it } from "vitest";
import { migration0010 } from "./0010-datasets.ts";
import { migration0020 } from "./0020-models-and-runs.ts";
import { migration0030 } from "./0030-results.ts";
import { migration0050 } from "./0050-run-results.ts";

describe("migration 0050 run results", () => {
  it("adds a nullable result column to runs, keeping existing runs", () => {
    const db = new Database(":memory:");
    for (const m of [migration0010, migration0020, migration0030]) m.up(db);
    db.prepare("INSERT INTO runs (name, seed, created_at) VALUES ('before', 1, 't')").run();
    migration0050.up(db);
    expect(db.prepare("SELECT name, result FROM runs").get()).toEqual({ name: "before", result: null });
    db.prepare("UPDATE runs SET result = ? WHERE id = 1").run('{"acc":1}');
    expect(db.prepare("SELECT result FROM runs").get()).toEqual({ result: '{"acc":1}' });
    // STRICT: a result is text (JSON), nothing else.
    expect(() => db.prepare("UPDATE runs SET result = ? WHERE id = 1").run(Buffer.alloc(2))).toThrow(
      /cannot store BLOB value in TEXT column/,
    );
  });
});
