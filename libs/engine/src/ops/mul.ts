import type { OpDef } from "./registry.ts";
import { binaryInfer } from "./util.ts";

/** a * b, broadcasting. */
export const mulOp: OpDef = {
  name: "mul",
  infer: (inputs) => binaryInfer(inputs),
  emit: (e, i, o) => void e.node("Mul", i, {}, o),
  vjp: ([g], { inputs: [a, b], needsGrad }) => [needsGrad[0] ? g!.mul(b!) : null, needsGrad[1] ? g!.mul(a!) : null],
};
