import type { Dim } from "../ir/dims.ts";
import { dimAdd, dimSub } from "../ir/dims.ts";
import { pad } from "../ir/tensor.ts";
import type { OpDef } from "./registry.ts";
import { expectInputs } from "./util.ts";

interface Attrs {
  axis: number;
  start: Dim;
  end: Dim;
}

/** Resolves a negative static bound against the axis size. */
function bound(b: Dim, size: Dim): Dim {
  return typeof b === "number" && b < 0 ? dimAdd(size, b) : b;
}

/** `x[start:end]` along one axis (step 1). Bounds may be symbolic; negative ones count from the end. */
export const sliceOp: OpDef<Attrs> = {
  name: "slice",
  infer: (inputs, { axis, start, end }) => {
    expectInputs(inputs, 1);
    const x = inputs[0]!;
    const size = x.shape[axis]!;
    const s = bound(start, size);
    const t = bound(end, size);
    if (typeof s === "number" && typeof t === "number" && (s > t || s < 0 || (typeof size === "number" && t > size)))
      throw new Error(`slice [${start}:${end}] out of range for axis ${axis} of size ${size}`);
    const shape = [...x.shape];
    shape[axis] = dimSub(t, s);
    return [{ dtype: x.dtype, shape }];
  },
  emit: (e, i, o, { attrs, inputs }) => {
    const size = inputs[0]!.shape[attrs.axis]!;
    e.node("Slice", [i[0]!, e.dim(bound(attrs.start, size)), e.dim(bound(attrs.end, size)), e.int64s([attrs.axis])], {}, o);
  },
  vjp: ([g], { inputs: [x], attrs }) => {
    const size = x!.shape[attrs.axis]!;
    return [pad(g!, attrs.axis, bound(attrs.start, size), dimSub(size, bound(attrs.end, size)))];
  },
};
