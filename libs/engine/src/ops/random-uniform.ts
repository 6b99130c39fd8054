import { onnxDataType } from "../ir/dtype.ts";
import { type RandomAttrs, emitCount, emitUniformHash, inferRandom } from "./random-hash.ts";
import type { OpDef } from "./registry.ts";

/** Uniform [0, 1) noise of a shape from an int64 rank-0 seed input (no gradient). */
export const randomUniformOp: OpDef<RandomAttrs> = {
  name: "random_uniform",
  infer: inferRandom,
  emit: (e, [seed], o, { attrs }) => {
    const u = emitUniformHash(e, seed!, emitCount(e, attrs.shape), onnxDataType(attrs.dtype));
    e.node("Reshape", [u, e.shape(attrs.shape)], {}, o);
  },
  noGradient: true,
};
