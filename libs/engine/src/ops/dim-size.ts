import type { Dim } from "../ir/dims.ts";
import type { DType } from "../ir/dtype.ts";
import { onnxDataType } from "../ir/dtype.ts";
import type { OpDef } from "./registry.ts";
import { expectInputs } from "./util.ts";

interface Attrs {
  dim: Dim;
  dtype: DType;
}

/** A (symbolic) dim's run-time value as a rank-0 tensor, e.g. the count in a mean. */
export const dimSizeOp: OpDef<Attrs> = {
  name: "dim_size",
  infer: (inputs, { dtype }) => {
    expectInputs(inputs, 0);
    return [{ dtype, shape: [] }];
  },
  emit: (e, _i, o, { attrs }) => {
    const scalar = e.one("Reshape", [e.dim(attrs.dim), e.int64s([])]);
    e.node("Cast", [scalar], { to: { i: onnxDataType(attrs.dtype) } }, o);
  },
  noGradient: true,
};
