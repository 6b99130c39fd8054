import { scatterAdd, zeros } from "../ir/tensor.ts";
import type { OpDef } from "./registry.ts";
import { expectInputs } from "./util.ts";

/** Rows of a table picked by int64 indices: table (V, ...), indices (...) -> (..., ...). */
export const gatherOp: OpDef = {
  name: "gather",
  infer: (inputs) => {
    expectInputs(inputs, 2);
    const [table, indices] = inputs as [(typeof inputs)[0], (typeof inputs)[0]];
    if (indices.dtype !== "int64") throw new Error(`indices must be int64, got ${indices.dtype}`);
    if (table.shape.length < 1) throw new Error("table must have rank >= 1");
    return [{ dtype: table.dtype, shape: [...indices.shape, ...table.shape.slice(1)] }];
  },
  emit: (e, i, o) => void e.node("Gather", i, { axis: { i: 0 } }, o),
  // Repeated indices must accumulate, hence scatter-add into zeros.
  vjp: ([g], { inputs: [table, indices] }) => [scatterAdd(zeros(table!.shape, table!.dtype), indices!, g!), null],
};
