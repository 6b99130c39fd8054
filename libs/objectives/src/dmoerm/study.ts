/**
 * The DMoERM study on the built-in task (Quan 2024), compared with a single RM and a k-member
 * ensemble trained on the same overall labels.
 *
 * Data: pairs of base-policy completions for training prompts (train) and for test prompts (test;
 * no model sees a test prompt). Labels come from the synthetic labeler's rule: capability labels
 * from one gold component each, overall labels from the gold total, each flipped with its noise by
 * the one flipper. Evaluation: agreement with the test pairs' gold overall labels (ties dropped).
 *
 * Models, all from the pretrained base policy's trunk:
 *  - single RM: trained on every training pair's overall label;
 *  - ensemble: k RMs trained like the single one with other seeds and data orders, mean score;
 *  - DMoERM: the outer router sends a prompt to its task category (rule-based: the built-in task
 *    knows each prompt's category); per category an inner model: the single RM as base (phase 1,
 *    the "base RM" of the paper is a trained RM), one LoRA expert per capability on that
 *    category's capability labels (phase 2), an MLP over the experts' hidden states on that
 *    category's overall labels (phase 3).
 */
import { Rng, type RewardModelConfig, rewardScores } from "@goodhart/engine";
import { labelByGold } from "../labels.ts";
import { bootstrapMany, excludesZero, type BootstrapInterval } from "../stats/bootstrap.ts";
import { GOLD_COMPONENTS, type GoldComponent, type GoldScore } from "../task/gold.ts";
import { createTask } from "../task/task.ts";
import { WordTokenizer } from "../task/word-tokenizer.ts";
import { basePolicyGptConfig, loadOrPretrainBasePolicy } from "../task/base-policy.ts";
import { samplePolicy, type PolicySample } from "../experiments/policy-samples.ts";
import { trainRewardModel, type Comparison } from "../experiments/reward-training.ts";
import type { ExperimentContext } from "../experiments/sink.ts";
import { ProgressTracker } from "../experiments/progress.ts";
import {
  AggregatorMlp,
  aggregatorScores,
  expertFeatures,
  trainAggregator,
  trainCapabilityExpert,
  type CapabilityExpert,
} from "./inner-model.ts";

export interface DmoermConfig {
  name: string;
  task: { seed: number; prompts: { train: number; validation: number; test: number } };
  basePolicy: { layers: number; dModel: number; heads: number; pretrainSteps: number };
  /** Training pairs (one per training prompt, cycling). */
  trainPairs: number;
  /** Held-out test pairs (one per test prompt, cycling). */
  testPairs: number;
  /** Flip probability of the capability labels and of the overall labels. */
  noise: { capability: number; overall: number };
  capabilities: GoldComponent[];
  ensembleSize: number;
  lora: { rank: number };
  mlpHidden: number;
  training: { epochs: number; batchSize: number; lr: number };
  bootstrapReplicates: number;
}

export const DMOERM_DEFAULTS: DmoermConfig = {
  name: "dmoerm",
  task: { seed: 0, prompts: { train: 2000, validation: 200, test: 200 } },
  basePolicy: { layers: 2, dModel: 64, heads: 4, pretrainSteps: 2000 },
  trainPairs: 2000,
  testPairs: 600,
  noise: { capability: 0.1, overall: 0.25 },
  capabilities: [...GOLD_COMPONENTS],
  ensembleSize: 5,
  lora: { rank: 4 },
  mlpHidden: 32,
  training: { epochs: 3, batchSize: 64, lr: 5e-3 },
  bootstrapReplicates: 1000,
};

export interface DmoermResult {
  study: string;
  trainPairs: number;
  /** Test pairs with a strict gold preference (the evaluation set). */
  testPairs: number;
  dmoerm_agreement: BootstrapInterval;
  single_rm_agreement: BootstrapInterval;
  ensemble_agreement: BootstrapInterval;
  dmoerm_minus_single_agreement: BootstrapInterval & { holds: boolean };
  dmoerm_minus_ensemble_agreement: BootstrapInterval & { holds: boolean };
  /** Per category: test pairs and DMoERM's agreement there. */
  categories: { category: string; trainPairs: number; testPairs: number; dmoermAgreement: number; singleAgreement: number }[];
  timings: Record<string, number>;
}

/** 1 when the scores order the pair like the label (chosen = 0: first), 0.5 on a tie, else 0. */
function hit(a: number, b: number, chosen: 0 | 1): number {
  if (a === b) return 0.5;
  return a > b === (chosen === 0) ? 1 : 0;
}

export async function runDmoermStudy(config: DmoermConfig, context: ExperimentContext): Promise<DmoermResult> {
  const { runtime, sink, signal } = context;
  const started = performance.now();
  const timings: Record<string, number> = {};
  const lap = (name: string, since: number) => (timings[name] = (performance.now() - since) / 1000);
  const log = (m: string) => sink.log(m);
  const task = createTask(config.task.seed, { prompts: config.task.prompts });
  const tokenizer = new WordTokenizer(task.vocabulary);
  // Rough seconds per unit on two cores: only the ratios matter for the ETA.
  const rmSteps = Math.ceil(config.trainPairs / config.training.batchSize) * config.training.epochs;
  const tracker = new ProgressTracker(
    [
      { phase: "pretrain", units: config.basePolicy.pretrainSteps, secondsPerUnit: 0.15 },
      { phase: "sampling", units: 2 * (config.trainPairs + config.testPairs), secondsPerUnit: 0.01 },
      { phase: "reward models", units: config.ensembleSize, secondsPerUnit: rmSteps * 0.2 },
      {
        phase: "experts",
        units: task.categories.length * config.capabilities.length,
        secondsPerUnit: (rmSteps / task.categories.length) * 0.2,
      },
    ],
    sink,
  );
  const progress = (phase: string, done: number, total: number) => tracker.update(phase, done, total);

  // 1. The base policy (cached) and its samples.
  let t = performance.now();
  const policySpec = { ...config.basePolicy, seed: config.task.seed };
  const policy = await loadOrPretrainBasePolicy(runtime, task, tokenizer, policySpec, context.cacheDir, {
    signal,
    onStep: (s, n) => progress("pretrain", s, n),
  });
  sink.checkpoint({
    name: "base-policy",
    kind: "policy",
    path: policy.path,
    hash: policy.hash,
    config: { ...basePolicyGptConfig(policySpec, tokenizer.vocabSize), cached: policy.cached },
  });
  if (policy.cached) tracker.skip("pretrain");
  lap("pretrain", t);
  t = performance.now();
  const cycle = <T>(xs: readonly T[], n: number) => Array.from({ length: n }, (_, i) => xs[i % xs.length]!);
  const trainPrompts = cycle(task.prompts.train, config.trainPairs);
  const testPrompts = cycle(task.prompts.test, config.testPairs);
  const seedOf = (label: string) => Number(new Rng(context.seed).fork(label).nextUint32() % 1_000_000) * 1000;
  let sampled = 0;
  const draw = (prompts: typeof trainPrompts, label: string) =>
    samplePolicy(runtime, policy.model, tokenizer, prompts, {
      seed: seedOf(label),
      signal,
      onBatch: (d) => progress("sampling", sampled + d, 2 * (config.trainPairs + config.testPairs)),
    }).then((x) => {
      sampled += x.length;
      return x;
    });
  const [trainA, trainB, testA, testB] = [
    await draw(trainPrompts, "train-a"),
    await draw(trainPrompts, "train-b"),
    await draw(testPrompts, "test-a"),
    await draw(testPrompts, "test-b"),
  ];
  lap("sampling", t);
  const golds = (s: PolicySample[]): GoldScore[] => s.map((x) => task.gold(x.prompt, x.words));
  const [gTrainA, gTrainB, gTestA, gTestB] = [golds(trainA), golds(trainB), golds(testA), golds(testB)];

  // 2. Labels: overall and per capability, with noise; test labels clean.
  const rng = new Rng(context.seed).fork("dmoerm-labels");
  const pairsOf = (
    labels: ReturnType<typeof labelByGold>["labels"],
    a: PolicySample[],
    b: PolicySample[],
    ga: number[],
    gb: number[],
  ): (Comparison & { pair: number })[] =>
    labels.map((l) => {
      const [c, r] = l.chosen === 0 ? [a[l.pair]!, b[l.pair]!] : [b[l.pair]!, a[l.pair]!];
      return { pair: l.pair, chosen: c.sequence, rejected: r.sequence, goldMargin: Math.abs(ga[l.pair]! - gb[l.pair]!) };
    });
  const totals = (g: GoldScore[]) => g.map((x) => x.total);
  const overallTrain = pairsOf(
    labelByGold(totals(gTrainA), totals(gTrainB), rng.fork("overall"), { noise: config.noise.overall }).labels,
    trainA,
    trainB,
    totals(gTrainA),
    totals(gTrainB),
  );
  const capabilityTrain = new Map(
    config.capabilities.map((cap) => {
      const [ga, gb] = [gTrainA.map((x) => x.components[cap]), gTrainB.map((x) => x.components[cap])];
      return [
        cap,
        pairsOf(labelByGold(ga, gb, rng.fork(`capability/${cap}`), { noise: config.noise.capability }).labels, trainA, trainB, ga, gb),
      ] as const;
    }),
  );
  const testLabels = labelByGold(totals(gTestA), totals(gTestB), new Rng(0), { noise: 0 }).labels;
  log(
    `labels: ${overallTrain.length} overall training pairs (noise ${config.noise.overall}), capability pairs ${[...capabilityTrain].map(([c, p]) => `${c} ${p.length}`).join(", ")} (noise ${config.noise.capability}); ${testLabels.length} test pairs`,
  );

  // 3. Single RM and ensemble on the overall labels, from the pretrained trunk.
  const gpt = basePolicyGptConfig(policySpec, tokenizer.vocabSize);
  const rmConfig: RewardModelConfig = {
    vocab: gpt.vocab,
    maxSeq: gpt.maxSeq,
    dModel: gpt.dModel,
    nHeads: gpt.nHeads,
    nLayers: gpt.nLayers,
  };
  const trainOptions = { ...config.training, padToken: tokenizer.special.pad, signal };
  t = performance.now();
  const members = [];
  for (let m = 0; m < config.ensembleSize; m++) {
    progress("reward models", m, config.ensembleSize);
    const trained = await trainRewardModel(
      runtime,
      rmConfig,
      overallTrain,
      { seed: 1000 + m, order: new Rng(context.seed).fork(`member-${m}`), from: policy.model },
      trainOptions,
    );
    members.push(trained.model);
  }
  const single = members[0]!;
  lap("reward-models", t);

  // 4. DMoERM: per category, experts on the single RM (the trained base) and an MLP.
  t = performance.now();
  const categoryOf = (s: PolicySample) => s.prompt.category;
  const testSeqs = [...testA.map((s) => s.sequence), ...testB.map((s) => s.sequence)];
  const nTest = testA.length;
  const dmoermScores = new Float64Array(testSeqs.length).fill(Number.NaN);
  const categories: DmoermResult["categories"] = [];
  let expertsDone = 0;
  for (const category of task.categories) {
    const inCategory = (p: { pair: number }) => categoryOf(trainA[p.pair]!) === category;
    const overall = overallTrain.filter(inCategory);
    const testRows = testSeqs.map((_, i) => i).filter((i) => categoryOf(testA[i % nTest]!) === category);
    if (overall.length < 8 || testRows.length === 0) {
      log(`category ${category}: ${overall.length} training pairs, ${testRows.length} test sequences; routed to the single RM`);
      continue;
    }
    const experts: CapabilityExpert[] = [];
    for (const cap of config.capabilities) {
      signal?.throwIfAborted();
      const data = capabilityTrain.get(cap)!.filter(inCategory);
      if (data.length < 8) continue; // a capability this category never varies in (e.g. sentiment outside reviews)
      progress("experts", expertsDone++, task.categories.length * config.capabilities.length);
      experts.push(
        await trainCapabilityExpert(
          runtime,
          single,
          `${category}-${cap}`,
          data,
          { seed: 2000 + experts.length, order: new Rng(context.seed).fork(`expert/${category}/${cap}`) },
          { ...trainOptions, lora: { rank: config.lora.rank } },
        ),
      );
    }
    const trainSeqs = overall.flatMap((c) => [c.chosen, c.rejected]);
    const features = await expertFeatures(runtime, single, experts, trainSeqs, { padToken: tokenizer.special.pad });
    const mlp = new AggregatorMlp(experts.length * single.config.dModel, config.mlpHidden, 3000);
    await trainAggregator(
      runtime,
      mlp,
      features,
      overall.map((_, i) => ({ chosen: 2 * i, rejected: 2 * i + 1 })),
      { order: new Rng(context.seed).fork(`mlp/${category}`) },
      { ...config.training, signal },
    );
    const scores = await aggregatorScores(
      runtime,
      mlp,
      await expertFeatures(
        runtime,
        single,
        experts,
        testRows.map((i) => testSeqs[i]!),
        { padToken: tokenizer.special.pad },
      ),
    );
    testRows.forEach((row, k) => (dmoermScores[row] = scores[k]!));
    log(
      `category ${category}: ${experts.length} experts (${experts.map((e) => `${e.capability} ${e.finalAccuracy.toFixed(2)}`).join(", ")}), MLP on ${overall.length} pairs`,
    );
  }
  lap("dmoerm", t);

  // 5. Evaluation on the held-out gold labels.
  t = performance.now();
  const singleScores = await rewardScores(runtime, single, testSeqs, { padToken: tokenizer.special.pad });
  const memberScores = await Promise.all(members.map((m) => rewardScores(runtime, m, testSeqs, { padToken: tokenizer.special.pad })));
  const ensembleScores = Float64Array.from(testSeqs, (_, i) => memberScores.reduce((s, x) => s + x[i]!, 0) / members.length);
  // A category without an inner model is routed to the single RM.
  for (let i = 0; i < dmoermScores.length; i++) if (Number.isNaN(dmoermScores[i]!)) dmoermScores[i] = singleScores[i]!;
  const hitsOf = (s: ArrayLike<number>) => testLabels.map((l) => hit(s[l.pair]!, s[nTest + l.pair]!, l.goldChosen));
  const [hD, hS, hE] = [hitsOf(dmoermScores), hitsOf(singleScores), hitsOf(ensembleScores)];
  const mean = (h: number[], idx: readonly number[]) => idx.reduce((s, i) => s + h[i]!, 0) / idx.length;
  const ci = bootstrapMany(
    { seeds: 1, prompts: testLabels.length },
    {
      dmoerm: (r) => mean(hD, r.prompts),
      single: (r) => mean(hS, r.prompts),
      ensemble: (r) => mean(hE, r.prompts),
      minusSingle: (r) => mean(hD, r.prompts) - mean(hS, r.prompts),
      minusEnsemble: (r) => mean(hD, r.prompts) - mean(hE, r.prompts),
    },
    { replicates: config.bootstrapReplicates, seed: context.seed },
  );
  for (const category of task.categories) {
    const idx = testLabels.map((l, i) => (testA[l.pair]!.prompt.category === category ? i : -1)).filter((i) => i >= 0);
    const trainCount = overallTrain.filter((p) => categoryOf(trainA[p.pair]!) === category).length;
    if (idx.length)
      categories.push({
        category,
        trainPairs: trainCount,
        testPairs: idx.length,
        dmoermAgreement: mean(hD, idx),
        singleAgreement: mean(hS, idx),
      });
  }
  lap("evaluation", t);
  timings.total = (performance.now() - started) / 1000;
  return {
    study: config.name,
    trainPairs: overallTrain.length,
    testPairs: testLabels.length,
    dmoerm_agreement: ci.dmoerm,
    single_rm_agreement: ci.single,
    ensemble_agreement: ci.ensemble,
    dmoerm_minus_single_agreement: { ...ci.minusSingle, holds: excludesZero(ci.minusSingle) },
    dmoerm_minus_ensemble_agreement: { ...ci.minusEnsemble, holds: excludesZero(ci.minusEnsemble) },
    categories,
    timings,
  };
}
