import type { OpDef } from "./registry.ts";
import { binaryInfer } from "./util.ts";

/** a / b, broadcasting. */
export const divOp: OpDef = {
  name: "div",
  infer: (inputs) => binaryInfer(inputs),
  emit: (e, i, o) => void e.node("Div", i, {}, o),
  // d(a/b)/db = -(a/b)/b: reuse the output rather than recomputing a/b^2.
  vjp: ([g], { inputs: [, b], outputs: [y], needsGrad }) => [
    needsGrad[0] ? g!.div(b!) : null,
    needsGrad[1] ? g!.mul(y!).div(b!).neg() : null,
  ],
};
