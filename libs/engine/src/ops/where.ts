import { broadcastShapes } from "../ir/dims.ts";
import { where } from "../ir/tensor.ts";
import type { OpDef } from "./registry.ts";
import { expectInputs } from "./util.ts";

/** cond ? a : b, broadcasting all three. */
export const whereOp: OpDef = {
  name: "where",
  infer: (inputs) => {
    expectInputs(inputs, 3);
    const [c, a, b] = inputs as [(typeof inputs)[0], (typeof inputs)[0], (typeof inputs)[0]];
    if (c.dtype !== "bool") throw new Error(`condition must be bool, got ${c.dtype}`);
    if (a.dtype !== b.dtype) throw new Error(`dtype mismatch ${a.dtype} vs ${b.dtype}`);
    return [{ dtype: a.dtype, shape: broadcastShapes(broadcastShapes(c.shape, a.shape), b.shape) }];
  },
  emit: (e, i, o) => void e.node("Where", i, {}, o),
  vjp: ([g], { inputs: [c], needsGrad }) => [null, needsGrad[1] ? where(c!, g!, 0) : null, needsGrad[2] ? where(c!, 0, g!) : null],
};
