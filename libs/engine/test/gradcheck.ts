// Central finite-difference gradient checking against real ONNX Runtime sessions.
import type { DType, Runtime, Tensor } from "../src/index.ts";
import { grad, hostTensor, input } from "../src/index.ts";
import { createRng } from "../src/random/rng.ts";

export interface InputSpec {
  shape: number[];
  /** Values drawn uniformly from [lo, hi]; default [-1, 1]. */
  range?: [number, number];
  /** Values closer than 0.05 to any of these are pushed away (kinks of relu, clip). */
  avoid?: number[];
}

export interface GradCase {
  label: string;
  inputs: InputSpec[];
  build: (...xs: Tensor[]) => Tensor;
  /**
   * dtype of the inputs: float64 where ORT's CPU kernels support the op in double precision,
   * float32 (with eps 1e-2 and tolerance 2e-2) where they do not.
   */
  dtype?: DType;
}

export interface GradCheckResult {
  maxError: number;
  worst: string;
}

/**
 * Checks analytic gradients of loss = sum(build(x) * r) (r a fixed random weight, so every output
 * element gets a distinct seed) against central differences in every input element.
 */
export async function gradCheck(rt: Runtime, c: GradCase, seed = 1): Promise<GradCheckResult> {
  const dtype = c.dtype ?? "float64";
  const rng = createRng(seed);
  const xs = c.inputs.map((spec, i) => input(`x${i}`, dtype, spec.shape));
  const out = c.build(...xs);
  const rShape = out.shape as number[];
  const rData = Array.from({ length: rShape.reduce((p, d) => p * d, 1) }, () => rng.uniform() * 2 - 1);
  const r = input("r", out.dtype, rShape);
  const loss = out.mul(r).sum().cast(dtype);
  const grads = grad(loss, xs);
  const outputs: Record<string, Tensor> = { loss };
  grads.forEach((g, i) => (outputs[`g${i}`] = g));
  const full = await rt.session({ outputs, name: c.label });
  const fwd = await rt.session({ outputs: { loss }, name: `${c.label}:fwd` });

  const Arr = dtype === "float64" ? Float64Array : Float32Array;
  const values = c.inputs.map((spec) => {
    const [lo, hi] = spec.range ?? [-1, 1];
    const n = spec.shape.reduce((p, d) => p * d, 1);
    const arr = new Arr(n);
    for (let k = 0; k < n; k++) {
      let v = lo + (hi - lo) * rng.uniform();
      for (const a of spec.avoid ?? []) if (Math.abs(v - a) < 0.05) v = a + (v >= a ? 0.1 : -0.1);
      arr[k] = v;
    }
    return arr;
  });
  const rArr = out.dtype === "float64" ? Float64Array.from(rData) : Float32Array.from(rData);
  const feeds = () => {
    const f: Record<string, ReturnType<typeof hostTensor>> = { r: hostTensor(rArr, rShape) };
    values.forEach((v, i) => (f[`x${i}`] = hostTensor(v, c.inputs[i]!.shape)));
    return f;
  };
  const analytic = await full.run(feeds());
  const eps = dtype === "float64" ? 1e-6 : 1e-2;
  const tol = dtype === "float64" ? 1e-6 : 2e-2;
  let maxError = 0;
  let worst = "";
  for (let i = 0; i < values.length; i++) {
    const g = analytic[`g${i}`]!.data as Float64Array | Float32Array;
    if (g.length !== values[i]!.length)
      throw new Error(`${c.label}: gradient of x${i} has ${g.length} values, input has ${values[i]!.length}`);
    for (let k = 0; k < values[i]!.length; k++) {
      const orig = values[i]![k]!;
      values[i]![k] = orig + eps;
      const plus = Number((await fwd.run(feeds())).loss!.data[0]);
      values[i]![k] = orig - eps;
      const minus = Number((await fwd.run(feeds())).loss!.data[0]);
      values[i]![k] = orig;
      const numeric = (plus - minus) / (2 * eps);
      const err = Math.abs(g[k]! - numeric) / (tol + tol * Math.abs(numeric));
      if (err > maxError) {
        maxError = err;
        worst = `x${i}[${k}]: analytic ${g[k]} vs numeric ${numeric}`;
      }
    }
  }
  // maxError is in units of the tolerance: <= 1 passes.
  return { maxError, worst };
}
