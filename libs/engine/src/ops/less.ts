import type { OpDef } from "./registry.ts";
import { compareInfer } from "./util.ts";

/** Elementwise less comparison, broadcasting; bool result, no gradient. */
export const lessOp: OpDef = {
  name: "less",
  infer: (inputs) => compareInfer(inputs),
  emit: (e, i, o) => void e.node("Less", i, {}, o),
  noGradient: true,
};
