import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { HostTensor, Runtime, Tensor } from "../src/index.ts";
import {
  applyOp,
  compile,
  createRuntime,
  grad,
  hostTensor,
  input,
  oneHot,
  randomNormal,
  randomUniform,
  registerOp,
  where,
} from "../src/index.ts";

let rt: Runtime;
beforeAll(async () => {
  rt = await createRuntime({ device: "cpu", threads: 1 });
});
afterAll(async () => {
  await rt.release();
});

const f64 = (values: number[], shape: number[]) => hostTensor(Float64Array.from(values), shape);
async function run(outputs: Record<string, Tensor>, feeds: Record<string, HostTensor>): Promise<Record<string, number[]>> {
  const s = await rt.session({ outputs });
  const out = await s.run(feeds);
  return Object.fromEntries(Object.entries(out).map(([k, v]) => [k, Array.from(v.data as Float64Array, Number)]));
}

describe("grad", () => {
  it("undoes broadcasting: d/db sum(a + b) for a [2,3], b [3] counts rows", async () => {
    const a = input("a", "float64", [2, 3]);
    const b = input("b", "float64", [3]);
    const c = input("c", "float64", [2, 1]);
    const [ga, gb, gc] = grad(a.add(b).mul(c).sum(), [a, b, c]);
    expect(gb!.shape).toEqual([3]);
    expect(gc!.shape).toEqual([2, 1]);
    const out = await run(
      { ga: ga!, gb: gb!, gc: gc! },
      { a: f64([1, 2, 3, 4, 5, 6], [2, 3]), b: f64([10, 20, 30], [3]), c: f64([2, 3], [2, 1]) },
    );
    expect(out.ga).toEqual([2, 2, 2, 3, 3, 3]);
    expect(out.gb).toEqual([5, 5, 5]);
    expect(out.gc).toEqual([66, 75]);
  });

  it("gives zeros for an input the output does not use", async () => {
    const x = input("x", "float64", [3]);
    const unused = input("unused", "float64", [2, 2]);
    const [gx, gu] = grad(x.square().sum(), [x, unused]);
    // unused is not an input of the program (nothing depends on it), so only x is fed.
    const out = await run({ gx: gx!, gu: gu! }, { x: f64([1, 2, 3], [3]) });
    expect(out.gx).toEqual([2, 4, 6]);
    expect(out.gu).toEqual([0, 0, 0, 0]);
  });

  it("accumulates a value used twice: d/dx (x*x + x) = 2x + 1", async () => {
    const x = input("x", "float64", [2]);
    const y = x.exp();
    const [gx] = grad(y.mul(y).add(y).sum(), [x]);
    const out = await run({ gx: gx! }, { x: f64([0, 1], [2]) });
    const e = Math.E;
    expect(out.gx![0]).toBeCloseTo(2 + 1, 12);
    expect(out.gx![1]).toBeCloseTo(2 * e * e + e, 12);
  });

  it("stops at stopGradient", async () => {
    const x = input("x", "float64", [2]);
    const [gx] = grad(x.mul(x.stopGradient()).sum(), [x]);
    const out = await run({ gx: gx! }, { x: f64([3, -2], [2]) });
    expect(out.gx).toEqual([3, -2]);
  });

  it("takes an explicit seed for a non-scalar output", async () => {
    const x = input("x", "float64", [2, 2]);
    const v = input("v", "float64", [2, 2]);
    expect(() => grad(x.square(), [x])).toThrow(/not a scalar; pass a seed/);
    const [gx] = grad(x.square(), [x], v);
    const out = await run({ gx: gx! }, { x: f64([1, 2, 3, 4], [2, 2]), v: f64([1, 0, -1, 0.5], [2, 2]) });
    expect(out.gx).toEqual([2, 0, -6, 4]);
  });

  it("names an op without a VJP rule", () => {
    registerOp({
      name: "test_no_vjp",
      infer: (inputs) => [{ dtype: inputs[0]!.dtype, shape: inputs[0]!.shape }],
      emit: (e, i, o) => void e.node("Identity", i, {}, o),
    });
    const x = input("x", "float32", [2]);
    const y = x.add(1);
    const z = applyTestOp(y);
    expect(() => grad(z.sum(), [x])).toThrow(/op "test_no_vjp" has no VJP rule/);
  });

  it("refuses a second registration of an op name", () => {
    expect(() => registerOp({ name: "add", infer: () => [], emit: () => undefined })).toThrow(/already registered/);
  });

  it("matches the fused softmax and log-softmax to their composites, values and gradients", async () => {
    const x = input("x", "float64", [3, 5]);
    const v = input("v", "float64", [3, 5]);
    const composite = x
      .sub(x.max([1], true))
      .exp()
      .div(
        x
          .sub(x.max([1], true))
          .exp()
          .sum([1], true),
      );
    const compositeLog = x.sub(x.max([1], true)).sub(
      x
        .sub(x.max([1], true))
        .exp()
        .sum([1], true)
        .log(),
    );
    const fused = x.softmax(1);
    const fusedLog = x.logSoftmax(1);
    const outputs = {
      fused,
      composite,
      fusedLog,
      compositeLog,
      gFused: grad(fused, [x], v)[0]!,
      gComposite: grad(composite, [x], v)[0]!,
      gFusedLog: grad(fusedLog, [x], v)[0]!,
      gCompositeLog: grad(compositeLog, [x], v)[0]!,
    };
    const xs = Array.from({ length: 15 }, (_, i) => Math.sin(i * 1.7) * 3);
    const vs = Array.from({ length: 15 }, (_, i) => Math.cos(i * 0.9));
    const out = await run(outputs, { x: f64(xs, [3, 5]), v: f64(vs, [3, 5]) });
    for (const [a, b] of [
      ["fused", "composite"],
      ["fusedLog", "compositeLog"],
      ["gFused", "gComposite"],
      ["gFusedLog", "gCompositeLog"],
    ] as const) {
      out[a]!.forEach((value, i) => expect(value).toBeCloseTo(out[b]![i]!, 12));
    }
  });
});

function applyTestOp(t: Tensor): Tensor {
  return applyOp("test_no_vjp", [t])[0]!;
}

describe("programs", () => {
  it("runs one compiled program at several sizes of a symbolic dim", async () => {
    const x = input("x", "float32", ["batch", "seq", 4]);
    const y = x.reshape(["batch*seq", 4]).sum([1]).reshape(["batch", "seq"]).mean([1]); // (batch,)
    const s = await rt.session({ outputs: { y } });
    for (const [b, t] of [
      [1, 3],
      [2, 5],
    ]) {
      const data = Float32Array.from({ length: b! * t! * 4 }, (_, i) => i);
      const out = await s.run({ x: hostTensor(data, [b!, t!, 4]) });
      expect(out.y!.shape).toEqual([b]);
      const want = Array.from({ length: b! }, (_, i) => {
        let acc = 0;
        for (let k = i * t! * 4; k < (i + 1) * t! * 4; k++) acc += k;
        return acc / t!;
      });
      expect(Array.from(out.y!.data as Float32Array)).toEqual(want);
    }
  });

  it("caches compiled programs by structure, not tensor identity", () => {
    const build = (c: number) => {
      const x = input("x", "float32", [2]);
      return { outputs: { y: x.mul(c).exp() } };
    };
    expect(compile(build(2)).hash).toBe(compile(build(2)).hash);
    expect(compile(build(2))).toBe(compile(build(2)));
    expect(compile(build(3)).hash).not.toBe(compile(build(2)).hash);
  });

  it("rejects a missing feed with the input's name", async () => {
    const x = input("x", "float32", [2]);
    const s = await rt.session({ outputs: { y: x.add(1) } });
    await expect(s.run({})).rejects.toThrow(/missing input "x"/);
    await expect(s.run({ x: hostTensor(new Float32Array(3), [3]) })).rejects.toThrow(/expected shape \[2\]/);
  });

  it("runs the no-gradient ops: comparisons, argmax, top-k, one-hot, where", async () => {
    const x = input("x", "float32", [2, 4]);
    const [vals, idx] = x.topk(2);
    const s = await rt.session({
      outputs: {
        am: x.argmax(1),
        vals: vals!,
        idx: idx!,
        lt: x.lt(0).cast("float32"),
        oh: oneHot(x.argmax(1), 4),
        w: where(x.gt(1), x, -1),
      },
    });
    const out = await s.run({ x: hostTensor(Float32Array.from([1, -3, 7, 2, -1, 5, 0, 9]), [2, 4]) });
    expect(Array.from(out.am!.data as BigInt64Array)).toEqual([2n, 3n]);
    expect(Array.from(out.vals!.data as Float32Array)).toEqual([7, 2, 9, 5]);
    expect(Array.from(out.idx!.data as BigInt64Array)).toEqual([2n, 3n, 3n, 1n]);
    expect(Array.from(out.lt!.data as Float32Array)).toEqual([0, 1, 0, 0, 1, 0, 0, 0]);
    expect(Array.from(out.oh!.data as Float32Array)).toEqual([0, 0, 1, 0, 0, 0, 0, 1]);
    expect(Array.from(out.w!.data as Float32Array)).toEqual([-1, -1, 7, 2, -1, 5, -1, 9]);
  });

  it("draws reproducible noise from a seed input: same seed same values, moments right", async () => {
    const seed = input("seed", "int64", []);
    const s = await rt.session({
      outputs: { u: randomUniform(seed, ["n"]), z: randomNormal(seed, [20000]), n: input("n_like", "float32", ["n"]).mul(0) },
    });
    const draw = async (k: bigint) =>
      s.run({ seed: hostTensor(BigInt64Array.of(k), []), n_like: hostTensor(new Float32Array(20000), [20000]) });
    const a = await draw(7n);
    const b = await draw(7n);
    const c = await draw(8n);
    const u = a.u!.data as Float32Array;
    expect(Array.from(b.u!.data as Float32Array)).toEqual(Array.from(u));
    expect(Array.from((c.u!.data as Float32Array).slice(0, 50))).not.toEqual(Array.from(u.slice(0, 50)));
    const moments = (v: Float32Array) => {
      let m = 0;
      let q = 0;
      for (const x of v) m += x;
      m /= v.length;
      for (const x of v) q += (x - m) ** 2;
      return [m, q / v.length];
    };
    const [mu, vu] = moments(u);
    expect(Math.min(...u)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...u)).toBeLessThan(1);
    expect(mu).toBeCloseTo(0.5, 2);
    expect(vu).toBeCloseTo(1 / 12, 2);
    // Neighbouring elements must not be correlated (dropout masks would be striped).
    let lag = 0;
    for (let i = 1; i < u.length; i++) lag += (u[i]! - mu!) * (u[i - 1]! - mu!);
    expect(Math.abs(lag / (u.length - 1) / vu!)).toBeLessThan(0.03);
    const [mz, vz] = moments(a.z!.data as Float32Array);
    expect(Math.abs(mz!)).toBeLessThan(0.03);
    expect(Math.abs(vz! - 1)).toBeLessThan(0.05);
  });
});
