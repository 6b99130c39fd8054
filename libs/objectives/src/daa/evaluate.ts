/**
 * Evaluation of a direct-alignment policy at a checkpoint (Rafailov et al. 2024's measurements):
 *
 * - KL(pi || pi_ref) on held-out prompts, from completions sampled from pi: the exact per-token KL
 *   over the whole vocabulary summed over the completion (stored as "exact-token") and the k3
 *   estimate from the sampled tokens' log-ratios ("k3"), per prompt;
 * - gold win rate: each policy sample against the reference sample drawn for the same prompt and
 *   index (ties count one half), per prompt;
 * - gold gain: mean gold of the policy's samples minus the reference samples' on the same prompt
 *   (so the reference scores 0);
 * - on held-out gold-labelled pairs: the policy's summed log-probs of the chosen and rejected
 *   responses, and the implicit-reward accuracy (h > 0 for the gold-chosen side; |h| <= 1e-3 nats, float
 *   noise, counts one half).
 *
 * Every number is a mean with its standard error over prompts (pairs for the held-out numbers); the
 * per-prompt values are kept for the study's bootstrap intervals.
 */
import type { Gpt, Runtime } from "@goodhart/engine";
import { exactTokenKlGraph, KL_ESTIMATOR_NAMES, sequenceKl } from "../kl/index.ts";
import { meanAndSe } from "../stats/describe.ts";
import { MAX_COMPLETION_TOKENS } from "../task/base-policy.ts";
import type { BuiltinTask } from "../task/task.ts";
import type { TaskPrompt } from "../task/prompts.ts";
import type { WordTokenizer } from "../task/word-tokenizer.ts";
import { samplePolicy, type PolicySample } from "../experiments/policy-samples.ts";
import { sequenceFeeds, sequenceInputs, sequenceLogProbs, type ScoredSequence } from "./sequences.ts";

export const EXACT_KL_ESTIMATOR = KL_ESTIMATOR_NAMES.exact;
export const K3_KL_ESTIMATOR = KL_ESTIMATOR_NAMES.k3;

/** Margins |h| up to this many nats count as ties (half correct) in the implicit-reward accuracy. */
export const IMPLICIT_TIE_NATS = 1e-3;

/** A mean with its standard error and how many values (prompts or pairs) it averages. */
export interface DaaStat {
  mean: number;
  se: number;
  n: number;
}

/** A held-out comparison, chosen by gold (no noise), with the reference's log-probs. */
export interface DaaHeldOutPair {
  chosen: ScoredSequence;
  rejected: ScoredSequence;
  refChosen: number;
  refRejected: number;
}

/**
 * Another task's samples and gold (task/dataset/daa.ts: its tokenizer, generation and gold reward
 * model): `draw` samples the policy on the evaluation prompts (each `samplesPerPrompt` times, with
 * the same seeds at every checkpoint) and scores the samples with gold.
 */
export interface DaaSampler {
  pad: number;
  draw(policy: Gpt): Promise<{ sequences: ScoredSequence[]; gold: Float64Array }>;
}

/** What stays the same across every checkpoint of every run: the reference and its samples. */
export interface DaaEvaluationSetup {
  runtime: Runtime;
  /** The built-in task and its tokenizer (sampled with samplePolicy, scored by task.gold), unless `sampler` is given. */
  task?: BuiltinTask;
  tokenizer?: WordTokenizer;
  sampler?: DaaSampler;
  /** The frozen reference, placed under the prefix "ref." (so it can share a graph with the policy). */
  reference: Gpt;
  /** Evaluation prompts, each repeated `samplesPerPrompt` times in a row (a sampler's are its own). */
  prompts: readonly TaskPrompt[] | readonly string[];
  samplesPerPrompt: number;
  /** Base of the per-sample seeds of policy samples (the same at every checkpoint: common random numbers). */
  sampleSeed: number;
  /** Gold of the reference's samples, prompt-major like `prompts` x samplesPerPrompt. */
  referenceGold: Float64Array;
  heldOut: readonly DaaHeldOutPair[];
  signal?: AbortSignal;
}

export interface DaaEvaluation {
  step: number;
  /** Training progress in epochs (step / steps per epoch). */
  epochFraction: number;
  kl: DaaStat;
  klK3: DaaStat;
  winRate: DaaStat;
  goldGain: DaaStat;
  implicitAccuracy: DaaStat;
  chosenLogp: DaaStat;
  rejectedLogp: DaaStat;
  /** Mean implicit reward beta (ln pi - ln pi_ref) of the policy's own samples (= beta x the k1 KL). */
  implicitReward: DaaStat;
  /** Per prompt (KL, win rate, gold gain) and per held-out pair (log-probs, accuracy): what bootstraps resample. */
  perPrompt: { kl: number[]; winRate: number[]; goldGain: number[] };
  perPair: { chosenLogp: number[]; rejectedLogp: number[]; correct: number[] };
}

function stat(values: ArrayLike<number>): DaaStat {
  const s = meanAndSe(values);
  return { mean: s.mean, se: s.se, n: s.count };
}

/** The scored form of a sample: the end token counts only when the policy produced it. */
export function scoredSample(s: PolicySample, tokenizer: WordTokenizer): ScoredSequence {
  const promptLength = tokenizer.promptIds(s.prompt.words).length;
  const body = s.sequence.length - promptLength; // completion tokens + the closing <eos>
  return { tokens: s.sequence, promptLength, endScored: body - 1 < MAX_COMPLETION_TOKENS };
}

/** Per-sequence exact and k3 KL of sampled sequences between a policy (no prefix) and the reference ("ref."). */
async function sampledKl(
  setup: DaaEvaluationSetup,
  policy: Gpt,
  rows: readonly ScoredSequence[],
): Promise<{ exact: Float64Array; k1: Float64Array; k3: Float64Array }> {
  const x = sequenceInputs("batch");
  const pLogits = policy.logits(x.ids, { mask: x.mask });
  const qLogits = setup.reference.logits(x.ids, { mask: x.mask });
  const session = await setup.runtime.session({
    name: "daa-kl",
    outputs: {
      exact: exactTokenKlGraph(pLogits, qLogits),
      logP: pLogits.logSoftmax(-1).gatherLast(x.targets),
      logQ: qLogits.logSoftmax(-1).gatherLast(x.targets),
    },
  });
  const params = { ...policy.store.feeds(), ...setup.reference.store.feeds() };
  const out = { exact: new Float64Array(rows.length), k1: new Float64Array(rows.length), k3: new Float64Array(rows.length) };
  const batchSize = 128;
  for (let start = 0; start < rows.length; start += batchSize) {
    const batch = rows.slice(start, start + batchSize);
    const feeds = sequenceFeeds(batch, padOf(setup));
    const { weights: _unused, ...graphFeeds } = feeds; // weights pick the completion positions on the host
    const r = await session.run({ ...params, ...graphFeeds });
    const [, T] = feeds.ids.shape as [number, number];
    const w = feeds.weights.data as Float32Array;
    const [ex, lp, lq] = [r.exact!.data, r.logP!.data, r.logQ!.data] as Float32Array[];
    batch.forEach((_, b) => {
      const idx: number[] = [];
      for (let t = 0; t < T; t++) if (w[b * T + t]! > 0) idx.push(b * T + t);
      const kl = sequenceKl(
        idx.map((i) => ex![i]!),
        idx.map((i) => lp![i]!),
        idx.map((i) => lq![i]!),
      );
      out.exact[start + b] = kl.exact;
      out.k1[start + b] = kl.k1;
      out.k3[start + b] = kl.k3;
    });
  }
  return out;
}

function padOf(setup: DaaEvaluationSetup): number {
  if (setup.sampler) return setup.sampler.pad;
  if (!setup.tokenizer) throw new Error("daa evaluation: the setup has neither a sampler nor the built-in task's tokenizer");
  return setup.tokenizer.special.pad;
}

/** The built-in task's samples of `policy` on the evaluation prompts, scored by its gold. */
async function drawBuiltin(setup: DaaEvaluationSetup, policy: Gpt): Promise<{ sequences: ScoredSequence[]; gold: Float64Array }> {
  const { task, tokenizer, samplesPerPrompt: m } = setup;
  if (!task || !tokenizer) throw new Error("daa evaluation: the setup has neither a sampler nor the built-in task");
  const repeated = (setup.prompts as readonly TaskPrompt[]).flatMap((p) => Array.from({ length: m }, () => p));
  const samples = await samplePolicy(setup.runtime, policy, tokenizer, repeated, { seed: setup.sampleSeed, signal: setup.signal });
  return {
    sequences: samples.map((s) => scoredSample(s, tokenizer)),
    gold: Float64Array.from(samples, (s) => task.gold(s.prompt, s.words).total),
  };
}

/** Evaluates `policy` (a plain Gpt without prefix) at one checkpoint. */
export async function evaluateDaaPolicy(
  setup: DaaEvaluationSetup,
  policy: Gpt,
  at: { step: number; epochFraction: number; beta: number },
): Promise<DaaEvaluation> {
  const m = setup.samplesPerPrompt;
  const { sequences, gold } = setup.sampler ? await setup.sampler.draw(policy) : await drawBuiltin(setup, policy);
  const kl = await sampledKl(setup, policy, sequences);
  const P = setup.prompts.length;
  const perPrompt = { kl: [] as number[], k3: [] as number[], k1: [] as number[], winRate: [] as number[], goldGain: [] as number[] };
  for (let p = 0; p < P; p++) {
    let klSum = 0;
    let k3Sum = 0;
    let k1Sum = 0;
    let wins = 0;
    let gain = 0;
    for (let j = p * m; j < (p + 1) * m; j++) {
      klSum += kl.exact[j]!;
      k3Sum += kl.k3[j]!;
      k1Sum += kl.k1[j]!;
      const diff = gold[j]! - setup.referenceGold[j]!;
      wins += diff > 0 ? 1 : diff === 0 ? 0.5 : 0;
      gain += diff;
    }
    perPrompt.kl.push(klSum / m);
    perPrompt.k3.push(k3Sum / m);
    perPrompt.k1.push(k1Sum / m);
    perPrompt.winRate.push(wins / m);
    perPrompt.goldGain.push(gain / m);
  }
  // Held-out pairs under the policy.
  const held = setup.heldOut;
  const lp = held.length
    ? await sequenceLogProbs(setup.runtime, policy, [...held.map((h) => h.chosen), ...held.map((h) => h.rejected)], {
        pad: padOf(setup),
      })
    : new Float64Array(0);
  const perPair = { chosenLogp: [] as number[], rejectedLogp: [] as number[], correct: [] as number[] };
  held.forEach((h, i) => {
    const c = lp[i]!;
    const r = lp[held.length + i]!;
    perPair.chosenLogp.push(c);
    perPair.rejectedLogp.push(r);
    // |h| within float32 noise of the summed log-probs (the policy at step 0 is the reference) is a tie.
    const margin = c - h.refChosen - (r - h.refRejected);
    perPair.correct.push(Math.abs(margin) <= IMPLICIT_TIE_NATS ? 0.5 : margin > 0 ? 1 : 0);
  });
  return {
    step: at.step,
    epochFraction: at.epochFraction,
    kl: stat(perPrompt.kl),
    klK3: stat(perPrompt.k3),
    winRate: stat(perPrompt.winRate),
    goldGain: stat(perPrompt.goldGain),
    implicitAccuracy: stat(perPair.correct),
    chosenLogp: stat(perPair.chosenLogp),
    rejectedLogp: stat(perPair.rejectedLogp),
    implicitReward: stat(perPrompt.k1.map((v) => at.beta * v)),
    perPrompt: { kl: perPrompt.kl, winRate: perPrompt.winRate, goldGain: perPrompt.goldGain },
    perPair,
  };
}
