import { onnxDataType } from "../ir/dtype.ts";
import { type RandomAttrs, emitCount, emitUniformHash, inferRandom } from "./random-hash.ts";
import type { OpDef } from "./registry.ts";

/** Standard normal noise from an int64 rank-0 seed input, by Box-Muller (no gradient). */
export const randomNormalOp: OpDef<RandomAttrs> = {
  name: "random_normal",
  infer: inferRandom,
  emit: (e, [seed], o, { attrs }) => {
    const t = onnxDataType(attrs.dtype);
    const n = emitCount(e, attrs.shape);
    const u = emitUniformHash(e, seed!, e.one("Mul", [n, e.scalar(2, "int64")]), t);
    const halves = e.node("Split", [u], { axis: { i: 0 }, num_outputs: { i: 2 } }, 2);
    const one = e.one("Cast", [e.scalar(1, "float64")], { to: { i: t } });
    // 1 - u1 lies in (0, 1], so the log is finite.
    const radius = e.one("Sqrt", [
      e.one("Mul", [e.one("Log", [e.one("Sub", [one, halves[0]!])]), e.one("Cast", [e.scalar(-2, "float64")], { to: { i: t } })]),
    ]);
    const angle = e.one("Mul", [halves[1]!, e.one("Cast", [e.scalar(2 * Math.PI, "float64")], { to: { i: t } })]);
    const z = e.one("Mul", [radius, e.one("Cos", [angle])]);
    e.node("Reshape", [z, e.shape(attrs.shape)], {}, o);
  },
  noGradient: true,
};
