// Finite-difference gradient checks for every differentiable registered op, including broadcast
// shapes. The coverage test fails when an op is registered with a VJP but has no case here.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Runtime } from "../src/index.ts";
import { Tensor, concat, createRuntime, gatherLogProbs, grad, input, listOps, pad, scatterAdd, where } from "../src/index.ts";
import type { GradCase } from "./gradcheck.ts";
import { gradCheck } from "./gradcheck.ts";

const idx = (values: number[], shape: number[]) => Tensor.constant(BigInt64Array.from(values.map(BigInt)), shape, "int64");
const mask = (values: number[], shape: number[]) => Tensor.constant(Uint8Array.from(values), shape, "bool");
const pos: [number, number] = [0.5, 2];

/** Cases per op name. dtype float32 marks ops whose ORT CPU kernel has no double version. */
export const GRAD_CASES: Record<string, GradCase[]> = {
  add: [
    { label: "add [2,3]+[3]", inputs: [{ shape: [2, 3] }, { shape: [3] }], build: (a, b) => a!.add(b!) },
    { label: "add [2,1,3]+[4,1]", inputs: [{ shape: [2, 1, 3] }, { shape: [4, 1] }], build: (a, b) => a!.add(b!) },
  ],
  sub: [{ label: "sub [3,1]-[1,4]", inputs: [{ shape: [3, 1] }, { shape: [1, 4] }], build: (a, b) => a!.sub(b!) }],
  mul: [{ label: "mul [2,3]*[2,1]", inputs: [{ shape: [2, 3] }, { shape: [2, 1] }], build: (a, b) => a!.mul(b!) }],
  div: [{ label: "div [2,3]/[3]", inputs: [{ shape: [2, 3] }, { shape: [3], range: pos }], build: (a, b) => a!.div(b!) }],
  neg: [{ label: "neg", inputs: [{ shape: [2, 3] }], build: (a) => a!.neg() }],
  pow: [
    {
      label: "pow [2,3]^[3]",
      inputs: [
        { shape: [2, 3], range: pos },
        { shape: [3], range: [-1, 2] },
      ],
      build: (a, b) => a!.pow(b!),
    },
  ],
  exp: [{ label: "exp", inputs: [{ shape: [2, 3] }], build: (a) => a!.exp() }],
  log: [{ label: "log", inputs: [{ shape: [2, 3], range: pos }], build: (a) => a!.log() }],
  sqrt: [{ label: "sqrt", inputs: [{ shape: [2, 3], range: pos }], build: (a) => a!.sqrt() }],
  tanh: [{ label: "tanh", inputs: [{ shape: [2, 3], range: [-2, 2] }], build: (a) => a!.tanh() }],
  sigmoid: [{ label: "sigmoid", inputs: [{ shape: [2, 3], range: [-3, 3] }], build: (a) => a!.sigmoid() }],
  relu: [{ label: "relu", inputs: [{ shape: [3, 4], avoid: [0] }], build: (a) => a!.relu() }],
  erf: [{ label: "erf", inputs: [{ shape: [2, 3], range: [-2, 2] }], build: (a) => a!.erf(), dtype: "float32" }],
  matmul: [
    { label: "matmul [2,3]@[3,4]", inputs: [{ shape: [2, 3] }, { shape: [3, 4] }], build: (a, b) => a!.matmul(b!) },
    { label: "matmul [2,3,4]@[4,2] (linear)", inputs: [{ shape: [2, 3, 4] }, { shape: [4, 2] }], build: (a, b) => a!.matmul(b!) },
    {
      label: "matmul [2,1,2,3]@[3,3,2] broadcast batch",
      inputs: [{ shape: [2, 1, 2, 3] }, { shape: [3, 3, 2] }],
      build: (a, b) => a!.matmul(b!),
    },
    { label: "matmul [3,4]@[2,4,5]", inputs: [{ shape: [3, 4] }, { shape: [2, 4, 5] }], build: (a, b) => a!.matmul(b!) },
  ],
  transpose: [{ label: "transpose [2,3,4] perm [2,0,1]", inputs: [{ shape: [2, 3, 4] }], build: (a) => a!.transpose([2, 0, 1]) }],
  reshape: [{ label: "reshape [2,6]->[3,4]", inputs: [{ shape: [2, 6] }], build: (a) => a!.reshape([3, 4]) }],
  expand: [{ label: "expand [3,1]->[2,3,4]", inputs: [{ shape: [3, 1] }], build: (a) => a!.expand([2, 3, 4]) }],
  slice: [
    { label: "slice [2,5] axis 1 [1:3]", inputs: [{ shape: [2, 5] }], build: (a) => a!.slice(1, 1, 3) },
    { label: "slice [4,2] axis 0 [1:-1]", inputs: [{ shape: [4, 2] }], build: (a) => a!.slice(0, 1, -1) },
  ],
  pad: [{ label: "pad [2,3] axis 1 (1,2)", inputs: [{ shape: [2, 3] }], build: (a) => pad(a!, 1, 1, 2) }],
  concat: [{ label: "concat [2,2],[2,3] axis 1", inputs: [{ shape: [2, 2] }, { shape: [2, 3] }], build: (a, b) => concat([a!, b!], 1) }],
  split: [
    {
      label: "split [2,5] -> [2,2],[2,3], both used",
      inputs: [{ shape: [2, 5] }],
      build: (a) => {
        const [p, q] = a!.split(1, [2, 3]);
        return concat([q!, p!.mul(p!)], 1);
      },
    },
    { label: "split, one piece unused", inputs: [{ shape: [5, 2] }], build: (a) => a!.split(0, [1, 4])[1]! },
  ],
  gather: [
    { label: "gather [5,3] by [2,3] with repeats", inputs: [{ shape: [5, 3] }], build: (t) => t!.gather(idx([0, 4, 0, 2, 2, 0], [2, 3])) },
  ],
  scatter_add: [
    {
      label: "scatter_add [5,3] += [4,3] at repeated rows",
      inputs: [{ shape: [5, 3] }, { shape: [4, 3] }],
      build: (base, upd) => scatterAdd(base!, idx([1, 3, 1, 0], [4]), upd!),
    },
  ],
  where: [
    {
      label: "where cond[2,3] ? [2,3] : [3]",
      inputs: [{ shape: [2, 3] }, { shape: [3] }],
      build: (a, b) => where(mask([1, 0, 1, 0, 0, 1], [2, 3]), a!, b!),
    },
  ],
  reduce_sum: [
    { label: "sum [2,3,4] axes 0,2", inputs: [{ shape: [2, 3, 4] }], build: (a) => a!.sum([0, 2]) },
    { label: "sum [2,3] axis 1 keepDims", inputs: [{ shape: [2, 3] }], build: (a) => a!.sum([1], true) },
  ],
  reduce_max: [{ label: "max [2,3,4] axis 1", inputs: [{ shape: [2, 3, 4] }], build: (a) => a!.max([1]) }],
  softmax: [
    { label: "softmax [2,5] last axis", inputs: [{ shape: [2, 5], range: [-2, 2] }], build: (a) => a!.softmax(-1) },
    { label: "softmax [3,2] axis 0", inputs: [{ shape: [3, 2], range: [-2, 2] }], build: (a) => a!.softmax(0) },
  ],
  log_softmax: [{ label: "logSoftmax [2,5]", inputs: [{ shape: [2, 5], range: [-2, 2] }], build: (a) => a!.logSoftmax(-1) }],
  cast: [{ label: "cast float32 -> float64", inputs: [{ shape: [2, 3] }], build: (a) => a!.cast("float64").square(), dtype: "float32" }],
  cumsum: [
    { label: "cumsum [2,4] axis 1", inputs: [{ shape: [2, 4] }], build: (a) => a!.cumsum(1) },
    {
      label: "cumsum reverse exclusive axis 0",
      inputs: [{ shape: [4, 2] }],
      build: (a) => a!.cumsum(0, { reverse: true, exclusive: true }),
    },
  ],
  clip: [{ label: "clip [-0.5, 0.5]", inputs: [{ shape: [3, 4], avoid: [-0.5, 0.5] }], build: (a) => a!.clip(-0.5, 0.5) }],
  abs: [{ label: "abs", inputs: [{ shape: [3, 4], avoid: [0] }], build: (a) => a!.abs() }],
  maximum: [
    { label: "maximum [2,3] vs [3]", inputs: [{ shape: [2, 3] }, { shape: [3] }], build: (a, b) => a!.maximum(b!) },
    { label: "maximum with a scalar", inputs: [{ shape: [3, 4], avoid: [0.2] }], build: (a) => a!.maximum(0.2) },
  ],
  minimum: [
    { label: "minimum [3,1] vs [1,4]", inputs: [{ shape: [3, 1] }, { shape: [1, 4] }], build: (a, b) => a!.minimum(b!) },
    {
      label: "clamp between tensor bounds (maximum then minimum)",
      inputs: [
        { shape: [2, 5], range: [-2, 2] },
        { shape: [5], range: [-1, -0.2] },
        { shape: [5], range: [0.2, 1] },
      ],
      build: (x, lo, hi) => x!.clamp(lo!, hi!),
    },
  ],
  softplus: [
    { label: "softplus [-4, 4]", inputs: [{ shape: [3, 4], range: [-4, 4] }], build: (a) => a!.softplus() },
    { label: "softplus far tails [-40, 40]", inputs: [{ shape: [2, 4], range: [-40, 40] }], build: (a) => a!.softplus() },
    { label: "logSigmoid [-6, 6]", inputs: [{ shape: [2, 5], range: [-6, 6] }], build: (a) => a!.logSigmoid() },
  ],
  gather_last: [
    {
      label: "gather_last [2,3,5] by [2,3] (repeated ids)",
      inputs: [{ shape: [2, 3, 5] }],
      build: (x) => x!.gatherLast(idx([0, 4, 4, 2, 0, 0], [2, 3])),
    },
    {
      label: "gatherLogProbs at temperature 0.7",
      inputs: [{ shape: [2, 6], range: [-3, 3] }],
      build: (x) => gatherLogProbs(x!, idx([5, 1], [2]), 0.7),
    },
  ],
};

let rt: Runtime;
beforeAll(async () => {
  rt = await createRuntime({ device: "cpu", threads: 1 });
});
afterAll(async () => {
  await rt.release();
});

describe("gradient checks (central differences)", () => {
  it("every differentiable registered op has at least one case", () => {
    const missing = listOps()
      .filter((op) => !op.noGradient)
      .map((op) => op.name)
      .filter((name) => !GRAD_CASES[name]?.length);
    expect(missing).toEqual([]);
  });

  it("every case names a registered op with a VJP", () => {
    const differentiable = new Set(
      listOps()
        .filter((op) => op.vjp)
        .map((op) => op.name),
    );
    expect(Object.keys(GRAD_CASES).filter((n) => !differentiable.has(n))).toEqual([]);
  });

  for (const [op, cases] of Object.entries(GRAD_CASES)) {
    for (const c of cases) {
      it(`${op}: ${c.label} (${c.dtype ?? "float64"})`, async () => {
        const { maxError, worst } = await gradCheck(rt, c);
        expect(maxError, worst).toBeLessThanOrEqual(1);
      });
    }
  }
});

describe("tied table (embedding gather + output head h W^T)", () => {
  // The gradient takes two shortcuts (no transpose of the table or its gradient; rows scattered
  // into the head's gradient instead of a zero table): check it numerically, then structurally.
  const tied = (w: Tensor) => {
    const h = w.gather(idx([0, 4, 0, 2, 2, 1], [2, 3])); // (2, 3, C)
    return h.matmul(w.T); // (2, 3, V)
  };
  it("matches central differences", async () => {
    const { maxError, worst } = await gradCheck(rt, { label: "tied [5,3]", inputs: [{ shape: [5, 3] }], build: (w) => tied(w!) });
    expect(maxError, worst).toBeLessThanOrEqual(1);
  });
  it("has no transpose of a table-shaped tensor and no zero table in its gradient", () => {
    const w = input("w", "float64", [50, 8]);
    const [g] = grad(tied(w).sum(), [w]);
    const ops: { op: string; shape: readonly unknown[] }[] = [];
    const seen = new Set<number>();
    const walk = (t: Tensor) => {
      if (!t.node || seen.has(t.node.id)) return;
      seen.add(t.node.id);
      for (const o of t.node.outputs) ops.push({ op: t.node.op, shape: o.shape });
      t.node.inputs.forEach(walk);
    };
    walk(g!);
    const tableShaped = (s: readonly unknown[]) => s.length === 2 && ((s[0] === 50 && s[1] === 8) || (s[0] === 8 && s[1] === 50));
    expect(ops.filter((o) => o.op === "transpose" && tableShaped(o.shape))).toEqual([]);
    expect(ops.filter((o) => o.op === "expand" && tableShaped(o.shape))).toEqual([]);
    expect(ops.filter((o) => o.op === "scatter_add")).toHaveLength(1);
  });
});
