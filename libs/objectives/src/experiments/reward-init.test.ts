import { describe, expect, it } from "vitest";
import { Gpt, RewardModel } from "@goodhart/engine";
import { initRewardTrunkFromLm } from "./reward-init.ts";

describe("initRewardTrunkFromLm", () => {
  const shape = { vocab: 30, maxSeq: 16, dModel: 16, nHeads: 2, nLayers: 1 };
  it("copies every trunk weight and leaves the fresh scalar head alone", () => {
    const lm = new Gpt(shape, { seed: 1 });
    const rm = new RewardModel(shape, { seed: 2 });
    const head = Float32Array.from(rm.store.get("score_head.weight").value);
    const copied = initRewardTrunkFromLm(rm, lm);
    expect(copied).toBe(lm.store.count());
    for (const p of rm.store.list()) {
      if (p.name.startsWith("score_head")) continue;
      expect(p.value).toEqual(lm.store.get(p.name).value);
      expect(p.value).not.toBe(lm.store.get(p.name).value); // a copy: training the RM leaves the LM as it was
    }
    expect(rm.store.get("score_head.weight").value).toEqual(head);
  });
  it("names the field when the shapes differ", () => {
    expect(() => initRewardTrunkFromLm(new RewardModel({ ...shape, dModel: 32 }), new Gpt(shape))).toThrow(
      /dModel 32, the pretrained LM 16/,
    );
  });
});
