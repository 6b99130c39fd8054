/**
 * DMoERM's outer router (Quan 2024, section 3.1): a classifier that sends a prompt to its task
 * category's inner model. The paper fine-tunes an LLM on prompts labelled with their category; here
 * the classifier is a softmax regression over the prompt's bag of words (word counts over the
 * task vocabulary, divided by the prompt's length), trained with cross-entropy on the training
 * prompts' categories and scored on held-out prompts. The built-in task's prompts name their
 * category in their wording, so a linear model over words is the right size of classifier: what
 * matters is that routing is learned from labelled prompts and its held-out accuracy is measured,
 * not read from the task's answer key.
 */
import {
  ParameterStore,
  constantSchedule,
  createTrainer,
  input,
  softmaxCrossEntropy,
  type Rng,
  type Runtime,
  type Tensor,
} from "@goodhart/engine";

export interface RouterExample {
  /** Token ids of the prompt's words (any order; counted). */
  tokens: readonly number[];
  /** Index into the router's categories. */
  category: number;
}

export interface RouterTrainingOptions {
  epochs?: number;
  batchSize?: number;
  lr?: number;
  signal?: AbortSignal;
}

export const ROUTER_TRAINING_DEFAULTS: Required<Omit<RouterTrainingOptions, "signal">> = { epochs: 5, batchSize: 64, lr: 0.1 };

/** A softmax regression over bags of words: (B, V) -> logits (B, K). */
export class CategoryRouter {
  readonly store: ParameterStore;
  private readonly w: Tensor;
  private readonly b: Tensor;

  constructor(
    readonly categories: readonly string[],
    readonly vocabSize: number,
    seed: number,
  ) {
    if (categories.length < 2) throw new RangeError(`DMoERM router: needs at least 2 categories; got ${categories.length}`);
    this.store = new ParameterStore(seed);
    this.w = this.store.param("router.w", [vocabSize, categories.length], { kind: "normal", std: 0.01 });
    this.b = this.store.param("router.b", [categories.length], { kind: "zeros" });
  }

  logits(features: Tensor): Tensor {
    return features.matmul(this.w).add(this.b);
  }

  /** Bags of words, one row per prompt: counts / length, so long and short prompts weigh alike. */
  features(prompts: readonly (readonly number[])[]): Float32Array {
    const V = this.vocabSize;
    const out = new Float32Array(prompts.length * V);
    prompts.forEach((tokens, i) => {
      for (const t of tokens) {
        if (!(Number.isInteger(t) && t >= 0 && t < V))
          throw new RangeError(`DMoERM router: token id ${t} outside the vocabulary [0, ${V})`);
        out[i * V + t]! += 1 / tokens.length;
      }
    });
    return out;
  }
}

/** Trains the router on labelled prompts; returns the training accuracy of the last epoch. */
export async function trainRouter(
  runtime: Runtime,
  router: CategoryRouter,
  data: readonly RouterExample[],
  order: Rng,
  options: RouterTrainingOptions = {},
): Promise<{ finalLoss: number; finalAccuracy: number }> {
  const o = { ...ROUTER_TRAINING_DEFAULTS, ...options };
  if (data.length === 0) throw new RangeError("DMoERM router: no prompts to train on");
  const K = router.categories.length;
  for (const [i, d] of data.entries())
    if (!(Number.isInteger(d.category) && d.category >= 0 && d.category < K))
      throw new RangeError(`DMoERM router: prompt ${i} has category index ${d.category}, outside [0, ${K})`);
  const V = router.vocabSize;
  const x = input("features", "float32", ["batch", V]);
  const y = input("category", "int64", ["batch"]);
  const logits = router.logits(x);
  const trainer = await createTrainer({
    runtime,
    params: router.store,
    loss: softmaxCrossEntropy(logits, y),
    metrics: { accuracy: logits.argmax(-1).eq(y).cast("float32").mean() },
    name: "dmoerm-router",
    optimizer: { weightDecay: 0 },
    schedule: constantSchedule(o.lr),
  });
  const steps = Math.ceil(data.length / o.batchSize);
  let finalLoss = NaN;
  let finalAccuracy = NaN;
  for (let e = 0; e < o.epochs; e++) {
    const perm = order.permutation(data.length);
    let l = 0;
    let a = 0;
    for (let s = 0; s < steps; s++) {
      o.signal?.throwIfAborted();
      const batch = perm.slice(s * o.batchSize, (s + 1) * o.batchSize).map((i) => data[i]!);
      const r = await trainer.step({
        features: { dtype: "float32", shape: [batch.length, V], data: router.features(batch.map((b) => b.tokens)) },
        category: { dtype: "int64", shape: [batch.length], data: BigInt64Array.from(batch, (b) => BigInt(b.category)) },
      });
      if (!Number.isFinite(r.loss)) throw new Error(`DMoERM router training diverged (loss ${r.loss})`);
      l += r.loss;
      a += Number(r.metrics.accuracy!.data[0]);
    }
    finalLoss = l / steps;
    finalAccuracy = a / steps;
  }
  return { finalLoss, finalAccuracy };
}

/** The category index the router picks for each prompt (argmax of its logits). */
export async function routePrompts(runtime: Runtime, router: CategoryRouter, prompts: readonly (readonly number[])[]): Promise<number[]> {
  if (prompts.length === 0) return [];
  const V = router.vocabSize;
  const session = await runtime.session({
    name: "dmoerm-router-predict",
    outputs: { category: router.logits(input("features", "float32", ["batch", V])).argmax(-1) },
  });
  const out = await session.run({
    ...router.store.feeds(),
    features: { dtype: "float32", shape: [prompts.length, V], data: router.features(prompts) },
  });
  return Array.from(out.category!.data as BigInt64Array, (v) => Number(v));
}
