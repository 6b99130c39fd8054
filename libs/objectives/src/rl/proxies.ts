/**
 * Proxy reward models for RL, trained the way the best-of-n study trains them: gold-labelled
 * comparisons of two base-policy samples per training prompt (labels flipped with probability
 * `labelNoise`), k members with their own seeds and data orders, the Bradley-Terry loss
 * (trainRewardModel), trunks copied from a language model of the proxy's size pretrained on the
 * task (pretrained-trunk init, cached), each member normalised to mean 0 / std 1 on base-policy
 * samples of the validation prompts (Coste et al.).
 */
import { Rng, hash64, type Gpt, type RewardModel, type Runtime } from "@goodhart/engine";
import { fitNormalisation, type Normalisation } from "../ensemble.ts";
import { labelByGold } from "../labels.ts";
import { samplePolicy, type PolicySample } from "../experiments/policy-samples.ts";
import { REWARD_TRAINING_DEFAULTS, trainRewardModel, type Comparison, type RewardTrainingOptions } from "../experiments/reward-training.ts";
import { basePolicyGptConfig, loadOrPretrainBasePolicy, type BasePolicySpec } from "../task/base-policy.ts";
import type { BuiltinTask } from "../task/task.ts";
import type { TaskPrompt } from "../task/prompts.ts";
import type { WordTokenizer } from "../task/word-tokenizer.ts";
import type { ModelSize } from "../kinds/bon-study/schema.ts";
import { memberScores } from "./rewards.ts";

export interface ProxySpec {
  size: ModelSize;
  /** Comparisons in the training set. */
  trainingSize: number;
  labelNoise: number;
  /** Ensemble members k (1 = a single RM). */
  members: number;
  seed: number;
}

export interface TrainedProxies {
  members: RewardModel[];
  normalisation: Normalisation;
  /** Each member's accuracy on gold-labelled validation pairs (clean labels, ties dropped). */
  validationAccuracy: number[];
  labelsFlipped: number;
  labelsKept: number;
}

export interface ProxyTrainingOptions {
  rmTraining?: RewardTrainingOptions;
  /** "pretrained" (default) or "scratch" trunks. */
  proxyInit?: "pretrained" | "scratch";
  /** Validation prompts of the normalisation reference and the accuracy pairs (default 100). */
  validationPrompts?: number;
  signal?: AbortSignal;
  onStep?: (member: number, step: number, loss: number) => void;
  /**
   * What labels the comparisons and the validation pairs (default: the gold total). Constrained
   * RLHF trains one reward model per gold component with `score` = that component.
   */
  label?: { name: string; score: (prompt: TaskPrompt, words: readonly string[]) => number };
  /**
   * Base-policy samples already drawn in this study, by draw (label, seed, prompts): proxies of
   * several sizes (or label noises) for one seed compare the very same samples, so a study passes
   * one map to every call and each draw is sampled once. Only for one base policy and task.
   */
  samples?: Map<string, PolicySample[]>;
}

function repeat(prompts: readonly TaskPrompt[], count: number): TaskPrompt[] {
  if (prompts.length === 0) throw new RangeError("proxy training: the task has no training prompts");
  return Array.from({ length: count }, (_, i) => prompts[i % prompts.length]!);
}

export async function trainProxies(
  runtime: Runtime,
  task: BuiltinTask,
  tokenizer: WordTokenizer,
  base: Gpt,
  policySpec: BasePolicySpec,
  spec: ProxySpec,
  cacheDir: string,
  options: ProxyTrainingOptions = {},
): Promise<TrainedProxies> {
  const seedOf = (label: string) => Number(new Rng(spec.seed).fork(label).nextUint32() % 1_000_000) * 1000;
  const trainPrompts = repeat(task.prompts.train, spec.trainingSize);
  const draw = async (prompts: TaskPrompt[], label: string): Promise<PolicySample[]> => {
    const key = `${label}/${seedOf(label)}/${prompts.length}`;
    const known = options.samples?.get(key);
    if (known) return known;
    const drawn = await samplePolicy(runtime, base, tokenizer, prompts, { seed: seedOf(label), signal: options.signal });
    options.samples?.set(key, drawn);
    return drawn;
  };
  const [a, b] = [await draw(trainPrompts, "proxy-train-a"), await draw(trainPrompts, "proxy-train-b")];
  const score = options.label?.score ?? ((prompt: TaskPrompt, words: readonly string[]) => task.gold(prompt, words).total);
  const goldOf = (s: PolicySample[]) => Float64Array.from(s, (x) => score(x.prompt, x.words));
  const [ga, gb] = [goldOf(a), goldOf(b)];
  const labelled = labelByGold(ga, gb, new Rng(spec.seed).fork(`label-noise-${spec.labelNoise}`), { noise: spec.labelNoise });
  const data: Comparison[] = labelled.labels.map((l) => {
    const [c, r] = l.chosen === 0 ? [a[l.pair]!, b[l.pair]!] : [b[l.pair]!, a[l.pair]!];
    return { chosen: c.sequence, rejected: r.sequence, goldMargin: l.margin };
  });

  const nVal = Math.max(1, Math.min(options.validationPrompts ?? 100, task.prompts.validation.length));
  const valPrompts = task.prompts.validation.slice(0, nVal);
  if (valPrompts.length === 0) throw new RangeError("proxy training: the task has no validation prompts (the normalisation reference)");
  const [va, vb] = [await draw(valPrompts, "proxy-validation-a"), await draw(valPrompts, "proxy-validation-b")];
  const valLabels = labelByGold(goldOf(va), goldOf(vb), new Rng(0), { noise: 0 }).labels;
  const reference = [...va, ...vb].map((s) => s.sequence);

  let trunk: Gpt | undefined;
  if ((options.proxyInit ?? "pretrained") === "pretrained") {
    const s = spec.size;
    trunk =
      s.layers === policySpec.layers && s.dModel === policySpec.dModel && s.heads === policySpec.heads
        ? base
        : (
            await loadOrPretrainBasePolicy(
              runtime,
              task,
              tokenizer,
              { ...policySpec, layers: s.layers, dModel: s.dModel, heads: s.heads },
              cacheDir,
              { signal: options.signal },
            )
          ).model;
  }
  const maxSeq = basePolicyGptConfig(policySpec, tokenizer.vocabSize).maxSeq ?? 64;
  const config = { vocab: tokenizer.vocabSize, maxSeq, dModel: spec.size.dModel, nHeads: spec.size.heads, nLayers: spec.size.layers };
  const members: RewardModel[] = [];
  for (let m = 0; m < spec.members; m++) {
    const trained = await trainRewardModel(
      runtime,
      config,
      data,
      {
        seed: Number(
          hash64(
            `rl-proxy/${spec.size.name}/${spec.trainingSize}/${spec.labelNoise}/${spec.seed}/member-${m}${options.label ? `/${options.label.name}` : ""}`,
          ) & 0x7fffffffn,
        ),
        order: new Rng(spec.seed).fork(`member-${m}`).fork("data-order"),
        ...(trunk ? { from: trunk } : {}),
      },
      {
        ...REWARD_TRAINING_DEFAULTS,
        ...options.rmTraining,
        padToken: tokenizer.special.pad,
        signal: options.signal,
        onStep: (step, loss) => options.onStep?.(m, step, loss),
      },
    );
    members.push(trained.model);
  }
  const refScores = await memberScores(runtime, members, reference, tokenizer.special.pad);
  const validationAccuracy = refScores.map((ref) => {
    let hits = 0;
    for (const l of valLabels) {
      const [c, r] = l.goldChosen === 0 ? [ref[l.pair]!, ref[nVal + l.pair]!] : [ref[nVal + l.pair]!, ref[l.pair]!];
      if (c > r) hits++;
    }
    return valLabels.length ? hits / valLabels.length : NaN;
  });
  return {
    members,
    normalisation: fitNormalisation(refScores),
    validationAccuracy,
    labelsFlipped: labelled.flippedCount,
    labelsKept: labelled.labels.length,
  };
}
