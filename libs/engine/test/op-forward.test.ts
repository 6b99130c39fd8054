// Forward values of the primitives against plain JavaScript oracles (the gradient checks compare
// ORT against itself, so they need a correct forward to mean anything).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Runtime, Tensor } from "../src/index.ts";
import { concat, createRuntime, hostTensor, input, pad, scatterAdd } from "../src/index.ts";

let rt: Runtime;
beforeAll(async () => {
  rt = await createRuntime({ device: "cpu", threads: 1 });
});
afterAll(async () => {
  await rt.release();
});

const A = [0.5, -1.25, 2, 0.75, -0.5, 1.5]; // (2, 3)
const B = [1.5, 0.25, -2]; // (3,)

async function run1(build: (a: Tensor, b: Tensor) => Tensor): Promise<number[]> {
  const a = input("a", "float64", [2, 3]);
  const b = input("b", "float64", [3]);
  const s = await rt.session({ outputs: { y: build(a, b).cast("float64") } });
  const fed = new Set(s.program.inputs.map((i) => i.name));
  const feeds = { a: hostTensor(Float64Array.from(A), [2, 3]), b: hostTensor(Float64Array.from(B), [3]) };
  const out = await s.run(Object.fromEntries(Object.entries(feeds).filter(([k]) => fed.has(k))));
  return Array.from(out.y!.data as Float64Array);
}

const rowsOf = (v: number[], cols: number) => Array.from({ length: v.length / cols }, (_, r) => v.slice(r * cols, (r + 1) * cols));
const bcast = (f: (x: number, y: number) => number) => A.map((x, i) => f(x, B[i % 3]!));

describe("forward values", () => {
  const cases: [string, (a: Tensor, b: Tensor) => Tensor, () => number[]][] = [
    ["add (broadcast)", (a, b) => a.add(b), () => bcast((x, y) => x + y)],
    ["sub", (a, b) => a.sub(b), () => bcast((x, y) => x - y)],
    ["mul", (a, b) => a.mul(b), () => bcast((x, y) => x * y)],
    ["div", (a, b) => a.div(b), () => bcast((x, y) => x / y)],
    ["pow", (a) => a.mul(a).pow(1.5), () => A.map((x) => (x * x) ** 1.5)],
    ["neg exp log sqrt", (a) => a.neg().exp().add(1).log().sqrt(), () => A.map((x) => Math.sqrt(Math.log(Math.exp(-x) + 1)))],
    [
      "tanh sigmoid relu",
      (a) => a.tanh().add(a.sigmoid()).add(a.relu()),
      () => A.map((x) => Math.tanh(x) + 1 / (1 + Math.exp(-x)) + Math.max(x, 0)),
    ],
    ["matmul", (a, b) => a.matmul(b.reshape([3, 1])), () => rowsOf(A, 3).map((r) => r.reduce((s, x, k) => s + x * B[k]!, 0))],
    ["transpose", (a) => a.transpose(), () => [0, 1, 2].flatMap((c) => [A[c]!, A[3 + c]!])],
    ["slice + pad", (a) => pad(a.slice(1, 1, 3), 1, 1, 0), () => rowsOf(A, 3).flatMap((r) => [0, r[1]!, r[2]!])],
    ["concat", (a, b) => concat([a, b.reshape([1, 3])], 0), () => [...A, ...B]],
    ["split", (a) => a.split(1, [1, 2])[1]!, () => rowsOf(A, 3).flatMap((r) => [r[1]!, r[2]!])],
    [
      "sum / max over axis 1",
      (a) => a.sum([1]).add(a.max([1])),
      () => rowsOf(A, 3).map((r) => r.reduce((s, x) => s + x, 0) + Math.max(...r)),
    ],
    ["mean", (a) => a.mean(), () => [A.reduce((s, x) => s + x, 0) / 6]],
    ["softmax", (a) => a.softmax(1), () => rowsOf(A, 3).flatMap((r) => r.map((x) => Math.exp(x) / r.reduce((s, y) => s + Math.exp(y), 0)))],
    [
      "logSoftmax",
      (a) => a.logSoftmax(1),
      () => rowsOf(A, 3).flatMap((r) => r.map((x) => x - Math.log(r.reduce((s, y) => s + Math.exp(y), 0)))),
    ],
    ["cumsum", (a) => a.cumsum(1), () => rowsOf(A, 3).flatMap((r) => [r[0]!, r[0]! + r[1]!, r[0]! + r[1]! + r[2]!])],
    [
      "cumsum reverse exclusive",
      (a) => a.cumsum(1, { reverse: true, exclusive: true }),
      () => rowsOf(A, 3).flatMap((r) => [r[1]! + r[2]!, r[2]!, 0]),
    ],
    ["clip", (a) => a.clip(-0.6, 1), () => A.map((x) => Math.min(1, Math.max(-0.6, x)))],
    // ORT's CPU Erf has no double kernel: GELU is checked in float32.
    ["gelu (float32)", (a) => a.cast("float32").gelu(), () => A.map((x) => 0.5 * x * (1 + erf(x / Math.SQRT2)))],
  ];
  for (const [name, build, oracle] of cases) {
    it(name, async () => {
      const got = await run1(build);
      const want = oracle();
      expect(got.length).toBe(want.length);
      got.forEach((g, i) => expect(g).toBeCloseTo(want[i]!, name.startsWith("gelu") ? 5 : 12));
    });
  }

  it("gather and scatter_add with repeated indices", async () => {
    const t = input("t", "float32", [3, 2]);
    const idx = input("idx", "int64", [4]);
    const upd = input("upd", "float32", [4, 2]);
    const s = await rt.session({ outputs: { g: t.gather(idx), s: scatterAdd(t, idx, upd) } });
    const out = await s.run({
      t: hostTensor(Float32Array.from([1, 2, 3, 4, 5, 6]), [3, 2]),
      idx: hostTensor(BigInt64Array.from([2n, 0n, 2n, 1n]), [4]),
      upd: hostTensor(Float32Array.from([10, 20, 30, 40, 50, 60, 70, 80]), [4, 2]),
    });
    expect(Array.from(out.g!.data as Float32Array)).toEqual([5, 6, 1, 2, 5, 6, 3, 4]);
    expect(Array.from(out.s!.data as Float32Array)).toEqual([31, 42, 73, 84, 65, 86]);
  });
});

/** Abramowitz-Stegun 7.1.26 (|error| < 1.5e-7): enough for a float32 erf oracle. */
function erf(x: number): number {
  const t = 1 / (1 + 0.3275911 * Math.abs(x));
  const y = 1 - ((((1.061405429 * t - 1.453152027) * t + 1.421413741) * t - 0.284496736) * t + 0.254829592) * t * Math.exp(-x * x);
  return x >= 0 ? y : -y;
}
