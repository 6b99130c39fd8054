import type { Dim } from "../ir/dims.ts";
import { dimAdd, shapeToString } from "../ir/dims.ts";
import type { OpDef } from "./registry.ts";

interface Attrs {
  axis: number;
}

/** Joins tensors along an axis; all other dims must match. */
export const concatOp: OpDef<Attrs> = {
  name: "concat",
  infer: (inputs, { axis }) => {
    const first = inputs[0]!;
    let size: Dim = 0;
    for (const t of inputs) {
      if (t.dtype !== first.dtype) throw new Error(`dtype mismatch ${first.dtype} vs ${t.dtype}`);
      if (t.shape.length !== first.shape.length || t.shape.some((d, i) => i !== axis && d !== first.shape[i]))
        throw new Error(`shapes ${shapeToString(first.shape)} and ${shapeToString(t.shape)} differ off axis ${axis}`);
      size = dimAdd(size, t.shape[axis]!);
    }
    const shape = [...first.shape];
    shape[axis] = size;
    return [{ dtype: first.dtype, shape }];
  },
  emit: (e, i, o, { attrs }) => void e.node("Concat", i, { axis: { i: attrs.axis } }, o),
  vjp: ([g], { inputs, attrs: { axis } }) => {
    let offset: Dim = 0;
    return inputs.map((t) => {
      const end = dimAdd(offset, t.shape[axis]!);
      const piece = g!.slice(axis, offset, end);
      offset = end;
      return piece;
    });
  },
};
