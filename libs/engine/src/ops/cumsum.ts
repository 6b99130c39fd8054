import type { OpDef } from "./registry.ts";
import { expectInputs } from "./util.ts";

interface Attrs {
  axis: number;
  exclusive: boolean;
  reverse: boolean;
}

/** Running sum along an axis. */
export const cumsumOp: OpDef<Attrs> = {
  name: "cumsum",
  infer: (inputs) => {
    expectInputs(inputs, 1);
    return [{ dtype: inputs[0]!.dtype, shape: inputs[0]!.shape }];
  },
  emit: (e, i, o, { attrs }) =>
    void e.node(
      "CumSum",
      [i[0]!, e.scalar(attrs.axis, "int64")],
      { exclusive: { i: attrs.exclusive ? 1 : 0 }, reverse: { i: attrs.reverse ? 1 : 0 } },
      o,
    ),
  // Each input feeds every later (earlier, when reversed) output: the adjoint runs the other way.
  vjp: ([g], { attrs }) => [g!.cumsum(attrs.axis, { exclusive: attrs.exclusive, reverse: !attrs.reverse })],
};
