import type { OpDef } from "./registry.ts";
import { unaryFloatInfer } from "./util.ts";

interface Attrs {
  axis: number;
}

/** log(softmax(x)) along one axis, fused (ONNX LogSoftmax) with VJP g - exp(y) * sum(g). */
export const logSoftmaxOp: OpDef<Attrs> = {
  name: "log_softmax",
  infer: (inputs) => unaryFloatInfer(inputs),
  emit: (e, i, o, { attrs }) => void e.node("LogSoftmax", i, { axis: { i: attrs.axis } }, o),
  vjp: ([g], { outputs: [y], attrs: { axis } }) => [g!.sub(y!.exp().mul(g!.sum([axis], true)))],
};
