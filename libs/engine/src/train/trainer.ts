import { grad } from "../autodiff/grad.ts";
import type { Tensor } from "../ir/tensor.ts";
import { input } from "../ir/tensor.ts";
import type { HostTensor, Runtime, Session } from "../runtime/runtime.ts";
import type { AdamWConfig } from "./adamw.ts";
import { adamwGraphUpdate, adamwHostUpdate, adamwScalars, clipFactor } from "./adamw.ts";
import type { Parameter, ParameterStore } from "./parameter-store.ts";
import type { Schedule } from "./schedule.ts";

/** Where the AdamW update runs: inside the ONNX training program, or in JavaScript after it. */
export type UpdateLocation = "graph" | "host";

export interface TrainerConfig {
  runtime: Runtime;
  params: ParameterStore;
  /** Scalar float32 loss built from the store's parameters and data inputs. */
  loss: Tensor;
  /** Extra outputs returned every step (accuracy, per-token losses...). */
  metrics?: Record<string, Tensor>;
  optimizer?: AdamWConfig;
  schedule: Schedule;
  /** Default "graph": one session.run per step does forward, backward and update. */
  update?: UpdateLocation;
  /** Which parameters get weight decay; default those of rank >= 2 (not biases or norm gains). */
  decay?: (p: Parameter) => boolean;
  name?: string;
}

export interface StepResult {
  /** 1-based step number just taken. */
  step: number;
  loss: number;
  lr: number;
  /** Global gradient norm before clipping. */
  gradNorm: number;
  metrics: Record<string, HostTensor>;
  /** Wall time of the step, time inside ONNX Runtime, and the rest (JavaScript, copies, host update). */
  ms: { total: number; ort: number; host: number };
}

/** Runs optimisation steps for one loss over one parameter store. */
export interface Trainer {
  readonly session: Session;
  readonly update: UpdateLocation;
  readonly steps: number;
  /** One step on a batch: feeds hold the data inputs of the loss (not the parameters). */
  step(feeds: Readonly<Record<string, HostTensor>>): Promise<StepResult>;
  /** First and second moments by parameter name (for checkpoints). */
  moments(): Map<string, { m: Float32Array; v: Float32Array }>;
}

/**
 * Builds the training program (loss, gradients and, for "graph", the AdamW update) and opens its
 * session. The parameter store is updated in place after every step.
 */
export async function createTrainer(config: TrainerConfig): Promise<Trainer> {
  const update = config.update ?? "graph";
  const opt = config.optimizer ?? {};
  const params = config.params.list();
  if (params.length === 0) throw new Error("createTrainer: the parameter store is empty");
  if (config.loss.rank !== 0 || config.loss.dtype !== "float32") throw new Error(`createTrainer: loss must be a float32 scalar, got ${config.loss}`);
  const decay = config.decay ?? ((p: Parameter) => p.shape.length >= 2);
  const grads = grad(config.loss, params.map((p) => p.tensor));
  const { norm, factor } = clipFactor(grads, opt.maxGradNorm);
  const outputs: Record<string, Tensor> = { loss: config.loss, grad_norm: norm };
  for (const [k, t] of Object.entries(config.metrics ?? {})) outputs[`metric.${k}`] = t;
  const state = new Map<string, { m: Float32Array; v: Float32Array }>(params.map((p) => [p.name, { m: new Float32Array(p.value.length), v: new Float32Array(p.value.length) }]));

  if (update === "graph") {
    const s = { lr: input("opt.lr", "float32", []), bc1: input("opt.bc1", "float32", []), bc2: input("opt.bc2", "float32", []) };
    params.forEach((p, i) => {
      const g = factor ? grads[i]!.mul(factor) : grads[i]!;
      const m = input(`m.${p.name}`, "float32", p.shape);
      const v = input(`v.${p.name}`, "float32", p.shape);
      const next = adamwGraphUpdate(p.tensor, g, m, v, s, opt, decay(p));
      outputs[`new.p.${p.name}`] = next.p;
      outputs[`new.m.${p.name}`] = next.m;
      outputs[`new.v.${p.name}`] = next.v;
    });
  } else {
    params.forEach((p, i) => (outputs[`grad.${p.name}`] = grads[i]!));
  }
  const session = await config.runtime.session({ outputs, name: config.name ?? "train" });

  let steps = 0;
  const f32 = (x: number): HostTensor => ({ dtype: "float32", shape: [], data: Float32Array.of(x) });
  return {
    session,
    update,
    get steps() {
      return steps;
    },
    moments: () => state,
    async step(feeds) {
      const t0 = performance.now();
      const ort0 = session.stats.ortMs;
      const lr = config.schedule(steps);
      const sc = adamwScalars(opt, steps + 1, lr);
      const all: Record<string, HostTensor> = { ...feeds, ...config.params.feeds() };
      if (update === "graph") {
        all["opt.lr"] = f32(sc.lr);
        all["opt.bc1"] = f32(sc.bc1);
        all["opt.bc2"] = f32(sc.bc2);
        for (const p of params) {
          const st = state.get(p.name)!;
          all[`m.${p.name}`] = { dtype: "float32", shape: p.shape, data: st.m };
          all[`v.${p.name}`] = { dtype: "float32", shape: p.shape, data: st.v };
        }
      }
      const out = await session.run(all);
      const gradNorm = Number(out.grad_norm!.data[0]);
      if (update === "graph") {
        for (const p of params) {
          // The output buffers are fresh per run: adopt them instead of copying.
          config.params.set(p.name, out[`new.p.${p.name}`]!.data as Float32Array);
          state.set(p.name, { m: out[`new.m.${p.name}`]!.data as Float32Array, v: out[`new.v.${p.name}`]!.data as Float32Array });
        }
      } else {
        const scale = opt.maxGradNorm === undefined ? 1 : Math.min(1, opt.maxGradNorm / (gradNorm + 1e-6));
        for (const p of params) {
          const st = state.get(p.name)!;
          adamwHostUpdate(p.value, out[`grad.${p.name}`]!.data as Float32Array, st.m, st.v, { ...sc, scale }, opt, decay(p));
        }
      }
      steps++;
      const metrics: Record<string, HostTensor> = {};
      for (const k of Object.keys(config.metrics ?? {})) metrics[k] = out[`metric.${k}`]!;
      const total = performance.now() - t0;
      const ort = session.stats.ortMs - ort0;
      return { step: steps, loss: Number(out.loss!.data[0]), lr, gradNorm, metrics, ms: { total, ort, host: total - ort } };
    },
  };
}
