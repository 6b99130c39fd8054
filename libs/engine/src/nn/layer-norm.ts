import type { Tensor } from "../ir/tensor.ts";
import type { ParameterStore } from "../train/parameter-store.ts";

/** (x - mean) / sqrt(var + eps) * gain + bias over the last axis. */
export function applyLayerNorm(x: Tensor, gain: Tensor, bias: Tensor, eps = 1e-5): Tensor {
  const centred = x.sub(x.mean([-1], true)); // (..., C)
  const variance = centred.square().mean([-1], true); // (..., 1)
  return centred.div(variance.add(eps).sqrt()).mul(gain).add(bias);
}

/** Layer normalisation over the last axis, written in the DSL. Parameters `<name>.weight`, `<name>.bias`. */
export function layerNorm(store: ParameterStore, name: string, dim: number, eps = 1e-5): (x: Tensor) => Tensor {
  const gain = store.param(`${name}.weight`, [dim], { kind: "ones" });
  const bias = store.param(`${name}.bias`, [dim], { kind: "zeros" });
  return (x) => applyLayerNorm(x, gain, bias, eps);
}
