import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Gpt, Rng, createRuntime, rewardScores, type Runtime } from "@goodhart/engine";
import type { Comparison } from "./reward-training.ts";
import { trainStackedRewardModels } from "./stacked-reward-training.ts";
import { StackTrainingPool, type StackJob, type StackProgress } from "./parallel-stacks.ts";

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
    const sequences = comparisons(20, config.vocab, 9).flatMap((c) => [c.chosen, c.rejected]);
    const jobs = [job(1), { ...job(2, trunk), score: { sequences, batchSize: 16 } }];
    const parallelSteps: number[][] = [[], []];
    const heard: StackProgress[][] = [[], []];
    const parallel = await Promise.all(
      jobs.map((j, r) =>
        pool.train(
          j,
          (...s) => parallelSteps[r]!.push(...s),
          (p) => heard[r]!.push(p),
        ),
      ),
    );
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
      expect(parallel[r]!.members).toHaveLength(2);
      // Live progress: every training step of the last member, then (when asked) each scored member.
      const lastMemberSteps = steps.filter((_, i) => i % 4 === 0 && steps[i] === 1).length;
      expect(heard[r]!.filter((p) => p.phase === "training")).toHaveLength(lastMemberSteps);
      expect(heard[r]!.filter((p) => p.phase === "scoring")).toEqual(
        j.score ? [1, 2].map((membersScored) => ({ phase: "scoring", membersScored })) : [],
      );
      expect(parallel[r]!.scores === undefined).toBe(!j.score);
      for (const [m, member] of alone.entries()) {
        const got = parallel[r]!.members[m]!;
        if (j.score) {
          const here = await rewardScores(runtime, member.model, j.score.sequences, { padToken: 0, batchSize: 16 });
          expect(bytes(parallel[r]!.scores![m]!)).toEqual(bytes(here));
        }
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
    expect((await pool.train(job(4))).members).toHaveLength(2);
  }, 60_000);

  it("close() during training stops the worker at its next step and lets it exit by itself", async () => {
    const own = new StackTrainingPool(1);
    const long = { ...job(5), data: comparisons(4000, config.vocab, 5) };
    let training!: () => void;
    const started = new Promise<void>((resolve) => (training = resolve));
    const result = own.train(long, undefined, (p) => p.phase === "training" && training());
    const rejected = expect(result).rejects.toThrow(/StackTrainingPool closed/);
    await started;
    const t0 = performance.now();
    await own.close();
    // Well inside the 30-s grace after which close() would terminate it: the worker left on its own.
    expect(performance.now() - t0).toBeLessThan(10_000);
    await rejected;
    await expect(own.train(job(6))).rejects.toThrow(/after close/);
  }, 60_000);

  it("refuses a size below one", () => {
    expect(() => new StackTrainingPool(0)).toThrow(/size must be a whole number >= 1, got 0/);
  });
});
