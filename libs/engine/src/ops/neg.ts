import type { OpDef } from "./registry.ts";
import { expectInputs } from "./util.ts";

/** -x. */
export const negOp: OpDef = {
  name: "neg",
  infer: (inputs) => {
    expectInputs(inputs, 1);
    return [{ dtype: inputs[0]!.dtype, shape: inputs[0]!.shape }];
  },
  emit: (e, i, o) => void e.node("Neg", i, {}, o),
  vjp: ([g]) => [g!.neg()],
};
