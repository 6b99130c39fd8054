import { where } from "../ir/tensor.ts";
import type { OpDef } from "./registry.ts";
import { unaryFloatInfer } from "./util.ts";

interface Attrs {
  min: number;
  max: number;
}

/** min(max(x, min), max). */
export const clipOp: OpDef<Attrs> = {
  name: "clip",
  infer: (inputs, { min, max }) => {
    if (!(min <= max)) throw new Error(`min ${min} > max ${max}`);
    return unaryFloatInfer(inputs);
  },
  emit: (e, i, o, { attrs, inputs }) =>
    void e.node("Clip", [i[0]!, e.scalar(attrs.min, inputs[0]!.dtype), e.scalar(attrs.max, inputs[0]!.dtype)], {}, o),
  // NOTE: gradient passes where min <= x <= max (inclusive), via where, like relu.
  vjp: ([g], { inputs: [x], attrs }) => [where(x!.lt(attrs.min), 0, where(x!.gt(attrs.max), 0, g!))],
};
