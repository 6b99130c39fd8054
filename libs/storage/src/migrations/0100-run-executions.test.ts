import { describe, expect, it } from "vitest";
import { openDatabase } from "../store.ts";

describe("migration 0100 run executions", () => {
  it("records a pooled run's queue (host:port only), job, worker and imported bundle, once", () => {
    const store = openDatabase(":memory:");
    const run = store.runs.create({ name: "point", seed: 1 });
    expect(store.runExecutions.get(run.id)).toBeUndefined();
    store.runExecutions.submitted(run.id, "10.0.0.5:6379", "lab-r1-a");
    store.runExecutions.setWorker(run.id, "lab-r1-a", "w1@gpu-box");
    expect(store.runExecutions.get(run.id)).toMatchObject({
      queue: "10.0.0.5:6379",
      jobId: "lab-r1-a",
      worker: "w1@gpu-box",
      bundleHash: null,
    });
    const hash = "a".repeat(64);
    expect(store.runExecutions.markImported(run.id, hash, "w2@other")).toBe(true);
    // A second bundle (the same or another) changes nothing.
    expect(store.runExecutions.markImported(run.id, "b".repeat(64), "w3@x")).toBe(false);
    expect(store.runExecutions.get(run.id)).toMatchObject({ bundleHash: hash, worker: "w2@other" });
    // A resubmission (resume) starts a new execution.
    store.runExecutions.submitted(run.id, "10.0.0.5:6379", "lab-r1-b");
    expect(store.runExecutions.get(run.id)).toMatchObject({ jobId: "lab-r1-b", worker: null, bundleHash: null });
    // Credentials never fit: a URL or user@host is refused.
    expect(() => store.runExecutions.submitted(run.id, "redis://:pw@h:1", "j")).toThrow(/host:port only/);
    expect(() => store.runExecutions.submitted(run.id, "user:pw@h:1", "j")).toThrow(/host:port only/);
    store.close();
  });
});
