import type { OpDef } from "./registry.ts";
import { expectInputs } from "./util.ts";

/** base with updates added at rows `indices` (axis 0): base (V, ...), indices (...), updates (..., ...). */
export const scatterAddOp: OpDef = {
  name: "scatter_add",
  infer: (inputs) => {
    expectInputs(inputs, 3);
    const [base, indices, updates] = inputs as [(typeof inputs)[0], (typeof inputs)[0], (typeof inputs)[0]];
    if (indices.dtype !== "int64") throw new Error(`indices must be int64, got ${indices.dtype}`);
    if (updates.dtype !== base.dtype) throw new Error(`dtype mismatch ${base.dtype} vs ${updates.dtype}`);
    const want = [...indices.shape, ...base.shape.slice(1)];
    if (want.length !== updates.shape.length || want.some((d, i) => d !== updates.shape[i])) throw new Error(`updates shape must be [${want}]`);
    return [{ dtype: base.dtype, shape: base.shape }];
  },
  emit: (e, [base, indices, updates], o) => {
    const idx = e.one("Unsqueeze", [indices!, e.int64s([-1])]);
    e.node("ScatterND", [base!, idx, updates!], { reduction: { s: "add" } }, o);
  },
  vjp: ([g], { inputs: [, indices], needsGrad }) => [g!, null, needsGrad[2] ? g!.gather(indices!) : null],
};
