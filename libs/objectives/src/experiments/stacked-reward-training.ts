/**
 * Trains the M members of one reward ensemble (same architecture, same comparisons, own seeds and
 * data orders) as one program: StackedRewardModels carries a leading member axis on every
 * parameter, so one ONNX Runtime run per step trains all M members. The demo's proxies are so small
 * that a step's time is mostly per-op dispatch, which this pays once instead of M times.
 *
 * Each member is still trained exactly as trainRewardModel trains it alone: its own weight init and
 * data order, its own Bradley-Terry loss (the program minimises the sum of the members' losses, and
 * member m's parameters only reach member m's loss), its gradient clipped by the norm over its own
 * parameters, and AdamW on its own moments. Results agree with separate training up to float
 * rounding (a batched GEMM sums in another order; a member's batch is padded to the longest row of
 * all members' batches, which masked attention ignores).
 */
import {
  RewardModel,
  StackedRewardModels,
  adamwGraphUpdate,
  cosineSchedule,
  dimMul,
  fusedAdamwScalars,
  grad,
  input,
  padTokens,
  type HostTensor,
  type RewardModelConfig,
  type Runtime,
  type Tensor,
} from "@goodhart/engine";
import { initRewardTrunkFromLm } from "./reward-init.ts";
import {
  REWARD_TRAINING_DEFAULTS,
  trainRewardModel,
  type Comparison,
  type RewardTrainingOptions,
  type TrainedReward,
} from "./reward-training.ts";
import type { Gpt, Rng } from "@goodhart/engine";

/** How one member starts: as trainRewardModel's `init`. */
export interface MemberInit {
  seed: number;
  order: Rng;
  from?: Gpt;
}

function softplus(x: Tensor): Tensor {
  const abs = x.relu().add(x.neg().relu());
  return x.relu().add(abs.neg().exp().add(1).log());
}

/** The members' Bradley-Terry losses (M,) and batch accuracies (M,) on inputs pair_ids/pair_mask (M, 2, B, T), margin (M, B). */
function stackedLoss(stack: StackedRewardModels, centering: number): { losses: Tensor; accuracies: Tensor } {
  const M = stack.members;
  const ids = input("pair_ids", "int64", [M, 2, "batch", "seq"]);
  const mask = input("pair_mask", "bool", [M, 2, "batch", "seq"]);
  const rows = dimMul(2, "batch");
  const scores = stack.scores(ids.reshape([M, rows, "seq"]), mask.reshape([M, rows, "seq"])).reshape([M, 2, "batch"]);
  const chosen = scores.slice(1, 0, 1).reshape([M, "batch"]);
  const rejected = scores.slice(1, 1, 2).reshape([M, "batch"]);
  const margin = input("margin", "float32", [M, "batch"]);
  const diff = chosen.sub(rejected); // (M, B)
  let losses = softplus(diff.sub(margin).neg()).mean([1]); // (M,)
  if (centering > 0) losses = losses.add(chosen.add(rejected).square().mean([1]).mul(centering));
  return { losses, accuracies: diff.gt(0).cast("float32").mean([1]) };
}

/** Member batches as one feed: every member's chosen and rejected rows padded to one length. */
function stackedFeeds(batches: readonly (readonly Comparison[])[], pad: number, marginScale: number): Record<string, HostTensor> {
  const M = batches.length;
  const B = batches[0]!.length;
  const rows = batches.flatMap((b) => [...b.map((p) => p.chosen), ...b.map((p) => p.rejected)]); // member-major, chosen first
  const padded = padTokens(rows, pad, "right"); // (M * 2B, T)
  const T = padded.ids.shape[1] as number;
  return {
    pair_ids: { dtype: "int64", shape: [M, 2, B, T], data: padded.ids.data },
    pair_mask: { dtype: "bool", shape: [M, 2, B, T], data: padded.mask.data },
    margin: { dtype: "float32", shape: [M, B], data: Float32Array.from(batches.flat(), (p) => marginScale * p.goldMargin) },
  };
}

/**
 * Trains one reward model per entry of `inits` on the same comparisons, all members in one program
 * (falls back to one trainRewardModel per member for architectures the stacked forward lacks).
 * Returns one TrainedReward per member, equal to what trainRewardModel would return up to rounding.
 */
export async function trainStackedRewardModels(
  runtime: Runtime,
  config: RewardModelConfig,
  data: readonly Comparison[],
  inits: readonly MemberInit[],
  options: RewardTrainingOptions & {
    padToken?: number;
    signal?: AbortSignal;
    onStep?: (member: number, step: number, loss: number, accuracy: number) => void;
  } = {},
): Promise<TrainedReward[]> {
  const o = { ...REWARD_TRAINING_DEFAULTS, ...options };
  if (data.length === 0) throw new RangeError("trainStackedRewardModels: no comparisons to train on");
  if (inits.length === 0) throw new RangeError("trainStackedRewardModels: no members to train");
  const models = inits.map((init) => {
    const model = new RewardModel(config, { seed: init.seed });
    if (init.from) initRewardTrunkFromLm(model, init.from);
    return model;
  });
  if (StackedRewardModels.unsupported(models[0]!.config) !== null) {
    const out: TrainedReward[] = [];
    for (const [m, init] of inits.entries())
      out.push(await trainRewardModel(runtime, config, data, init, { ...options, onStep: (s, l, a) => options.onStep?.(m, s, l, a) }));
    return out;
  }
  const M = models.length;
  const stack = StackedRewardModels.fromModels(models);
  const stepsPerEpoch = Math.ceil(data.length / o.batchSize);
  const total = stepsPerEpoch * o.epochs;
  const schedule = cosineSchedule({ lr: o.lr, warmupSteps: Math.ceil(0.1 * total), totalSteps: total, minLr: o.lr / 10 });
  const maxGradNorm = 1;
  const opt = { weightDecay: o.weightDecay, maxGradNorm };

  // The training program: losses, gradients, per-member clipping and the AdamW update.
  const { losses, accuracies } = stackedLoss(stack, o.centering);
  const params = stack.store.list();
  const grads = grad(
    losses.sum(),
    params.map((p) => p.tensor),
  );
  let sq: Tensor | null = null;
  for (const g of grads) {
    const s = g.square().sum(Array.from({ length: g.rank - 1 }, (_, i) => i + 1)); // (M,): this member's share of the norm
    sq = sq ? sq.add(s) : s;
  }
  const norms = sq!.sqrt(); // (M,)
  const factor = norms.add(1e-6).rdiv(maxGradNorm).clip(0, 1); // (M,), as clipFactor per member
  const alpha = input("opt.alpha", "float32", []);
  const keep = input("opt.keep", "float32", []);
  const epsHat = input("opt.eps_hat", "float32", []);
  const outputs: Record<string, Tensor> = { losses, accuracies, grad_norms: norms };
  params.forEach((p, i) => {
    const clip = factor.reshape([M, ...p.shape.slice(1).map(() => 1)]);
    const m = input(`m.${p.name}`, "float32", p.shape);
    const v = input(`v.${p.name}`, "float32", p.shape);
    // Decay as the trainer's default for a member's own parameter: rank >= 2 (not biases or gains).
    const next = adamwGraphUpdate(p.tensor, grads[i]!, m, v, { alpha, keep, epsHat, clip }, opt, p.shape.length - 1 >= 2);
    outputs[`new.p.${p.name}`] = next.p;
    outputs[`new.m.${p.name}`] = next.m;
    outputs[`new.v.${p.name}`] = next.v;
  });
  const session = await runtime.session({ outputs, name: "reward-bt-stacked" });
  const moments = new Map<string, { m: Float32Array; v: Float32Array }>(
    params.map((p) => [p.name, { m: new Float32Array(p.value.length), v: new Float32Array(p.value.length) }]),
  );
  const f32 = (x: number): HostTensor => ({ dtype: "float32", shape: [], data: Float32Array.of(x) });

  const finals = models.map(() => ({ loss: 0, accuracy: 0 }));
  let steps = 0;
  for (let epoch = 0; epoch < o.epochs; epoch++) {
    // Each member draws its own permutation from its own stream, as it would alone.
    const perms = inits.map((init) => init.order.permutation(data.length));
    const sums = models.map(() => ({ loss: 0, accuracy: 0 }));
    for (let s = 0; s < stepsPerEpoch; s++) {
      options.signal?.throwIfAborted();
      const batches = perms.map((perm) => perm.slice(s * o.batchSize, (s + 1) * o.batchSize).map((i) => data[i]!));
      const sc = fusedAdamwScalars(opt, steps + 1, schedule(steps), o.weightDecay);
      const feeds: Record<string, HostTensor> = {
        ...stackedFeeds(batches, options.padToken ?? 0, o.marginScale),
        ...stack.store.feeds(),
        "opt.alpha": f32(sc.alpha),
        "opt.eps_hat": f32(sc.epsHat),
      };
      if (o.weightDecay !== 0) feeds["opt.keep"] = f32(sc.keep); // without decay the program has no keep input
      for (const p of params) {
        const st = moments.get(p.name)!;
        feeds[`m.${p.name}`] = { dtype: "float32", shape: p.shape, data: st.m };
        feeds[`v.${p.name}`] = { dtype: "float32", shape: p.shape, data: st.v };
      }
      const out = await session.run(feeds);
      for (const p of params) {
        stack.store.set(p.name, out[`new.p.${p.name}`]!.data as Float32Array);
        moments.set(p.name, { m: out[`new.m.${p.name}`]!.data as Float32Array, v: out[`new.v.${p.name}`]!.data as Float32Array });
      }
      steps++;
      const l = out.losses!.data as Float32Array;
      const a = out.accuracies!.data as Float32Array;
      for (let m = 0; m < M; m++) {
        if (!Number.isFinite(l[m]!)) throw new Error(`reward model training diverged at step ${steps} (member ${m}, loss ${l[m]})`);
        sums[m]!.loss += l[m]!;
        sums[m]!.accuracy += a[m]!;
        options.onStep?.(m, steps, l[m]!, a[m]!);
      }
    }
    sums.forEach((s, m) => (finals[m] = { loss: s.loss / stepsPerEpoch, accuracy: s.accuracy / stepsPerEpoch }));
  }
  await session.release();
  stack.unstackInto(models);
  return models.map((model, m) => ({ model, steps: total, finalLoss: finals[m]!.loss, finalAccuracy: finals[m]!.accuracy }));
}
