import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Runtime } from "../src/index.ts";
import {
  ParameterStore,
  constantSchedule,
  cosineSchedule,
  createRuntime,
  createTrainer,
  hostTensor,
  input,
  linearWarmup,
} from "../src/index.ts";
import { referenceAdamW } from "./adamw-reference.ts";

let rt: Runtime;
beforeAll(async () => {
  rt = await createRuntime({ device: "cpu", threads: 1 });
});
afterAll(async () => {
  await rt.release();
});

describe("AdamW", () => {
  for (const update of ["graph", "host"] as const) {
    it(`${update} update matches a float64 reference over 3 steps, with clipping and decoupled decay`, async () => {
      // loss = sum(c * w): the gradient is c, known exactly, so the reference can replay it.
      const store = new ParameterStore(0);
      const w = store.param("w", [2, 2], { kind: "ones" });
      const c = input("c", "float32", [2, 2]);
      const trainer = await createTrainer({
        runtime: rt,
        params: store,
        loss: w.mul(c).sum(),
        schedule: constantSchedule(0.1),
        optimizer: { beta1: 0.9, beta2: 0.99, eps: 1e-8, weightDecay: 0.5, maxGradNorm: 1 },
        update,
      });
      const gs = [
        [3, 4, 0, 0],
        [0.1, -0.2, 0.05, 0],
        [-1, 2, -3, 0.5],
      ];
      const norms: number[] = [];
      for (const g of gs) norms.push((await trainer.step({ c: hostTensor(Float32Array.from(g), [2, 2]) })).gradNorm);
      const want = referenceAdamW([1, 1, 1, 1], gs, { lr: 0.1, b1: 0.9, b2: 0.99, eps: 1e-8, wd: 0.5, clip: 1 });
      Array.from(store.get("w").value).forEach((x, i) => expect(x).toBeCloseTo(want[i]!, 5));
      expect(norms[0]).toBeCloseTo(5, 5);
    });
  }

  it("does not decay rank-1 parameters by default", async () => {
    const store = new ParameterStore(0);
    const b = store.param("b", [2], { kind: "ones" });
    const trainer = await createTrainer({
      runtime: rt,
      params: store,
      loss: b.mul(0).sum(),
      schedule: constantSchedule(0.1),
      optimizer: { weightDecay: 0.5 },
    });
    await trainer.step({});
    expect(Array.from(store.get("b").value)).toEqual([1, 1]);
  });
});

describe("schedules", () => {
  it("warm up linearly, then follow a cosine to the floor", () => {
    const warm = linearWarmup(1, 4);
    expect([0, 1, 2, 3, 4, 10].map(warm)).toEqual([0.25, 0.5, 0.75, 1, 1, 1]);
    const cos = cosineSchedule({ lr: 1, warmupSteps: 2, totalSteps: 12, minLr: 0.1 });
    expect(cos(0)).toBeCloseTo(0.5);
    expect(cos(2)).toBeCloseTo(1);
    expect(cos(7)).toBeCloseTo(0.55);
    expect(cos(12)).toBeCloseTo(0.1);
    expect(cos(50)).toBeCloseTo(0.1);
  });
});

describe("ParameterStore", () => {
  it("draws each parameter from (seed, name), independent of declaration order", () => {
    const a = new ParameterStore(7);
    a.param("x", [3], { kind: "normal", std: 1 });
    a.param("y", [3], { kind: "normal", std: 1 });
    const b = new ParameterStore(7);
    b.param("y", [3], { kind: "normal", std: 1 });
    expect(Array.from(b.get("y").value)).toEqual(Array.from(a.get("y").value));
    expect(Array.from(a.get("x").value)).not.toEqual(Array.from(a.get("y").value));
    const c = new ParameterStore(8);
    c.param("y", [3], { kind: "normal", std: 1 });
    expect(Array.from(c.get("y").value)).not.toEqual(Array.from(a.get("y").value));
    expect(() => a.param("x", [4], { kind: "zeros" })).toThrow(/exists with shape \[3\]/);
    expect(a.count()).toBe(6);
  });
});
