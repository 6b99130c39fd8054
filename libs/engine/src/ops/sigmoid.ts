import type { OpDef } from "./registry.ts";
import { unaryFloatInfer } from "./util.ts";

/** 1 / (1 + e ** -x). */
export const sigmoidOp: OpDef = {
  name: "sigmoid",
  infer: (inputs) => unaryFloatInfer(inputs),
  emit: (e, i, o) => void e.node("Sigmoid", i, {}, o),
  vjp: ([g], { outputs: [y] }) => [g!.mul(y!).mul(y!.rsub(1))],
};
