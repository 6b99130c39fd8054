import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { builtinExperimentKinds } from "../experiments/registry.ts";
import { counterStep } from "../experiments/diagnostic-counter.ts";
import { type RunJob, type RunOutcome, RunExecutor, type RunSink } from "./run-executor.ts";

const counterModule = builtinExperimentKinds.find((k) => k.kind === "diagnostic.counter")!.module;

/** Records what the executor reports, and lets a test wait for a run's end. */
function recordingSink() {
  const log: { runId: number; what: string; step?: number }[] = [];
  const outcomes = new Map<number, RunOutcome>();
  const waiters = new Map<number, (o: RunOutcome) => void>();
  const metrics = new Map<number, number>();
  const sink: RunSink = {
    started: (runId) => log.push({ runId, what: "started" }),
    progress: (runId, step) => log.push({ runId, what: "progress", step }),
    metrics: (runId, points) => metrics.set(runId, (metrics.get(runId) ?? 0) + points.length),
    curve: () => {},
    fits: () => {},
    labelSet: () => {},
    samples: () => {},
    model: () => {},
    result: () => {},
    runResult: () => {},
    checkpoint: (runId, step) => log.push({ runId, what: "checkpoint", step }),
    finished: (runId, outcome) => {
      log.push({ runId, what: `finished:${outcome.status}` });
      outcomes.set(runId, outcome);
      waiters.get(runId)?.(outcome);
    },
  };
  const ended = (runId: number): Promise<RunOutcome> =>
    outcomes.has(runId) ? Promise.resolve(outcomes.get(runId)!) : new Promise((r) => waiters.set(runId, r));
  const reachedStep = async (runId: number, step: number): Promise<void> => {
    while (!log.some((e) => e.runId === runId && e.what === "progress" && (e.step ?? 0) >= step))
      await new Promise((r) => setTimeout(r, 5));
  };
  return { sink, log, ended, reachedStep, metrics };
}

function job(
  runId: number,
  config: Record<string, unknown>,
  runDir = mkdtempSync(join(tmpdir(), "goodhart-run-")),
  resume = false,
): RunJob {
  return {
    runs: [{ runId, key: "" }],
    experimentModule: counterModule,
    config,
    seed: 7,
    device: "cpu",
    runDir,
    cacheDir: join(runDir, "cache"),
    resume,
  };
}

function expectedAcc(seed: number, steps: number): number {
  let acc = seed;
  for (let s = 1; s <= steps; s++) acc = counterStep(acc, s);
  return acc;
}

let executor: RunExecutor | undefined;
afterEach(async () => {
  await executor?.shutdown();
  executor = undefined;
});

describe("RunExecutor", () => {
  it("runs the diagnostic counter in a worker and reports progress in order", async () => {
    const rec = recordingSink();
    executor = new RunExecutor({ concurrency: 1, sink: rec.sink });
    executor.enqueue(job(1, { steps: 25, stepMs: 1, checkpointEvery: 10 }));
    const outcome = await rec.ended(1);
    expect(outcome).toEqual({ status: "done", result: { acc: expectedAcc(7, 25), steps: 25, resumedFrom: null } });
    const steps = rec.log.filter((e) => e.what === "progress").map((e) => e.step);
    expect(steps).toEqual(Array.from({ length: 25 }, (_, i) => i + 1));
    expect(rec.log.filter((e) => e.what === "checkpoint").map((e) => e.step)).toEqual([10, 20, 25]);
    expect(rec.metrics.get(1)).toBe(50);
    expect(rec.log[0]).toEqual({ runId: 1, what: "started" });
  });

  it("honours the concurrency limit and completes every queued run", async () => {
    const rec = recordingSink();
    executor = new RunExecutor({ concurrency: 2, sink: rec.sink });
    for (const id of [1, 2, 3]) executor.enqueue(job(id, { steps: 10, stepMs: 5 }));
    expect(executor.runningIds()).toEqual([1, 2]);
    expect(executor.queuedIds()).toEqual([3]);
    const outcomes = await Promise.all([1, 2, 3].map((id) => rec.ended(id)));
    expect(outcomes.map((o) => o.status)).toEqual(["done", "done", "done"]);
    // Run 3 started only after one of the first two finished.
    const start3 = rec.log.findIndex((e) => e.runId === 3 && e.what === "started");
    const firstEnd = rec.log.findIndex((e) => e.what.startsWith("finished"));
    expect(start3).toBeGreaterThan(firstEnd);
  });

  it("cancels a sleeping run cooperatively within 2 s", async () => {
    const rec = recordingSink();
    executor = new RunExecutor({ concurrency: 1, sink: rec.sink });
    executor.enqueue(job(1, { steps: 10_000, stepMs: 20 }));
    await rec.reachedStep(1, 3);
    const t0 = performance.now();
    expect(await executor.cancel(1)).toBe(true);
    expect(performance.now() - t0).toBeLessThan(2000);
    expect(await rec.ended(1)).toEqual({ status: "cancelled" });
  });

  it("terminates a run that ignores the cancel flag, still within 2 s", async () => {
    const rec = recordingSink();
    executor = new RunExecutor({ concurrency: 1, sink: rec.sink, cancelGraceMs: 500 });
    executor.enqueue(job(1, { steps: 10_000, stepMs: 50, busy: true, ignoreCancel: true }));
    await rec.reachedStep(1, 2);
    const t0 = performance.now();
    await executor.cancel(1);
    const elapsed = performance.now() - t0;
    expect(elapsed).toBeGreaterThanOrEqual(450);
    expect(elapsed).toBeLessThan(2000);
    expect(await rec.ended(1)).toEqual({ status: "cancelled" });
  });

  it("cancels a queued run without starting it", async () => {
    const rec = recordingSink();
    executor = new RunExecutor({ concurrency: 1, sink: rec.sink });
    executor.enqueue(job(1, { steps: 10_000, stepMs: 10 }));
    executor.enqueue(job(2, { steps: 5 }));
    await executor.cancel(2);
    expect(await rec.ended(2)).toEqual({ status: "cancelled" });
    expect(rec.log.some((e) => e.runId === 2 && e.what === "started")).toBe(false);
    await executor.cancel(1);
  });

  it("reports a throwing experiment as failed with its message", async () => {
    const rec = recordingSink();
    executor = new RunExecutor({ concurrency: 1, sink: rec.sink });
    executor.enqueue(job(1, { steps: 10, stepMs: 1, failAtStep: 4 }));
    expect(await rec.ended(1)).toEqual({ status: "failed", error: { name: "Error", message: "diagnostic failure requested at step 4" } });
  });

  it("reports a worker that dies mid-run as interrupted, and resumes it from the last checkpoint", async () => {
    const rec = recordingSink();
    executor = new RunExecutor({ concurrency: 1, sink: rec.sink });
    const runDir = mkdtempSync(join(tmpdir(), "goodhart-run-"));
    executor.enqueue(job(1, { steps: 30, stepMs: 1, checkpointEvery: 10, crashAtStep: 15 }, runDir));
    const first = await rec.ended(1);
    expect(first.status).toBe("interrupted");
    expect(rec.log.filter((e) => e.what === "checkpoint").map((e) => e.step)).toEqual([10]);

    const rec2 = recordingSink();
    await executor.shutdown();
    executor = new RunExecutor({ concurrency: 1, sink: rec2.sink });
    executor.enqueue(job(1, { steps: 30, stepMs: 1, checkpointEvery: 10 }, runDir, true));
    const second = await rec2.ended(1);
    // Same final state as an uninterrupted run: the checkpoint carried the state exactly.
    expect(second).toEqual({ status: "done", result: { acc: expectedAcc(7, 30), steps: 30, resumedFrom: 10 } });
    expect(rec2.log.find((e) => e.what === "progress")?.step).toBe(11);
  });

  it("rejects a non-positive concurrency", () => {
    expect(() => new RunExecutor({ concurrency: 0, sink: recordingSink().sink })).toThrow(/positive integer/);
  });

  describe("a job of several runs (a study's grid points)", () => {
    const gridModule = new URL("./testing/grid-experiment.ts", import.meta.url).href;
    const gridJob = (config: Record<string, unknown>): RunJob => {
      const runDir = mkdtempSync(join(tmpdir(), "goodhart-run-"));
      return {
        runs: [1, 2, 3].map((runId) => ({ runId, key: `g${runId}` })),
        experimentModule: gridModule,
        config,
        seed: 0,
        device: "cpu",
        runDir,
        cacheDir: join(runDir, "cache"),
        resume: false,
      };
    };
    /** Per run: started?, results seen, how it finished and whether it had begun. */
    function gridSink() {
      const state = new Map<
        number,
        { started: boolean; metrics: number; curve: number; result: unknown; end?: { status: string; begun: boolean } }
      >();
      const of = (id: number) => state.get(id) ?? state.set(id, { started: false, metrics: 0, curve: 0, result: null }).get(id)!;
      let jobResult: unknown = null;
      const sink: RunSink = {
        started: (id) => void (of(id).started = true),
        progress: () => {},
        metrics: (id, points) => void (of(id).metrics += points.length),
        curve: (id, points) => void (of(id).curve += points.length),
        fits: () => {},
        labelSet: () => {},
        model: () => {},
        samples: () => {},
        checkpoint: () => {},
        runResult: (id, result) => void (of(id).result = result),
        result: (_runs, result) => void (jobResult = result),
        finished: (id, outcome, begun) => void (of(id).end = { status: outcome.status, begun }),
      };
      const allEnded = async () => {
        while (![1, 2, 3].every((id) => state.get(id)?.end)) await new Promise((r) => setTimeout(r, 10));
      };
      return { sink, state, of, allEnded, jobResult: () => jobResult };
    }

    it("routes every report to its run, starts each when the experiment reaches it, and ends each with its own status", async () => {
      const rec = gridSink();
      executor = new RunExecutor({ concurrency: 1, sink: rec.sink });
      executor.enqueue(gridJob({ steps: 3, stepMs: 1 }));
      expect(executor.runningIds()).toEqual([1, 2, 3]);
      await rec.allEnded();
      for (const id of [1, 2, 3]) {
        expect(rec.of(id)).toEqual({
          started: true,
          metrics: 3,
          curve: 3,
          result: { key: `g${id}`, steps: 3 },
          end: { status: "done", begun: true },
        });
      }
      expect(rec.jobResult()).toEqual({ runs: [{ id: "g1" }, { id: "g2" }, { id: "g3" }] });
    });

    it("cancelling any run cancels the job: finished runs stay done, the rest end cancelled", async () => {
      const rec = gridSink();
      executor = new RunExecutor({ concurrency: 1, sink: rec.sink });
      executor.enqueue(gridJob({ steps: 1000, stepMs: 5 }));
      while (!rec.state.get(1)?.metrics) await new Promise((r) => setTimeout(r, 5));
      expect(rec.of(2).started).toBe(false);
      expect(await executor.cancel(3)).toBe(true);
      await rec.allEnded();
      expect([1, 2, 3].map((id) => rec.of(id).end)).toEqual([
        { status: "cancelled", begun: true },
        { status: "cancelled", begun: false },
        { status: "cancelled", begun: false },
      ]);
    });

    it("a worker that dies interrupts the run it was on and reports the runs it never reached as not begun", async () => {
      const rec = gridSink();
      executor = new RunExecutor({ concurrency: 1, sink: rec.sink });
      executor.enqueue(gridJob({ steps: 2, stepMs: 1, crashAtKey: "g2" }));
      await rec.allEnded();
      expect([1, 2, 3].map((id) => rec.of(id).end)).toEqual([
        { status: "done", begun: true },
        { status: "interrupted", begun: true },
        { status: "interrupted", begun: false },
      ]);
    });
  });
});
