import type { OpDef } from "./registry.ts";
import { binaryInfer } from "./util.ts";

/** a - b, broadcasting. */
export const subOp: OpDef = {
  name: "sub",
  infer: (inputs) => binaryInfer(inputs),
  emit: (e, i, o) => void e.node("Sub", i, {}, o),
  vjp: ([g], { needsGrad }) => [g!, needsGrad[1] ? g!.neg() : null],
};
