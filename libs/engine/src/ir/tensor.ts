import { getOp } from "../ops/registry.ts";
import type { Dim, Shape } from "./dims.ts";
import { canonicalDim, dimProduct, normAxis, shapeToString } from "./dims.ts";
import type { DType, HostArray } from "./dtype.ts";
import { isFloat } from "./dtype.ts";

/** dtype and shape of a tensor, as shape inference sees it. */
export interface TensorType {
  dtype: DType;
  shape: Shape;
}

/** One application of a registered op: inputs, attributes, outputs. */
export interface OpNode<A = Record<string, unknown>> {
  readonly id: number;
  readonly op: string;
  readonly inputs: readonly Tensor[];
  readonly attrs: A;
  readonly outputs: readonly Tensor[];
}

let nextId = 0;

/** A scalar or another tensor: scalars become constants of the other operand's dtype. */
export type Operand = Tensor | number;

/**
 * A symbolic tensor. Three kinds: a named program input (placeholder), a constant carrying host
 * data, or the output of an op. Builder methods read like the maths and append op nodes; nothing
 * runs until a program is compiled and executed.
 */
export class Tensor implements TensorType {
  readonly id = nextId++;

  private constructor(
    readonly dtype: DType,
    readonly shape: Shape,
    readonly kind: "input" | "constant" | "op",
    /** Program input name (inputs only). */
    readonly name: string | undefined,
    /** Host data (constants only). */
    readonly data: HostArray | undefined,
    /** Producing node (op outputs only) and which of its outputs this is. */
    readonly node: OpNode | undefined,
    readonly index: number,
  ) {}

  /** A named program input. */
  static input(name: string, dtype: DType, shape: Shape): Tensor {
    if (!/^[\w.:/-]+$/.test(name)) throw new Error(`input name "${name}" must match [\\w.:/-]+`);
    return new Tensor(dtype, shape.map(canonicalDim), "input", name, undefined, undefined, 0);
  }

  /** A constant with host data; shape must be static and match the data length. */
  static constant(data: HostArray, shape: readonly number[], dtype: DType): Tensor {
    const n = shape.reduce((p, d) => p * d, 1);
    if (data.length !== n) throw new Error(`constant: ${data.length} values for shape ${shapeToString(shape)}`);
    return new Tensor(dtype, [...shape], "constant", undefined, data, undefined, 0);
  }

  /** A rank-0 constant. */
  static scalar(value: number, dtype: DType = "float32"): Tensor {
    switch (dtype) {
      case "float32":
        return Tensor.constant(Float32Array.of(value), [], dtype);
      case "float64":
        return Tensor.constant(Float64Array.of(value), [], dtype);
      case "int64":
        return Tensor.constant(BigInt64Array.of(BigInt(value)), [], dtype);
      case "bool":
        return Tensor.constant(Uint8Array.of(value ? 1 : 0), [], dtype);
    }
  }

  /** Internal: used by {@link applyOp} only. */
  static fromNode(type: TensorType, node: OpNode, index: number): Tensor {
    return new Tensor(type.dtype, type.shape.map(canonicalDim), "op", undefined, undefined, node, index);
  }

  get rank(): number {
    return this.shape.length;
  }

  toString(): string {
    const what = this.kind === "input" ? `input "${this.name}"` : this.kind === "constant" ? "constant" : `${this.node!.op} output`;
    return `${what} ${this.dtype}${shapeToString(this.shape)}`;
  }

  private lift(o: Operand): Tensor {
    return typeof o === "number" ? Tensor.scalar(o, this.dtype) : o;
  }

  // Elementwise arithmetic (broadcasting).
  add(o: Operand): Tensor {
    return apply1("add", [this, this.lift(o)]);
  }
  sub(o: Operand): Tensor {
    return apply1("sub", [this, this.lift(o)]);
  }
  /** o - this */
  rsub(o: Operand): Tensor {
    return apply1("sub", [this.lift(o), this]);
  }
  mul(o: Operand): Tensor {
    return apply1("mul", [this, this.lift(o)]);
  }
  div(o: Operand): Tensor {
    return apply1("div", [this, this.lift(o)]);
  }
  /** o / this */
  rdiv(o: Operand): Tensor {
    return apply1("div", [this.lift(o), this]);
  }
  neg(): Tensor {
    return apply1("neg", [this]);
  }
  pow(o: Operand): Tensor {
    return apply1("pow", [this, this.lift(o)]);
  }
  square(): Tensor {
    return this.mul(this);
  }

  // Unary functions.
  exp(): Tensor {
    return apply1("exp", [this]);
  }
  log(): Tensor {
    return apply1("log", [this]);
  }
  sqrt(): Tensor {
    return apply1("sqrt", [this]);
  }
  tanh(): Tensor {
    return apply1("tanh", [this]);
  }
  sigmoid(): Tensor {
    return apply1("sigmoid", [this]);
  }
  relu(): Tensor {
    return apply1("relu", [this]);
  }
  erf(): Tensor {
    return apply1("erf", [this]);
  }
  /** Exact GELU, x * Phi(x), built from erf so its gradient comes from the primitives. */
  gelu(): Tensor {
    return this.mul(this.mul(Math.SQRT1_2).erf().add(1)).mul(0.5);
  }
  clip(min: number, max: number): Tensor {
    return apply1("clip", [this], { min, max });
  }
  abs(): Tensor {
    return apply1("abs", [this]);
  }
  /** Elementwise max(this, o), broadcasting; ties split the gradient equally. */
  maximum(o: Operand): Tensor {
    return apply1("maximum", [this, this.lift(o)]);
  }
  /** Elementwise min(this, o), broadcasting; ties split the gradient equally. */
  minimum(o: Operand): Tensor {
    return apply1("minimum", [this, this.lift(o)]);
  }
  /**
   * min(max(this, lo), hi). Number bounds use the clip op (gradient passes on the closed interval);
   * tensor bounds (e.g. PPO's 1 +- eps around a ratio) are differentiable too.
   */
  clamp(lo: Operand, hi: Operand): Tensor {
    if (typeof lo === "number" && typeof hi === "number") return this.clip(lo, hi);
    return this.maximum(lo).minimum(hi);
  }
  /** log(1 + e^x), stable for any x (see ops/softplus.ts). */
  softplus(): Tensor {
    return apply1("softplus", [this]);
  }
  /** log(sigmoid(x)) = -softplus(-x): finite for any x, unlike sigmoid().log(). */
  logSigmoid(): Tensor {
    return this.neg().softplus().neg();
  }
  /** Identity forward; blocks gradients. */
  stopGradient(): Tensor {
    return apply1("stop_gradient", [this]);
  }
  cast(dtype: DType): Tensor {
    return dtype === this.dtype ? this : apply1("cast", [this], { to: dtype });
  }

  // Linear algebra and layout.
  /** Batched, broadcasting matrix product over the last two axes (both operands rank >= 2). */
  matmul(o: Tensor): Tensor {
    return apply1("matmul", [this, o]);
  }
  /** Permutes axes; default reverses them. */
  transpose(perm?: readonly number[]): Tensor {
    const p = (perm ?? this.shape.map((_, i) => this.rank - 1 - i)).map((a) => normAxis(a, this.rank, "transpose"));
    // A transpose of a transpose is one permutation of the original, and none at all when they
    // cancel: the gradient of a tied table (logits = h E^T) is then dE = g^T h directly, with no
    // vocabulary-sized transpose of E or of its gradient.
    if (this.node?.op === "transpose") {
      const inner = this.node.attrs.perm as number[];
      const composed = p.map((a) => inner[a]!);
      const source = this.node.inputs[0]!;
      return composed.every((a, i) => a === i) ? source : source.transpose(composed);
    }
    return apply1("transpose", [this], { perm: p });
  }
  /** Swaps the last two axes. */
  get T(): Tensor {
    const p = this.shape.map((_, i) => i);
    p[this.rank - 1] = this.rank - 2;
    p[this.rank - 2] = this.rank - 1;
    return this.transpose(p);
  }
  /** New shape with the same element count; symbolic dims allowed (`"batch*seq"`). */
  reshape(shape: Shape): Tensor {
    return apply1("reshape", [this], { shape: [...shape] });
  }
  /** Broadcasts to a shape (NumPy rules). */
  expand(shape: Shape): Tensor {
    return apply1("expand", [this], { shape: [...shape] });
  }
  /** Inserts a size-1 axis. */
  unsqueeze(axis: number): Tensor {
    const a = normAxis(axis, this.rank + 1, "unsqueeze");
    const s: Dim[] = [...this.shape];
    s.splice(a, 0, 1);
    return this.reshape(s);
  }
  /** `x[start:end]` along one axis; negative bounds count from the end. */
  slice(axis: number, start: Dim, end?: Dim): Tensor {
    return apply1("slice", [this], {
      axis: normAxis(axis, this.rank, "slice"),
      start,
      end: end ?? this.shape[normAxis(axis, this.rank, "slice")]!,
    });
  }
  /** Splits along an axis into pieces of the given static sizes. */
  split(axis: number, sizes: readonly number[]): Tensor[] {
    return applyOp("split", [this], { axis: normAxis(axis, this.rank, "split"), sizes: [...sizes] });
  }
  /** One entry per row along the last axis: this (..., V), int64 indices (...) -> (...). */
  gatherLast(indices: Tensor): Tensor {
    return apply1("gather_last", [this, indices]);
  }
  /** Rows of this tensor (axis 0) picked by int64 indices: an embedding lookup. */
  gather(indices: Tensor): Tensor {
    return apply1("gather", [this, indices]);
  }

  // Comparisons (bool, no gradient).
  eq(o: Operand): Tensor {
    return apply1("equal", [this, this.lift(o)]);
  }
  lt(o: Operand): Tensor {
    return apply1("less", [this, this.lift(o)]);
  }
  gt(o: Operand): Tensor {
    return apply1("greater", [this, this.lift(o)]);
  }

  // Reductions. Axes may be negative; default all axes.
  sum(axes?: readonly number[], keepDims = false): Tensor {
    return apply1("reduce_sum", [this], { axes: this.axes(axes, "sum"), keepDims });
  }
  max(axes?: readonly number[], keepDims = false): Tensor {
    return apply1("reduce_max", [this], { axes: this.axes(axes, "max"), keepDims });
  }
  /** Mean as sum / count, so symbolic dims work and the gradient comes from sum. */
  mean(axes?: readonly number[], keepDims = false): Tensor {
    const a = this.axes(axes, "mean");
    const count = dimProduct(a.map((i) => this.shape[i]!));
    return this.sum(a, keepDims).div(dimSize(count, this.dtype));
  }
  softmax(axis = -1): Tensor {
    return apply1("softmax", [this], { axis: normAxis(axis, this.rank, "softmax") });
  }
  logSoftmax(axis = -1): Tensor {
    return apply1("log_softmax", [this], { axis: normAxis(axis, this.rank, "logSoftmax") });
  }
  cumsum(axis: number, options: { exclusive?: boolean; reverse?: boolean } = {}): Tensor {
    return apply1("cumsum", [this], {
      axis: normAxis(axis, this.rank, "cumsum"),
      exclusive: !!options.exclusive,
      reverse: !!options.reverse,
    });
  }
  /** Index of the maximum along an axis (int64, no gradient). */
  argmax(axis = -1, keepDims = false): Tensor {
    return apply1("argmax", [this], { axis: normAxis(axis, this.rank, "argmax"), keepDims });
  }
  /** Largest k values and their int64 indices along the last axis (no gradient). */
  topk(k: number): [Tensor, Tensor] {
    const [v, i] = applyOp("top_k", [this], { k });
    return [v!, i!];
  }

  private axes(axes: readonly number[] | undefined, what: string): number[] {
    const a = (axes ?? this.shape.map((_, i) => i)).map((x) => normAxis(x, this.rank, what));
    return [...new Set(a)].sort((x, y) => x - y);
  }
}

/** Applies a registered op and returns all its outputs. */
export function applyOp(op: string, inputs: readonly Tensor[], attrs: Record<string, unknown> = {}): Tensor[] {
  const def = getOp(op);
  let types: TensorType[];
  try {
    types = def.infer(inputs, attrs);
  } catch (err) {
    const msg = err instanceof Error ? err.message : String(err);
    throw new Error(`${op}(${inputs.map((t) => `${t.dtype}${shapeToString(t.shape)}`).join(", ")}): ${msg}`);
  }
  const outputs: Tensor[] = [];
  const node: OpNode = { id: nextId++, op, inputs: [...inputs], attrs, outputs };
  types.forEach((t, i) => outputs.push(Tensor.fromNode(t, node, i)));
  return outputs;
}

/** Applies a single-output op. */
export function apply1(op: string, inputs: readonly Tensor[], attrs: Record<string, unknown> = {}): Tensor {
  return applyOp(op, inputs, attrs)[0]!;
}

/** A named program input. */
export function input(name: string, dtype: DType, shape: Shape): Tensor {
  return Tensor.input(name, dtype, shape);
}

/** A rank-0 constant. */
export function scalar(value: number, dtype: DType = "float32"): Tensor {
  return Tensor.scalar(value, dtype);
}

/** Zeros of a (possibly symbolic) shape. */
export function zeros(shape: Shape, dtype: DType = "float32"): Tensor {
  return Tensor.scalar(0, dtype).expand(shape);
}

/** A dim's run-time size as a rank-0 tensor (static dims fold to constants). */
export function dimSize(dim: Dim, dtype: DType = "float32"): Tensor {
  if (typeof dim === "number") return Tensor.scalar(dim, dtype);
  return apply1("dim_size", [], { dim, dtype });
}

/** `cond ? a : b` elementwise, broadcasting; scalars take the other branch's dtype. */
export function where(cond: Tensor, a: Operand, b: Operand): Tensor {
  const dtype = a instanceof Tensor ? a.dtype : b instanceof Tensor ? b.dtype : "float32";
  const lift = (o: Operand) => (typeof o === "number" ? Tensor.scalar(o, dtype) : o);
  return apply1("where", [cond, lift(a), lift(b)]);
}

/** Joins tensors along an axis. */
export function concat(tensors: readonly Tensor[], axis: number): Tensor {
  if (tensors.length === 0) throw new Error("concat: no tensors");
  return apply1("concat", tensors, { axis: normAxis(axis, tensors[0]!.rank, "concat") });
}

/** One-hot encoding of int64 indices along a new last axis of size depth (no gradient). */
export function oneHot(indices: Tensor, depth: number, dtype: DType = "float32"): Tensor {
  return apply1("one_hot", [indices], { depth, dtype });
}

/** Adds rows of `updates` into `base` at `indices` along axis 0 (repeated indices accumulate). */
export function scatterAdd(base: Tensor, indices: Tensor, updates: Tensor): Tensor {
  return apply1("scatter_add", [base, indices, updates]);
}

/** Uniform [0, 1) noise from an int64 scalar seed input; same seed, same values (no gradient). */
export function randomUniform(seed: Tensor, shape: Shape, dtype: DType = "float32"): Tensor {
  return apply1("random_uniform", [seed], { shape: [...shape], dtype });
}

/** Standard normal noise from an int64 scalar seed input (Box-Muller over the uniform hash). */
export function randomNormal(seed: Tensor, shape: Shape, dtype: DType = "float32"): Tensor {
  return apply1("random_normal", [seed], { shape: [...shape], dtype });
}

/** Zero-pads one axis: `before` and `after` may be symbolic. */
export function pad(x: Tensor, axis: number, before: Dim, after: Dim): Tensor {
  return apply1("pad", [x], { axis: normAxis(axis, x.rank, "pad"), before, after });
}

export function assertFloat(t: TensorType, what: string): void {
  if (!isFloat(t.dtype)) throw new Error(`${what} needs a float tensor, got ${t.dtype}`);
}
