import type { Dim } from "../ir/dims.ts";
import { broadcastShapes, dimProduct, shapeToString } from "../ir/dims.ts";
import type { Tensor } from "../ir/tensor.ts";
import type { OpDef } from "./registry.ts";
import { binaryInfer, expectInputs } from "./util.ts";

/** Batched matrix product over the last two axes; batch axes broadcast. Both ranks >= 2. */
export const matmulOp: OpDef = {
  name: "matmul",
  infer: (inputs) => {
    expectInputs(inputs, 2);
    binaryInfer(
      [
        { ...inputs[0]!, shape: [] },
        { ...inputs[1]!, shape: [] },
      ],
      true,
    );
    const [a, b] = inputs as [(typeof inputs)[0], (typeof inputs)[0]];
    if (a.shape.length < 2 || b.shape.length < 2) throw new Error("matmul needs rank >= 2 operands (reshape vectors to matrices)");
    const m = a.shape[a.shape.length - 2]!;
    const k = a.shape[a.shape.length - 1]!;
    const k2 = b.shape[b.shape.length - 2]!;
    const n = b.shape[b.shape.length - 1]!;
    if (k !== k2) throw new Error(`inner dims differ: ${shapeToString(a.shape)} @ ${shapeToString(b.shape)}`);
    const batch = broadcastShapes(a.shape.slice(0, -2), b.shape.slice(0, -2), "matmul batch");
    return [{ dtype: a.dtype, shape: [...batch, m, n] }];
  },
  emit: (e, i, o) => void e.node("MatMul", i, {}, o),
  vjp: ([g], { inputs: [a, b], needsGrad }) => [needsGrad[0] ? g!.matmul(b!.T) : null, needsGrad[1] ? weightGrad(a!, g!, b!) : null],
};

/**
 * dB = A^T g. When B is a plain matrix shared across A's batch axes (a linear layer), fold the
 * batch axes into rows so this is one large GEMM instead of a batched GEMM plus a reduction.
 */
function weightGrad(a: Tensor, g: Tensor, b: Tensor): Tensor {
  if (b.rank === 2 && a.rank > 2) {
    const rows: Dim = dimProduct(a.shape.slice(0, -1));
    const a2 = a.reshape([rows, a.shape[a.rank - 1]!]); // (rows, K)
    const g2 = g.reshape([rows, g.shape[g.rank - 1]!]); // (rows, N)
    // B = W^T (a tied output head): return (g^T a)^T, whose outer transpose cancels against the
    // transpose's own VJP, so dW = g^T a is one GEMM (ORT folds g^T into it) and the (N, K)
    // table is never transposed.
    if (b.node?.op === "transpose") return g2.T.matmul(a2).T;
    return a2.T.matmul(g2);
  }
  return a.T.matmul(g);
}
