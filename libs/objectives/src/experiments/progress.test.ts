import { describe, expect, it } from "vitest";
import { ProgressTracker } from "./progress.ts";
import { memorySink } from "./sink.ts";

describe("ProgressTracker", () => {
  it("weights phases by their planned cost and reaches fraction 1", () => {
    const sink = memorySink();
    const t = new ProgressTracker(
      [
        { phase: "a", units: 10, secondsPerUnit: 1 },
        { phase: "b", units: 10, secondsPerUnit: 3 },
      ],
      sink,
      0,
    );
    t.update("a", 10, 10);
    expect(sink.progressLog.at(-1)!.fraction).toBeCloseTo(0.25, 12);
    t.update("b", 5, 10);
    expect(sink.progressLog.at(-1)!.fraction).toBeCloseTo(0.625, 12);
    t.update("b", 10, 10);
    expect(sink.progressLog.at(-1)!.fraction).toBeCloseTo(1, 12);
  });

  it("counts a phase reported again from its start once (a pool worker, then the study)", () => {
    const sink = memorySink();
    const t = new ProgressTracker(
      [
        { phase: "scoring", units: 5, secondsPerUnit: 1 },
        { phase: "b", units: 5, secondsPerUnit: 1 },
      ],
      sink,
      0,
    );
    for (let m = 1; m <= 5; m++) t.update("scoring", m, 5);
    for (let m = 1; m <= 5; m++) t.update("scoring", m, 5);
    expect(sink.progressLog.at(-1)!.fraction).toBeCloseTo(0.5, 12);
    t.update("b", 1, 5);
    expect(sink.progressLog.at(-1)!.fraction).toBeCloseTo(0.6, 12);
  });

  it("drops a skipped phase's remaining cost (a cached pretraining)", () => {
    const sink = memorySink();
    const t = new ProgressTracker(
      [
        { phase: "pretrain", units: 100, secondsPerUnit: 1 },
        { phase: "b", units: 10, secondsPerUnit: 1 },
      ],
      sink,
      0,
    );
    t.skip("pretrain");
    t.update("b", 5, 10);
    expect(sink.progressLog.at(-1)!.fraction).toBeCloseTo(0.5, 12);
  });

  it("throttles reports inside a phase but always reports its end", () => {
    const sink = memorySink();
    const t = new ProgressTracker([{ phase: "a", units: 1000, secondsPerUnit: 1 }], sink, 60_000);
    for (let i = 1; i <= 1000; i++) t.update("a", i, 1000);
    expect(sink.progressLog.length).toBe(2);
    expect(sink.progressLog.at(-1)!.done).toBe(1000);
  });
});
