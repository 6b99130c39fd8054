import { where } from "../ir/tensor.ts";
import type { OpDef } from "./registry.ts";
import { unaryFloatInfer } from "./util.ts";

/** |x|. */
export const absOp: OpDef = {
  name: "abs",
  infer: (inputs) => unaryFloatInfer(inputs),
  emit: (e, i, o) => void e.node("Abs", i, {}, o),
  // sign(x) * g, with gradient 0 at x = 0 (the subgradient ONNX and PyTorch use).
  vjp: ([g], { inputs: [x] }) => [where(x!.gt(0), g!, where(x!.lt(0), g!.neg(), 0))],
};
