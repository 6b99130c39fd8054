// Symbolic dims are kept in a canonical polynomial form, so shapes built by slicing and padding a
// symbolic axis compare equal to the axis they came from and `grad` can undo them.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Runtime } from "../src/index.ts";
import { canonicalDim, createRuntime, dimAdd, dimEquals, dimMul, dimSub, evalDim, grad, hostTensor, input } from "../src/index.ts";

let rt: Runtime;
beforeAll(async () => {
  rt = await createRuntime({ device: "cpu", threads: 1 });
});
afterAll(async () => {
  await rt.release();
});

describe("canonical symbolic dims", () => {
  it("simplifies affine and product expressions", () => {
    expect(canonicalDim("3+(batch-3)")).toBe("batch");
    expect(canonicalDim("(seq-1)+1")).toBe("seq");
    expect(canonicalDim("2*pairs-pairs")).toBe("pairs");
    expect(canonicalDim("seq*batch")).toBe("batch*seq");
    expect(canonicalDim("batch-batch")).toBe(0);
    expect(canonicalDim("1+seq")).toBe("seq+1");
    expect(canonicalDim("(a+1)*(a-1)")).toBe("a*a-1");
    expect(canonicalDim("1-n")).toBe("0-n+1");
    expect(dimAdd(dimSub("batch", 3), 3)).toBe("batch");
    expect(dimMul("seq", "batch")).toBe("batch*seq");
    expect(dimAdd("seq", -1)).toBe("seq-1");
    expect(dimMul(-2, "n")).toBe("0-2*n");
    expect(dimEquals("batch*seq", "seq*batch")).toBe(true);
    expect(dimEquals("batch", "seq")).toBe(false);
  });

  it("keeps the value of every expression", () => {
    const env = { a: 7, batch: 5, n: 3, seq: 11 };
    for (const d of ["3+(batch-3)", "(a+1)*(a-1)", "1-n", "2*(seq-1)*batch+4", "seq-(n-(a*2))"]) {
      expect(evalDim(canonicalDim(d), env), d).toBe(evalDim(d, env));
    }
  });
});

describe("grad after slicing a symbolic axis", () => {
  it("splits a batch into a static chosen part and the symbolic rest (was: gradient [3+(batch-3)] does not broadcast)", async () => {
    const x = input("x", "float64", ["batch", 2]);
    const head = x.slice(0, 0, 3); // (3, 2)
    const rest = x.slice(0, 3); // (batch-3, 2)
    const loss = head.square().sum().add(rest.mul(3).sum());
    const [g] = grad(loss, [x]);
    expect(g!.shape).toEqual(["batch", 2]);
    const s = await rt.session({ outputs: { g: g! } });
    const xs = Float64Array.from({ length: 10 }, (_, i) => i / 10);
    const out = (await s.run({ x: hostTensor(xs, [5, 2]) })).g!.data as Float64Array;
    expect([...out]).toEqual([...xs.slice(0, 6)].map((v) => 2 * v).concat([3, 3, 3, 3]));
  });

  it("splits a batch of 2*pairs rows into chosen and rejected halves whose difference is differentiable", async () => {
    const scores = input("scores", "float64", ["2*pairs"]);
    const chosen = scores.slice(0, 0, "pairs");
    const rejected = scores.slice(0, "pairs", "2*pairs");
    expect(chosen.shape).toEqual(["pairs"]);
    expect(rejected.shape).toEqual(["pairs"]);
    const loss = chosen.sub(rejected).square().sum();
    const [g] = grad(loss, [scores]);
    expect(g!.shape).toEqual(["2*pairs"]);
    const s = await rt.session({ outputs: { g: g! } });
    const out = (await s.run({ scores: hostTensor(Float64Array.of(1, 4, 2, 0.5, 1, 1), [6]) })).g!.data as Float64Array;
    // d/dc (c - r)^2 = 2 (c - r), d/dr = -2 (c - r)
    expect([...out]).toEqual([1, 6, 2, -1, -6, -2]);
  });
});
