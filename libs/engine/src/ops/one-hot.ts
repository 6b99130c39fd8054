import type { DType } from "../ir/dtype.ts";
import { onnxDataType } from "../ir/dtype.ts";
import type { OpDef } from "./registry.ts";
import { expectInputs } from "./util.ts";

interface Attrs {
  depth: number;
  dtype: DType;
}

/** One-hot along a new last axis: indices (...) int64 -> (..., depth). */
export const oneHotOp: OpDef<Attrs> = {
  name: "one_hot",
  infer: (inputs, { depth, dtype }) => {
    expectInputs(inputs, 1);
    if (inputs[0]!.dtype !== "int64") throw new Error(`indices must be int64, got ${inputs[0]!.dtype}`);
    return [{ dtype, shape: [...inputs[0]!.shape, depth] }];
  },
  // Equal against a range rather than ONNX OneHot, whose CPU kernel covers few dtype combinations.
  emit: (e, [indices], o, { attrs }) => {
    const range = e.one("Range", [e.scalar(0, "int64"), e.scalar(attrs.depth, "int64"), e.scalar(1, "int64")]);
    const hit = e.one("Equal", [e.one("Unsqueeze", [indices!, e.int64s([-1])]), range]);
    e.node("Cast", [hit], { to: { i: onnxDataType(attrs.dtype) } }, o);
  },
  noGradient: true,
};
