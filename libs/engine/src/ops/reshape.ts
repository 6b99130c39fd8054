import type { Dim } from "../ir/dims.ts";
import { isStaticShape, numel, shapeToString } from "../ir/dims.ts";
import type { OpDef } from "./registry.ts";
import { expectInputs } from "./util.ts";

interface Attrs {
  shape: Dim[];
}

/** Same elements, new shape. Symbolic target dims are resolved at run time. */
export const reshapeOp: OpDef<Attrs> = {
  name: "reshape",
  infer: (inputs, { shape }) => {
    expectInputs(inputs, 1);
    const x = inputs[0]!;
    if (shape.some((d) => typeof d === "number" && (d < 0 || !Number.isInteger(d))))
      throw new Error(`target ${shapeToString(shape)} has a negative or fractional dim (use symbolic dims, not -1)`);
    if (isStaticShape(x.shape) && isStaticShape(shape) && numel(x.shape) !== numel(shape))
      throw new Error(`cannot reshape ${shapeToString(x.shape)} to ${shapeToString(shape)}`);
    return [{ dtype: x.dtype, shape }];
  },
  emit: (e, i, o, { attrs }) => void e.node("Reshape", [i[0]!, e.shape(attrs.shape)], {}, o),
  vjp: ([g], { inputs: [x] }) => [g!.reshape(x!.shape)],
};
