import { concat, zeros } from "../ir/tensor.ts";
import type { OpDef } from "./registry.ts";
import { expectInputs } from "./util.ts";

interface Attrs {
  axis: number;
  sizes: number[];
}

/** Splits one axis into pieces of static sizes. */
export const splitOp: OpDef<Attrs> = {
  name: "split",
  infer: (inputs, { axis, sizes }) => {
    expectInputs(inputs, 1);
    const x = inputs[0]!;
    const total = sizes.reduce((p, s) => p + s, 0);
    if (x.shape[axis] !== total) throw new Error(`sizes [${sizes}] sum to ${total}, axis ${axis} has ${x.shape[axis]}`);
    return sizes.map((s) => {
      const shape = [...x.shape];
      shape[axis] = s;
      return { dtype: x.dtype, shape };
    });
  },
  emit: (e, i, o, { attrs }) => void e.node("Split", [i[0]!, e.int64s(attrs.sizes)], { axis: { i: attrs.axis } }, o),
  vjp: (grads, { outputs, attrs }) => [
    concat(
      grads.map((g, k) => g ?? zeros(outputs[k]!.shape, outputs[k]!.dtype)),
      attrs.axis,
    ),
  ],
};
