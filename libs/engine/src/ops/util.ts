// Shared shape-inference helpers for the op files.
import type { Dim, Shape } from "../ir/dims.ts";
import { broadcastShapes, shapeToString } from "../ir/dims.ts";
import type { TensorType } from "../ir/tensor.ts";
import { assertFloat } from "../ir/tensor.ts";

export function expectInputs(inputs: readonly TensorType[], n: number): void {
  if (inputs.length !== n) throw new Error(`expects ${n} input(s), got ${inputs.length}`);
}

/** Elementwise binary op: same dtype, broadcast shapes. */
export function binaryInfer(inputs: readonly TensorType[], floatOnly = false): TensorType[] {
  expectInputs(inputs, 2);
  const [a, b] = inputs as [TensorType, TensorType];
  if (a.dtype !== b.dtype) throw new Error(`dtype mismatch ${a.dtype} vs ${b.dtype}`);
  if (floatOnly) assertFloat(a, "this op");
  return [{ dtype: a.dtype, shape: broadcastShapes(a.shape, b.shape) }];
}

/** Comparison: same dtype, broadcast shapes, bool result. */
export function compareInfer(inputs: readonly TensorType[]): TensorType[] {
  const [t] = binaryInfer(inputs);
  return [{ dtype: "bool", shape: t!.shape }];
}

/** Elementwise unary op on floats. */
export function unaryFloatInfer(inputs: readonly TensorType[]): TensorType[] {
  expectInputs(inputs, 1);
  assertFloat(inputs[0]!, "this op");
  return [{ dtype: inputs[0]!.dtype, shape: inputs[0]!.shape }];
}

/** The shape a reduction keeps when keepDims is on: reduced axes become 1. */
export function keptShape(shape: Shape, axes: readonly number[]): Dim[] {
  return shape.map((d, i) => (axes.includes(i) ? 1 : d));
}

export function reducedShape(shape: Shape, axes: readonly number[], keepDims: boolean): Dim[] {
  return keepDims ? keptShape(shape, axes) : shape.filter((_, i) => !axes.includes(i));
}

export function checkAxes(axes: readonly number[], rank: number): void {
  for (const a of axes) if (!Number.isInteger(a) || a < 0 || a >= rank) throw new Error(`axis ${a} out of range for rank ${rank}`);
}

export function describe(shape: Shape): string {
  return shapeToString(shape);
}
