import type { OpDef } from "./registry.ts";
import { unaryFloatInfer } from "./util.ts";

interface Attrs {
  axis: number;
}

/**
 * Softmax along one axis, fused (ONNX Softmax) with its own VJP y * (g - sum(g * y)); a test
 * checks it against the composite exp(x - max) / sum.
 */
export const softmaxOp: OpDef<Attrs> = {
  name: "softmax",
  infer: (inputs) => unaryFloatInfer(inputs),
  emit: (e, i, o, { attrs }) => void e.node("Softmax", i, { axis: { i: attrs.axis } }, o),
  vjp: ([g], { outputs: [y], attrs: { axis } }) => [y!.mul(g!.sub(g!.mul(y!).sum([axis], true)))],
};
