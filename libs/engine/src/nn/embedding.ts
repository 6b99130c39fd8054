import type { Tensor } from "../ir/tensor.ts";
import type { ParameterStore } from "../train/parameter-store.ts";

/** Token ids (...) int64 -> vectors (..., dim). Parameter `<name>.weight` (vocab, dim). */
export function embedding(
  store: ParameterStore,
  name: string,
  vocab: number,
  dim: number,
  std = 0.02,
): { (ids: Tensor): Tensor; weight: Tensor } {
  const weight = store.param(`${name}.weight`, [vocab, dim], { kind: "normal", std });
  const f = (ids: Tensor) => weight.gather(ids);
  return Object.assign(f, { weight });
}
