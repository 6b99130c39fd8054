import type { OpDef } from "./registry.ts";
import { expectInputs, reducedShape } from "./util.ts";

interface Attrs {
  axis: number;
  keepDims: boolean;
}

/** Index of the first maximum along an axis (int64, no gradient). */
export const argmaxOp: OpDef<Attrs> = {
  name: "argmax",
  infer: (inputs, { axis, keepDims }) => {
    expectInputs(inputs, 1);
    return [{ dtype: "int64", shape: reducedShape(inputs[0]!.shape, [axis], keepDims) }];
  },
  emit: (e, i, o, { attrs }) => void e.node("ArgMax", i, { axis: { i: attrs.axis }, keepdims: { i: attrs.keepDims ? 1 : 0 } }, o),
  noGradient: true,
};
