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
});
