import type { Dim } from "../ir/dims.ts";
import { broadcastShapes, sameShape, shapeToString } from "../ir/dims.ts";
import type { OpDef } from "./registry.ts";
import { expectInputs } from "./util.ts";

interface Attrs {
  shape: Dim[];
}

/** Broadcasts to a target shape. */
export const expandOp: OpDef<Attrs> = {
  name: "expand",
  infer: (inputs, { shape }) => {
    expectInputs(inputs, 1);
    const x = inputs[0]!;
    const out = broadcastShapes(x.shape, shape, "expand");
    if (!sameShape(out, shape)) throw new Error(`cannot expand ${shapeToString(x.shape)} to ${shapeToString(shape)}`);
    return [{ dtype: x.dtype, shape: out }];
  },
  emit: (e, i, o, { attrs }) => void e.node("Expand", [i[0]!, e.shape(attrs.shape)], {}, o),
  // The output gradient has the expanded shape; the autodiff walk sums it back to the input's.
  vjp: ([g]) => [g!],
};
