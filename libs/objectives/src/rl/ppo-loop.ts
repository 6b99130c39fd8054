/**
 * The parts of an RL step that the RL study's learner (train.ts) and the constrained learner
 * (constrained/learner.ts) share: drawing the step's prompts and sampling them, whitening token
 * advantages over the whole batch, and PPO's epochs of shuffled minibatches. Each learner keeps its
 * own rewards, advantages and feeds; these helpers draw from the learner's Rng in the order the
 * learners always did, so runs stay bitwise what they were.
 */
import type { Gpt, HostTensor, Rng, Runtime, StepResult } from "@goodhart/engine";
import type { TaskPrompt } from "../task/prompts.ts";
import type { WordTokenizer } from "../task/word-tokenizer.ts";
import { whiten } from "./advantages.ts";
import { rowBatch, tokenFeed, type RowBatch } from "./policy.ts";
import { sampleRollout, type Rollout, type RolloutCodec } from "./rollout.ts";

/**
 * One step's rollout: `promptsPerStep` training prompts drawn with replacement, each repeated
 * `samplesPerPrompt` times, sampled with consecutive seeds from one drawn base.
 */
export function sampleStepRollout<P = TaskPrompt>(
  runtime: Runtime,
  sampler: Gpt,
  tokenizer: WordTokenizer | RolloutCodec<P>,
  train: readonly P[],
  c: { promptsPerStep: number; samplesPerPrompt: number },
  rng: Rng,
  signal?: AbortSignal,
): Promise<Rollout<P>> {
  const prompts: P[] = [];
  for (let i = 0; i < c.promptsPerStep; i++) {
    const p = train[rng.int(0, train.length)]!;
    for (let j = 0; j < c.samplesPerPrompt; j++) prompts.push(p);
  }
  const seedBase = rng.nextUint32();
  return sampleRollout(
    runtime,
    sampler,
    tokenizer,
    prompts,
    prompts.map((_, i) => seedBase + i),
    signal,
  );
}

/** Whitens per-sample token advantages in place, over every token of the batch at once. */
export function whitenTokens(adv: Float64Array[]): void {
  const flat = whiten(Float64Array.from(adv.flatMap((x) => [...x])));
  let o = 0;
  for (const x of adv) for (let t = 0; t < x.length; t++) x[t] = flat[o++]!;
}

/** A minibatch of rollout rows: its padded batch, and per-row token values picked into a feed. */
export interface PpoMinibatch {
  batch: RowBatch;
  pick: (perSample: Float64Array[]) => HostTensor;
}

/**
 * PPO's update loop: `epochs` passes, each over a fresh permutation of the rollout's rows split into
 * `minibatches` (the last may be short, an empty one is skipped); `update` runs one optimizer step.
 */
export async function ppoMinibatches(
  rollout: Rollout<unknown>,
  pad: number,
  ppo: { epochs: number; minibatches: number },
  rng: Rng,
  signal: AbortSignal | undefined,
  update: (mb: PpoMinibatch) => Promise<StepResult>,
): Promise<StepResult[]> {
  const n = rollout.completions.length;
  const out: StepResult[] = [];
  const size = Math.ceil(n / ppo.minibatches);
  for (let epoch = 0; epoch < ppo.epochs; epoch++) {
    const perm = rng.permutation(n);
    for (let m = 0; m < ppo.minibatches; m++) {
      const rows = perm.slice(m * size, (m + 1) * size);
      if (rows.length === 0) continue;
      signal?.throwIfAborted();
      const batch = rowBatch(
        rows.map((i) => rollout.promptIds[i]!),
        rows.map((i) => rollout.completions[i]!),
        pad,
      );
      const pick = (xs: Float64Array[]) =>
        tokenFeed(
          batch,
          rows.map((i) => xs[i]!),
        );
      out.push(await update({ batch, pick }));
    }
  }
  return out;
}
