import type { DType } from "../ir/dtype.ts";
import { isFloat, onnxDataType } from "../ir/dtype.ts";
import type { OpDef } from "./registry.ts";
import { expectInputs } from "./util.ts";

interface Attrs {
  to: DType;
}

/** Element type conversion; gradients flow only between float types. */
export const castOp: OpDef<Attrs> = {
  name: "cast",
  infer: (inputs, { to }) => {
    expectInputs(inputs, 1);
    return [{ dtype: to, shape: inputs[0]!.shape }];
  },
  emit: (e, i, o, { attrs }) => void e.node("Cast", i, { to: { i: onnxDataType(attrs.to) } }, o),
  vjp: ([g], { inputs: [x], attrs }) => [isFloat(x!.dtype) && isFloat(attrs.to) ? g!.cast(x!.dtype) : null],
};
