import type { OpDef } from "./registry.ts";
import { unaryFloatInfer } from "./util.ts";

/** Natural logarithm. */
export const logOp: OpDef = {
  name: "log",
  infer: (inputs) => unaryFloatInfer(inputs),
  emit: (e, i, o) => void e.node("Log", i, {}, o),
  vjp: ([g], { inputs: [x] }) => [g!.div(x!)],
};
