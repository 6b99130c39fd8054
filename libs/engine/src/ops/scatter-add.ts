import { onnxDataType } from "../ir/dtype.ts";
import type { Emitter, OpDef } from "./registry.ts";
import { expectInputs } from "./util.ts";

/**
 * Tables with at most this many rows sum their updates with one MatMul of the vocabulary-wide
 * one-hot (rows, N) by the updates (N, R); larger tables first reduce the indices to their U
 * distinct values (ONNX Unique) and multiply a (U, N) one-hot instead. Both are deterministic.
 * At 256 rows the two measured within noise of each other (docs/engine.md, "Determinism").
 */
export const ONE_HOT_SCATTER_MAX_ROWS = 1024;

/** 0..n-1 (int64) against `ids` (N,) int64 -> (n, N) one-hot in the given ONNX float type. */
function oneHotRows(e: Emitter, n: string, ids: string, floatType: number): string {
  const range = e.one("Range", [e.scalar(0, "int64"), n, e.scalar(1, "int64")]);
  const hit = e.one("Equal", [e.one("Unsqueeze", [range, e.int64s([1])]), e.one("Unsqueeze", [ids, e.int64s([0])])]);
  return e.one("Cast", [hit], { to: { i: floatType } });
}

/**
 * base with updates added at rows `indices` (axis 0): base (V, ...), indices (...), updates (..., ...).
 * Repeated indices accumulate. Deterministic: ONNX ScatterND with reduction "add" races on repeated
 * indices in ONNX Runtime's multi-threaded CPU kernel (it lost whole updates on a 2048-token batch
 * with 2 threads), so rows are summed by a MatMul over a one-hot of the indices, whose reduction
 * order is fixed for a fixed thread count.
 */
export const scatterAddOp: OpDef = {
  name: "scatter_add",
  infer: (inputs) => {
    expectInputs(inputs, 3);
    const [base, indices, updates] = inputs as [(typeof inputs)[0], (typeof inputs)[0], (typeof inputs)[0]];
    if (indices.dtype !== "int64") throw new Error(`indices must be int64, got ${indices.dtype}`);
    if (updates.dtype !== base.dtype) throw new Error(`dtype mismatch ${base.dtype} vs ${updates.dtype}`);
    const want = [...indices.shape, ...base.shape.slice(1)];
    if (want.length !== updates.shape.length || want.some((d, i) => d !== updates.shape[i]))
      throw new Error(`updates shape must be [${want}]`);
    return [{ dtype: base.dtype, shape: base.shape }];
  },
  emit: (e, [base, indices, updates], o, { inputs }) => {
    const floatType = onnxDataType(inputs[0]!.dtype);
    const rows = inputs[0]!.shape[0]!;
    const ids = e.one("Reshape", [indices!, e.int64s([-1])]); // (N,)
    const upd = e.one("Flatten", [updates!], { axis: { i: inputs[1]!.shape.length } }); // (N, R)
    const base2 = e.one("Flatten", [base!], { axis: { i: 1 } }); // (V, R)
    let sum2: string;
    if (typeof rows === "number" && rows <= ONE_HOT_SCATTER_MAX_ROWS) {
      const sums = e.one("MatMul", [oneHotRows(e, e.scalar(rows, "int64"), ids, floatType), upd]); // (V, R)
      sum2 = e.one("Add", [base2, sums]);
    } else {
      const [unique, , inverse] = e.node("Unique", [ids], { sorted: { i: 1 } }, 4); // (U,), -, (N,)
      const u = e.one("Squeeze", [e.one("Shape", [unique!]), e.int64s([0])]);
      const sums = e.one("MatMul", [oneHotRows(e, u, inverse!, floatType), upd]); // (U, R)
      // Each distinct row is written once, so this ScatterND has nothing to race on.
      sum2 = e.one("ScatterND", [base2, e.one("Unsqueeze", [unique!, e.int64s([-1])]), sums], { reduction: { s: "add" } });
    }
    e.node("Reshape", [sum2, e.one("Shape", [base!])], {}, o);
  },
  vjp: ([g], { inputs: [, indices], needsGrad }) => [g!, null, needsGrad[2] ? g!.gather(indices!) : null],
};
