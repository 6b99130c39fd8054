import Database from "better-sqlite3";
import { describe, expect, it } from "vitest";
import { migration0010 } from "./0010-datasets.ts";
import { migration0020 } from "./0020-models-and-runs.ts";
import { migration0030 } from "./0030-results.ts";

describe("migration 0030 results", () => {
  it("creates metrics, curves, fits and reports keyed by run", () => {
    const db = new Database(":memory:");
    db.pragma("foreign_keys = ON");
    for (const m of [migration0010, migration0020, migration0030]) m.up(db);
    db.prepare("INSERT INTO runs (name, seed, created_at) VALUES ('r', 1, 't')").run();
    db.prepare("INSERT INTO metric_names (name) VALUES ('loss')").run();
    const blob = Buffer.from(new Float64Array([0, 0.5]).buffer);
    db.prepare("INSERT INTO metric_chunks (run_id, name_id, chunk, first_key, last_key, n, data) VALUES (1, 1, 0, 0, 0, 1, ?)").run(blob);
    expect(() =>
      db.prepare("INSERT INTO metric_chunks (run_id, name_id, chunk, first_key, last_key, n, data) VALUES (1, 1, 0, 1, 1, 1, ?)").run(blob),
    ).toThrow(/UNIQUE|PRIMARY/);
    expect(() =>
      db
        .prepare("INSERT INTO metric_chunks (run_id, name_id, chunk, first_key, last_key, n, data) VALUES (1, 1, 1, 1, 1, 1, 'text')")
        .run(),
    ).toThrow(/cannot store TEXT value in BLOB column/);
    db.prepare(
      "INSERT INTO curve_series (run_id, name, x_kind, kl_estimator, members) VALUES (1, 'proxy:mean', 'n', 'analytic-bon', 5)",
    ).run();
    expect(() => db.prepare("INSERT INTO curve_series (run_id, name, x_kind, kl_estimator) VALUES (1, 'g', 'epoch', 'k1')").run()).toThrow(
      /CHECK/,
    );
    db.prepare("INSERT INTO curve_chunks (series_id, chunk, first_key, last_key, n, data) VALUES (1, 0, 4, 4, 1, ?)").run(Buffer.alloc(72));
    db.prepare(
      "INSERT INTO fits (run_id, series, target, form, coefficients, n_points, created_at) VALUES (1, 'gold', 'gold', 'bon', '{}', 3, 't')",
    ).run();
    db.prepare("DELETE FROM runs").run();
    for (const t of ["metric_chunks", "curve_series", "curve_chunks", "fits"]) {
      expect(db.prepare(`SELECT count(*) AS n FROM ${t}`).get()).toEqual({ n: 0 });
    }
  });
});
