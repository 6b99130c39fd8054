import type { OpDef } from "./registry.ts";
import { unaryFloatInfer } from "./util.ts";

/** Square root. */
export const sqrtOp: OpDef = {
  name: "sqrt",
  infer: (inputs) => unaryFloatInfer(inputs),
  emit: (e, i, o) => void e.node("Sqrt", i, {}, o),
  vjp: ([g], { outputs: [y] }) => [g!.div(y!.mul(2))],
};
