import type { Tensor } from "../ir/tensor.ts";
import type { ParameterStore } from "../train/parameter-store.ts";

export interface LinearOptions {
  bias?: boolean;
  /** Init std of the weight; default 0.02 (GPT-2). */
  std?: number;
}

/** y = x W + b over the last axis: (..., inDim) -> (..., outDim). Parameters `<name>.weight` (in, out), `<name>.bias`. */
export function linear(
  store: ParameterStore,
  name: string,
  inDim: number,
  outDim: number,
  options: LinearOptions = {},
): (x: Tensor) => Tensor {
  const w = store.param(`${name}.weight`, [inDim, outDim], { kind: "normal", std: options.std ?? 0.02 });
  const b = options.bias === false ? null : store.param(`${name}.bias`, [outDim], { kind: "zeros" });
  return (x) => {
    const y = x.matmul(w);
    return b ? y.add(b) : y;
  };
}
