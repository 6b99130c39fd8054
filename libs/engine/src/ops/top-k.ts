import type { OpDef } from "./registry.ts";
import { expectInputs } from "./util.ts";

interface Attrs {
  k: number;
}

/** The k largest values along the last axis, sorted, and their int64 indices (no gradient). */
export const topKOp: OpDef<Attrs> = {
  name: "top_k",
  infer: (inputs, { k }) => {
    expectInputs(inputs, 1);
    const x = inputs[0]!;
    const last = x.shape[x.shape.length - 1];
    if (!Number.isInteger(k) || k < 1 || (typeof last === "number" && k > last)) throw new Error(`k=${k} invalid for last axis ${last}`);
    const shape = [...x.shape.slice(0, -1), k];
    return [
      { dtype: x.dtype, shape },
      { dtype: "int64", shape },
    ];
  },
  emit: (e, i, o, { attrs }) =>
    void e.node("TopK", [i[0]!, e.int64s([attrs.k])], { axis: { i: -1 }, largest: { i: 1 }, sorted: { i: 1 } }, o),
  noGradient: true,
};
