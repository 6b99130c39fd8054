import onnxProto from "onnx-proto";
import type { Dim, Shape } from "../ir/dims.ts";
import { isStaticShape, linearIn, parseDim } from "../ir/dims.ts";
import type { DType, HostArray } from "../ir/dtype.ts";
import { onnxDataType } from "../ir/dtype.ts";
import type { Emitter, OnnxAttr } from "../ops/registry.ts";

const { onnx } = onnxProto;

/** Collects ONNX nodes and initializers for one model; implements the op-facing {@link Emitter}. */
export class ModelEmitter implements Emitter {
  readonly nodes: onnxProto.onnx.INodeProto[] = [];
  readonly initializers: onnxProto.onnx.ITensorProto[] = [];
  private counter = 0;
  private readonly consts = new Map<string, string>();
  private readonly dims = new Map<string, string>();
  /** Where each symbolic dim (by its string) can be read: first tensor that carries it. */
  private readonly dimSources = new Map<string, { value: string; axis: number }>();

  fresh(prefix = "n"): string {
    return `_${prefix}${this.counter++}`;
  }

  /** Records that `value` carries these dims, so later symbolic dims can be read from it. */
  noteShape(value: string, shape: Shape): void {
    shape.forEach((d, axis) => {
      if (typeof d === "string" && !this.dimSources.has(d)) this.dimSources.set(d, { value, axis });
    });
  }

  node(opType: string, inputs: readonly string[], attrs: Record<string, OnnxAttr> = {}, outputs: readonly string[] | number = 1): string[] {
    const outs = typeof outputs === "number" ? Array.from({ length: outputs }, () => this.fresh()) : [...outputs];
    this.nodes.push({
      opType,
      input: [...inputs],
      output: outs,
      name: this.fresh(opType),
      attribute: Object.entries(attrs).map(([name, v]) => toAttribute(name, v)),
    });
    return outs;
  }

  one(opType: string, inputs: readonly string[], attrs: Record<string, OnnxAttr> = {}, output?: string): string {
    return this.node(opType, inputs, attrs, output ? [output] : 1)[0]!;
  }

  initializer(name: string, dtype: DType, dims: readonly number[], data: HostArray): void {
    const bytes = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
    this.initializers.push({ name, dataType: onnxDataType(dtype), dims: [...dims], rawData: bytes });
  }

  int64s(values: readonly number[]): string {
    return this.constant(`i64[${values}]`, "int64", [values.length], BigInt64Array.from(values.map((v) => BigInt(v))));
  }

  scalar(value: number, dtype: DType): string {
    const data =
      dtype === "float32"
        ? Float32Array.of(value)
        : dtype === "float64"
          ? Float64Array.of(value)
          : dtype === "int64"
            ? BigInt64Array.of(BigInt(value))
            : Uint8Array.of(value ? 1 : 0);
    return this.constant(`${dtype}(${value})`, dtype, [], data);
  }

  private constant(key: string, dtype: DType, dims: readonly number[], data: HostArray): string {
    let name = this.consts.get(key);
    if (!name) {
      name = this.fresh("c");
      this.initializer(name, dtype, dims, data);
      this.consts.set(key, name);
    }
    return name;
  }

  dim(dim: Dim): string {
    if (typeof dim === "number") return this.int64s([dim]);
    const cached = this.dims.get(dim);
    if (cached) return cached;
    let name: string;
    const source = this.dimSources.get(dim);
    const solved = source ? undefined : this.solveSymbol(dim);
    if (source) {
      name = this.one("Shape", [source.value], { start: { i: source.axis }, end: { i: source.axis + 1 } });
    } else if (solved) {
      name = solved;
    } else {
      const e = parseDim(dim);
      if (e.kind !== "bin")
        throw new Error(`symbolic dim "${dim}" is not carried by any input or earlier tensor, so its size is unknown at run time`);
      const text = (x: typeof e.left): Dim => (x.kind === "num" ? x.value : x.kind === "sym" ? x.name : exprText(x));
      const op = e.op === "+" ? "Add" : e.op === "-" ? "Sub" : "Mul";
      name = this.one(op, [this.dim(text(e.left)), this.dim(text(e.right))]);
    }
    this.dims.set(dim, name);
    return name;
  }

  /**
   * A bare symbol that no tensor carries directly, read from a carried dim linear in it: with
   * only `2*pairs` carried, pairs = (2*pairs - 0) / 2.
   */
  private solveSymbol(dim: string): string | undefined {
    if (!/^[A-Za-z_]\w*$/.test(dim)) return undefined;
    for (const carried of this.dimSources.keys()) {
      const lin = linearIn(carried, dim);
      if (!lin) continue;
      const shifted = lin.c === 0 ? this.dim(carried) : this.one("Sub", [this.dim(carried), this.int64s([lin.c])]);
      return lin.k === 1 ? shifted : this.one("Div", [shifted, this.int64s([lin.k])]);
    }
    return undefined;
  }

  shape(shape: Shape): string {
    if (isStaticShape(shape)) return this.int64s(shape);
    const key = `shape[${shape.join(",")}]`;
    const cached = this.dims.get(key);
    if (cached) return cached;
    const name = this.one(
      "Concat",
      shape.map((d) => this.dim(d)),
      { axis: { i: 0 } },
    );
    this.dims.set(key, name);
    return name;
  }
}

function exprText(e: ReturnType<typeof parseDim>): string {
  if (e.kind === "num") return String(e.value);
  if (e.kind === "sym") return e.name;
  return `(${exprText(e.left)})${e.op}(${exprText(e.right)})`;
}

function toAttribute(name: string, v: OnnxAttr): onnxProto.onnx.IAttributeProto {
  const T = onnx.AttributeProto.AttributeType;
  if ("i" in v) return { name, type: T.INT, i: v.i };
  if ("f" in v) return { name, type: T.FLOAT, f: v.f };
  if ("ints" in v) return { name, type: T.INTS, ints: [...v.ints] };
  return { name, type: T.STRING, s: new TextEncoder().encode(v.s) };
}

/** ONNX ValueInfo for a typed, possibly symbolic, tensor. */
export function valueInfo(name: string, dtype: DType, shape: Shape): onnxProto.onnx.IValueInfoProto {
  return {
    name,
    type: {
      tensorType: {
        elemType: onnxDataType(dtype),
        shape: { dim: shape.map((d) => (typeof d === "number" ? { dimValue: d } : { dimParam: d })) },
      },
    },
  };
}
