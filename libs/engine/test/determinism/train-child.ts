// Child process of determinism.test.ts: trains a small policy LM, a reward model and a
// preference-trained policy for a few steps with 2 ORT threads and prints a SHA-256 of every
// parameter's bytes per model. Run in a fresh process each time, so nothing (sessions, caches,
// thread pools) is shared between runs.
import { createHash } from "node:crypto";
import type { HostTensor, ParameterStore } from "../../src/index.ts";
import {
  Gpt,
  RewardModel,
  constantSchedule,
  createRng,
  createRuntime,
  createTrainer,
  gatherLogProbs,
  input,
  softmaxCrossEntropy,
} from "../../src/index.ts";

const VOCAB = 24; // small, so every batch repeats tokens many times (the racy case for scatter-add)
const B = 32;
const T = 64;
const STEPS = 4;

function batch(seed: number): { ids: BigInt64Array; mask: Uint8Array } {
  const rng = createRng(seed);
  const ids = BigInt64Array.from({ length: B * T }, () => BigInt(1 + Math.floor(rng.uniform() * (VOCAB - 1))));
  return { ids, mask: new Uint8Array(B * T).fill(1) };
}

function digest(store: ParameterStore): string {
  const h = createHash("sha256");
  for (const p of store.list()) h.update(p.name).update(new Uint8Array(p.value.buffer, p.value.byteOffset, p.value.byteLength));
  return h.digest("hex");
}

const runtime = await createRuntime({ device: "cpu", threads: 2 });
const config = { vocab: VOCAB, maxSeq: 64, dModel: 256, nHeads: 4, nLayers: 1, dropout: 0.1 };

// Policy LM: next-token cross-entropy with dropout (seeded per step).
const lm = new Gpt(config, { seed: 11 });
const ids = input("ids", "int64", ["batch", "seq"]);
const mask = input("mask", "bool", ["batch", "seq"]);
const targets = input("targets", "int64", ["batch", "seq"]);
const seed = input("dropout_seed", "int64", []);
const lmLoss = softmaxCrossEntropy(lm.logits(ids, { mask, dropoutSeed: seed }), targets);
const lmTrainer = await createTrainer({
  runtime,
  params: lm.store,
  loss: lmLoss,
  schedule: constantSchedule(3e-3),
  optimizer: { maxGradNorm: 1 },
});

// Reward model: Bradley-Terry loss on (first half, second half) of the batch.
const rm = new RewardModel(config, { seed: 12 });
const scores = rm.scores(ids, mask, { dropoutSeed: seed });
const half = B / 2;
const margin = scores.slice(0, 0, half).sub(scores.slice(0, half, B));
const rmLoss = margin.neg().exp().add(1).log().mean();
const rmTrainer = await createTrainer({ runtime, params: rm.store, loss: rmLoss, schedule: constantSchedule(3e-3) });

// Preference model (DPO-style): rows are [chosen..., rejected...] of a batch of 2*pairs rows,
// token log-probs by gather at temperature 0.8, logSigmoid of the margin, two accumulated
// micro-batches per update.
const pol = new Gpt(config, { seed: 13 });
const pairIds = input("ids", "int64", ["2*pairs", "seq"]);
const pairMask = input("mask", "bool", ["2*pairs", "seq"]);
const pairTargets = input("targets", "int64", ["2*pairs", "seq"]);
const seqLp = gatherLogProbs(pol.logits(pairIds, { mask: pairMask }), pairTargets, 0.8).sum([1]); // (2*pairs,)
const prefMargin = seqLp
  .slice(0, 0, "pairs")
  .sub(seqLp.slice(0, "pairs", "2*pairs"))
  .mul(0.1);
const prefLoss = prefMargin.logSigmoid().neg().mean();
const prefTrainer = await createTrainer({
  runtime,
  params: pol.store,
  loss: prefLoss,
  schedule: constantSchedule(3e-3),
  optimizer: { maxGradNorm: 1 },
});

for (let s = 0; s < STEPS; s++) {
  const { ids: x, mask: m } = batch(100 + s);
  const tgt = BigInt64Array.from({ length: B * T }, (_, i) => (i % T === T - 1 ? 0n : x[i + 1]!));
  const feeds: Record<string, HostTensor> = {
    ids: { dtype: "int64", shape: [B, T], data: x },
    mask: { dtype: "bool", shape: [B, T], data: m },
    dropout_seed: { dtype: "int64", shape: [], data: BigInt64Array.of(BigInt(s + 1)) },
  };
  await lmTrainer.step({ ...feeds, targets: { dtype: "int64", shape: [B, T], data: tgt } });
  await rmTrainer.step({ ...feeds, dropout_seed: { dtype: "int64", shape: [], data: BigInt64Array.of(BigInt(1000 + s)) } });
  for (const half of [0, 1]) {
    const rows = (B / 2) * T;
    const part = (a: BigInt64Array | Uint8Array) => a.slice(half * rows, (half + 1) * rows);
    await prefTrainer.accumulate({
      ids: { dtype: "int64", shape: [B / 2, T], data: part(x) as BigInt64Array },
      mask: { dtype: "bool", shape: [B / 2, T], data: part(m) as Uint8Array },
      targets: { dtype: "int64", shape: [B / 2, T], data: part(tgt) as BigInt64Array },
    });
  }
  await prefTrainer.apply();
}
process.stdout.write(JSON.stringify({ lm: digest(lm.store), rm: digest(rm.store), preference: digest(pol.store) }) + "\n");
await runtime.release();
