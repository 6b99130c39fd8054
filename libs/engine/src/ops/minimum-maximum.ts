import type { Tensor } from "../ir/tensor.ts";
import { where } from "../ir/tensor.ts";
import type { OpDef } from "./registry.ts";
import { binaryInfer } from "./util.ts";

/**
 * Gradient of an elementwise pick between a and b: the picked operand gets g; on ties each gets
 * g / 2, so the rule is symmetric (as reduce_max splits ties).
 */
function pickVjp(g: Tensor, aWins: Tensor, tie: Tensor): [Tensor, Tensor] {
  const half = g.mul(0.5);
  return [where(tie, half, where(aWins, g, 0)), where(tie, half, where(aWins, 0, g))];
}

/** Elementwise max(a, b), broadcasting. */
export const maximumOp: OpDef = {
  name: "maximum",
  infer: (inputs) => binaryInfer(inputs, true),
  emit: (e, i, o) => void e.node("Max", i, {}, o),
  vjp: ([g], { inputs: [a, b] }) => pickVjp(g!, a!.gt(b!), a!.eq(b!)),
};

/** Elementwise min(a, b), broadcasting. */
export const minimumOp: OpDef = {
  name: "minimum",
  infer: (inputs) => binaryInfer(inputs, true),
  emit: (e, i, o) => void e.node("Min", i, {}, o),
  vjp: ([g], { inputs: [a, b] }) => pickVjp(g!, a!.lt(b!), a!.eq(b!)),
};
