import type { Dim, Shape } from "../ir/dims.ts";
import type { DType } from "../ir/dtype.ts";
import type { Tensor, TensorType } from "../ir/tensor.ts";

/** An ONNX attribute value, tagged by its ONNX kind. */
export type OnnxAttr = { i: number } | { f: number } | { ints: readonly number[] } | { s: string };

/**
 * What an op's `emit` may use to write ONNX nodes. Names are ONNX value names; helper values
 * (constants, run-time dims) are created once per model and reused.
 */
export interface Emitter {
  /** Appends an ONNX node; returns its output names (fresh unless given). */
  node(opType: string, inputs: readonly string[], attrs?: Record<string, OnnxAttr>, outputs?: readonly string[] | number): string[];
  /** Single-output form of {@link Emitter.node}. */
  one(opType: string, inputs: readonly string[], attrs?: Record<string, OnnxAttr>, output?: string): string;
  /** A 1-D int64 constant. */
  int64s(values: readonly number[]): string;
  /** A rank-0 constant of a dtype. */
  scalar(value: number, dtype: DType): string;
  /** A dim's run-time value as int64[1]. */
  dim(dim: Dim): string;
  /** A shape's run-time value as int64[rank]. */
  shape(shape: Shape): string;
}

/** Types of a node's inputs and outputs, and its attributes, as seen by `emit`. */
export interface EmitNode<A> {
  attrs: A;
  inputs: readonly TensorType[];
  outputs: readonly TensorType[];
}

export interface VjpContext<A> {
  inputs: readonly Tensor[];
  outputs: readonly Tensor[];
  attrs: A;
  /** Which inputs need a gradient; rules may return null for the others. */
  needsGrad: readonly boolean[];
}

/**
 * Vector-Jacobian product: given the gradient of each output (null where an output is unused),
 * return one gradient per input (null where none flows). Gradients may have the broadcast
 * output's shape: the autodiff walk undoes broadcasting centrally, rules never do.
 */
export type Vjp<A> = (grads: readonly (Tensor | null)[], ctx: VjpContext<A>) => (Tensor | null)[];

/** A primitive op: shape inference, ONNX emission, and (unless `noGradient`) its VJP. */
export interface OpDef<A = any> {
  name: string;
  /** Output types; throws with a clear message on bad inputs. */
  infer(inputs: readonly TensorType[], attrs: A): TensorType[];
  emit(e: Emitter, inputs: readonly string[], outputs: readonly string[], node: EmitNode<A>): void;
  vjp?: Vjp<A>;
  /** No gradient flows through this op by definition (comparisons, argmax, random, stop-gradient). */
  noGradient?: boolean;
}

const registry = new Map<string, OpDef>();

/** Registers an op; a second op with the same name is a bug and throws. */
export function registerOp<A>(def: OpDef<A>): void {
  if (registry.has(def.name)) throw new Error(`op "${def.name}" is already registered`);
  if (def.vjp && def.noGradient) throw new Error(`op "${def.name}" has a VJP but is marked noGradient`);
  registry.set(def.name, def as OpDef);
}

export function getOp(name: string): OpDef {
  const def = registry.get(name);
  if (!def) throw new Error(`op "${name}" is not registered (import @goodhart/engine so ops/all.ts runs)`);
  return def;
}

/** Every registered op, in registration order. */
export function listOps(): OpDef[] {
  return [...registry.values()];
}
