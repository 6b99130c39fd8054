import type { OpDef } from "./registry.ts";
import { unaryFloatInfer } from "./util.ts";

/** e ** x. */
export const expOp: OpDef = {
  name: "exp",
  infer: (inputs) => unaryFloatInfer(inputs),
  emit: (e, i, o) => void e.node("Exp", i, {}, o),
  vjp: ([g], { outputs: [y] }) => [g!.mul(y!)],
};
