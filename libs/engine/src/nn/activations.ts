import type { Tensor } from "../ir/tensor.ts";

/** The MLP nonlinearities of the supported architectures. */
export type Activation = "gelu" | "gelu_tanh" | "silu" | "relu";
export const ACTIVATIONS: readonly Activation[] = ["gelu", "gelu_tanh", "silu", "relu"];

const SQRT_2_OVER_PI = Math.sqrt(2 / Math.PI);

/**
 * gelu: exact (erf); gelu_tanh: GPT-2's `gelu_new`, 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3)));
 * silu: x sigmoid(x) (Llama's SwiGLU gate); relu.
 */
export function activate(kind: Activation, x: Tensor): Tensor {
  switch (kind) {
    case "gelu":
      return x.gelu();
    case "gelu_tanh":
      return x.mul(x.square().mul(0.044715).add(1).mul(SQRT_2_OVER_PI).mul(x).tanh().add(1)).mul(0.5);
    case "silu":
      return x.mul(x.sigmoid());
    case "relu":
      return x.relu();
  }
}
