import Database from "better-sqlite3";
import { describe, expect, it } from "vitest";
import { migration0010 } from "./0010-datasets.ts";
import { migration0020 } from "./0020-models-and-runs.ts";

describe("migration 0020 models and runs", () => {
  it("creates models, checkpoints, experiments, sweeps and runs with a status CHECK", () => {
    const db = new Database(":memory:");
    db.pragma("foreign_keys = ON");
    migration0010.up(db);
    migration0020.up(db);
    for (const t of ["models", "checkpoints", "experiments", "sweeps", "runs"]) {
      expect(db.prepare("SELECT strict FROM pragma_table_list WHERE name = ?").get(t)).toEqual({ strict: 1 });
    }
    db.prepare("INSERT INTO experiments (name, kind, created_at) VALUES ('e', 'bon', 't')").run();
    db.prepare("INSERT INTO sweeps (experiment_id, name, created_at) VALUES (1, 's', 't')").run();
    db.prepare("INSERT INTO runs (experiment_id, sweep_id, name, seed, created_at) VALUES (1, 1, 'r', 0, 't')").run();
    expect(db.prepare("SELECT status FROM runs").get()).toEqual({ status: "queued" });
    expect(() => db.prepare("UPDATE runs SET status = 'paused'").run()).toThrow(/CHECK/);
    db.prepare("INSERT INTO models (name, kind, created_at) VALUES ('m', 'reward', 't')").run();
    db.prepare("INSERT INTO checkpoints (model_id, run_id, step, path, created_at) VALUES (1, 1, 10, '/c', 't')").run();
    // Deleting a run keeps the model's checkpoint but forgets which run wrote it.
    db.prepare("DELETE FROM runs").run();
    expect(db.prepare("SELECT run_id FROM checkpoints").get()).toEqual({ run_id: null });
  });
});
