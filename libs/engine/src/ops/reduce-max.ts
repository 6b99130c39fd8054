import type { OpDef } from "./registry.ts";
import { checkAxes, expectInputs, keptShape, reducedShape } from "./util.ts";

interface Attrs {
  axes: number[];
  keepDims: boolean;
}

/** Maximum over axes. */
export const reduceMaxOp: OpDef<Attrs> = {
  name: "reduce_max",
  infer: (inputs, { axes, keepDims }) => {
    expectInputs(inputs, 1);
    checkAxes(axes, inputs[0]!.shape.length);
    return [{ dtype: inputs[0]!.dtype, shape: reducedShape(inputs[0]!.shape, axes, keepDims) }];
  },
  emit: (e, i, o, { attrs }) => void e.node("ReduceMax", [i[0]!, e.int64s(attrs.axes)], { keepdims: { i: attrs.keepDims ? 1 : 0 } }, o),
  // Ties share the gradient equally, so the rule is symmetric in which maximum "wins".
  vjp: ([g], { inputs: [x], outputs: [y], attrs }) => {
    const kept = keptShape(x!.shape, attrs.axes);
    const mask = x!.eq(y!.reshape(kept)).cast(x!.dtype);
    return [mask.mul(g!.reshape(kept)).div(mask.sum(attrs.axes, true))];
  },
};
