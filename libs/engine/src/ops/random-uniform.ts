import type { Dim } from "../ir/dims.ts";
import type { DType } from "../ir/dtype.ts";
import { isFloat, onnxDataType } from "../ir/dtype.ts";
import { emitCount, emitUniformHash } from "./random-hash.ts";
import type { OpDef } from "./registry.ts";
import { expectInputs } from "./util.ts";

interface Attrs {
  shape: Dim[];
  dtype: DType;
}

/** Uniform [0, 1) noise of a shape from an int64 rank-0 seed input (no gradient). */
export const randomUniformOp: OpDef<Attrs> = {
  name: "random_uniform",
  infer: (inputs, { shape, dtype }) => {
    expectInputs(inputs, 1);
    if (inputs[0]!.dtype !== "int64" || inputs[0]!.shape.length !== 0) throw new Error("seed must be a rank-0 int64 tensor");
    if (!isFloat(dtype)) throw new Error(`dtype must be float, got ${dtype}`);
    return [{ dtype, shape }];
  },
  emit: (e, [seed], o, { attrs }) => {
    const u = emitUniformHash(e, seed!, emitCount(e, attrs.shape), onnxDataType(attrs.dtype));
    e.node("Reshape", [u, e.shape(attrs.shape)], {}, o);
  },
  noGradient: true,
};
