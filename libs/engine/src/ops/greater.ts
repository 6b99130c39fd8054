import type { OpDef } from "./registry.ts";
import { compareInfer } from "./util.ts";

/** Elementwise greater comparison, broadcasting; bool result, no gradient. */
export const greaterOp: OpDef = {
  name: "greater",
  infer: (inputs) => compareInfer(inputs),
  emit: (e, i, o) => void e.node("Greater", i, {}, o),
  noGradient: true,
};
