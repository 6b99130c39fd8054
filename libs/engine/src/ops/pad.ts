import type { Dim } from "../ir/dims.ts";
import { dimAdd } from "../ir/dims.ts";
import type { OpDef } from "./registry.ts";
import { expectInputs } from "./util.ts";

interface Attrs {
  axis: number;
  before: Dim;
  after: Dim;
}

/** Zero padding of one axis (the gradient of slice). */
export const padOp: OpDef<Attrs> = {
  name: "pad",
  infer: (inputs, { axis, before, after }) => {
    expectInputs(inputs, 1);
    const x = inputs[0]!;
    if ((typeof before === "number" && before < 0) || (typeof after === "number" && after < 0)) throw new Error("negative padding");
    const shape = [...x.shape];
    shape[axis] = dimAdd(dimAdd(before, shape[axis]!), after);
    return [{ dtype: x.dtype, shape }];
  },
  emit: (e, i, o, { attrs, inputs }) => {
    const rank = inputs[0]!.shape.length;
    const pads: Dim[] = new Array<Dim>(2 * rank).fill(0);
    pads[attrs.axis] = attrs.before;
    pads[rank + attrs.axis] = attrs.after;
    e.node("Pad", [i[0]!, e.shape(pads)], {}, o);
  },
  vjp: ([g], { inputs: [x], attrs }) => [g!.slice(attrs.axis, attrs.before, dimAdd(attrs.before, x!.shape[attrs.axis]!))],
};
