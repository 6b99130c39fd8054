import type { OpDef } from "./registry.ts";
import { unaryFloatInfer } from "./util.ts";

/** Gauss error function (GELU is built from it). */
export const erfOp: OpDef = {
  name: "erf",
  infer: (inputs) => unaryFloatInfer(inputs),
  emit: (e, i, o) => void e.node("Erf", i, {}, o),
  vjp: ([g], { inputs: [x] }) => [
    g!.mul(
      x!
        .square()
        .neg()
        .exp()
        .mul(2 / Math.sqrt(Math.PI)),
    ),
  ],
};
