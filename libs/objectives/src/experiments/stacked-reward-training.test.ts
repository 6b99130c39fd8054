import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Gpt, RewardModel, Rng, StackedRewardModels, createRuntime, rewardScores, type Runtime } from "@goodhart/engine";
import { trainRewardModel, type Comparison } from "./reward-training.ts";
import { trainStackedRewardModels } from "./stacked-reward-training.ts";

/** Random comparisons of varying lengths (so member batches pad to different lengths). */
function comparisons(n: number, vocab: number, seed: number): Comparison[] {
  const rng = new Rng(seed);
  const seq = () => Array.from({ length: rng.int(3, 12) }, () => rng.int(1, vocab));
  return Array.from({ length: n }, () => ({ chosen: seq(), rejected: seq(), goldMargin: rng.uniform() }));
}

const relClose = (a: number, b: number, tol: number) => Math.abs(a - b) <= tol * Math.max(1, Math.abs(a), Math.abs(b));

describe("trainStackedRewardModels", () => {
  let runtime: Runtime;
  beforeAll(async () => (runtime = await createRuntime({ device: "cpu", threads: 2 })));
  afterAll(async () => runtime?.release());

  const config = { vocab: 40, maxSeq: 16, dModel: 16, nHeads: 2, nLayers: 2 };
  const data = comparisons(44, config.vocab, 3); // 6 steps per epoch, the last one short
  const inits = (lm?: Gpt) => [0, 1, 2].map((m) => ({ seed: 100 + m, order: new Rng(9).fork(`member-${m}`), ...(lm ? { from: lm } : {}) }));
  const options = { epochs: 2, batchSize: 8, lr: 5e-3, marginScale: 0.5, padToken: 0 };

  it("scores like the separate reward models before training", async () => {
    const models = [1, 2].map((seed) => new RewardModel(config, { seed }));
    const stack = StackedRewardModels.fromModels(models);
    const { ids, mask } = await import("@goodhart/engine").then(({ input }) => ({
      ids: input("ids", "int64", [1, "batch", "seq"]),
      mask: input("mask", "bool", [1, "batch", "seq"]),
    }));
    const session = await runtime.session({ outputs: { scores: stack.scores(ids, mask) }, name: "stacked-test" });
    const rows = data.slice(0, 6).map((c) => c.chosen);
    const T = Math.max(...rows.map((r) => r.length));
    const idData = new BigInt64Array(rows.length * T);
    const maskData = new Uint8Array(rows.length * T);
    rows.forEach((r, i) => r.forEach((t, j) => ((idData[i * T + j] = BigInt(t)), (maskData[i * T + j] = 1))));
    const out = await session.run({
      ...stack.store.feeds(),
      ids: { dtype: "int64", shape: [1, rows.length, T], data: idData },
      mask: { dtype: "bool", shape: [1, rows.length, T], data: maskData as never },
    });
    const stacked = out.scores!.data as Float32Array; // (2, rows)
    for (const [m, model] of models.entries()) {
      const alone = await rewardScores(runtime, model, rows);
      alone.forEach((s, i) => expect(relClose(stacked[m * rows.length + i]!, s, 1e-5)).toBe(true));
    }
  });

  for (const pretrained of [false, true]) {
    it(`trains each member as trainRewardModel trains it alone (loss curves within 1e-4 relative${pretrained ? ", pretrained trunk" : ""})`, async () => {
      const lm = pretrained ? new Gpt(config, { seed: 5 }) : undefined;
      const stackedCurves: number[][] = [[], [], []];
      const stacked = await trainStackedRewardModels(runtime, config, data, inits(lm), {
        ...options,
        onStep: (m, _step, loss) => stackedCurves[m]!.push(loss),
      });
      expect(stacked).toHaveLength(3);
      const probe = data.slice(0, 10).flatMap((c) => [c.chosen, c.rejected]);
      for (const [m, init] of inits(lm).entries()) {
        const curve: number[] = [];
        const alone = await trainRewardModel(runtime, config, data, init, { ...options, onStep: (_s, loss) => curve.push(loss) });
        expect(stackedCurves[m]).toHaveLength(12);
        curve.forEach((loss, i) =>
          expect(relClose(stackedCurves[m]![i]!, loss, 1e-4), `member ${m} step ${i + 1}: ${stackedCurves[m]![i]} vs ${loss}`).toBe(true),
        );
        expect(stacked[m]!.steps).toBe(alone.steps);
        expect(relClose(stacked[m]!.finalLoss, alone.finalLoss, 1e-4)).toBe(true);
        expect(stacked[m]!.finalAccuracy).toBeCloseTo(alone.finalAccuracy, 6);
        // The unstacked model is an ordinary RewardModel that scores like the one trained alone.
        const a = await rewardScores(runtime, alone.model, probe);
        const s = await rewardScores(runtime, stacked[m]!.model, probe);
        a.forEach((x, i) => expect(relClose(s[i]!, x, 1e-3), `member ${m} score ${i}`).toBe(true));
      }
      // Members differ (own seeds and orders), so the test would notice members mixed up.
      expect(stackedCurves[0]).not.toEqual(stackedCurves[1]);
    });
  }

  it("is deterministic: the same inputs give identical parameters", async () => {
    const run = () => trainStackedRewardModels(runtime, config, data, inits(), options);
    const [a, b] = [await run(), await run()];
    for (let m = 0; m < 3; m++)
      for (const p of a[m]!.model.store.list())
        expect(Buffer.from(b[m]!.model.store.get(p.name).value.buffer)).toEqual(Buffer.from(p.value.buffer));
  });
});
