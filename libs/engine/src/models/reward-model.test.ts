// Reward models, ensembles and value heads on real ONNX Runtime sessions.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import "../ops/all.ts";
import { input } from "../ir/tensor.ts";
import type { Runtime } from "../runtime/runtime.ts";
import { createRuntime } from "../runtime/runtime.ts";
import { createRng } from "../random/rng.ts";
import { constantSchedule } from "../train/schedule.ts";
import { createTrainer } from "../train/trainer.ts";
import { padTokens } from "./batch-tensors.ts";
import { RewardEnsemble, rewardEnsembleParamCount } from "./ensemble.ts";
import { Gpt, gptParamCount } from "./gpt.ts";
import { LoraAdapter } from "./lora.ts";
import { RewardModel, rewardModelParamCount } from "./reward-model.ts";
import { ensembleScores, rewardScores } from "./score-sequences.ts";
import { maxAbsDiff, randomRows, roughen } from "./test-helpers.test-helper.ts";
import { ValueHead } from "./value-head.ts";

let rt: Runtime;
beforeAll(async () => {
  rt = await createRuntime({ device: "cpu", threads: 2 });
});
afterAll(async () => {
  await rt.release();
});

const V = 20;
const tiny = { vocab: V, maxSeq: 32, dModel: 16, nHeads: 2, nLayers: 2 };

async function graphScores(
  model: RewardModel | RewardEnsemble,
  rows: number[][],
  padSide: "left" | "right",
  width?: number,
  padId = 7,
): Promise<Float32Array> {
  const ids = input("ids", "int64", ["batch", "seq"]);
  const mask = input("mask", "bool", ["batch", "seq"]);
  const s = await rt.session({ outputs: { r: model.scores(ids, mask) } });
  const batch = padTokens(rows, padId, padSide, width);
  return (await s.run({ ...model.store.feeds(), ids: batch.ids, mask: batch.mask })).r!.data as Float32Array;
}

describe("parameter counts", () => {
  it("match what each model declares", () => {
    for (const tiedHead of [true, false]) expect(new Gpt({ ...tiny, tiedHead }).store.count()).toBe(gptParamCount({ ...tiny, tiedHead }));
    expect(new RewardModel(tiny).store.count()).toBe(rewardModelParamCount(tiny));
    for (const sharing of ["independent", "shared-trunk"] as const) {
      const e = new RewardEnsemble({ ...tiny, members: 3, sharing });
      expect(e.store.count()).toBe(rewardEnsembleParamCount({ ...tiny, members: 3, sharing }));
      expect(e.parameterCount()).toBe(e.store.count());
    }
    expect(() => new Gpt({ ...tiny, nHeads: 3 })).toThrow(/not divisible by nHeads 3/);
    expect(() => new RewardModel({ ...tiny, nLayers: 0 })).toThrow(/nLayers must be a positive integer/);
  });
});

describe("RewardModel", () => {
  const rm = new RewardModel(tiny, { seed: 2 });
  roughen(rm.store, 8);
  const rows = randomRows(4, [5, 9, 1, 7], V);

  it("reads the same reward however the sequences are padded", async () => {
    const right = await graphScores(rm, rows, "right");
    const left = await graphScores(rm, rows, "left");
    const wide = await graphScores(rm, rows, "right", 16);
    const alone = await Promise.all(rows.map(async (r) => (await graphScores(rm, [r], "right"))[0]!));
    expect(maxAbsDiff(left, right)).toBeLessThanOrEqual(1e-5);
    expect(maxAbsDiff(wide, right)).toBeLessThanOrEqual(1e-5);
    expect(maxAbsDiff(Float32Array.from(alone), right)).toBeLessThanOrEqual(1e-5);
    expect(new Set(Array.from(right, (x) => x.toFixed(4))).size).toBe(rows.length); // rewards differ per row
  });

  it("reads the last real token: changing it changes the reward, changing padding does not", async () => {
    const a = await graphScores(rm, [[3, 4, 5]], "right", 6);
    const b = await graphScores(rm, [[3, 4, 6]], "right", 6);
    expect(Math.abs(a[0]! - b[0]!)).toBeGreaterThan(1e-3);
    const otherPad = await graphScores(rm, [[3, 4, 5]], "right", 6, 0);
    expect(Math.abs(otherPad[0]! - a[0]!)).toBeLessThanOrEqual(1e-6);
  });

  it("scores many sequences in length-bucketed batches like the graph does", async () => {
    const many = randomRows(
      9,
      Array.from({ length: 23 }, (_, i) => 1 + ((i * 7) % 13)),
      V,
    );
    const host = await rewardScores(rt, rm, many, { batchSize: 5 });
    const direct = await graphScores(rm, many, "right");
    expect(maxAbsDiff(host, direct)).toBeLessThanOrEqual(1e-5);
    // A LoRA expert on the reward model: equal to the base at init, different once B is nonzero.
    const expert = new LoraAdapter(rm, "expert", { rank: 2, targets: ["mlp.up"] });
    expect(maxAbsDiff(await rewardScores(rt, rm, many, { lora: expert }), host)).toBe(0);
    roughen(expert.store, 5);
    expect(maxAbsDiff(await rewardScores(rt, rm, many, { lora: expert }), host)).toBeGreaterThan(1e-3);
  });

  it("trains with a Bradley-Terry loss built from scores(): prefers sequences holding token 1", async () => {
    const model = new RewardModel({ ...tiny, nLayers: 1 }, { seed: 4 });
    const ids = { c: input("chosen", "int64", ["batch", 6]), r: input("rejected", "int64", ["batch", 6]) };
    const mask = input("mask", "bool", ["batch", 6]);
    const margin = model.scores(ids.c, mask).sub(model.scores(ids.r, mask)); // (B,)
    const loss = margin.sigmoid().log().neg().mean(); // -log sigma(r_c - r_r)
    const trainer = await createTrainer({ runtime: rt, params: model.store, loss, schedule: constantSchedule(3e-3) });
    const rng = createRng(1);
    const pairs = (B: number) => {
      const c = new BigInt64Array(B * 6);
      const r = new BigInt64Array(B * 6);
      for (let i = 0; i < B * 6; i++) {
        c[i] = BigInt(2 + rng.int(0, V - 2));
        r[i] = BigInt(2 + rng.int(0, V - 2));
      }
      for (let b = 0; b < B; b++) c[b * 6 + rng.int(0, 6)] = 1n;
      return {
        chosen: { dtype: "int64" as const, shape: [B, 6], data: c },
        rejected: { dtype: "int64" as const, shape: [B, 6], data: r },
        mask: { dtype: "bool" as const, shape: [B, 6], data: new Uint8Array(B * 6).fill(1) },
      };
    };
    const first = await trainer.step(pairs(32));
    let last = first;
    for (let s = 0; s < 80; s++) last = await trainer.step(pairs(32));
    expect(first.loss).toBeGreaterThan(0.6);
    expect(last.loss).toBeLessThan(0.3);
  });
});

describe("RewardEnsemble", () => {
  for (const sharing of ["independent", "shared-trunk"] as const) {
    it(`gives k different members with the host and graph paths agreeing (${sharing})`, async () => {
      const ens = new RewardEnsemble({ ...tiny, members: 3, sharing }, { seed: 1 });
      roughen(ens.store, 3);
      const rows = randomRows(2, [4, 8, 2], V);
      const graph = await graphScores(ens, rows, "left"); // (3, B)
      const host = await ensembleScores(rt, ens, rows, { batchSize: 2 });
      expect(host).toHaveLength(3);
      expect(maxAbsDiff(Float32Array.from(host.flatMap((h) => Array.from(h))), graph)).toBeLessThanOrEqual(1e-5);
      expect(maxAbsDiff(host[0]!, host[1]!)).toBeGreaterThan(1e-3);
    });
  }
});

describe("ValueHead", () => {
  it("gives one value per token, causally", async () => {
    const gpt = new Gpt(tiny, { seed: 6 });
    roughen(gpt.store, 2);
    const head = new ValueHead(gpt.store, tiny.dModel);
    const ids = input("ids", "int64", [1, 5]);
    const s = await rt.session({ outputs: { v: head.values(gpt.forward(ids).hidden) } });
    const run = async (row: number[]) =>
      (await s.run({ ...gpt.store.feeds(), ids: { dtype: "int64", shape: [1, 5], data: BigInt64Array.from(row, BigInt) } })).v!;
    const a = await run([1, 2, 3, 4, 5]);
    const b = await run([1, 2, 3, 9, 5]);
    expect(a.shape).toEqual([1, 5]);
    expect(Array.from(b.data as Float32Array).slice(0, 3)).toEqual(Array.from(a.data as Float32Array).slice(0, 3));
    expect(b.data[3]).not.toBe(a.data[3]);
  });
});
