import { describe, expect, it } from "vitest";
import { openDatabase } from "../store.ts";
import { RunStatusError } from "./runs.ts";

describe("experiments, sweeps, runs, models, checkpoints", () => {
  it("walks a run through its statuses with timestamps and refuses illegal moves", () => {
    const store = openDatabase(":memory:");
    const exp = store.experiments.create({ name: "bon-ensemble", kind: "bon", config: { n: [1, 2, 4] } });
    const sweep = store.sweeps.create({ experimentId: exp.id, name: "noise", grid: { noise: [0, 0.25] } });
    const run = store.runs.create({ name: "noise=0.25 seed=1", seed: 1, experimentId: exp.id, sweepId: sweep.id, config: { noise: 0.25 } });
    expect(run).toMatchObject({ status: "queued", startedAt: null, endedAt: null, seed: 1, config: { noise: 0.25 } });
    const running = store.runs.setStatus(run.id, "running", { device: "cpu" });
    expect(running.status).toBe("running");
    expect(running.device).toBe("cpu");
    expect(running.startedAt).not.toBeNull();
    expect(() => store.runs.setStatus(run.id, "queued")).toThrow(RunStatusError);
    const failed = store.runs.setStatus(run.id, "failed", { error: "NaN loss at step 40" });
    expect(failed).toMatchObject({ status: "failed", error: "NaN loss at step 40" });
    expect(failed.endedAt).not.toBeNull();
    store.runs.setStatus(run.id, "queued");
    store.runs.setStatus(run.id, "running");
    const done = store.runs.setStatus(run.id, "done");
    expect(done).toMatchObject({ status: "done", error: null, startedAt: running.startedAt });
    expect(() => store.runs.setStatus(run.id, "running")).toThrow(/cannot go from done to running/);
    expect(store.runs.list({ sweepId: sweep.id }).map((r) => r.id)).toEqual([run.id]);
    expect(store.sweeps.forExperiment(exp.id)[0]).toMatchObject({ grid: { noise: [0, 0.25] } });
  });

  it("marks runs left running by a crash as interrupted, and they can resume from the last checkpoint", () => {
    const store = openDatabase(":memory:");
    const a = store.runs.create({ name: "a", seed: 1 });
    const b = store.runs.create({ name: "b", seed: 2 });
    store.runs.setStatus(a.id, "running");
    expect(store.runs.markRunningAsInterrupted()).toBe(1);
    expect(store.runs.get(a.id)).toMatchObject({ status: "interrupted" });
    expect(store.runs.get(b.id)).toMatchObject({ status: "queued" });
    const model = store.models.create({ name: "rm-s", kind: "reward", path: "/m", config: { layers: 2 } });
    store.checkpoints.create({ modelId: model.id, runId: a.id, step: 100, path: "/m/100" });
    store.checkpoints.create({ modelId: model.id, runId: a.id, step: 200, path: "/m/200" });
    expect(store.checkpoints.latestForRun(a.id)?.path).toBe("/m/200");
    expect(store.checkpoints.forModel(model.id).map((c) => c.step)).toEqual([100, 200]);
    expect(store.runs.setStatus(a.id, "running").status).toBe("running");
    expect(store.models.list()[0]).toMatchObject({ name: "rm-s", kind: "reward", config: { layers: 2 } });
  });

  it("keeps a run's result JSON, and clears everything a run stored when it restarts from scratch", () => {
    const store = openDatabase(":memory:");
    const keep = store.runs.create({ name: "other", seed: 0 });
    const run = store.runs.create({ name: "grid point", seed: 0 });
    expect(run.result).toBeNull();
    store.runs.setResult(run.id, { runs: [{ id: "g1", goldAtMaxN: 0.5 }] });
    expect(store.runs.get(run.id)!.result).toEqual({ runs: [{ id: "g1", goldAtMaxN: 0.5 }] });
    for (const r of [run, keep]) {
      store.metrics.append(r.id, [{ step: 1, name: "loss", value: 0.5 }]);
      store.curves.append([
        { runId: r.id, series: "proxy:mean", x: 1, xKind: "n", kl: 0, klEstimator: "analytic-bon", proxyScore: 0, goldScore: 0 },
      ]);
      store.fits.create({
        runId: r.id,
        series: "proxy:mean",
        target: "gold",
        form: "bon",
        coefficients: { a: 1, b: 1 },
        standardErrors: null,
        residual: 0,
        nPoints: 3,
      });
      const ds = store.datasets.create({
        name: `run ${r.id}: labels`,
        sourcePath: "x",
        contentHash: `h${r.id}`,
        format: "f",
        rowCount: 0,
        detection: {},
      });
      store.labelSets.create({ name: `run ${r.id}: labels/gold`, datasetId: ds.id, source: "gold", flipP: 0, seed: 0 });
      const own = store.models.create({ name: `member of ${r.id}`, kind: "reward", path: `/m/${r.id}` });
      store.checkpoints.create({ modelId: own.id, runId: r.id, path: `/m/${r.id}` });
    }
    const shared = store.models.create({ name: "base-policy", kind: "policy", path: "/base" });
    store.checkpoints.create({ modelId: shared.id, runId: null, path: "/base" });
    store.checkpoints.create({ modelId: shared.id, runId: run.id, path: "/base" });

    store.runs.clearResults(run.id);
    expect(store.runs.get(run.id)!.result).toBeNull();
    expect(store.metrics.names(run.id)).toEqual([]);
    expect(store.curves.series(run.id)).toEqual([]);
    expect(store.fits.forRun(run.id)).toEqual([]);
    expect(store.datasets.list().map((d) => d.name)).toEqual([`run ${keep.id}: labels`]);
    // Its own model goes; one another run (or the study) uses stays.
    expect(
      store.models
        .list()
        .map((m) => m.name)
        .sort(),
    ).toEqual(["base-policy", `member of ${keep.id}`]);
    // The other run is untouched.
    expect(store.metrics.names(keep.id)).toEqual(["loss"]);
    expect(store.curves.series(keep.id)).toHaveLength(1);
    expect(store.fits.forRun(keep.id)).toHaveLength(1);
    store.close();
  });

  it("lets a queued run become interrupted when its study's worker stops before reaching it", () => {
    const store = openDatabase(":memory:");
    const run = store.runs.create({ name: "never reached", seed: 0 });
    expect(store.runs.setStatus(run.id, "interrupted", { error: "not started" })).toMatchObject({
      status: "interrupted",
      error: "not started",
    });
    expect(store.runs.setStatus(run.id, "queued").status).toBe("queued");
    store.close();
  });
});
