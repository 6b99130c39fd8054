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

/** Standard normal noise from an int64 rank-0 seed input, by Box-Muller (no gradient). */
export const randomNormalOp: OpDef<Attrs> = {
  name: "random_normal",
  infer: (inputs, { shape, dtype }) => {
    expectInputs(inputs, 1);
    if (inputs[0]!.dtype !== "int64" || inputs[0]!.shape.length !== 0) throw new Error("seed must be a rank-0 int64 tensor");
    if (!isFloat(dtype)) throw new Error(`dtype must be float, got ${dtype}`);
    return [{ dtype, shape }];
  },
  emit: (e, [seed], o, { attrs }) => {
    const t = onnxDataType(attrs.dtype);
    const n = emitCount(e, attrs.shape);
    const u = emitUniformHash(e, seed!, e.one("Mul", [n, e.scalar(2, "int64")]), t);
    const halves = e.node("Split", [u], { axis: { i: 0 }, num_outputs: { i: 2 } }, 2);
    const one = e.one("Cast", [e.scalar(1, "float64")], { to: { i: t } });
    // 1 - u1 lies in (0, 1], so the log is finite.
    const radius = e.one("Sqrt", [e.one("Mul", [e.one("Log", [e.one("Sub", [one, halves[0]!])]), e.one("Cast", [e.scalar(-2, "float64")], { to: { i: t } })])]);
    const angle = e.one("Mul", [halves[1]!, e.one("Cast", [e.scalar(2 * Math.PI, "float64")], { to: { i: t } })]);
    const z = e.one("Mul", [radius, e.one("Cos", [angle])]);
    e.node("Reshape", [z, e.shape(attrs.shape)], {}, o);
  },
  noGradient: true,
};
