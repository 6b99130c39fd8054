import type { OpDef } from "./registry.ts";
import { compareInfer } from "./util.ts";

/** Elementwise equal comparison, broadcasting; bool result, no gradient. */
export const equalOp: OpDef = {
  name: "equal",
  infer: (inputs) => compareInfer(inputs),
  emit: (e, i, o) => void e.node("Equal", i, {}, o),
  noGradient: true,
};
