import type { Tensor } from "../ir/tensor.ts";

/**
 * A program: named outputs computed from the graph that reaches them. Its inputs are the named
 * input tensors that the outputs depend on (collected at compile time).
 */
export interface Program {
  outputs: Readonly<Record<string, Tensor>>;
  /** Optional label for logs and errors. */
  name?: string;
}
