import Database from "better-sqlite3";
import { describe, expect, it } from "vitest";
import { migration0010 } from "./0010-datasets.ts";
import { migration0020 } from "./0020-models-and-runs.ts";
import { migration0030 } from "./0030-results.ts";
import { migration0050 } from "./0050-run-results.ts";
import { migration0060 } from "./0060-curve-statistics-and-samples.ts";

describe("migration 0060 curve statistics and samples", () => {
  it("adds point SEs, KL estimates, fit intervals and sample sets, all removed with their run", () => {
    const db = new Database(":memory:");
    db.pragma("foreign_keys = ON");
    for (const m of [migration0010, migration0020, migration0030, migration0050]) m.up(db);
    db.prepare("INSERT INTO runs (name, seed, created_at) VALUES ('r', 1, 't')").run();
    db.prepare(
      "INSERT INTO fits (run_id, series, target, form, coefficients, n_points, created_at) VALUES (1, 'gold', 'gold', 'bon', '{}', 3, 't')",
    ).run();
    migration0060.up(db);
    // An existing fit keeps its row, with no intervals.
    expect(db.prepare("SELECT intervals FROM fits").get()).toEqual({ intervals: null });
    db.prepare(
      "INSERT INTO curve_series (run_id, name, x_kind, kl_estimator, members) VALUES (1, 'proxy:mean', 'n', 'analytic-bon', 0)",
    ).run();
    db.prepare("INSERT INTO curve_point_stats (series_id, x, proxy_se, gold_se, prompts) VALUES (1, 4, 0.1, 0.2, 100)").run();
    expect(() => db.prepare("INSERT INTO curve_point_stats (series_id, x, prompts) VALUES (1, 4, 100)").run()).toThrow(/UNIQUE|PRIMARY/);
    expect(() => db.prepare("INSERT INTO curve_point_stats (series_id, x, prompts) VALUES (1, 8, 0)").run()).toThrow(/CHECK/);
    db.prepare("INSERT INTO curve_kl_estimates (series_id, x, estimator, kl, kl_se) VALUES (1, 4, 'beirami-bon', 0.5, 0.01)").run();
    expect(() => db.prepare("INSERT INTO curve_kl_estimates (series_id, x, estimator, kl) VALUES (1, 4, '', 0.5)").run()).toThrow(/CHECK/);
    db.prepare(
      "INSERT INTO sample_sets (run_id, name, series, members, pool_size, prompts, created_at) VALUES (1, 'bon-pool', '[\"proxy:mean\"]', 1, 8, 2, 't')",
    ).run();
    db.prepare(
      "INSERT INTO samples (set_id, prompt_index, sample_index, prompt, completion, gold, log_prob, scores) VALUES (1, 0, 0, 'p', 'c', 0.5, -3, ?)",
    ).run(Buffer.alloc(16));
    expect(() =>
      db
        .prepare(
          "INSERT INTO samples (set_id, prompt_index, sample_index, prompt, completion, gold, scores) VALUES (1, 0, 1, 'p', 'c', 0.5, 'text')",
        )
        .run(),
    ).toThrow(/cannot store TEXT value in BLOB column/);
    db.prepare("DELETE FROM runs").run();
    for (const t of ["curve_point_stats", "curve_kl_estimates", "sample_sets", "samples", "fits"]) {
      expect(db.prepare(`SELECT count(*) AS n FROM ${t}`).get()).toEqual({ n: 0 });
    }
  });
});
