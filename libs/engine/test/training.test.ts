// Training integration: real ONNX Runtime sessions, seeded data, bounded steps on CPU.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { HostTensor, Runtime } from "../src/index.ts";
import {
  Gpt,
  ParameterStore,
  constantSchedule,
  cosineSchedule,
  createRng,
  createRuntime,
  createTrainer,
  hostTensor,
  input,
  linear,
  softmaxCrossEntropy,
  tokenAccuracy,
} from "../src/index.ts";

let rt: Runtime;
beforeAll(async () => {
  rt = await createRuntime({ device: "cpu", threads: 2 });
});
afterAll(async () => {
  await rt.release();
});

describe("MLP on a seeded XOR-of-signs task", () => {
  // Label = sign(x0) xor sign(x1) among 8 features: not linearly separable, so a hidden layer must learn.
  const D = 8;
  function batch(seed: number, B: number): Record<string, HostTensor> {
    const rng = createRng(seed);
    const x = new Float32Array(B * D);
    const y = new BigInt64Array(B);
    for (let b = 0; b < B; b++) {
      for (let d = 0; d < D; d++) x[b * D + d] = rng.normal();
      y[b] = BigInt(x[b * D]! > 0 !== x[b * D + 1]! > 0 ? 1 : 0);
    }
    return { x: hostTensor(x, [B, D]), y: hostTensor(y, [B]) };
  }

  it("reaches cross-entropy < 0.15 and accuracy > 95% on held-out data within 400 steps", async () => {
    const store = new ParameterStore(3);
    const l1 = linear(store, "l1", D, 32, { std: 0.3 });
    const l2 = linear(store, "l2", 32, 32, { std: 0.2 });
    const l3 = linear(store, "l3", 32, 2, { std: 0.2 });
    const x = input("x", "float32", ["batch", D]);
    const y = input("y", "int64", ["batch"]);
    const logits = l3(l2(l1(x).relu()).relu());
    const loss = softmaxCrossEntropy(logits, y);
    const trainer = await createTrainer({
      runtime: rt,
      params: store,
      loss,
      schedule: constantSchedule(1e-2),
      optimizer: { weightDecay: 1e-4 },
    });
    const first = await trainer.step(batch(1000, 128));
    for (let s = 1; s < 400; s++) await trainer.step(batch(1000 + s, 128));
    const evalSession = await rt.session({ outputs: { loss, acc: tokenAccuracy(logits, y) } });
    const out = await evalSession.run({ ...store.feeds(), ...batch(7, 2000) });
    const heldOut = Number(out.loss!.data[0]);
    expect(first.loss).toBeGreaterThan(0.6);
    expect(heldOut).toBeLessThan(0.15);
    expect(Number(out.acc!.data[0])).toBeGreaterThan(0.95);
  });
});

describe("2-layer causal transformer on sequence reversal", () => {
  // a1..a6 SEP a6..a1 over 8 symbols; the loss and accuracy count only the reversed half.
  const n = 6;
  const SEP = 8;
  const T = 2 * n;
  function batch(rng: ReturnType<typeof createRng>, B: number): Record<string, HostTensor> {
    const ids = new BigInt64Array(B * T);
    const targets = new BigInt64Array(B * T);
    const weights = new Float32Array(B * T);
    for (let b = 0; b < B; b++) {
      const a = Array.from({ length: n }, () => rng.int(0, 8));
      const seq = [...a, SEP, ...[...a].reverse()];
      for (let k = 0; k < T; k++) {
        ids[b * T + k] = BigInt(seq[k]!);
        targets[b * T + k] = BigInt(seq[k + 1]!);
        weights[b * T + k] = k >= n ? 1 : 0;
      }
    }
    return { ids: hostTensor(ids, [B, T]), targets: hostTensor(targets, [B, T]), weights: hostTensor(weights, [B, T]) };
  }

  it("reaches >= 99% token accuracy on held-out sequences within 300 steps", async () => {
    const store = new ParameterStore(1);
    const model = new Gpt({ vocab: 9, maxSeq: T, dModel: 64, nHeads: 4, nLayers: 2, tiedHead: false }, { store });
    const ids = input("ids", "int64", ["batch", T]);
    const targets = input("targets", "int64", ["batch", T]);
    const weights = input("weights", "float32", ["batch", T]);
    const logits = model.logits(ids);
    const loss = softmaxCrossEntropy(logits, targets, weights);
    const acc = tokenAccuracy(logits, targets, weights);
    const steps = 300;
    const trainer = await createTrainer({
      runtime: rt,
      params: store,
      loss,
      schedule: cosineSchedule({ lr: 3e-3, warmupSteps: 20, totalSteps: steps, minLr: 1e-4 }),
      optimizer: { weightDecay: 0.01, maxGradNorm: 1 },
    });
    const rng = createRng(5);
    const heldOutRng = createRng(99);
    const evalSession = await rt.session({ outputs: { acc } });
    const accuracy = async () => Number((await evalSession.run({ ...store.feeds(), ...batch(heldOutRng, 512) })).acc!.data[0]);
    const before = await accuracy();
    let reachedAt = -1;
    for (let s = 0; s < steps && reachedAt < 0; s++) {
      await trainer.step(batch(rng, 64));
      if (s % 25 === 24 && (await accuracy()) >= 0.99) reachedAt = s + 1;
    }
    expect(before).toBeLessThan(0.3);
    expect(reachedAt, "never reached 99% token accuracy").toBeGreaterThan(0);
    expect(await accuracy()).toBeGreaterThanOrEqual(0.99);
  });

  it("is causal: changing later tokens leaves earlier logits unchanged", async () => {
    const store = new ParameterStore(2);
    const model = new Gpt({ vocab: 9, maxSeq: T, dModel: 32, nHeads: 4, nLayers: 2, tiedHead: false }, { store });
    const ids = input("ids", "int64", [1, T]);
    const s = await rt.session({ outputs: { logits: model.logits(ids) } });
    const a = BigInt64Array.from({ length: T }, (_, i) => BigInt(i % 8));
    const b = a.slice();
    b[7] = 3n;
    b[10] = 0n;
    const la = (await s.run({ ...store.feeds(), ids: hostTensor(a, [1, T]) })).logits!.data as Float32Array;
    const lb = (await s.run({ ...store.feeds(), ids: hostTensor(b, [1, T]) })).logits!.data as Float32Array;
    expect(Array.from(lb.slice(0, 7 * 9))).toEqual(Array.from(la.slice(0, 7 * 9)));
    expect(Array.from(lb.slice(7 * 9, 8 * 9))).not.toEqual(Array.from(la.slice(7 * 9, 8 * 9)));
  });
});
