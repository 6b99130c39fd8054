import { createHash } from "node:crypto";
import onnxProto from "onnx-proto";
import { topoNodes } from "../autodiff/grad.ts";
import type { Shape } from "../ir/dims.ts";
import type { DType } from "../ir/dtype.ts";
import type { Tensor } from "../ir/tensor.ts";
import { getOp } from "../ops/registry.ts";
import { ModelEmitter, valueInfo } from "./emitter.ts";
import type { Program } from "./program.ts";

const { onnx } = onnxProto;

/** ONNX opset the emitter targets (18: axes as inputs for reductions, ScatterND add, Split num_outputs). */
export const OPSET = 18;

/** Name, dtype and shape of a compiled program's input or output. */
export interface ValueSpec {
  name: string;
  dtype: DType;
  shape: Shape;
}

/** A program lowered to one serialized ONNX ModelProto. */
export interface CompiledProgram {
  /** Structural hash: equal for programs with the same graph, regardless of tensor identities. */
  hash: string;
  model: Uint8Array;
  inputs: ValueSpec[];
  outputs: ValueSpec[];
  nodeCount: number;
}

const cache = new Map<string, CompiledProgram>();

/** Graph order and a structural key for a program; the key covers ops, attrs, wiring, leaves and constant data. */
function analyse(program: Program) {
  const outputEntries = Object.entries(program.outputs);
  if (outputEntries.length === 0) throw new Error(`program ${program.name ?? ""}: no outputs`);
  const roots = outputEntries.map(([, t]) => t);
  const nodes = topoNodes(roots);
  const local = new Map<number, string>();
  const inputs: Tensor[] = [];
  const constants: Tensor[] = [];
  const inputNames = new Map<string, Tensor>();
  const h = createHash("sha256");
  const leaf = (t: Tensor) => {
    if (local.has(t.id)) return;
    if (t.kind === "input") {
      const prev = inputNames.get(t.name!);
      if (prev && prev !== t) throw new Error(`program ${program.name ?? ""}: two different inputs are named "${t.name}"`);
      inputNames.set(t.name!, t);
      inputs.push(t);
      local.set(t.id, t.name!);
      h.update(`in:${t.name}:${t.dtype}:${t.shape.join(",")};`);
    } else if (t.kind === "constant") {
      const name = `_k${constants.length}`;
      constants.push(t);
      local.set(t.id, name);
      h.update(`k:${t.dtype}:${t.shape.join(",")}:`);
      h.update(new Uint8Array(t.data!.buffer, t.data!.byteOffset, t.data!.byteLength));
      h.update(";");
    }
  };
  for (const r of roots) leaf(r);
  let count = 0;
  for (const n of nodes) {
    for (const t of n.inputs) leaf(t);
    const outs = n.outputs.map(() => `_t${count++}`);
    n.outputs.forEach((o, i) => local.set(o.id, outs[i]!));
    h.update(`${n.op}(${n.inputs.map((t) => local.get(t.id)).join(",")})${JSON.stringify(n.attrs)}->${outs.join(",")};`);
  }
  for (const [name, t] of outputEntries) {
    if (inputNames.has(name)) throw new Error(`program ${program.name ?? ""}: output "${name}" has the same name as an input`);
    h.update(`out:${name}=${local.get(t.id)};`);
  }
  return { nodes, local, inputs, constants, outputEntries, hash: h.digest("hex").slice(0, 32) };
}

/**
 * Lowers a program to an ONNX model. Results are cached by structural hash, so rebuilding the
 * same graph (new tensor objects, same structure) reuses the compiled model and its session.
 */
export function compile(program: Program): CompiledProgram {
  const a = analyse(program);
  const hit = cache.get(a.hash);
  if (hit) return hit;

  const e = new ModelEmitter();
  const names = new Map(a.local);
  // Outputs take their program names directly when they are computed by a node (first use wins).
  const renamed = new Set<number>();
  const identities: [string, string][] = [];
  for (const [name, t] of a.outputEntries) {
    if (t.kind === "op" && !renamed.has(t.id)) {
      names.set(t.id, name);
      renamed.add(t.id);
    } else identities.push([names.get(t.id)!, name]);
  }
  for (const t of a.inputs) e.noteShape(t.name!, t.shape);
  a.constants.forEach((t) => e.initializer(names.get(t.id)!, t.dtype, t.shape as number[], t.data!));
  for (const n of a.nodes) {
    const def = getOp(n.op);
    const outs = n.outputs.map((o) => names.get(o.id)!);
    try {
      def.emit(
        e,
        n.inputs.map((t) => names.get(t.id)!),
        outs,
        { attrs: n.attrs, inputs: n.inputs, outputs: n.outputs },
      );
    } catch (err) {
      throw new Error(`program ${program.name ?? ""}: emitting ${n.op}: ${err instanceof Error ? err.message : String(err)}`);
    }
    n.outputs.forEach((o, i) => e.noteShape(outs[i]!, o.shape));
  }
  for (const [from, to] of identities) e.node("Identity", [from], {}, [to]);

  const inputs = a.inputs.map((t) => ({ name: t.name!, dtype: t.dtype, shape: t.shape }));
  const outputs = a.outputEntries.map(([name, t]) => ({ name, dtype: t.dtype, shape: t.shape }));
  const model = onnx.ModelProto.create({
    irVersion: 8,
    producerName: "goodhart-lab",
    opsetImport: [{ domain: "", version: OPSET }],
    graph: {
      name: program.name ?? "program",
      node: e.nodes,
      initializer: e.initializers,
      input: inputs.map((v) => valueInfo(v.name, v.dtype, v.shape)),
      output: outputs.map((v) => valueInfo(v.name, v.dtype, v.shape)),
    },
  });
  const compiled: CompiledProgram = {
    hash: a.hash,
    model: onnx.ModelProto.encode(model).finish(),
    inputs,
    outputs,
    nodeCount: e.nodes.length,
  };
  cache.set(a.hash, compiled);
  return compiled;
}

/** Number of compiled programs held in the process-wide cache. */
export function compileCacheSize(): number {
  return cache.size;
}
