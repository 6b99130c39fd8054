import Database from "better-sqlite3";
import { describe, expect, it } from "vitest";
import { migrations } from "./index.ts";

describe("migration 0090 external runs", () => {
  it("keys files by content hash, checks tools and formats, and cascades from the run", () => {
    const db = new Database(":memory:");
    db.pragma("foreign_keys = ON");
    for (const m of migrations) m.up(db);
    db.prepare("INSERT INTO runs (id, name, seed, status, created_at) VALUES (1, 'r', 0, 'done', 't')").run();
    db.prepare("INSERT INTO external_runs (run_id, tool) VALUES (1, 'trl')").run();
    expect(() => db.prepare("INSERT INTO external_runs (run_id, tool) VALUES (1, 'trl')").run()).toThrow(/UNIQUE|PRIMARY KEY/);
    const file = db.prepare("INSERT INTO external_files VALUES (?, 1, ?, 'trainer_state.json', 't')");
    file.run("a".repeat(64), "trl");
    expect(() => file.run("a".repeat(64), "trl")).toThrow(/UNIQUE|PRIMARY KEY/);
    expect(() => file.run("b".repeat(64), "mlflow")).toThrow(/CHECK constraint failed/);
    expect(() => file.run("short", "trl")).toThrow(/CHECK constraint failed/);
    expect(() => db.prepare("INSERT INTO external_runs (run_id, tool) VALUES (2, 'deepspeed-chat')").run()).toThrow(
      /CHECK constraint failed|FOREIGN KEY/,
    );
    db.prepare("INSERT INTO external_samples VALUES (1, 3, 0, 'p', 'c', 0.5, NULL)").run();
    db.prepare("DELETE FROM runs WHERE id = 1").run();
    for (const table of ["external_runs", "external_files", "external_samples"])
      expect(db.prepare(`SELECT count(*) AS n FROM ${table}`).get()).toEqual({ n: 0 });
  });
});
