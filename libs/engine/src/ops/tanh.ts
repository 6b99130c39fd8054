import type { OpDef } from "./registry.ts";
import { unaryFloatInfer } from "./util.ts";

/** Hyperbolic tangent. */
export const tanhOp: OpDef = {
  name: "tanh",
  infer: (inputs) => unaryFloatInfer(inputs),
  emit: (e, i, o) => void e.node("Tanh", i, {}, o),
  vjp: ([g], { outputs: [y] }) => [g!.mul(y!.square().rsub(1))],
};
