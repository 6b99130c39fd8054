// Gradient accumulation, parameter groups and resumable optimizer state, on real ORT sessions.
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { HostTensor, Runtime, Tensor, UpdateLocation } from "../src/index.ts";
import {
  ParameterStore,
  constantSchedule,
  cosineSchedule,
  createRng,
  createRuntime,
  createTrainer,
  hostTensor,
  input,
  linear,
  loadOptimizerState,
  readSafetensors,
  saveOptimizerState,
  softmaxCrossEntropy,
  writeSafetensors,
} from "../src/index.ts";
import { referenceAdamW } from "./adamw-reference.ts";

let rt: Runtime;
beforeAll(async () => {
  rt = await createRuntime({ device: "cpu", threads: 2 });
});
afterAll(async () => {
  await rt.release();
});

const D = 6;

/** A two-layer classifier with a "body" and a "head", its mean cross-entropy loss, and its store. */
function classifier(seed = 3): { store: ParameterStore; loss: Tensor } {
  const store = new ParameterStore(seed);
  const body = linear(store, "body", D, 16, { std: 0.4 });
  const head = linear(store, "head", 16, 3, { std: 0.4 });
  const x = input("x", "float32", ["batch", D]);
  const y = input("y", "int64", ["batch"]);
  return { store, loss: softmaxCrossEntropy(head(body(x).tanh()), y) };
}

function batch(seed: number, rows: number): { x: Float32Array; y: BigInt64Array } {
  const rng = createRng(seed);
  const x = Float32Array.from({ length: rows * D }, () => rng.normal());
  const y = BigInt64Array.from({ length: rows }, (_, r) => BigInt((x[r * D]! > 0 ? 1 : 0) + (x[r * D + 1]! > 0.5 ? 1 : 0)));
  return { x, y };
}

function feeds(b: { x: Float32Array; y: BigInt64Array }, from = 0, to = b.y.length): Record<string, HostTensor> {
  return { x: hostTensor(b.x.slice(from * D, to * D), [to - from, D]), y: hostTensor(b.y.slice(from, to), [to - from]) };
}

function maxRelDiff(a: ParameterStore, b: ParameterStore): number {
  let m = 0;
  for (const p of a.list()) {
    const q = b.get(p.name).value;
    p.value.forEach((v, i) => (m = Math.max(m, Math.abs(v - q[i]!) / (1e-3 + Math.abs(v)))));
  }
  return m;
}

function bytesEqual(a: ParameterStore, b: ParameterStore): boolean {
  return a
    .list()
    .every((p) =>
      Buffer.from(p.value.buffer, p.value.byteOffset, p.value.byteLength).equals(
        Buffer.from(b.get(p.name).value.buffer, b.get(p.name).value.byteOffset, b.get(p.name).value.byteLength),
      ),
    );
}

describe("gradient accumulation", () => {
  for (const update of ["graph", "host"] as const satisfies readonly UpdateLocation[]) {
    it(`k = 4 micro-batches of 8 rows equal one batch of 32 rows over 3 updates (${update} update, clipped)`, async () => {
      const whole = classifier();
      const micro = classifier();
      const options = { runtime: rt, schedule: constantSchedule(0.05), optimizer: { weightDecay: 0.1, maxGradNorm: 0.5 }, update };
      const t1 = await createTrainer({ ...options, params: whole.store, loss: whole.loss });
      const t2 = await createTrainer({ ...options, params: micro.store, loss: micro.loss });
      for (let s = 0; s < 3; s++) {
        const b = batch(10 + s, 32);
        const r1 = await t1.step(feeds(b));
        for (let k = 0; k < 4; k++) {
          await t2.accumulate(feeds(b, 8 * k, 8 * k + 8));
          expect(t2.pending).toBe(k + 1);
        }
        const r2 = await t2.apply();
        expect(t2.pending).toBe(0);
        expect(r2.step).toBe(r1.step);
        expect(r2.loss).toBeCloseTo(r1.loss, 5);
        expect(r2.gradNorm).toBeCloseTo(r1.gradNorm, 5);
      }
      expect(maxRelDiff(whole.store, micro.store)).toBeLessThan(1e-4);
      // The micro-batches really changed the parameters (the comparison is not vacuous).
      expect(maxRelDiff(micro.store, classifier().store)).toBeGreaterThan(1e-2);
    });
  }

  it("weights unequal micro-batches by their rows: 5 + 11 rows with weights 5 and 11 equal one batch of 16", async () => {
    const whole = classifier();
    const micro = classifier();
    const t1 = await createTrainer({ runtime: rt, params: whole.store, loss: whole.loss, schedule: constantSchedule(0.05) });
    const t2 = await createTrainer({ runtime: rt, params: micro.store, loss: micro.loss, schedule: constantSchedule(0.05) });
    const b = batch(77, 16);
    await t1.step(feeds(b));
    await t2.accumulate(feeds(b, 0, 5), 5);
    await t2.accumulate(feeds(b, 5, 16), 11);
    await t2.apply();
    expect(maxRelDiff(whole.store, micro.store)).toBeLessThan(1e-4);
  });

  it("trains a store with a parameter the loss does not read (a value head under RLOO): accumulate, apply and the host update", async () => {
    const withUnused = () => {
      const c = classifier();
      linear(c.store, "unused", 16, 1, { std: 0.4 });
      return c;
    };
    const accumulated = withUnused();
    const t = await createTrainer({ runtime: rt, params: accumulated.store, loss: accumulated.loss, schedule: constantSchedule(0.05) });
    const b = batch(5, 8);
    await t.accumulate(feeds(b, 0, 4), 4);
    await t.accumulate(feeds(b, 4, 8), 4);
    await t.apply();
    const host = withUnused();
    const h = await createTrainer({ runtime: rt, params: host.store, loss: host.loss, schedule: constantSchedule(0.05), update: "host" });
    await h.step(feeds(b));
    expect(maxRelDiff(accumulated.store, host.store)).toBeLessThan(1e-4);
    // With a zero gradient AdamW only decays the weight: p (1 - lr * weightDecay).
    const initial = withUnused().store.get("unused.weight").value;
    const decayed = accumulated.store.get("unused.weight").value;
    initial.forEach((v, i) => expect(decayed[i]).toBeCloseTo(v * (1 - 0.05 * 0.01), 6));
  });

  it("refuses apply() with nothing accumulated, step() while micro-batches wait, and a bad weight", async () => {
    const { store, loss } = classifier();
    const t = await createTrainer({ runtime: rt, params: store, loss, schedule: constantSchedule(0.05) });
    await expect(t.apply()).rejects.toThrow(/no micro-batch accumulated/);
    await t.accumulate(feeds(batch(1, 4)));
    await expect(t.step(feeds(batch(2, 4)))).rejects.toThrow(/1 accumulated micro-batch\(es\) are waiting for apply\(\)/);
    await expect(t.accumulate(feeds(batch(2, 4)), 0)).rejects.toThrow(/weight must be a positive number/);
  });
});

describe("parameter groups", () => {
  it("give each group its own learning rate and weight decay (AdamW reference, 3 steps)", async () => {
    // loss = sum(c * w) + sum(d * h): gradients are c and d exactly, so the reference can replay them.
    const store = new ParameterStore(0);
    const w = store.param("policy.w", [2, 2], { kind: "ones" });
    const h = store.param("value.h", [2, 2], { kind: "ones" });
    const c = input("c", "float32", [2, 2]);
    const d = input("d", "float32", [2, 2]);
    const trainer = await createTrainer({
      runtime: rt,
      params: store,
      loss: w.mul(c).sum().add(h.mul(d).sum()),
      schedule: constantSchedule(0.1),
      optimizer: { beta1: 0.9, beta2: 0.99, eps: 1e-8, weightDecay: 0.5 },
      groups: [{ name: "value", params: "value.", schedule: constantSchedule(0.02), weightDecay: 0 }],
    });
    expect(trainer.groups.map((g) => [g.name, g.params.map((p) => p.name)])).toEqual([
      ["default", ["policy.w"]],
      ["value", ["value.h"]],
    ]);
    const gc = [
      [3, 4, 0, 0],
      [0.1, -0.2, 0.05, 0],
      [-1, 2, -3, 0.5],
    ];
    const gd = [
      [1, -1, 2, 0.5],
      [0.3, 0.3, -0.3, 1],
      [2, 0, 1, -1],
    ];
    for (let s = 0; s < 3; s++) {
      const r = await trainer.step({ c: hostTensor(Float32Array.from(gc[s]!), [2, 2]), d: hostTensor(Float32Array.from(gd[s]!), [2, 2]) });
      expect(r.lrs).toEqual({ default: 0.1, value: 0.02 });
      expect(r.lr).toBe(0.1);
    }
    const wantW = referenceAdamW([1, 1, 1, 1], gc, { lr: 0.1, b1: 0.9, b2: 0.99, eps: 1e-8, wd: 0.5 });
    const wantH = referenceAdamW([1, 1, 1, 1], gd, { lr: 0.02, b1: 0.9, b2: 0.99, eps: 1e-8, wd: 0 });
    Array.from(store.get("policy.w").value).forEach((x, i) => expect(x).toBeCloseTo(wantW[i]!, 5));
    Array.from(store.get("value.h").value).forEach((x, i) => expect(x).toBeCloseTo(wantH[i]!, 5));
  });

  it("name the problem when groups overlap, match nothing or list an unknown parameter", async () => {
    const { store, loss } = classifier();
    const make = (groups: Parameters<typeof createTrainer>[0]["groups"]) =>
      createTrainer({ runtime: rt, params: store, loss, schedule: constantSchedule(0.1), groups });
    await expect(
      make([
        { name: "a", params: "head" },
        { name: "b", params: /weight$/ },
      ]),
    ).rejects.toThrow(/parameter "head.weight" is in groups "a" and "b"/);
    await expect(make([{ name: "a", params: "policy." }])).rejects.toThrow(/parameter group "a" matches no parameter/);
    await expect(make([{ name: "a", params: ["head.weight", "head.nope"] }])).rejects.toThrow(
      /parameter group "a": no parameter named "head.nope"/,
    );
    await expect(make([{ name: "default", params: "head" }])).rejects.toThrow(/the name "default" is reserved/);
  });
});

describe("resumable optimizer state", () => {
  for (const update of ["graph", "host"] as const satisfies readonly UpdateLocation[]) {
    it(`a run checkpointed after 3 steps and resumed in a new store, trainer and runtime equals an uninterrupted 6-step run bitwise (${update})`, async () => {
      const schedule = cosineSchedule({ lr: 0.05, warmupSteps: 2, totalSteps: 6 });
      const groups = [{ name: "head", params: "head.", schedule: constantSchedule(0.01) }];
      const optimizer = { weightDecay: 0.1, maxGradNorm: 1 };
      const straight = classifier();
      const t1 = await createTrainer({ runtime: rt, params: straight.store, loss: straight.loss, schedule, groups, optimizer, update });
      for (let s = 0; s < 6; s++) await t1.step(feeds(batch(40 + s, 16)));

      const first = classifier();
      const t2 = await createTrainer({ runtime: rt, params: first.store, loss: first.loss, schedule, groups, optimizer, update });
      for (let s = 0; s < 3; s++) await t2.step(feeds(batch(40 + s, 16)));
      const dir = mkdtempSync(join(tmpdir(), "goodhart-optstate-"));
      await writeSafetensors(
        join(dir, "params.safetensors"),
        new Map(first.store.list().map((p) => [p.name, { dtype: "F32" as const, shape: p.shape, data: p.value }])),
      );
      await saveOptimizerState(join(dir, "optimizer.safetensors"), t2.state());

      const resumed = classifier(99); // different initial values: everything must come from the files
      const saved = await readSafetensors(join(dir, "params.safetensors"));
      for (const p of resumed.store.list()) resumed.store.set(p.name, Float32Array.from(saved.tensors.get(p.name)!.data as Float32Array));
      // A separate runtime, so the resumed run opens its own ONNX Runtime sessions.
      const rt2 = await createRuntime({ device: "cpu", threads: 2 });
      const t3 = await createTrainer({ runtime: rt2, params: resumed.store, loss: resumed.loss, schedule, groups, optimizer, update });
      t3.loadState(await loadOptimizerState(join(dir, "optimizer.safetensors")));
      expect(t3.steps).toBe(3);
      for (let s = 3; s < 6; s++) await t3.step(feeds(batch(40 + s, 16)));
      await rt2.release();

      expect(bytesEqual(straight.store, resumed.store)).toBe(true);
      const m1 = t1.state().moments;
      for (const [name, { m, v }] of t3.state().moments) {
        expect(Buffer.from(m.buffer).equals(Buffer.from(m1.get(name)!.m.buffer)), `m.${name}`).toBe(true);
        expect(Buffer.from(v.buffer).equals(Buffer.from(m1.get(name)!.v.buffer)), `v.${name}`).toBe(true);
      }
      // Without the optimizer state the continuation differs (the test can fail).
      const fresh = classifier(99);
      for (const p of fresh.store.list()) fresh.store.set(p.name, Float32Array.from(saved.tensors.get(p.name)!.data as Float32Array));
      const t4 = await createTrainer({ runtime: rt, params: fresh.store, loss: fresh.loss, schedule, groups, optimizer, update });
      for (let s = 3; s < 6; s++) await t4.step(feeds(batch(40 + s, 16)));
      expect(bytesEqual(straight.store, fresh.store)).toBe(false);
    });
  }

  it("rejects state that does not fit the trainer, and files that are not optimizer state", async () => {
    const { store, loss } = classifier();
    const t = await createTrainer({ runtime: rt, params: store, loss, schedule: constantSchedule(0.1) });
    const state = t.state();
    state.moments.delete("head.bias");
    expect(() => t.loadState(state)).toThrow(/no moments for parameter "head.bias"/);
    const other = t.state();
    other.moments.set("ghost", { m: new Float32Array(1), v: new Float32Array(1) });
    expect(() => t.loadState(other)).toThrow(/unknown parameter\(s\) "ghost"/);
    const short = t.state();
    short.moments.set("head.bias", { m: new Float32Array(1), v: new Float32Array(1) });
    expect(() => t.loadState(short)).toThrow(/moments of "head.bias" have 1\/1 values, the parameter has 3/);
    const dir = mkdtempSync(join(tmpdir(), "goodhart-optstate-"));
    await writeSafetensors(join(dir, "model.safetensors"), { w: { dtype: "F32", shape: [1], data: Float32Array.of(1) } });
    await expect(loadOptimizerState(join(dir, "model.safetensors"))).rejects.toThrow(
      /model.safetensors: metadata "format" is undefined, expected "goodhart-adamw"/,
    );
    writeFileSync(join(dir, "junk.safetensors"), "not a file");
    await expect(loadOptimizerState(join(dir, "junk.safetensors"))).rejects.toThrow(/junk.safetensors/);
  });
});

describe("pre-allocated outputs", () => {
  it("Session.run writes outputs named in `into` into the caller's arrays", async () => {
    const a = input("a", "float32", [3]);
    const session = await rt.session({ outputs: { twice: a.mul(2), total: a.sum() }, name: "into-test" });
    const target = new Float32Array(3);
    const out = await session.run({ a: hostTensor(Float32Array.of(1, 2, 3), [3]) }, undefined, { twice: hostTensor(target, [3]) });
    expect(Array.from(target)).toEqual([2, 4, 6]);
    expect(out.twice!.data).toBe(target);
    expect(Array.from(out.total!.data as Float32Array)).toEqual([6]);
    await expect(
      session.run({ a: hostTensor(Float32Array.of(1, 2, 3), [3]) }, undefined, { nope: hostTensor(target, [3]) }),
    ).rejects.toThrow(/"nope" is not an output/);
  });

  for (const update of ["graph", "host"] as const) {
    // The host update works in place on the store's arrays (its contract); the in-graph update
    // recycles only buffers it allocated itself.
    it(`${update} update reuses its buffers${update === "graph" ? " and never writes into an array someone else put into the store" : " and updates the store's arrays in place"}`, async () => {
      const store = new ParameterStore(0);
      const w = store.param("w", [4], { kind: "ones" });
      const c = input("c", "float32", [4]);
      const trainer = await createTrainer({
        runtime: rt,
        params: store,
        loss: w.mul(c).sum(),
        schedule: constantSchedule(0.1),
        update,
        decay: () => true,
      });
      const external = Float32Array.of(1, 1, 1, 1);
      store.set("w", external);
      const seen = new Set<Float32Array>();
      for (let i = 0; i < 6; i++) {
        await trainer.step({ c: hostTensor(Float32Array.of(1, -1, 2, 0.5), [4]) });
        seen.add(store.get("w").value);
        seen.add(trainer.moments().get("w")!.m);
      }
      if (update === "graph") expect(Array.from(external)).toEqual([1, 1, 1, 1]);
      else expect(store.get("w").value).toBe(external);
      expect(store.get("w").value[0]).toBeLessThan(1);
      // Steady state: two buffers per tensor for the in-graph update (ping-pong), one for the host update.
      expect(seen.size).toBeLessThanOrEqual(update === "graph" ? 5 : 2);
    });
  }
});
