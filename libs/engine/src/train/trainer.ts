import { freemem } from "node:os";
import { grad } from "../autodiff/grad.ts";
import type { Tensor } from "../ir/tensor.ts";
import { input } from "../ir/tensor.ts";
import type { HostTensor, Runtime, Session } from "../runtime/runtime.ts";
import type { AdamWConfig } from "./adamw.ts";
import { ADAMW_DEFAULTS, adamwGraphUpdate, adamwHostUpdate, adamwScalars, clipFactor, fusedAdamwScalars } from "./adamw.ts";
import type { OptimizerState } from "./optimizer-state.ts";
import type { ParamGroup, ResolvedGroup } from "./param-groups.ts";
import { DEFAULT_GROUP, resolveGroups } from "./param-groups.ts";
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
  /** Learning rate by step of the parameters no group claims. */
  schedule: Schedule;
  /** Parameter groups with their own schedule and weight decay (e.g. policy vs value head). */
  groups?: readonly ParamGroup[];
  /** Default "graph": one session.run per step does forward, backward and update. */
  update?: UpdateLocation;
  /** Which parameters get weight decay; default those of rank >= 2 (not biases or norm gains). */
  decay?: (p: Parameter) => boolean;
  name?: string;
}

export interface StepResult {
  /** 1-based step number just taken. */
  step: number;
  /** The batch loss; after accumulation, the weighted mean of the micro-batch losses. */
  loss: number;
  /** Learning rate of the default group (or of the first group when every parameter is grouped). */
  lr: number;
  /** Learning rate of every group by name. */
  lrs: Record<string, number>;
  /** Global gradient norm before clipping. */
  gradNorm: number;
  /** This step's metrics; after accumulation, those of the last micro-batch. */
  metrics: Record<string, HostTensor>;
  /** Wall time of the step, time inside ONNX Runtime, and the rest (JavaScript, copies, host update). */
  ms: { total: number; ort: number; host: number };
}

/** One accumulated micro-batch: its loss and metrics; parameters are not changed yet. */
export interface MicroStepResult {
  loss: number;
  metrics: Record<string, HostTensor>;
  ms: { total: number; ort: number; host: number };
}

/** Runs optimisation steps for one loss over one parameter store. */
export interface Trainer {
  readonly session: Session;
  readonly update: UpdateLocation;
  /** Optimizer steps taken (restored by {@link Trainer.loadState}). */
  readonly steps: number;
  /** The groups and their members, "default" first when it has parameters. */
  readonly groups: readonly ResolvedGroup[];
  /** Micro-batches accumulated since the last update. */
  readonly pending: number;
  /** One step on a batch: feeds hold the data inputs of the loss (not the parameters). */
  step(feeds: Readonly<Record<string, HostTensor>>): Promise<StepResult>;
  /**
   * Adds one micro-batch's gradient, times `weight` (default 1), to the accumulator without
   * updating. {@link Trainer.apply} then takes one step with the weighted mean gradient: k
   * micro-batches of b rows equal one batch of k*b rows for a loss that is a mean over rows.
   */
  accumulate(feeds: Readonly<Record<string, HostTensor>>, weight?: number): Promise<MicroStepResult>;
  /** One optimizer step with the accumulated gradient; clears the accumulator. */
  apply(): Promise<StepResult>;
  /** First and second moments by parameter name (the live buffers). */
  moments(): Map<string, { m: Float32Array; v: Float32Array }>;
  /** A copy of the optimizer state (step count and moments), e.g. for a checkpoint. */
  state(): OptimizerState;
  /**
   * Continues from a saved state: every parameter needs its moments with matching sizes. With the
   * parameters restored too, the following steps equal those of an uninterrupted run bit for bit.
   */
  loadState(state: OptimizerState): void;
}

type Moments = { m: Float32Array; v: Float32Array };

/** Program inputs of the fused update's scalars ({@link fusedAdamwScalars}): step size and decay per group, one epsilon. */
function scalarInputs(groups: readonly ResolvedGroup[]) {
  return {
    alpha: new Map(groups.map((g) => [g.name, input(`opt.alpha.${g.name}`, "float32", [])])),
    keep: new Map(groups.map((g) => [g.name, input(`opt.keep.${g.name}`, "float32", [])])),
    epsHat: input("opt.eps_hat", "float32", []),
  };
}

/** Graph outputs of a clipped AdamW update of every parameter from the given gradients. */
function updateOutputs(
  groups: readonly ResolvedGroup[],
  grads: ReadonlyMap<string, Tensor>,
  opt: AdamWConfig,
  decay: (p: Parameter) => boolean,
): Record<string, Tensor> {
  const ordered = groups.flatMap((g) => g.params.map((p) => grads.get(p.name)!));
  const { norm, factor } = clipFactor(ordered, opt.maxGradNorm);
  const s = scalarInputs(groups);
  const outputs: Record<string, Tensor> = { grad_norm: norm };
  for (const group of groups) {
    for (const p of group.params) {
      const m = input(`m.${p.name}`, "float32", p.shape);
      const v = input(`v.${p.name}`, "float32", p.shape);
      const scalars = { alpha: s.alpha.get(group.name)!, keep: s.keep.get(group.name)!, epsHat: s.epsHat, clip: factor };
      const next = adamwGraphUpdate(p.tensor, grads.get(p.name)!, m, v, scalars, { ...opt, weightDecay: group.weightDecay }, decay(p));
      outputs[`new.p.${p.name}`] = next.p;
      outputs[`new.m.${p.name}`] = next.m;
      outputs[`new.v.${p.name}`] = next.v;
    }
  }
  return outputs;
}

/**
 * Builds the training program (loss, gradients and, for "graph", the AdamW update) and opens its
 * session. The parameter store is updated in place after every step. Gradient accumulation uses
 * two more programs, built on first use: one adds a micro-batch's weighted gradients to running
 * sums, one applies the update from those sums.
 */
export async function createTrainer(config: TrainerConfig): Promise<Trainer> {
  const update = config.update ?? "graph";
  const opt = config.optimizer ?? {};
  const params = config.params.list();
  if (params.length === 0) throw new Error("createTrainer: the parameter store is empty");
  if (config.loss.rank !== 0 || config.loss.dtype !== "float32")
    throw new Error(`createTrainer: loss must be a float32 scalar, got ${config.loss}`);
  const decay = config.decay ?? ((p: Parameter) => p.shape.length >= 2);
  const groups = resolveGroups(params, config.groups ?? [], {
    schedule: config.schedule,
    weightDecay: opt.weightDecay ?? ADAMW_DEFAULTS.weightDecay,
  });
  // Refuse before building anything when the trained parameters, their moments and gradients
  // alone cannot fit (activations depend on the batch: see planMemory for the whole estimate).
  const trainedBytes = 4 * config.params.count();
  const stateBytes = trainedBytes * (update === "graph" ? 6 : 4);
  if (config.runtime.device === "cpu" && stateBytes > freemem())
    throw new Error(
      `createTrainer${config.name ? ` (${config.name})` : ""}: ${config.params.count()} trained parameters need ${(stateBytes / 2 ** 30).toFixed(2)} GB for values, AdamW moments and gradients (${update} update) before any activation, but only ${(freemem() / 2 ** 30).toFixed(2)} GB of RAM is free`,
    );
  const groupOf = new Map(groups.flatMap((g) => g.params.map((p) => [p.name, g] as const)));
  const gradList = grad(
    config.loss,
    params.map((p) => p.tensor),
  );
  const grads = new Map(params.map((p, i) => [p.name, gradList[i]!]));
  const metricOutputs: Record<string, Tensor> = {};
  for (const [k, t] of Object.entries(config.metrics ?? {})) metricOutputs[`metric.${k}`] = t;

  const outputs: Record<string, Tensor> = { loss: config.loss, ...metricOutputs };
  if (update === "graph") Object.assign(outputs, updateOutputs(groups, grads, opt, decay));
  else {
    outputs.grad_norm = clipFactor(gradList, undefined).norm;
    for (const p of params) outputs[`grad.${p.name}`] = grads.get(p.name)!;
  }
  const name = config.name ?? "train";
  const session = await config.runtime.session({ outputs, name });

  let state = new Map<string, Moments>(
    params.map((p) => [p.name, { m: new Float32Array(p.value.length), v: new Float32Array(p.value.length) }]),
  );
  let steps = 0;
  // Gradient accumulation: running weighted sums per parameter, their total weight, and losses.
  let acc: Map<string, Float32Array> | null = null;
  let accWeight = 0;
  let accLoss = 0;
  let accMetrics: Record<string, HostTensor> = {};
  let pending = 0;
  let accumulateSession: Session | undefined;
  let applySession: Session | undefined;

  const f32 = (x: number): HostTensor => ({ dtype: "float32", shape: [], data: Float32Array.of(x) });
  const lrs = () => Object.fromEntries(groups.map((g) => [g.name, g.schedule(steps)]));
  const optimizerFeeds = (rates: Record<string, number>): Record<string, HostTensor> => {
    const f: Record<string, HostTensor> = {};
    for (const g of groups) {
      const sc = fusedAdamwScalars(opt, steps + 1, rates[g.name]!, g.weightDecay);
      f[`opt.alpha.${g.name}`] = f32(sc.alpha);
      // A group without decayed parameters has no keep input in the program.
      if (g.params.some(decay) && g.weightDecay !== 0) f[`opt.keep.${g.name}`] = f32(sc.keep);
      f["opt.eps_hat"] = f32(sc.epsHat);
    }
    for (const p of params) {
      const st = state.get(p.name)!;
      f[`m.${p.name}`] = { dtype: "float32", shape: p.shape, data: st.m };
      f[`v.${p.name}`] = { dtype: "float32", shape: p.shape, data: st.v };
    }
    return f;
  };
  // The in-graph update writes the new p, m and v into pre-allocated buffers and the trainer swaps
  // them with the current ones (ping-pong): nothing is allocated or copied per step. Only buffers
  // the trainer allocated itself are recycled, so an array someone else put into the store (a
  // checkpoint's, another model's) is never overwritten.
  const owned = new WeakSet<Float32Array>();
  const fresh = (n: number) => {
    const a = new Float32Array(n);
    owned.add(a);
    return a;
  };
  for (const st of state.values()) {
    owned.add(st.m);
    owned.add(st.v);
  }
  let spare: Map<string, { p: Float32Array; m: Float32Array; v: Float32Array }> | null = null;
  const recycle = (a: Float32Array) => (owned.has(a) ? a : fresh(a.length));
  const updateTargets = (): Record<string, HostTensor> => {
    spare ??= new Map(params.map((p) => [p.name, { p: fresh(p.value.length), m: fresh(p.value.length), v: fresh(p.value.length) }]));
    const into: Record<string, HostTensor> = {};
    for (const p of params) {
      const b = spare.get(p.name)!;
      into[`new.p.${p.name}`] = { dtype: "float32", shape: p.shape, data: b.p };
      into[`new.m.${p.name}`] = { dtype: "float32", shape: p.shape, data: b.m };
      into[`new.v.${p.name}`] = { dtype: "float32", shape: p.shape, data: b.v };
    }
    return into;
  };
  /** Swaps the buffers the update just wrote with the current ones. */
  const adoptGraphUpdate = () => {
    for (const p of params) {
      const b = spare!.get(p.name)!;
      const st = state.get(p.name)!;
      const old = { p: recycle(p.value), m: recycle(st.m), v: recycle(st.v) };
      config.params.set(p.name, b.p);
      state.set(p.name, { m: b.m, v: b.v });
      spare!.set(p.name, old);
    }
  };
  // The host update's gradients land in one fixed buffer per parameter.
  let gradBuffers: Record<string, HostTensor> | null = null;
  const gradTargets = () =>
    (gradBuffers ??= Object.fromEntries(
      params.map((p) => [`grad.${p.name}`, { dtype: "float32" as const, shape: p.shape, data: new Float32Array(p.value.length) }]),
    ));
  /** The AdamW update on the host from gradients (already averaged) and their global norm. */
  const hostUpdate = (gradOf: (p: Parameter) => Float32Array, gradNorm: number, rates: Record<string, number>) => {
    const scale = opt.maxGradNorm === undefined ? 1 : Math.min(1, opt.maxGradNorm / (gradNorm + 1e-6));
    for (const p of params) {
      const group = groupOf.get(p.name)!;
      const sc = adamwScalars(opt, steps + 1, rates[group.name]!);
      const st = state.get(p.name)!;
      adamwHostUpdate(p.value, gradOf(p), st.m, st.v, { ...sc, scale }, { ...opt, weightDecay: group.weightDecay }, decay(p));
    }
  };
  const primaryLr = (rates: Record<string, number>) => rates[DEFAULT_GROUP] ?? rates[groups[0]!.name]!;
  // A parameter the loss does not read (e.g. a value head under RLOO) has a zero gradient and is no
  // input of the gradient-only programs (accumulate, host update): feed each program only the
  // parameters it reads.
  const paramFeedsOf = (s: Session): Record<string, HostTensor> => {
    const feeds = config.params.feeds();
    const reads = new Set(s.program.inputs.map((i) => i.name));
    return Object.fromEntries(Object.entries(feeds).filter(([name]) => reads.has(name)));
  };
  const metricsOf = (out: Record<string, HostTensor>) =>
    Object.fromEntries(Object.keys(config.metrics ?? {}).map((k) => [k, out[`metric.${k}`]!]));

  return {
    session,
    update,
    groups,
    get steps() {
      return steps;
    },
    get pending() {
      return pending;
    },
    moments: () => state,
    state: () => ({
      step: steps,
      moments: new Map([...state].map(([k, s]) => [k, { m: Float32Array.from(s.m), v: Float32Array.from(s.v) }])),
    }),
    loadState(saved) {
      if (pending) throw new Error(`loadState: ${pending} accumulated micro-batch(es) not applied yet`);
      const next = new Map<string, Moments>();
      for (const p of params) {
        const s = saved.moments.get(p.name);
        if (!s) throw new Error(`loadState: no moments for parameter "${p.name}"`);
        if (s.m.length !== p.value.length || s.v.length !== p.value.length)
          throw new Error(`loadState: moments of "${p.name}" have ${s.m.length}/${s.v.length} values, the parameter has ${p.value.length}`);
        next.set(p.name, { m: Float32Array.from(s.m), v: Float32Array.from(s.v) });
        owned.add(next.get(p.name)!.m);
        owned.add(next.get(p.name)!.v);
      }
      const extra = [...saved.moments.keys()].filter((k) => !next.has(k));
      if (extra.length) throw new Error(`loadState: moments for unknown parameter(s) ${extra.map((k) => JSON.stringify(k)).join(", ")}`);
      if (!Number.isInteger(saved.step) || saved.step < 0)
        throw new Error(`loadState: step must be a non-negative integer, got ${saved.step}`);
      state = next;
      steps = saved.step;
    },

    async step(feeds) {
      if (pending) throw new Error(`step: ${pending} accumulated micro-batch(es) are waiting for apply()`);
      const t0 = performance.now();
      const ort0 = session.stats.ortMs;
      const rates = lrs();
      const all: Record<string, HostTensor> = { ...feeds, ...paramFeedsOf(session) };
      if (update === "graph") Object.assign(all, optimizerFeeds(rates));
      const out = await session.run(all, undefined, update === "graph" ? updateTargets() : gradTargets());
      const gradNorm = Number(out.grad_norm!.data[0]);
      if (update === "graph") adoptGraphUpdate();
      else hostUpdate((p) => out[`grad.${p.name}`]!.data as Float32Array, gradNorm, rates);
      steps++;
      const total = performance.now() - t0;
      const ort = session.stats.ortMs - ort0;
      return {
        step: steps,
        loss: Number(out.loss!.data[0]),
        lr: primaryLr(rates),
        lrs: rates,
        gradNorm,
        metrics: metricsOf(out),
        ms: { total, ort, host: total - ort },
      };
    },

    async accumulate(feeds, weight = 1) {
      if (!(weight > 0) || !Number.isFinite(weight)) throw new Error(`accumulate: weight must be a positive number, got ${weight}`);
      const t0 = performance.now();
      if (!accumulateSession) {
        const w = input("acc.weight", "float32", []);
        const outs: Record<string, Tensor> = { loss: config.loss, ...metricOutputs };
        for (const p of params) outs[`new.acc.${p.name}`] = input(`acc.${p.name}`, "float32", p.shape).add(grads.get(p.name)!.mul(w));
        accumulateSession = await config.runtime.session({ outputs: outs, name: `${name}:accumulate` });
      }
      const ort0 = accumulateSession.stats.ortMs;
      const sums = acc ?? new Map(params.map((p) => [p.name, new Float32Array(p.value.length)]));
      const all: Record<string, HostTensor> = { ...feeds, ...paramFeedsOf(accumulateSession), "acc.weight": f32(weight) };
      for (const p of params) all[`acc.${p.name}`] = { dtype: "float32", shape: p.shape, data: sums.get(p.name)! };
      const out = await accumulateSession.run(all);
      acc = new Map(params.map((p) => [p.name, out[`new.acc.${p.name}`]!.data as Float32Array]));
      const loss = Number(out.loss!.data[0]);
      accWeight += weight;
      accLoss += weight * loss;
      accMetrics = metricsOf(out);
      pending++;
      const total = performance.now() - t0;
      const ort = accumulateSession.stats.ortMs - ort0;
      return { loss, metrics: accMetrics, ms: { total, ort, host: total - ort } };
    },

    async apply() {
      if (!acc || pending === 0) throw new Error("apply: no micro-batch accumulated (call accumulate first)");
      const t0 = performance.now();
      const rates = lrs();
      const scale = 1 / accWeight;
      let gradNorm: number;
      let ort = 0;
      if (update === "graph") {
        if (!applySession) {
          const gscale = input("acc.scale", "float32", []);
          const mean = new Map(params.map((p) => [p.name, input(`acc.${p.name}`, "float32", p.shape).mul(gscale)]));
          applySession = await config.runtime.session({ outputs: updateOutputs(groups, mean, opt, decay), name: `${name}:apply` });
        }
        const ort0 = applySession.stats.ortMs;
        const all: Record<string, HostTensor> = { ...config.params.feeds(), ...optimizerFeeds(rates), "acc.scale": f32(scale) };
        for (const p of params) all[`acc.${p.name}`] = { dtype: "float32", shape: p.shape, data: acc.get(p.name)! };
        const out = await applySession.run(all, undefined, updateTargets());
        ort = applySession.stats.ortMs - ort0;
        gradNorm = Number(out.grad_norm!.data[0]);
        adoptGraphUpdate();
      } else {
        const mean = new Map<string, Float32Array>();
        let sq = 0;
        for (const p of params) {
          const g = Float32Array.from(acc.get(p.name)!, (x) => x * scale);
          for (const x of g) sq += x * x;
          mean.set(p.name, g);
        }
        gradNorm = Math.sqrt(sq);
        hostUpdate((p) => mean.get(p.name)!, gradNorm, rates);
      }
      steps++;
      const loss = accLoss / accWeight;
      const metrics = accMetrics;
      acc = null;
      accWeight = 0;
      accLoss = 0;
      accMetrics = {};
      pending = 0;
      const total = performance.now() - t0;
      return { step: steps, loss, lr: primaryLr(rates), lrs: rates, gradNorm, metrics, ms: { total, ort, host: total - ort } };
    },
  };
}
