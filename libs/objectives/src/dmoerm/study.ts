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
 *  - DMoERM: the outer router sends a prompt to its task category (`router: trained`, the
 *    default: a bag-of-words classifier trained on the training prompts' categories, its held-out
 *    accuracy reported; `rule`: the category the built-in task gives the prompt); per category an
 *    inner model: the single RM as base (phase 1, the "base RM" of the paper is a trained RM), one
 *    LoRA expert per capability on that category's capability labels (phase 2: synthetic labels,
 *    or stored label sets such as an LLM judge's, `labels.capability: labelSets`), an MLP over the
 *    experts' hidden states on that category's overall labels (phase 3).
 *
 * Besides agreement, best-of-n on test prompts: the same pools picked by DMoERM and by the single
 * RM, the difference of their peak gold gains with a bootstrap interval (dmoerm/bon-peak.ts).
 */
import { Rng, type RewardModelConfig, rewardScores } from "@goodhart/engine";
import { labelByGold } from "../labels.ts";
import { aboveZero, bootstrapMany, type BootstrapInterval } from "../stats/bootstrap.ts";
import { GOLD_COMPONENTS, type GoldComponent, type GoldScore } from "../task/gold.ts";
import { createTask, toWords } from "../task/task.ts";
import type { TaskPrompt } from "../task/prompts.ts";
import { WordTokenizer } from "../task/word-tokenizer.ts";
import { basePolicyGptConfig, loadOrPretrainBasePolicy } from "../task/base-policy.ts";
import { samplePolicy, type PolicySample } from "../experiments/policy-samples.ts";
import { trainRewardModel, type Comparison } from "../experiments/reward-training.ts";
import type { ExperimentContext, LabelSetComparisons } from "../experiments/sink.ts";
import { ProgressTracker } from "../experiments/progress.ts";
import {
  AggregatorMlp,
  aggregatorScores,
  expertFeatures,
  trainAggregator,
  trainCapabilityExpert,
  type CapabilityExpert,
} from "./inner-model.ts";
import { CategoryRouter, routePrompts, trainRouter } from "./router.ts";
import { compareBonPeaks, type BonPeakComparison } from "./bon-peak.ts";

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
  /** The outer router: a classifier trained on the training prompts' categories, or the task's own category. */
  router: "trained" | "rule";
  /**
   * Where the experts' capability labels come from: the synthetic labeler's rule on the study's
   * own pairs, or stored label sets (one per capability, e.g. an LLM judge's) over built-in task
   * comparisons.
   */
  labels: { capability: "synthetic" | "labelSets"; labelSets: number[] };
  /** Best-of-n evaluation: test prompts and samples per prompt. */
  bon: { prompts: number; poolSize: number };
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
  router: "trained",
  labels: { capability: "synthetic", labelSets: [] },
  bon: { prompts: 100, poolSize: 64 },
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
  /** The outer router and its accuracy on the training and the held-out test prompts. */
  router: { kind: "trained" | "rule"; trainAccuracy: number; testAccuracy: number; testPrompts: number };
  /** Where the experts' labels came from, and how many comparisons each capability had. */
  capabilityLabels: {
    source: "synthetic" | "labelSets";
    capabilities: { capability: string; pairs: number; labelSet?: { id: number; name: string; source: string | null } }[];
  };
  /** Best-of-n with DMoERM and with the single RM as the proxy on the same pools. */
  bon: BonPeakComparison;
  dmoerm_bon_peak_minus_single: BootstrapInterval & { holds: boolean };
  /** Per category: test pairs and DMoERM's agreement there. */
  categories: { category: string; trainPairs: number; testPairs: number; dmoermAgreement: number; singleAgreement: number }[];
  timings: Record<string, number>;
}

/** 1 when the scores order the pair like the label (chosen = 0: first), 0.5 on a tie, else 0. */
function hit(a: number, b: number, chosen: 0 | 1): number {
  if (a === b) return 0.5;
  return a > b === (chosen === 0) ? 1 : 0;
}

/** A training comparison with the category its prompt was routed to. */
type RoutedComparison = Comparison & { category: string };

/**
 * The experts' capability comparisons from stored label sets (one per capability): each pair's
 * prompt must be a prompt of the built-in task and its responses words of its vocabulary, since the
 * experts sit on the base policy's trunk. Ties are dropped; the set's preference (flips included)
 * decides which response is chosen. Every problem names the label set and the example.
 */
async function labelSetCapabilities(
  config: DmoermConfig,
  context: ExperimentContext,
  task: ReturnType<typeof createTask>,
  tokenizer: WordTokenizer,
): Promise<Map<string, { set: LabelSetComparisons; pairs: { prompt: TaskPrompt; chosen: number[]; rejected: number[] }[] }>> {
  const source = context.datasets;
  if (!source?.labelSet)
    throw new Error("DMoERM: labels.capability is labelSets, but this run was given no label sets (the lab service loads them for a run)");
  const out = new Map<string, { set: LabelSetComparisons; pairs: { prompt: TaskPrompt; chosen: number[]; rejected: number[] }[] }>();
  for (const id of config.labels.labelSets) {
    const set = await source.labelSet(id);
    const where = `label set ${id} ('${set.name}')`;
    if (!(config.capabilities as string[]).includes(set.dimension))
      throw new RangeError(
        `DMoERM: ${where} labels '${set.dimension}'; labels.labelSets takes one label set per capability in capabilities (${config.capabilities.join(", ")})`,
      );
    const other = out.get(set.dimension);
    if (other)
      throw new RangeError(`DMoERM: ${where} and label set ${other.set.id} both label '${set.dimension}'; give one per capability`);
    const pairs = set.pairs
      .filter((p) => p.preferred !== "tie")
      .map((p) => {
        try {
          const prompt = task.parsePrompt(p.prompt);
          const [a, b] = [p.responseA, p.responseB].map((r) => tokenizer.sequenceIds(prompt.words, toWords(r)));
          return p.preferred === "a" ? { prompt, chosen: a!, rejected: b! } : { prompt, chosen: b!, rejected: a! };
        } catch (e) {
          throw new RangeError(
            `DMoERM: ${where}, example ${p.exampleId}: ${e instanceof Error ? e.message : String(e)} (the experts need comparisons of the built-in task, e.g. from 'goodhart label pairs')`,
          );
        }
      });
    out.set(set.dimension, { set, pairs });
  }
  const missing = config.capabilities.filter((c) => !out.has(c));
  if (missing.length > 0)
    throw new RangeError(
      `DMoERM: capabilities lists ${missing.map((c) => `'${c}'`).join(", ")}, but no label set in labels.labelSets labels it; add one or remove it from capabilities`,
    );
  return out;
}

export async function runDmoermStudy(config: DmoermConfig, context: ExperimentContext): Promise<DmoermResult> {
  const { runtime, sink, signal } = context;
  const started = performance.now();
  const timings: Record<string, number> = {};
  const lap = (name: string, since: number) => (timings[name] = (performance.now() - since) / 1000);
  const log = (m: string) => sink.log(m);
  const task = createTask(config.task.seed, { prompts: config.task.prompts });
  const tokenizer = new WordTokenizer(task.vocabulary);
  // Label sets are read and checked first, so a bad one is refused before any training.
  const labelSets = config.labels.capability === "labelSets" ? await labelSetCapabilities(config, context, task, tokenizer) : null;
  const bonPrompts = task.prompts.test.slice(0, config.bon.prompts);
  const bonSamples = bonPrompts.length * config.bon.poolSize;
  // Rough seconds per unit on two cores: only the ratios matter for the ETA.
  const rmSteps = Math.ceil(config.trainPairs / config.training.batchSize) * config.training.epochs;
  const tracker = new ProgressTracker(
    [
      { phase: "pretrain", units: config.basePolicy.pretrainSteps, secondsPerUnit: 0.15 },
      { phase: "router", units: 1, secondsPerUnit: 3 },
      { phase: "sampling", units: 2 * (config.trainPairs + config.testPairs), secondsPerUnit: 0.01 },
      { phase: "reward models", units: config.ensembleSize, secondsPerUnit: rmSteps * 0.2 },
      {
        phase: "experts",
        units: task.categories.length * config.capabilities.length,
        secondsPerUnit: (rmSteps / task.categories.length) * 0.2,
      },
      { phase: "best-of-n", units: bonSamples, secondsPerUnit: 0.012 },
    ],
    sink,
  );
  const progress = (phase: string, done: number, total: number) => tracker.update(phase, done, total);

  // 1. The base policy (cached).
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

  // 2. The outer router.
  t = performance.now();
  const categories = [...task.categories];
  const routes = new Map<string, string>();
  let route: (prompts: readonly TaskPrompt[]) => Promise<void>;
  let routerResult: DmoermResult["router"];
  if (config.router === "rule") {
    route = async (prompts) => prompts.forEach((p) => routes.set(p.text, p.category));
    tracker.skip("router");
    routerResult = { kind: "rule", trainAccuracy: 1, testAccuracy: 1, testPrompts: task.prompts.test.length };
  } else {
    progress("router", 0, 1);
    const router = new CategoryRouter(categories, tokenizer.vocabSize, 4000);
    const promptTokens = (p: TaskPrompt) => tokenizer.encodeWords(p.words);
    const fit = await trainRouter(
      runtime,
      router,
      task.prompts.train.map((p) => ({ tokens: promptTokens(p), category: categories.indexOf(p.category) })),
      new Rng(context.seed).fork("router"),
      { signal },
    );
    route = async (prompts) => {
      const todo = prompts.filter((p) => !routes.has(p.text));
      const picked = await routePrompts(runtime, router, todo.map(promptTokens));
      todo.forEach((p, i) => routes.set(p.text, categories[picked[i]!]!));
    };
    await route(task.prompts.test);
    const testAccuracy = task.prompts.test.filter((p) => routes.get(p.text) === p.category).length / task.prompts.test.length;
    routerResult = { kind: "trained", trainAccuracy: fit.finalAccuracy, testAccuracy, testPrompts: task.prompts.test.length };
    log(`router: bag-of-words classifier, training accuracy ${fit.finalAccuracy.toFixed(3)}, held-out ${testAccuracy.toFixed(3)}`);
    progress("router", 1, 1);
  }
  await route(task.prompts.train);
  if (labelSets) await route([...labelSets.values()].flatMap((l) => l.pairs.map((p) => p.prompt)));
  const categoryOf = (p: TaskPrompt): string => routes.get(p.text)!;
  lap("router", t);

  // 3. Samples of the base policy: two per training and test prompt.
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

  // 4. Labels: overall and per capability, with noise; test labels clean.
  const rng = new Rng(context.seed).fork("dmoerm-labels");
  const pairsOf = (labels: ReturnType<typeof labelByGold>["labels"], ga: number[], gb: number[]): RoutedComparison[] =>
    labels.map((l) => {
      const [c, r] = l.chosen === 0 ? [trainA[l.pair]!, trainB[l.pair]!] : [trainB[l.pair]!, trainA[l.pair]!];
      return { chosen: c.sequence, rejected: r.sequence, goldMargin: Math.abs(ga[l.pair]! - gb[l.pair]!), category: categoryOf(c.prompt) };
    });
  const totals = (g: GoldScore[]) => g.map((x) => x.total);
  const overallTrain = pairsOf(
    labelByGold(totals(gTrainA), totals(gTrainB), rng.fork("overall"), { noise: config.noise.overall }).labels,
    totals(gTrainA),
    totals(gTrainB),
  );
  const capabilityTrain = new Map<string, RoutedComparison[]>(
    config.capabilities.map((cap) => {
      const fromSet = labelSets?.get(cap);
      if (fromSet)
        return [cap, fromSet.pairs.map((p) => ({ chosen: p.chosen, rejected: p.rejected, goldMargin: 0, category: categoryOf(p.prompt) }))];
      const [ga, gb] = [gTrainA.map((x) => x.components[cap]), gTrainB.map((x) => x.components[cap])];
      return [cap, pairsOf(labelByGold(ga, gb, rng.fork(`capability/${cap}`), { noise: config.noise.capability }).labels, ga, gb)];
    }),
  );
  const capabilityLabels: DmoermResult["capabilityLabels"] = {
    source: config.labels.capability,
    capabilities: config.capabilities.map((cap) => {
      const set = labelSets?.get(cap)?.set;
      return {
        capability: cap,
        pairs: capabilityTrain.get(cap)!.length,
        ...(set ? { labelSet: { id: set.id, name: set.name, source: set.source } } : {}),
      };
    }),
  };
  const testLabels = labelByGold(totals(gTestA), totals(gTestB), new Rng(0), { noise: 0 }).labels;
  log(
    `labels: ${overallTrain.length} overall training pairs (noise ${config.noise.overall}), capability pairs ${capabilityLabels.capabilities.map((c) => `${c.capability} ${c.pairs}${c.labelSet ? ` (label set ${c.labelSet.id})` : ""}`).join(", ")}${labelSets ? "" : ` (noise ${config.noise.capability})`}; ${testLabels.length} test pairs`,
  );

  // 5. Single RM and ensemble on the overall labels, from the pretrained trunk.
  const gpt = basePolicyGptConfig(policySpec, tokenizer.vocabSize);
  const rmConfig: RewardModelConfig = {
    vocab: gpt.vocab,
    maxSeq: gpt.maxSeq,
    dModel: gpt.dModel,
    nHeads: gpt.nHeads,
    nLayers: gpt.nLayers,
  };
  const pad = { padToken: tokenizer.special.pad };
  const trainOptions = { ...config.training, ...pad, signal };
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

  // 6. DMoERM: per category, experts on the single RM (the trained base) and an MLP.
  t = performance.now();
  const inner = new Map<string, { experts: CapabilityExpert[]; mlp: AggregatorMlp }>();
  let expertsDone = 0;
  for (const category of task.categories) {
    const inCategory = (p: RoutedComparison) => p.category === category;
    const overall = overallTrain.filter(inCategory);
    if (overall.length < 8) {
      log(`category ${category}: ${overall.length} training pairs; routed to the single RM`);
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
    if (experts.length === 0) {
      log(`category ${category}: no capability with 8 or more comparisons; routed to the single RM`);
      continue;
    }
    const trainSeqs = overall.flatMap((c) => [c.chosen, c.rejected]);
    const features = await expertFeatures(runtime, single, experts, trainSeqs, pad);
    const mlp = new AggregatorMlp(experts.length * single.config.dModel, config.mlpHidden, 3000);
    await trainAggregator(
      runtime,
      mlp,
      features,
      overall.map((_, i) => ({ chosen: 2 * i, rejected: 2 * i + 1 })),
      { order: new Rng(context.seed).fork(`mlp/${category}`) },
      { ...config.training, signal },
    );
    inner.set(category, { experts, mlp });
    log(
      `category ${category}: ${experts.length} experts (${experts.map((e) => `${e.capability} ${e.finalAccuracy.toFixed(2)}`).join(", ")}), MLP on ${overall.length} pairs`,
    );
  }
  lap("dmoerm", t);

  /** DMoERM's reward: each sequence through its prompt's category's inner model, or the single RM where there is none. */
  const dmoermScores = async (seqs: readonly (readonly number[])[], prompts: readonly TaskPrompt[], singleScores: ArrayLike<number>) => {
    const out = Float64Array.from(singleScores);
    for (const [category, model] of inner) {
      const rows = seqs.map((_, i) => i).filter((i) => categoryOf(prompts[i]!) === category);
      if (rows.length === 0) continue;
      const features = await expertFeatures(
        runtime,
        single,
        model.experts,
        rows.map((i) => seqs[i]!),
        pad,
      );
      const scores = await aggregatorScores(runtime, model.mlp, features);
      rows.forEach((row, k) => (out[row] = scores[k]!));
    }
    return out;
  };

  // 7. Agreement with the held-out gold labels.
  t = performance.now();
  const testSamples = [...testA, ...testB];
  const testSeqs = testSamples.map((s) => s.sequence);
  const nTest = testA.length;
  const singleScores = await rewardScores(runtime, single, testSeqs, pad);
  const memberScores = await Promise.all(members.map((m) => rewardScores(runtime, m, testSeqs, pad)));
  const ensembleScores = Float64Array.from(testSeqs, (_, i) => memberScores.reduce((s, x) => s + x[i]!, 0) / members.length);
  const dmoermTestScores = await dmoermScores(
    testSeqs,
    testSamples.map((s) => s.prompt),
    singleScores,
  );
  const hitsOf = (s: ArrayLike<number>) => testLabels.map((l) => hit(s[l.pair]!, s[nTest + l.pair]!, l.goldChosen));
  const [hD, hS, hE] = [hitsOf(dmoermTestScores), hitsOf(singleScores), hitsOf(ensembleScores)];
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
  const categoryResults: DmoermResult["categories"] = [];
  for (const category of task.categories) {
    const idx = testLabels.map((l, i) => (categoryOf(testA[l.pair]!.prompt) === category ? i : -1)).filter((i) => i >= 0);
    const trainCount = overallTrain.filter((p) => p.category === category).length;
    if (idx.length)
      categoryResults.push({
        category,
        trainPairs: trainCount,
        testPairs: idx.length,
        dmoermAgreement: mean(hD, idx),
        singleAgreement: mean(hS, idx),
      });
  }
  lap("evaluation", t);

  // 8. Best-of-n on test prompts: the same pools picked by DMoERM and by the single RM.
  t = performance.now();
  const poolPrompts = bonPrompts.flatMap((p) => Array.from({ length: config.bon.poolSize }, () => p));
  const pools = await samplePolicy(runtime, policy.model, tokenizer, poolPrompts, {
    seed: seedOf("best-of-n"),
    signal,
    onBatch: (d) => progress("best-of-n", d, bonSamples),
  });
  const poolSeqs = pools.map((s) => s.sequence);
  const poolGold = Float64Array.from(pools, (s) => task.gold(s.prompt, s.words).total);
  const poolSingle = Float64Array.from(await rewardScores(runtime, single, poolSeqs, pad));
  const poolDmoerm = await dmoermScores(poolSeqs, poolPrompts, poolSingle);
  const bon = compareBonPeaks(poolGold, { dmoerm: poolDmoerm, single: poolSingle }, config.bon.poolSize, {
    replicates: config.bootstrapReplicates,
    seed: context.seed,
  });
  log(
    `best-of-n on ${bon.prompts} test prompts x ${bon.poolSize}: peak gold gain DMoERM ${bon.dmoerm.observedPeak.estimate.toFixed(3)} (n=${bon.dmoerm.observedPeakN}), single ${bon.single.observedPeak.estimate.toFixed(3)} (n=${bon.single.observedPeakN})`,
  );
  lap("best-of-n", t);
  timings.total = (performance.now() - started) / 1000;
  return {
    study: config.name,
    trainPairs: overallTrain.length,
    testPairs: testLabels.length,
    router: routerResult,
    capabilityLabels,
    dmoerm_agreement: ci.dmoerm,
    single_rm_agreement: ci.single,
    ensemble_agreement: ci.ensemble,
    dmoerm_minus_single_agreement: { ...ci.minusSingle, holds: aboveZero(ci.minusSingle) },
    dmoerm_minus_ensemble_agreement: { ...ci.minusEnsemble, holds: aboveZero(ci.minusEnsemble) },
    bon,
    dmoerm_bon_peak_minus_single: bon.peakDifference,
    categories: categoryResults,
    timings,
  };
}
