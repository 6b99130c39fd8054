import { oneHot } from "../ir/tensor.ts";
import type { OpDef } from "./registry.ts";
import { expectInputs } from "./util.ts";

/**
 * One entry per row along the last axis: x (..., V), int64 indices (...) -> x[..., indices] (...).
 * The forward is ONNX GatherElements (no vocabulary-wide one-hot); the gradient is written as a
 * one-hot times g, dense like the gradient of the log-softmax it usually follows, and
 * deterministic (each position gets exactly one term).
 */
export const gatherLastOp: OpDef = {
  name: "gather_last",
  infer: (inputs) => {
    expectInputs(inputs, 2);
    const [x, indices] = inputs as [(typeof inputs)[0], (typeof inputs)[0]];
    if (indices.dtype !== "int64") throw new Error(`indices must be int64, got ${indices.dtype}`);
    if (x.shape.length !== indices.shape.length + 1 || indices.shape.some((d, i) => d !== x.shape[i])) {
      throw new Error(`indices shape [${indices.shape}] must be the leading axes of [${x.shape}]`);
    }
    return [{ dtype: x.dtype, shape: indices.shape }];
  },
  emit: (e, [x, indices], o, { inputs }) => {
    const axis = inputs[0]!.shape.length - 1;
    const picked = e.one("GatherElements", [x!, e.one("Unsqueeze", [indices!, e.int64s([-1])])], { axis: { i: axis } });
    e.node("Squeeze", [picked, e.int64s([-1])], {}, o);
  },
  vjp: ([g], { inputs: [x, indices] }) => {
    const V = x!.shape[x!.rank - 1]!;
    if (typeof V !== "number") throw new Error(`gather_last: the gradient needs a static last axis, got ${V}`);
    return [oneHot(indices!, V, x!.dtype).mul(g!.unsqueeze(-1)), null];
  },
};
