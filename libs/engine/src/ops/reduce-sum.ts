import type { OpDef } from "./registry.ts";
import { checkAxes, expectInputs, keptShape, reducedShape } from "./util.ts";

interface Attrs {
  axes: number[];
  keepDims: boolean;
}

/** Sum over axes. */
export const reduceSumOp: OpDef<Attrs> = {
  name: "reduce_sum",
  infer: (inputs, { axes, keepDims }) => {
    expectInputs(inputs, 1);
    checkAxes(axes, inputs[0]!.shape.length);
    return [{ dtype: inputs[0]!.dtype, shape: reducedShape(inputs[0]!.shape, axes, keepDims) }];
  },
  emit: (e, i, o, { attrs }) => void e.node("ReduceSum", [i[0]!, e.int64s(attrs.axes)], { keepdims: { i: attrs.keepDims ? 1 : 0 } }, o),
  vjp: ([g], { inputs: [x], attrs }) => [g!.reshape(keptShape(x!.shape, attrs.axes)).expand(x!.shape)],
};
