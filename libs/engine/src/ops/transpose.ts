import type { OpDef } from "./registry.ts";
import { expectInputs } from "./util.ts";

interface Attrs {
  perm: number[];
}

/** Permutes axes: output axis i is input axis perm[i]. */
export const transposeOp: OpDef<Attrs> = {
  name: "transpose",
  infer: (inputs, { perm }) => {
    expectInputs(inputs, 1);
    const x = inputs[0]!;
    const sorted = [...perm].sort((p, q) => p - q);
    if (perm.length !== x.shape.length || sorted.some((p, i) => p !== i))
      throw new Error(`perm [${perm}] is not a permutation of rank ${x.shape.length}`);
    return [{ dtype: x.dtype, shape: perm.map((p) => x.shape[p]!) }];
  },
  emit: (e, i, o, { attrs }) => void e.node("Transpose", i, { perm: { ints: attrs.perm } }, o),
  vjp: ([g], { attrs: { perm } }) => {
    const inverse = new Array<number>(perm.length);
    perm.forEach((p, i) => (inverse[p] = i));
    return [g!.transpose(inverse)];
  },
};
