import type { OpDef } from "./registry.ts";
import { binaryInfer } from "./util.ts";

/** a + b, broadcasting. */
export const addOp: OpDef = {
  name: "add",
  infer: (inputs) => binaryInfer(inputs),
  emit: (e, i, o) => void e.node("Add", i, {}, o),
  vjp: ([g]) => [g!, g!],
};
