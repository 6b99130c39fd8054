import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Gpt, Rng, createRuntime, type Runtime } from "@goodhart/engine";
import type { Comparison } from "./reward-training.ts";
import { trainStackedRewardModels } from "./stacked-reward-training.ts";
import { StackTrainingPool, type StackJob } from "./parallel-stacks.ts";

function comparisons(n: number, vocab: number, seed: number): Comparison[] {
  const rng = new Rng(seed);
  const seq = () => Array.from({ length: rng.int(3, 12) }, () => rng.int(1, vocab));
  return Array.from({ length: n }, () => ({ chosen: seq(), rejected: seq(), goldMargin: rng.uniform() }));
}

const bytes = (v: Float32Array) => Buffer.from(v.buffer, v.byteOffset, v.byteLength);

describe("StackTrainingPool", () => {
  let runtime: Runtime;
  let pool: StackTrainingPool;
  beforeAll(async () => {
    runtime = await createRuntime({ device: "cpu", threads: 1 }); // as proxy-runtime.ts opens it
    pool = new StackTrainingPool(2);
  });
  afterAll(async () => {
    await pool?.close();
    await runtime?.release();
  });

  const config = { vocab: 40, maxSeq: 16, dModel: 16, nHeads: 2, nLayers: 1 };
  const options = { epochs: 2, batchSize: 8, lr: 5e-3, marginScale: 0.5, padToken: 0 };
  const job = (run: number, trunk?: Gpt): StackJob => ({
    config,
    data: comparisons(30 + run, config.vocab, run),
    members: [0, 1].map((m) => ({ seed: 100 * run + m, orderKey: new Rng(run).fork(`member-${m}`).key })),
    ...(trunk ? { trunk } : {}),
    options,
  });

  it("trains two stacks at once, bitwise as trainStackedRewardModels does in this thread, steps replayed in order", async () => {
    const trunk = new Gpt(config, { seed: 7 });
    const jobs = [job(1), job(2, trunk)];
    const parallelSteps: number[][] = [[], []];
    const parallel = await Promise.all(jobs.map((j, r) => pool.train(j, (...s) => parallelSteps[r]!.push(...s))));
    for (const [r, j] of jobs.entries()) {
      const steps: number[] = [];
      const alone = await trainStackedRewardModels(
        runtime,
        j.config,
        j.data,
        j.members.map((m) => ({ seed: m.seed, order: new Rng(m.orderKey), ...(j.trunk ? { from: j.trunk } : {}) })),
        { ...options, onStep: (...s) => steps.push(...s) },
      );
      expect(parallelSteps[r]).toEqual(steps);
      expect(parallel[r]).toHaveLength(2);
      for (const [m, member] of alone.entries()) {
        const got = parallel[r]![m]!;
        expect([got.steps, got.finalLoss, got.finalAccuracy]).toEqual([member.steps, member.finalLoss, member.finalAccuracy]);
        const names = member.model.store.list().map((p) => p.name);
        expect(got.model.store.list().map((p) => p.name)).toEqual(names);
        for (const name of names) expect(bytes(got.model.store.get(name).value)).toEqual(bytes(member.model.store.get(name).value));
      }
    }
    // The trunk sent to the worker is copied, not moved: the caller's LM still has its weights.
    expect(trunk.store.list().every((p) => p.value.length > 0)).toBe(true);
  }, 120_000);

  it("rejects with the worker's error message and keeps serving", async () => {
    await expect(pool.train({ ...job(3), data: [] })).rejects.toThrow(/no comparisons/);
    await expect(pool.train(job(4))).resolves.toHaveLength(2);
  }, 60_000);

  it("refuses a size below one", () => {
    expect(() => new StackTrainingPool(0)).toThrow(/size must be a whole number >= 1, got 0/);
  });
});
