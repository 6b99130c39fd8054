// Counter-based pseudo-random numbers built from int64 ONNX ops, so a graph's noise is a pure
// function of (seed input, element index): reproducible across runs and devices, and a new seed
// per step gives new dropout masks without session state. Every product stays below 2^62 because
// operands are reduced mod the Mersenne prime 2^31 - 1 first. Squaring steps make it nonlinear
// (a pure Lehmer chain would give neighbouring elements linearly related values).
import type { Dim } from "../ir/dims.ts";
import { type DType, isFloat } from "../ir/dtype.ts";
import type { TensorType } from "../ir/tensor.ts";
import type { Emitter } from "./registry.ts";
import { expectInputs } from "./util.ts";

/** Attributes of the random ops: the output's shape and float dtype. */
export interface RandomAttrs {
  shape: Dim[];
  dtype: DType;
}

/** Shape inference shared by the random ops: one rank-0 int64 seed in, a float tensor out. */
export function inferRandom(inputs: readonly TensorType[], { shape, dtype }: RandomAttrs): TensorType[] {
  expectInputs(inputs, 1);
  if (inputs[0]!.dtype !== "int64" || inputs[0]!.shape.length !== 0) throw new Error("seed must be a rank-0 int64 tensor");
  if (!isFloat(dtype)) throw new Error(`dtype must be float, got ${dtype}`);
  return [{ dtype, shape }];
}

const M = 2147483647;

/** Emits uniform [0, 1) values (24-bit resolution, exact in float32) for `count` elements. */
export function emitUniformHash(e: Emitter, seed: string, count: string, onnxFloat: number): string {
  const int = (v: number) => e.scalar(v, "int64");
  const mod = (x: string) => e.one("Mod", [x, int(M)], { fmod: { i: 0 } });
  const mul = (a: string, b: string) => e.one("Mul", [a, b]);
  const add = (a: string, b: string) => e.one("Add", [a, b]);
  const idx = e.one("Range", [int(0), count, int(1)]);
  const s = mod(add(mul(mod(seed), int(16807)), int(12345)));
  let h = mod(add(mul(idx, int(1103515245)), s));
  h = mod(add(mul(h, h), idx));
  h = mod(add(mul(h, int(48271)), int(7)));
  h = mod(add(mul(h, h), s));
  h = mod(mul(h, int(69621)));
  const top24 = e.one("Div", [h, int(128)]);
  const f = e.one("Cast", [top24], { to: { i: onnxFloat } });
  return e.one("Mul", [f, e.one("Cast", [e.scalar(2 ** -24, "float64")], { to: { i: onnxFloat } })]);
}

/** Element count of a (symbolic) shape as a rank-0 int64. */
export function emitCount(e: Emitter, shape: readonly Dim[]): string {
  return e.one("ReduceProd", [e.shape(shape)], { keepdims: { i: 0 } });
}
