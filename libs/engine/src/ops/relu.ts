import { where } from "../ir/tensor.ts";
import type { OpDef } from "./registry.ts";
import { unaryFloatInfer } from "./util.ts";

/** max(x, 0). */
export const reluOp: OpDef = {
  name: "relu",
  infer: (inputs) => unaryFloatInfer(inputs),
  emit: (e, i, o) => void e.node("Relu", i, {}, o),
  // NOTE: the gradient is where(x > 0, g, 0), so at x = 0 it is exactly 0 (a max-based
  // formulation would split it between the two branches).
  vjp: ([g], { inputs: [x] }) => [where(x!.gt(0), g!, 0)],
};
