import type { OpDef } from "./registry.ts";
import { expectInputs } from "./util.ts";

/** Identity forward; the autodiff walk sends no gradient through it. */
export const stopGradientOp: OpDef = {
  name: "stop_gradient",
  infer: (inputs) => {
    expectInputs(inputs, 1);
    return [{ dtype: inputs[0]!.dtype, shape: inputs[0]!.shape }];
  },
  emit: (e, i, o) => void e.node("Identity", i, {}, o),
  noGradient: true,
};
