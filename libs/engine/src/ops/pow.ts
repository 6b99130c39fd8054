import type { OpDef } from "./registry.ts";
import { binaryInfer } from "./util.ts";

/** a ** b, broadcasting, floats only. The exponent's gradient needs a > 0. */
export const powOp: OpDef = {
  name: "pow",
  infer: (inputs) => binaryInfer(inputs, true),
  emit: (e, i, o) => void e.node("Pow", i, {}, o),
  vjp: ([g], { inputs: [a, b], outputs: [y], needsGrad }) => [
    needsGrad[0] ? g!.mul(b!).mul(a!.pow(b!.sub(1))) : null,
    needsGrad[1] ? g!.mul(y!).mul(a!.log()) : null,
  ],
};
