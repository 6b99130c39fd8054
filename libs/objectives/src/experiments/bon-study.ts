/**
 * The best-of-n overoptimization study on the built-in task (Gao et al. 2023 design, with the
 * ensemble and label-noise axes of Coste et al. 2024), end to end:
 *
 * 1. the task world and its word tokenizer; the base policy, pretrained once and cached by config hash;
 * 2. shared samples of the base policy: two per training prompt (comparisons), two per validation
 *    prompt (gold-labelled validation pairs, also the normalisation reference), and a pool of N per
 *    evaluation prompt; every sample is scored by gold;
 * 3. per run (proxy size x training size x label noise x seed): gold labels with seeded noise, k
 *    reward models trained with the Bradley-Terry loss (different seeds and data orders), each
 *    normalised to mean 0 / std 1 on the reference sample, scored on every pool;
 * 4. best-of-n curves with the unbiased estimator for each member and each aggregation, gold and
 *    proxy recentred so the base policy scores 0, against KL_bon(n) = ln n - (n-1)/n; a fit of
 *    d (a - b d) per series.
 *
 * Samples are shared by every run, so runs differ only in their proxies: paired comparisons. A
 * smaller training set is a prefix of a larger one (same pairs, same flips), so "more data" means
 * strictly more data.
 */
import { join } from "node:path";
import { Rng, hash64, rewardModelParamCount, rewardScores, saveModel, type Gpt, type RewardModelConfig } from "@goodhart/engine";
import {
  bestOfNCurve,
  bestOfNPromptValues,
  curveFromPromptValues,
  poolsFromMatrix,
  type BonCurvePoint,
  type BonPromptValues,
} from "../bon/estimator.ts";
import { bonCurvePoints } from "./bon-curve-points.ts";
import { bonSeriesIntervals } from "../bon/statistics.ts";
import type { BootstrapInterval } from "../stats/bootstrap.ts";
import { aggregate, aggregationName, applyNormalisation, fitNormalisation, type Aggregation } from "../ensemble.ts";
import { fitOveroptimization } from "../fits.ts";
import { labelByGold, type GoldLabel } from "../labels.ts";
import { parseBonStudy } from "../config/parse.ts";
import type { BonStudyConfig } from "../kinds/bon-study/schema.ts";
import { canonicalJson, expandStudy, sweep, type BonRunConfig } from "../config/sweep.ts";
import { createTask, type BuiltinTask } from "../task/task.ts";
import { WordTokenizer } from "../task/word-tokenizer.ts";
import { basePolicyGptConfig, loadOrPretrainBasePolicy } from "../task/base-policy.ts";
import type { TaskPrompt } from "../task/prompts.ts";
import { sampleLogProbs, samplePolicy, type PolicySample } from "./policy-samples.ts";
import { REWARD_TRAINING_DEFAULTS, type Comparison, type RewardTrainingOptions } from "./reward-training.ts";
import { trainStackedRewardModels } from "./stacked-reward-training.ts";
import { proxyRuntimes } from "./proxy-runtime.ts";
import { StackTrainingPool, defaultStackWorkers } from "./parallel-stacks.ts";
import type { TrainedReward } from "./reward-training.ts";
import { ProgressTracker, type PhasePlan } from "./progress.ts";
import { storedBonStudyResult } from "./bon-analysis.ts";
import type { ExperimentContext, ExperimentInterval, ExperimentSampleSet, RunSink } from "./sink.ts";
import { phaseTimer } from "./phase-timer.ts";

/** Knobs of the study that are not part of the run configs (same for every run). */
export interface BonStudyOptions {
  rmTraining?: RewardTrainingOptions;
  /** Validation prompts used for the gold-labelled validation pairs and the normalisation reference. Default 100. */
  validationPrompts?: number;
  /** Base-policy pretraining batch and learning rate. */
  pretrain?: { batchSize?: number; lr?: number };
  /** Save every reward-model member under `<cacheDir>/runs/` (default true). */
  saveMembers?: boolean;
  /** Bootstrap replicates for the intervals on fits and peaks (default 1000). */
  bootstrapReplicates?: number;
  /** Store the best-of-n pools behind the curves through `RunSink.samples` (default true). */
  keepSamples?: boolean;
  /**
   * Worker threads that train runs' member stacks at once, and score the reference and the pool
   * with each member, when the proxies run on the one-thread runtime (experiments/parallel-stacks.ts;
   * same bytes as in this thread). 1 trains and scores them here, one after another. Default
   * min(2, available cores).
   */
  rmWorkers?: number;
}

/** One series' headline numbers. */
export interface BonSeriesSummary {
  series: string;
  /** Gold-label accuracy on the validation pairs of this series' proxy (an aggregation: of its aggregated scores). */
  validationAccuracy: number;
  /** Largest measured gold gain over n, its n and d. */
  peakGold: number;
  peakN: number;
  peakD: number;
  /** Gold and proxy gain at the largest n, with standard errors across prompts. */
  goldAtMaxN: number;
  goldAtMaxNSe: number;
  proxyAtMaxN: number;
  proxyAtMaxNSe: number;
  maxN: number;
  /** 95% bootstrap intervals over prompts of this run's fit and peaks (null when the fit failed). */
  intervals: Record<string, ExperimentInterval> | null;
  /** Per-prompt values behind the curve (for the study-level statistics; not stored as JSON). */
  promptValues: BonPromptValues;
  /** The fitted d (a - b d), or null when the fit failed; peak null when the fitted curve has none. */
  fit: { a: number; b: number; aSe: number; bSe: number; peakD: number | null; peakValue: number | null } | null;
  curve: BonCurvePoint[];
}

export interface BonRunResult {
  id: string;
  /** Index of the sweep-grid point (0 without a grid): runs of one group share pools. */
  group: number;
  proxy: string;
  trainingSize: number;
  labelNoise: number;
  seed: number;
  members: { validationAccuracy: number; trainAccuracy: number; mean: number; std: number }[];
  series: BonSeriesSummary[];
}

export interface BonStudyResult {
  study: string;
  basePolicy: { hash: string; cached: boolean; path: string };
  runs: BonRunResult[];
  /** Seconds per phase: pretrain, sampling, rm-training, scoring, curves. */
  timings: Record<string, number>;
  /** Base-policy mean gold on the evaluation pools (the point every gain is measured from). */
  baseGold: number;
  /** One entry per sweep-grid point (one without a grid): its overrides, base policy and base gold. */
  groups: { overrides: Record<string, unknown>; basePolicy: { hash: string; cached: boolean; path: string }; baseGold: number }[];
}

/** Rows per scoring batch of a proxy member (in this thread and in the stack pool's workers alike). */
const SCORE_BATCH = 256;

/** Per-unit cost guesses (seconds, 2-core CPU) for the ETA; only their ratios matter. */
const COST = { pretrainStep: 0.1, sample: 0.01, rmStepPerKParams: 0.0004, scorePerKParams: 0.00001 };

function rmConfig(run: BonRunConfig, vocab: number, maxSeq: number): RewardModelConfig {
  return { vocab, maxSeq, dModel: run.proxy.dModel, nHeads: run.proxy.heads, nLayers: run.proxy.layers };
}

function seedBase(seed: number, label: string): number {
  // Disjoint-enough ranges of per-sample seeds for each sample set.
  return Number(new Rng(seed).fork(label).nextUint32() % 1_000_000) * 1000;
}

function repeatPrompts(prompts: readonly TaskPrompt[], count: number, times: number): TaskPrompt[] {
  if (prompts.length === 0) throw new RangeError("bon study: the task has no prompts in a split it needs");
  const out: TaskPrompt[] = [];
  for (let i = 0; i < count; i++) for (let t = 0; t < times; t++) out.push(prompts[i % prompts.length]!);
  return out;
}

/** Turns labelled pairs of samples into training comparisons. */
function comparisons(
  a: PolicySample[],
  b: PolicySample[],
  goldA: Float64Array,
  goldB: Float64Array,
  labels: readonly GoldLabel[],
  noisy: boolean,
): Comparison[] {
  return labels.map((l) => {
    const chosen = noisy ? l.chosen : l.goldChosen;
    const [c, r] = chosen === 0 ? [a[l.pair]!, b[l.pair]!] : [b[l.pair]!, a[l.pair]!];
    return { chosen: c.sequence, rejected: r.sequence, goldMargin: Math.abs(goldA[l.pair]! - goldB[l.pair]!) };
  });
}

/** A bootstrap interval as stored with a fit. */
function asInterval(ci: BootstrapInterval, resampled: string): ExperimentInterval {
  return { low: ci.low, high: ci.high, level: ci.level, replicates: ci.replicates - ci.failed, resampled };
}

function summarise(
  series: string,
  values: BonPromptValues,
  validationAccuracy: number,
  sink: RunSink,
  replicates: number,
  seed: number,
): BonSeriesSummary {
  const curve = curveFromPromptValues(values);
  let peak = curve[0]!;
  for (const p of curve) if (p.goldGain > peak.goldGain) peak = p;
  const last = curve[curve.length - 1]!;
  let fit: BonSeriesSummary["fit"] = null;
  let intervals: BonSeriesSummary["intervals"] = null;
  try {
    const weightsOk = curve.every((p) => p.d === 0 || (Number.isFinite(p.goldGainSe) && p.goldGainSe > 0));
    const f = fitOveroptimization(
      "bon",
      curve.map((p) => p.d),
      curve.map((p) => p.goldGain),
      weightsOk ? { weights: curve.map((p) => (p.d === 0 ? 0 : 1 / p.goldGainSe ** 2)) } : {},
    );
    fit = { a: f.a, b: f.b, aSe: f.aSe, bSe: f.bSe, peakD: f.peak?.d ?? null, peakValue: f.peak?.value ?? null };
    const coefficients: Record<string, number> = { a: f.a, b: f.b };
    const standardErrors: Record<string, number> = { a: f.aSe, b: f.bSe };
    if (f.peak) {
      coefficients.peakD = f.peak.d;
      coefficients.peakValue = f.peak.value;
      standardErrors.peakD = f.peak.dSe;
      standardErrors.peakValue = f.peak.valueSe;
    }
    coefficients.r2 = f.r2;
    coefficients.observedPeak = peak.goldGain;
    coefficients.observedPeakD = peak.d;
    standardErrors.observedPeak = peak.goldGainSe;
    if (values.goldGain[0]!.length >= 2) {
      const ci = bonSeriesIntervals([values], { replicates, seed: `${seed}/${series}` });
      intervals = {};
      for (const [name, interval] of Object.entries(ci))
        if (Number.isFinite(interval.low)) intervals[name] = asInterval(interval, "prompts");
    }
    sink.fit({
      series,
      target: "gold",
      form: "bon",
      coefficients,
      standardErrors,
      residual: f.rss,
      nPoints: f.points,
      ...(intervals ? { intervals } : {}),
    });
  } catch (err) {
    sink.log(`series ${series}: no fit (${err instanceof Error ? err.message : String(err)})`);
  }
  return {
    series,
    validationAccuracy,
    peakGold: peak.goldGain,
    peakN: peak.n,
    peakD: peak.d,
    goldAtMaxN: last.goldGain,
    goldAtMaxNSe: last.goldGainSe,
    proxyAtMaxN: last.proxyGain,
    proxyAtMaxNSe: last.proxyGainSe,
    maxN: last.n,
    fit,
    intervals,
    curve,
    promptValues: values,
  };
}

/** A study with a sweep grid over any of its fields (see `sweep`); each grid point is a group of runs. */
export interface BonSweepConfig {
  study: unknown;
  /** Dotted field path -> values, e.g. {"bon.poolSize": [64, 256]}. */
  grid: Record<string, readonly unknown[]>;
}

function isSweepConfig(config: unknown): config is BonSweepConfig {
  return typeof config === "object" && config !== null && !Array.isArray(config) && "grid" in config && "study" in config;
}

/**
 * Runs a best-of-n study. `config` is a study config (a preset name via `preset:`, missing fields
 * defaulted), an already validated `BonStudyConfig`, or `{study, grid}` to sweep other fields:
 * the runs of each grid point share one base policy and one set of samples.
 */
export async function runBonStudy(config: unknown, context: ExperimentContext, options: BonStudyOptions = {}): Promise<BonStudyResult> {
  const sweepConfig = isSweepConfig(config) ? config : null;
  const study: BonStudyConfig = parseBonStudy(sweepConfig ? sweepConfig.study : config);
  const allRuns = sweepConfig ? sweep(study, sweepConfig.grid) : expandStudy(study);
  const groups = new Map<string, BonRunConfig[]>();
  for (const r of allRuns) {
    const key = canonicalJson(r.overrides);
    if (!groups.has(key)) groups.set(key, []);
    groups.get(key)!.push(r);
  }
  const { runtime, sink, signal } = context;
  const proxyRuntime = proxyRuntimes(runtime);
  const rmWorkers = options.rmWorkers ?? defaultStackWorkers();
  let stackPool: StackTrainingPool | undefined; // opened on the first stack it trains
  const timings: Record<string, number> = { pretrain: 0, sampling: 0, "rm-training": 0, scoring: 0, curves: 0 };
  const timed = phaseTimer(timings);
  // The vocabulary (and so the tokenizer) is the same for every task seed.
  const vocabSize = new WordTokenizer(createTask(study.task.seed, { prompts: { train: 1, validation: 1, test: 1 } }).vocabulary).vocabSize;
  const rmEpochs = options.rmTraining?.epochs ?? REWARD_TRAINING_DEFAULTS.epochs;
  const rmBatch = options.rmTraining?.batchSize ?? REWARD_TRAINING_DEFAULTS.batchSize;
  const kParams = (r: BonRunConfig) => (r.proxy.layers * 12 * r.proxy.dModel ** 2 + vocabSize * r.proxy.dModel) / 1000;
  const validationCount = (r: BonRunConfig) => Math.min(options.validationPrompts ?? 100, Math.max(1, r.task.prompts.validation));
  const sampleCountOf = (runs: BonRunConfig[]) =>
    2 * Math.max(...runs.map((r) => r.trainingSize)) + 2 * validationCount(runs[0]!) + runs[0]!.bon.evalPrompts * runs[0]!.bon.poolSize;
  const trunkKey = (r: BonRunConfig) => `${r.proxy.layers}x${r.proxy.dModel}x${r.proxy.heads}`;
  const plan = (runs: BonRunConfig[], g: number): PhasePlan[] => {
    const { poolSize, evalPrompts } = runs[0]!.bon;
    const k = runs[0]!.ensemble.size;
    return [
      { phase: `pretrain:g${g}`, units: runs[0]!.basePolicy.pretrainSteps, secondsPerUnit: COST.pretrainStep },
      { phase: `sampling:g${g}`, units: sampleCountOf(runs), secondsPerUnit: COST.sample },
      // One pretrained trunk per proxy size (skipped when cached or with proxy.init "scratch").
      ...[...new Set(runs.map(trunkKey))].map((key) => ({
        phase: `pretrain-proxy:g${g}:${key}`,
        units: runs[0]!.basePolicy.pretrainSteps,
        secondsPerUnit: COST.pretrainStep,
      })),
      ...runs.map((r) => ({
        phase: `rm-training:${r.id}`,
        units: k * rmEpochs * Math.ceil(r.trainingSize / rmBatch),
        secondsPerUnit: COST.rmStepPerKParams * kParams(r) + 0.02,
      })),
      ...runs.map((r) => ({
        phase: `scoring:${r.id}`,
        units: k,
        secondsPerUnit: (evalPrompts * poolSize + 4 * validationCount(r)) * COST.scorePerKParams * kParams(r) + 0.2,
      })),
    ];
  };
  const tracker = new ProgressTracker(
    [...groups.values()].flatMap((runs, g) => plan(runs, g)),
    sink,
  );
  const progress = (phase: string, done: number, total: number, message?: string) => tracker.update(phase, done, total, message);

  const results: BonRunResult[] = [];
  const groupResults: BonStudyResult["groups"] = [];
  let g = 0;
  try {
    for (const [key, runs] of groups) {
      const out = await runGroup(runs, g++);
      results.push(...out.runs);
      groupResults.push({ overrides: JSON.parse(key) as Record<string, unknown>, basePolicy: out.basePolicy, baseGold: out.baseGold });
    }
  } finally {
    await stackPool?.close();
    await proxyRuntime.release();
  }
  return {
    study: study.name,
    basePolicy: groupResults[0]!.basePolicy,
    runs: results,
    timings,
    baseGold: groupResults[0]!.baseGold,
    groups: groupResults,
  };

  async function runGroup(
    runs: BonRunConfig[],
    group: number,
  ): Promise<{ runs: BonRunResult[]; basePolicy: BonStudyResult["basePolicy"]; baseGold: number }> {
    const first = runs[0]!;
    const task: BuiltinTask = createTask(first.task.seed, { prompts: first.task.prompts });
    const tokenizer = new WordTokenizer(task.vocabulary);
    if (task.prompts.validation.length < 1)
      throw new RangeError("bon study: task.prompts.validation must be at least 1 (the validation pairs are the normalisation reference)");
    const maxTrain = Math.max(...runs.map((r) => r.trainingSize));
    const nVal = Math.min(validationCount(first), Math.max(1, task.prompts.validation.length));
    const { poolSize, evalPrompts, ns } = first.bon;
    const k = first.ensemble.size;
    const sampleCount = sampleCountOf(runs);
    const policySpec = { ...first.basePolicy, ...options.pretrain, seed: first.task.seed };
    const pretrainPhase = `pretrain:g${group}`;
    const samplingPhase = `sampling:g${group}`;

    // 1. Base policy (cached by config hash).
    sink.log(
      `base policy: ${first.basePolicy.layers} layers x d${first.basePolicy.dModel}, ${first.basePolicy.pretrainSteps} pretraining steps`,
    );
    const policy = await timed("pretrain", () =>
      loadOrPretrainBasePolicy(runtime, task, tokenizer, policySpec, context.cacheDir, {
        signal,
        onStep: (step, total, loss) => progress(pretrainPhase, step, total, `loss ${loss.toFixed(3)}`),
      }),
    );
    if (policy.cached) tracker.skip(pretrainPhase);
    progress(
      pretrainPhase,
      first.basePolicy.pretrainSteps,
      first.basePolicy.pretrainSteps,
      policy.cached ? "loaded from cache" : "pretrained",
    );
    sink.log(policy.cached ? `base policy loaded from ${policy.path}` : `base policy pretrained and cached in ${policy.path}`);
    sink.checkpoint({
      name: "base-policy",
      kind: "policy",
      path: policy.path,
      hash: policy.hash,
      config: {
        ...basePolicyGptConfig(policySpec, tokenizer.vocabSize),
        pretrainSteps: first.basePolicy.pretrainSteps,
        cached: policy.cached,
      },
    });

    // 2. Shared samples, scored by gold.
    const trainPrompts = repeatPrompts(task.prompts.train, maxTrain, 1);
    const valPrompts = task.prompts.validation.slice(0, nVal);
    const evalSet = task.prompts.test.slice(0, evalPrompts);
    let sampled = 0;
    const draw = (prompts: TaskPrompt[], label: string) =>
      samplePolicy(runtime, policy.model, tokenizer, prompts, {
        seed: seedBase(context.seed, `${label}`),
        signal,
        onBatch: (done) => progress(samplingPhase, sampled + done, sampleCount),
      }).then((s) => {
        sampled += s.length;
        return s;
      });
    const { trainA, trainB, valA, valB, pool } = await timed("sampling", async () => ({
      trainA: await draw(trainPrompts, "train-a"),
      trainB: await draw(trainPrompts, "train-b"),
      valA: await draw(valPrompts, "validation-a"),
      valB: await draw(valPrompts, "validation-b"),
      pool: await draw(repeatPrompts(evalSet, evalSet.length, poolSize), "pool"),
    }));
    const goldOf = (s: PolicySample[]) => Float64Array.from(s, (x) => task.gold(x.prompt, x.words).total);
    const [gTrainA, gTrainB, gValA, gValB, gPool] = [trainA, trainB, valA, valB, pool].map(goldOf) as [
      Float64Array,
      Float64Array,
      Float64Array,
      Float64Array,
      Float64Array,
    ];
    const baseGold = gPool.reduce((s, x) => s + x, 0) / gPool.length;
    sink.log(`sampled ${sampleCount} completions; base policy mean gold on the pools ${baseGold.toFixed(3)}`);
    // The reference sample is valA then valB, so a member's reference scores also give its accuracy on
    // the gold-labelled validation pairs (ties dropped).
    const valLabels = labelByGold(gValA, gValB, new Rng(0), { noise: 0 }).labels;
    const reference = [...valA, ...valB].map((s) => s.sequence);
    const validationAccuracy = (ref: ArrayLike<number>) => {
      let hits = 0;
      for (const l of valLabels) {
        const [c, r] = l.goldChosen === 0 ? [ref[l.pair]!, ref[nVal + l.pair]!] : [ref[nVal + l.pair]!, ref[l.pair]!];
        if (c > r) hits++;
      }
      return valLabels.length ? hits / valLabels.length : NaN;
    };
    const poolSequences = pool.map((s) => s.sequence);
    // What every proxy member scores: the reference, then the pool.
    const scoredSequences = [...reference, ...poolSequences];
    const maxSeq = basePolicyGptConfig(policySpec, tokenizer.vocabSize).maxSeq ?? 64;
    const klPrompts = `test:${evalSet.length}x${poolSize}`;
    // ln pi_init of every pool sample: the Beirami KL estimate of each best-of-n point needs it.
    const poolLogProb = await timed("sampling", () => sampleLogProbs(runtime, policy.model, tokenizer, pool));
    const poolCompletions = pool.map((s) => s.words.join(" "));

    // Pretrained trunks for the proxies: one LM per proxy size, pretrained like the base policy.
    // proxy.init is study-wide, so one group's runs share it (a grid over it makes groups).
    const proxyInit = first.proxyInit;
    const trunks = new Map<string, Promise<Gpt>>(); // promises: a prefetched run may ask while it loads
    // One trunk at a time, in the order runs ask (interleaved pretraining would only finish all later).
    let lastTrunk: Promise<unknown> = Promise.resolve();
    if (proxyInit === "scratch") for (const key of new Set(runs.map(trunkKey))) tracker.skip(`pretrain-proxy:g${group}:${key}`);
    const trunkOf = async (run: BonRunConfig): Promise<Gpt | undefined> => {
      if (proxyInit === "scratch") return undefined;
      const key = trunkKey(run);
      const known = trunks.get(key);
      if (known) return known;
      const loading = lastTrunk.catch(() => {}).then(() => loadTrunk(run));
      lastTrunk = loading;
      trunks.set(key, loading);
      return loading;
    };
    const loadTrunk = async (run: BonRunConfig): Promise<Gpt> => {
      const key = trunkKey(run);
      const spec = { ...policySpec, layers: run.proxy.layers, dModel: run.proxy.dModel, heads: run.proxy.heads };
      const phase = `pretrain-proxy:g${group}:${key}`;
      const lm = await timed("pretrain", () =>
        loadOrPretrainBasePolicy(runtime, task, tokenizer, spec, context.cacheDir, {
          signal,
          onStep: (step, total, loss) => progress(phase, step, total, `${run.proxy.name} trunk, loss ${loss.toFixed(3)}`),
        }),
      );
      if (lm.cached) tracker.skip(phase);
      progress(phase, spec.pretrainSteps, spec.pretrainSteps, lm.cached ? "loaded from cache" : "pretrained");
      sink.log(`${run.proxy.name} proxy trunk ${lm.cached ? "loaded from" : "pretrained and cached in"} ${lm.path}`);
      return lm.model;
    };

    // Labels: flips drawn over the largest training set, so smaller sets are prefixes with the same flips.
    const trainingSetOf = (run: BonRunConfig) => {
      const labelled = labelByGold(gTrainA, gTrainB, new Rng(run.seed).fork(`label-noise-${run.labelNoise}`), { noise: run.labelNoise });
      const kept = labelled.labels.filter((l) => l.pair < run.trainingSize);
      return { kept, train: comparisons(trainA, trainB, gTrainA, gTrainB, kept, true) };
    };
    const memberSeed = (run: BonRunConfig, m: number) => Number(hash64(`${run.id}/member-${m}`) & 0x7fffffffn);
    const memberOrder = (run: BonRunConfig, m: number) => new Rng(run.seed).fork(`member-${m}`).fork("data-order");
    // Runs whose stacks train (and score the reference and the pool) in the worker pool, started
    // ahead so the pool's workers overlap; each keeps its recorded steps until its run replays
    // them into its own sink. Progress reaches the tracker live.
    type Recorded = { members: TrainedReward[]; scores: Float32Array[]; steps: [number, number, number, number][] };
    const inPool = new Map<string, Promise<Recorded>>();
    const pooled = (run: BonRunConfig) =>
      rmWorkers > 1 && proxyRuntime.singleThreaded(k * rewardModelParamCount(rmConfig(run, tokenizer.vocabSize, maxSeq)));
    const startInPool = (run: BonRunConfig): Promise<Recorded> => {
      const known = inPool.get(run.id);
      if (known) return known;
      const started = (async () => {
        const trunk = await trunkOf(run);
        const steps: Recorded["steps"] = [];
        if (!stackPool) {
          stackPool = new StackTrainingPool(rmWorkers);
          // Ctrl-C / cancel: stop the workers now rather than after the stacks in flight.
          signal?.addEventListener("abort", () => void stackPool?.close(), { once: true });
        }
        const data = trainingSetOf(run).train;
        const stepsPerMember = rmEpochs * Math.ceil(data.length / rmBatch);
        const trained = await stackPool.train(
          {
            config: rmConfig(run, tokenizer.vocabSize, maxSeq),
            data,
            members: Array.from({ length: k }, (_, m) => ({ seed: memberSeed(run, m), orderKey: memberOrder(run, m).key })),
            ...(trunk ? { trunk } : {}),
            options: { ...options.rmTraining, padToken: tokenizer.special.pad },
            score: { sequences: scoredSequences, batchSize: SCORE_BATCH },
          },
          (...s) => steps.push(s),
          (p) =>
            p.phase === "training"
              ? progress(`rm-training:${run.id}`, k * p.step, k * stepsPerMember, `${run.proxy.name} members 1-${k}`)
              : progress(`scoring:${run.id}`, p.membersScored, k),
        );
        return { members: trained.members, scores: trained.scores!, steps };
      })().catch((err: unknown) => {
        signal?.throwIfAborted(); // a pool closed by the abort: the run is cancelled, not failed
        throw err;
      });
      started.catch(() => {}); // a run that fails first closes the pool under the ones started ahead
      inPool.set(run.id, started);
      return started;
    };

    // 3-4. Runs. The pooled runs' trunks first (pretrained here while no worker competes for the
    // cores: overlapping them measured slower and noisier), then every pooled run's stack is queued,
    // in run order, so the workers never wait for this thread to reach a run (a run's results are
    // a few MB at most: weights and scores).
    for (const run of runs) if (pooled(run)) await trunkOf(run);
    for (const run of runs) if (pooled(run)) startInPool(run);
    const groupRuns: BonRunResult[] = [];
    for (const run of runs) {
      const runSink = sink.beginRun({ id: run.id, name: run.id, seed: run.seed, config: run as unknown as Record<string, unknown> });
      try {
        const runResult = await runOne(run);
        groupRuns.push(runResult);
        // The curves are stored point by point already; the result keeps the headline numbers and
        // this run's own analysis (prompt-bootstrap intervals), so it reads alone if the study stops here.
        const basePolicy = { hash: policy.hash, cached: policy.cached, path: policy.path };
        if (runSink.result) {
          // The analysis covers this run's cell (its seeds finished so far), so the last seed's run
          // holds the cell's full analysis; mergeAnalyses puts a study's cells back together.
          const own: BonStudyResult = {
            study: study.name,
            basePolicy,
            baseGold,
            timings: { ...timings },
            runs: [runResult],
            groups: [{ overrides: {}, basePolicy, baseGold }],
          };
          const cellRuns = groupRuns.filter(
            (r) => r.proxy === runResult.proxy && r.trainingSize === runResult.trainingSize && r.labelNoise === runResult.labelNoise,
          );
          runSink.result(
            storedBonStudyResult(own, { replicates: options.bootstrapReplicates }, cellRuns) as unknown as Record<string, unknown>,
          );
        }
        runSink.end("done");
      } catch (err) {
        const cancelled = signal?.aborted ?? false;
        runSink.end(cancelled ? "cancelled" : "failed", err instanceof Error ? err.message : String(err));
        throw err;
      }

      async function runOne(run: BonRunConfig): Promise<BonRunResult> {
        const { kept, train } = trainingSetOf(run);
        runSink.metric(0, "labels.kept", kept.length);
        runSink.metric(0, "labels.flipped", kept.filter((l) => l.flipped).length);
        runSink.labelSet({
          name: `${run.id}/labels`,
          noise: run.labelNoise,
          seed: run.seed,
          pairs: trainA.slice(0, run.trainingSize).map((a, i) => ({
            prompt: a.prompt.text,
            category: a.prompt.category,
            responseA: a.words.join(" "),
            responseB: trainB[i]!.words.join(" "),
            goldA: gTrainA[i]!,
            goldB: gTrainB[i]!,
          })),
          labels: kept.map((l) => ({ pair: l.pair, chosen: l.chosen, goldChosen: l.goldChosen, flipped: l.flipped })),
        });

        const cfg = rmConfig(run, tokenizer.vocabSize, maxSeq);
        const trunk = await trunkOf(run);
        const refScores: Float32Array[] = [];
        const poolScores: Float32Array[] = [];
        const members: BonRunResult["members"] = [];
        const stepsPerMember = rmEpochs * Math.ceil(train.length / rmBatch);
        // The k members train together in one stacked program (same math as one at a time, each
        // with its own seed, data order and gradient clipping; experiments/stacked-reward-training.ts).
        const rmRuntime = await proxyRuntime.forParams(k * rewardModelParamCount(cfg));
        const recordStep = (m: number, step: number, loss: number) => {
          if (step % 10 === 0) runSink.metric(step, `member.${m}.train_loss`, loss);
        };
        const onStep = (m: number, step: number, loss: number) => {
          recordStep(m, step, loss);
          if (m === k - 1) progress(`rm-training:${run.id}`, k * step, k * stepsPerMember, `${run.proxy.name} members 1-${k}`);
        };
        // In the pool (started ahead, see startInPool) the worker also scored the reference and the
        // pool with each member; this times only the wait for this run's stack.
        const inWorker = await timed("rm-training", async () => {
          if (!pooled(run)) return undefined;
          const recorded = await startInPool(run);
          signal?.throwIfAborted();
          for (const [m, step, loss] of recorded.steps) recordStep(m, step, loss);
          return recorded;
        });
        const trainedMembers =
          inWorker?.members ??
          (await timed("rm-training", () =>
            trainStackedRewardModels(
              rmRuntime,
              cfg,
              train,
              Array.from({ length: k }, (_, m) => ({
                seed: memberSeed(run, m),
                order: memberOrder(run, m),
                ...(trunk ? { from: trunk } : {}),
              })),
              { ...options.rmTraining, padToken: tokenizer.special.pad, signal, onStep },
            ),
          ));
        for (let m = 0; m < k; m++) {
          const trained = trainedMembers[m]!;
          const scored = await timed("scoring", async () => {
            const all =
              inWorker?.scores[m] ??
              (await rewardScores(rmRuntime, trained.model, scoredSequences, {
                padToken: tokenizer.special.pad,
                batchSize: SCORE_BATCH,
              }));
            const ref = all.subarray(0, reference.length);
            return { validationAccuracy: validationAccuracy(ref), ref, pool: all.subarray(reference.length) };
          });
          progress(`scoring:${run.id}`, m + 1, k);
          refScores.push(scored.ref);
          poolScores.push(scored.pool);
          const norm = fitNormalisation([scored.ref]);
          members.push({
            validationAccuracy: scored.validationAccuracy,
            trainAccuracy: trained.finalAccuracy,
            mean: norm.mean[0]!,
            std: norm.std[0]!,
          });
          runSink.metric(trained.steps, `member.${m}.val_accuracy`, scored.validationAccuracy);
          runSink.metric(trained.steps, `member.${m}.train_accuracy`, trained.finalAccuracy);
          if (options.saveMembers ?? true) {
            const dir = join(context.cacheDir, "runs", run.id.replace(/[^A-Za-z0-9._-]+/g, "_"), `member-${m}`);
            await saveModel(dir, trained.model);
            runSink.checkpoint({
              name: `proxy:member:${m}`,
              kind: "reward",
              path: dir,
              config: {
                model: cfg,
                member: m,
                normalisation: { mean: norm.mean[0], std: norm.std[0], reference: `validation:${reference.length}` },
                validationAccuracy: scored.validationAccuracy,
                steps: trained.steps,
              },
            });
          }
        }
        const meanAccuracy = members.reduce((s, m) => s + m.validationAccuracy, 0) / k;
        runSink.metric(0, "rm.val_accuracy.mean", meanAccuracy);

        // Best-of-n curves: each aggregation and (for ensembles) each member on its own.
        const t0 = performance.now();
        const norm = fitNormalisation(refScores);
        const normalised = applyNormalisation(poolScores, norm);
        const series: { name: string; proxy: Float64Array; accuracy: number }[] = [];
        const aggregations: Aggregation[] = k === 1 ? [{ kind: "mean" }] : first.ensemble.aggregations;
        // An aggregation's own accuracy on the validation pairs, from its aggregated reference scores.
        const normalisedRef = applyNormalisation(refScores, norm);
        for (const a of aggregations)
          series.push({
            name: `proxy:${aggregationName(a)}`,
            proxy: aggregate(normalised, a),
            accuracy: validationAccuracy(aggregate(normalisedRef, a)),
          });
        if (k > 1)
          normalised.forEach((row, m) => series.push({ name: `member:${m}`, proxy: row, accuracy: members[m]!.validationAccuracy }));
        const summaries: BonSeriesSummary[] = [];
        const replicates = options.bootstrapReplicates ?? 1000;
        for (const s of series) {
          const values = bestOfNPromptValues(poolsFromMatrix(s.proxy, gPool, poolSize, poolLogProb), ns);
          const curve = curveFromPromptValues(values);
          // Each member's expected (normalised, recentred) score of the sample this series selects.
          const memberCurves = normalised.map((row) => bestOfNCurve(poolsFromMatrix(s.proxy, row, poolSize), ns));
          runSink.curvePoints(bonCurvePoints(s.name, curve, klPrompts, (i) => memberCurves.map((c) => c[i]!.goldGain)));
          summaries.push(summarise(s.name, values, s.accuracy, runSink, replicates, run.seed));
        }
        if ((options.keepSamples ?? true) && runSink.samples) runSink.samples(sampleSet(series, normalised));
        timings.curves! += (performance.now() - t0) / 1000;
        const head = summaries[0]!;
        runSink.log(
          `${run.id}: val acc ${meanAccuracy.toFixed(3)}, peak gold ${head.peakGold.toFixed(3)} at n=${head.peakN}, gold at n=${head.maxN} ${head.goldAtMaxN.toFixed(3)}`,
        );
        return {
          id: run.id,
          group,
          proxy: run.proxy.name,
          trainingSize: run.trainingSize,
          labelNoise: run.labelNoise,
          seed: run.seed,
          members,
          series: summaries,
        };
      }
    }

    /** The pools behind this run's curves, with every series' and member's proxy score per sample. */
    function sampleSet(series: readonly { name: string; proxy: Float64Array }[], members: readonly Float64Array[]): ExperimentSampleSet {
      const width = series.length + members.length;
      return {
        name: "bon-pool",
        series: series.map((s) => s.name),
        members: members.length,
        poolSize,
        pools: evalSet.map((prompt, p) => {
          const scores = new Float64Array(poolSize * width);
          for (let i = 0; i < poolSize; i++) {
            const j = p * poolSize + i;
            series.forEach((s, c) => (scores[i * width + c] = s.proxy[j]!));
            members.forEach((row, m) => (scores[i * width + series.length + m] = row[j]!));
          }
          return {
            prompt: prompt.text,
            completions: poolCompletions.slice(p * poolSize, (p + 1) * poolSize),
            gold: gPool.subarray(p * poolSize, (p + 1) * poolSize),
            logProb: poolLogProb.subarray(p * poolSize, (p + 1) * poolSize),
            scores,
          };
        }),
      };
    }
    return { runs: groupRuns, basePolicy: { hash: policy.hash, cached: policy.cached, path: policy.path }, baseGold };
  }
}
