import type { Shape } from "../ir/dims.ts";
import { dimEquals, sameShape, shapeToString } from "../ir/dims.ts";
import { isFloat } from "../ir/dtype.ts";
import type { OpNode } from "../ir/tensor.ts";
import { Tensor, scatterAdd, zeros } from "../ir/tensor.ts";
import { getOp } from "../ops/registry.ts";

/**
 * Sums a gradient back to the shape of the input it belongs to: leading axes the input lacks are
 * summed away, and axes where the input has size 1 are summed with keepDims. This is the one place
 * broadcasting is undone; op rules return gradients in the broadcast shape.
 */
export function unbroadcast(g: Tensor, shape: Shape): Tensor {
  if (sameShape(g.shape, shape)) return g;
  const lead = g.rank - shape.length;
  if (lead < 0) throw new Error(`gradient ${shapeToString(g.shape)} has lower rank than its input ${shapeToString(shape)}`);
  const axes: number[] = [];
  for (let i = 0; i < g.rank; i++) {
    if (i < lead) axes.push(i);
    else if (shape[i - lead] === 1 && g.shape[i] !== 1) axes.push(i);
    else if (!dimEquals(shape[i - lead]!, g.shape[i]!))
      throw new Error(`gradient ${shapeToString(g.shape)} does not broadcast to input ${shapeToString(shape)}`);
  }
  const summed = axes.length ? g.sum(axes, true) : g;
  return lead > 0 || !sameShape(summed.shape, shape) ? summed.reshape(shape) : summed;
}

/** Nodes reachable from `roots` through inputs, inputs before users (post-order DFS, iterative). */
export function topoNodes(roots: readonly Tensor[]): OpNode[] {
  const order: OpNode[] = [];
  const seen = new Set<number>();
  const stack: [OpNode, number][] = [];
  const push = (t: Tensor) => {
    if (t.node && !seen.has(t.node.id)) {
      seen.add(t.node.id);
      stack.push([t.node, 0]);
    }
  };
  for (const r of roots) {
    push(r);
    while (stack.length) {
      const top = stack[stack.length - 1]!;
      const [node, i] = top;
      if (i < node.inputs.length) {
        top[1]++;
        push(node.inputs[i]!);
      } else {
        stack.pop();
        order.push(node);
      }
    }
  }
  return order;
}

/**
 * Reverse-mode gradients of `y` with respect to each tensor in `wrt`, as new graph nodes.
 * A non-scalar `y` needs an explicit `seed` of its shape (the vector in the VJP). Tensors in `wrt`
 * that `y` does not depend on get zeros. Gradients stop at stop-gradient, comparisons and other
 * `noGradient` ops; an op with neither a VJP nor `noGradient` is an error that names it.
 */
export function grad(y: Tensor, wrt: readonly Tensor[], seed?: Tensor): Tensor[] {
  if (!isFloat(y.dtype)) throw new Error(`grad: output must be float, got ${y}`);
  if (seed) {
    if (seed.dtype !== y.dtype || !sameShape(seed.shape, y.shape)) throw new Error(`grad: seed ${seed} must match output ${y}`);
  } else if (y.rank !== 0) {
    throw new Error(`grad: output ${y} is not a scalar; pass a seed of its shape`);
  }
  for (const w of wrt) if (!isFloat(w.dtype)) throw new Error(`grad: cannot differentiate with respect to ${w}`);

  const nodes = topoNodes([y]);
  // Forward pass over the topological order: which tensors depend on some wrt tensor.
  const wrtIds = new Set(wrt.map((t) => t.id));
  const depends = new Set<number>(wrtIds);
  for (const n of nodes) {
    if (n.inputs.some((t) => depends.has(t.id))) for (const o of n.outputs) depends.add(o.id);
  }

  const grads = new Map<number, Tensor>();
  const accumulate = (t: Tensor, g: Tensor) => {
    const prev = grads.get(t.id);
    grads.set(t.id, prev ? addGradients(prev, g) : g);
  };
  if (depends.has(y.id)) accumulate(y, seed ?? Tensor.scalar(1, y.dtype));

  for (let k = nodes.length - 1; k >= 0; k--) {
    const node = nodes[k]!;
    const outGrads = node.outputs.map((o) => grads.get(o.id) ?? null);
    if (outGrads.every((g) => g === null)) continue;
    const needsGrad = node.inputs.map((t) => depends.has(t.id) && isFloat(t.dtype));
    if (!needsGrad.some(Boolean)) continue;
    const def = getOp(node.op);
    if (def.noGradient) continue;
    if (!def.vjp)
      throw new Error(`grad: op "${node.op}" has no VJP rule, so gradients cannot flow through it (mark it noGradient or add a vjp)`);
    const inGrads = def.vjp(outGrads, { inputs: node.inputs, outputs: node.outputs, attrs: node.attrs, needsGrad });
    node.inputs.forEach((t, i) => {
      const g = inGrads[i];
      if (!needsGrad[i] || !g) return;
      accumulate(t, unbroadcast(g.dtype === t.dtype ? g : g.cast(t.dtype), t.shape));
    });
  }
  return wrt.map((w) => grads.get(w.id) ?? zeros(w.shape, w.dtype));
}

/** True for `zeros(shape)`: a zero scalar constant expanded. */
function isZeros(t: Tensor): boolean {
  const src = t.node?.op === "expand" ? t.node.inputs[0]! : t;
  return src.kind === "constant" && src.data!.length === 1 && Number(src.data![0]) === 0;
}

/**
 * a + b for two gradient contributions. A gathered table's gradient is a scatter-add of rows into
 * zeros; added to another gradient of the same table (a tied output head), the rows are scattered
 * straight into that one instead, so no vocabulary-sized zero table is built and added.
 */
function addGradients(a: Tensor, b: Tensor): Tensor {
  for (const [sparse, dense] of [
    [a, b],
    [b, a],
  ] as const) {
    const n = sparse.node;
    if (n?.op === "scatter_add" && isZeros(n.inputs[0]!) && sameShape(dense.shape, sparse.shape) && dense.dtype === sparse.dtype)
      return scatterAdd(dense, n.inputs[1]!, n.inputs[2]!);
  }
  return a.add(b);
}
