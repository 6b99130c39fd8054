import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Gpt, LoraAdapter, Rng, ValueHead, createRuntime, rewardScores, type Runtime } from "@goodhart/engine";
import type { Comparison } from "../experiments/reward-training.ts";
import { AggregatorMlp, aggregatorScores, baseRewardModel, expertFeatures, trainAggregator, trainCapabilityExpert } from "./inner-model.ts";

// A small world where two capabilities are learnable from tokens: "a" counts token 3, "b" counts
// token 5; overall = a + b. Sequences of 8 tokens over a vocabulary of 12.
const V = 12;
const config = { vocab: V, maxSeq: 12, dModel: 16, nHeads: 2, nLayers: 1 };
const count = (s: readonly number[], t: number) => s.filter((x) => x === t).length;
const capabilities = { a: (s: readonly number[]) => count(s, 3), b: (s: readonly number[]) => count(s, 5) };
const overall = (s: readonly number[]) => capabilities.a(s) + capabilities.b(s);

function sequences(seed: number, n: number): number[][] {
  const rng = new Rng(seed);
  return Array.from({ length: n }, () => Array.from({ length: 8 }, () => rng.int(1, V)));
}

/** Comparisons by a score, ties dropped. */
function compare(seqs: number[][], score: (s: readonly number[]) => number): Comparison[] {
  const out: Comparison[] = [];
  for (let i = 0; i + 1 < seqs.length; i += 2) {
    const [x, y] = [seqs[i]!, seqs[i + 1]!];
    const d = score(x) - score(y);
    if (d !== 0)
      out.push(d > 0 ? { chosen: x, rejected: y, goldMargin: Math.abs(d) } : { chosen: y, rejected: x, goldMargin: Math.abs(d) });
  }
  return out;
}

let rt: Runtime;
beforeAll(async () => {
  rt = await createRuntime({ device: "cpu", threads: 1 });
});
afterAll(async () => {
  await rt.release();
});

describe("DMoERM inner model", () => {
  it("trains LoRA experts with their own heads on a frozen pretrained base, then an MLP over their hidden states", async () => {
    const lm = new Gpt(config, { seed: 7 });
    const base = baseRewardModel(config, lm, 1);
    // Phase 1: the base's trunk is the LM's.
    for (const name of ["tok.weight", "blocks.0.attn.qkv.weight", "ln_f.weight"])
      expect(base.store.get(name).value, name).toEqual(lm.store.get(name).value);
    const baseBefore = base.store.list().map((p) => Float32Array.from(p.value));

    const train = sequences(1, 1200);
    const options = { epochs: 4, batchSize: 32, lr: 2e-2, centering: 0 };
    const experts = [];
    for (const [name, score] of Object.entries(capabilities)) {
      const expert = await trainCapabilityExpert(
        rt,
        base,
        name,
        compare(train, score),
        { seed: name === "a" ? 11 : 12, order: new Rng(3) },
        options,
      );
      // The expert's own head was trained, not left at its initial draw.
      const untrained = new LoraAdapter(base, `expert-${name}`, { rank: 4, seed: name === "a" ? 11 : 12 });
      new ValueHead(untrained.store, 16, "expert_head");
      expect(expert.adapter.store.get("expert_head.weight").value).not.toEqual(untrained.store.get("expert_head.weight").value);
      expect(expert.finalAccuracy).toBeGreaterThan(0.7);
      experts.push(expert);
    }
    // The base never moved.
    base.store.list().forEach((p, i) => expect(p.value, p.name).toEqual(baseBefore[i]));

    // Phase 3 on overall labels, from the experts' last-token hidden states.
    const overallTrain = compare(train, overall);
    const trainSeqs = overallTrain.flatMap((c) => [c.chosen, c.rejected]);
    const trainFeatures = await expertFeatures(rt, base, experts, trainSeqs);
    expect(trainFeatures.length).toBe(trainSeqs.length * 2 * 16);
    const mlp = new AggregatorMlp(2 * 16, 16, 5);
    const fit = await trainAggregator(
      rt,
      mlp,
      trainFeatures,
      overallTrain.map((_, i) => ({ chosen: 2 * i, rejected: 2 * i + 1 })),
      { order: new Rng(4) },
      options,
    );
    expect(fit.finalAccuracy).toBeGreaterThan(0.7);

    // Held-out comparisons: the inner model orders most of them like the overall gold; the
    // untrained base (random head on the LM trunk) does not.
    const test = compare(sequences(2, 400), overall);
    const testSeqs = test.flatMap((c) => [c.chosen, c.rejected]);
    const scores = await aggregatorScores(rt, mlp, await expertFeatures(rt, base, experts, testSeqs));
    const accuracy = test.filter((_, i) => scores[2 * i]! > scores[2 * i + 1]!).length / test.length;
    const baseScores = await rewardScores(rt, base, testSeqs);
    const baseAccuracy = test.filter((_, i) => baseScores[2 * i]! > baseScores[2 * i + 1]!).length / test.length;
    expect(accuracy).toBeGreaterThan(0.75);
    expect(accuracy).toBeGreaterThan(baseAccuracy + 0.15);
  });
});
