import type { Tensor } from "../ir/tensor.ts";
import type { ParameterStore } from "../train/parameter-store.ts";

/**
 * A per-token scalar head over a trunk's hidden states (PPO-style value function):
 * hidden (B, T, C) -> values (B, T). Parameters `<name>.weight` (C, 1) and `<name>.bias` (1).
 */
export class ValueHead {
  readonly kind = "value-head";
  private readonly weight: Tensor;
  private readonly bias: Tensor;

  /** Declares the head in `store`; weight ~ N(0, 1/sqrt(dModel)) keeps initial values O(1), bias 0. */
  constructor(
    readonly store: ParameterStore,
    readonly dModel: number,
    readonly name = "value_head",
  ) {
    if (!Number.isInteger(dModel) || dModel <= 0) throw new Error(`ValueHead ${name}: dModel must be a positive integer, got ${dModel}`);
    this.weight = store.param(`${name}.weight`, [dModel, 1], { kind: "normal", std: 1 / Math.sqrt(dModel) });
    this.bias = store.param(`${name}.bias`, [1], { kind: "zeros" });
  }

  /** hidden (B, T, C) -> (B, T). */
  values(hidden: Tensor): Tensor {
    const [B, T] = hidden.shape;
    return hidden.matmul(this.weight).add(this.bias).reshape([B!, T!]); // (B, T, 1) -> (B, T)
  }

  parameterCount(): number {
    return this.dModel + 1;
  }
}
