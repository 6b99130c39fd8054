import { numel } from "../ir/dims.ts";
import { Tensor } from "../ir/tensor.ts";
import type { HostTensor } from "../runtime/runtime.ts";
import { Rng } from "../random/rng.ts";

/** How a parameter's initial values are drawn. */
export type Init =
  | { kind: "normal"; std: number }
  | { kind: "uniform"; bound: number }
  | { kind: "zeros" }
  | { kind: "ones" }
  /** Given values (e.g. a checkpoint's), adopted without a copy and without drawing random numbers first. */
  | { kind: "values"; values: Float32Array };

/** One named float32 parameter: its graph input and its current host values. */
export interface Parameter {
  name: string;
  shape: number[];
  /** The program input that stands for this parameter (named `p.<name>`). */
  tensor: Tensor;
  value: Float32Array;
}

/**
 * Named parameters with seeded initialisation. Adding a parameter never changes the initial
 * values of the others: each draws from a stream seeded by (store seed, name).
 */
export class ParameterStore {
  private readonly params = new Map<string, Parameter>();

  /** The root stream; each parameter draws from `fork(name)`, which depends on the seed and name only. */
  private readonly rng: Rng;

  constructor(readonly seed = 0) {
    this.rng = new Rng(seed);
  }

  /** Declares a parameter (or returns the existing one with the same name and shape). */
  param(name: string, shape: readonly number[], init: Init): Tensor {
    const existing = this.params.get(name);
    if (existing) {
      if (existing.shape.join(",") !== shape.join(","))
        throw new Error(`parameter "${name}" exists with shape [${existing.shape}], asked for [${shape}]`);
      return existing.tensor;
    }
    if (init.kind === "values" && init.values.length !== numel(shape)) {
      throw new Error(`parameter "${name}": ${init.values.length} given values, shape [${shape}] needs ${numel(shape)}`);
    }
    const value = init.kind === "values" ? init.values : new Float32Array(numel(shape));
    const rng = this.rng.fork(name);
    switch (init.kind) {
      case "normal":
        for (let i = 0; i < value.length; i++) value[i] = rng.normal() * init.std;
        break;
      case "uniform":
        for (let i = 0; i < value.length; i++) value[i] = (rng.uniform() * 2 - 1) * init.bound;
        break;
      case "ones":
        value.fill(1);
        break;
      case "zeros":
      case "values":
        break;
    }
    const tensor = Tensor.input(`p.${name}`, "float32", shape);
    this.params.set(name, { name, shape: [...shape], tensor, value });
    return tensor;
  }

  get(name: string): Parameter {
    const p = this.params.get(name);
    if (!p) throw new Error(`no parameter "${name}"`);
    return p;
  }

  /** Replaces a parameter's values (same length), e.g. from a checkpoint. */
  set(name: string, value: Float32Array): void {
    const p = this.get(name);
    if (value.length !== p.value.length) throw new Error(`parameter "${name}": ${value.length} values, expected ${p.value.length}`);
    p.value = value;
  }

  list(): Parameter[] {
    return [...this.params.values()];
  }

  /** Total number of scalar parameters. */
  count(): number {
    let n = 0;
    for (const p of this.params.values()) n += p.value.length;
    return n;
  }

  /** Feeds binding every parameter's current values to its program input. */
  feeds(): Record<string, HostTensor> {
    const f: Record<string, HostTensor> = {};
    for (const p of this.params.values()) f[p.tensor.name!] = { dtype: "float32", shape: p.shape, data: p.value };
    return f;
  }
}
