/**
 * Best-of-n overoptimization on an imported preference dataset (Gao et al. 2023's design on real
 * data, with the label-noise axis of Coste et al. 2024):
 *
 * 1. split the labelled pairs: a held-out split no reward model trains on (validation, the
 *    normalisation reference and the evaluation prompts), the rest for training;
 * 2. pi_init: a small LM fine-tuned on the training split's chosen responses (cached by hash);
 * 3. gold: a larger reward model trained on all of the training split's labels;
 * 4. proxies: smaller reward models, each on a seeded prefix of the training split (a smaller
 *    training set is a prefix of a larger one) with each label flipped with probability `noise`;
 *    each proxy's trunk starts from an LM of its size fine-tuned like pi_init (pi_init itself when
 *    the sizes agree; cached), or from random weights with `proxies.init: "scratch"`;
 * 5. N samples of pi_init per evaluation prompt, scored by gold and every proxy (each normalised
 *    to mean 0 / std 1 on the held-out responses), and best-of-n curves of gold and proxy gain
 *    against KL_bon(n) = ln n - (n-1)/n.
 *
 * With `goldPanel` (a multi-annotator dataset), gold is agreement-based instead
 * (annotator-panel.ts): the panel's labels train gold only, the other annotators' the proxies and
 * pi_init, and every reward model's agreement with the panel on held-out pairs is reported next to
 * the human ceiling.
 *
 * The run configs name the dataset, so stored curves say which data they measure.
 */
import { Rng, generate, hash64, rewardScores, type Gpt, type RewardModelConfig, type Runtime, type Tokenizer } from "@goodhart/engine";
import { bestOfNCurve, bestOfNPromptValues, curveFromPromptValues, poolsFromMatrix, type BonCurvePoint } from "../../bon/estimator.ts";
import { bonCurvePoints } from "../../experiments/bon-curve-points.ts";
import { aggregate, aggregationName, applyNormalisation, fitNormalisation, type Aggregation } from "../../ensemble.ts";
import {
  interleavedAccuracy,
  pairwiseAccuracy,
  trainRewardModel,
  type Comparison,
  type RewardTrainingOptions,
} from "../../experiments/reward-training.ts";
import type { ExperimentContext } from "../../experiments/sink.ts";
import { DatasetEncoder } from "./encoder.ts";
import type { DatasetPair, LabelledExample } from "./pairs.ts";
import { rewardModelPanelAgreement, type GoldPanelSpec, type PanelAgreement } from "./annotator-panel.ts";
import {
  formatAgreement,
  panelResult as studyPanelResult,
  panelResultMessage,
  panelSplitMessage,
  recordAgreement,
  recordStudyAgreement,
  studySplits,
  type DatasetPanelResult,
} from "./panel-study.ts";
import { loadOrTrainSftPolicy, type SftPolicySpec } from "./sft-policy.ts";
import { phaseTimer } from "../../experiments/phase-timer.ts";
import { canonicalJson } from "../../config/sweep.ts";
import type { ModelRef } from "../../kinds/common-fields.ts";

/** Registered models loaded by the caller (experiments/model-init.ts): pi_init itself, and the trunk every proxy starts from. */
export interface DatasetModelStarts {
  policy?: { model: Gpt; label: string; path: string; hash: string };
  proxyTrunk?: { model: Gpt; label: string };
}

export interface RmSize {
  name: string;
  layers: number;
  dModel: number;
  heads: number;
}

export interface DatasetBonConfig {
  name: string;
  /** A sweep grid point's values (field path -> value): named in every run's id and config. */
  point?: Record<string, unknown>;
  /** The lab's id of the imported dataset (stored with every run and curve). */
  datasetId: number;
  /** Seed of the split, the policy, the samples and the label noise. */
  seed: number;
  /** Fraction of prompts held out from all reward-model training. */
  heldOutFraction: number;
  maxPromptTokens: number;
  maxResponseTokens: number;
  policy: SftPolicySpec;
  gold: RmSize & { epochs?: number };
  /** Agreement-based gold on a multi-annotator dataset: the held-out annotator panel (annotator-panel.ts); absent: gold trains on all training labels. */
  goldPanel?: GoldPanelSpec;
  proxies: {
    sizes: RmSize[];
    trainingSizes: number[];
    labelNoise: number[];
    seeds: number[];
    epochs?: number;
    /** Reward models per proxy (Coste et al. 2024), trained with different seeds and data orders on the same labels; default 1. */
    ensemble?: { size: number; aggregations: Aggregation[] };
    /** "pretrained" (default): trunks from an LM of the proxy's size fine-tuned like pi_init; "scratch": random; "model:<id>": a registered model's trunk (DatasetModelStarts.proxyTrunk). */
    init?: "pretrained" | "scratch" | ModelRef;
  };
  bon: { poolSize: number; ns: number[]; evalPrompts: number };
  /** Reward-model training knobs shared by gold and proxies (batch size, learning rate, ...). */
  rmTraining?: Omit<RewardTrainingOptions, "epochs">;
}

export interface DatasetProxyRun {
  id: string;
  proxy: string;
  trainingSize: number;
  labelNoise: number;
  seed: number;
  /** Accuracy on the held-out split's own labels. */
  validationAccuracy: number;
  /** Agreement with gold on the held-out pairs (does it order them as gold does). */
  goldAgreement: number;
  curve: BonCurvePoint[];
  /** An ensemble (size > 1): each member's held-out accuracy, and every aggregation's numbers and curve (the first is the run's headline above). */
  ensemble?: {
    members: number[];
    series: { name: string; validationAccuracy: number; goldAgreement: number; curve: BonCurvePoint[]; panelAgreement?: PanelAgreement }[];
  };
  /** With a gold panel: this proxy's (headline series') agreement with the panel's labels on the held-out pairs, beside gold's and the human ceiling. */
  agreement?: { panel: string[]; pairs: number; proxy: PanelAgreement; goldRm: PanelAgreement; humanCeiling: PanelAgreement };
}

export type { DatasetPanelResult } from "./panel-study.ts";

export interface DatasetBonResult {
  study: string;
  datasetId: number;
  splits: { train: number; heldOut: number; evalPrompts: number; dropped: number };
  policy: { hash: string; cached: boolean; path: string; finalLoss: number };
  gold: { size: string; validationAccuracy: number; trainAccuracy: number };
  /** Agreement-based gold (config.goldPanel) only. */
  agreement?: DatasetPanelResult;
  runs: DatasetProxyRun[];
  timings: Record<string, number>;
}

/** Gold (Gao/Coste on real data): a reward model of the gold size trained on all of the training split's labels. */
export function trainDatasetGold(
  runtime: Runtime,
  encoder: DatasetEncoder,
  train: readonly Comparison[],
  gold: RmSize & { epochs?: number },
  seed: number,
  options: Omit<Parameters<typeof trainRewardModel>[4], "epochs">,
) {
  return trainRewardModel(
    runtime,
    rmConfig(gold, encoder),
    train,
    { seed: seedOf(`${seed}/gold`), order: new Rng(seed).fork("gold-order") },
    { ...options, epochs: gold.epochs ?? 3 },
  );
}

/** The pairs as reward-model comparisons (chosen first), in the encoder's sequence format. */
export function comparisonsOf(encoder: DatasetEncoder, pairs: readonly DatasetPair[]): Comparison[] {
  return pairs.map((p) => ({
    chosen: encoder.sequence(p.prompt, p.chosen),
    rejected: encoder.sequence(p.prompt, p.rejected),
    goldMargin: 0,
  }));
}

function rmConfig(size: RmSize, encoder: DatasetEncoder): RewardModelConfig {
  return { vocab: encoder.vocabSize, maxSeq: encoder.maxSeq, dModel: size.dModel, nHeads: size.heads, nLayers: size.layers };
}

/** A sweep point as text for run ids: `bon.poolSize=16,proxy.init="scratch"`. */
function pointName(point: Record<string, unknown>): string {
  return Object.entries(point)
    .map(([k, v]) => `${k}=${canonicalJson(v)}`)
    .join(",");
}

function seedOf(label: string): number {
  return Number(hash64(label) & 0x7fffffffn);
}

/**
 * N samples per prompt from a policy (seeds `seed + p * poolSize + i`): the sequences reward models
 * score, ln policy of each, and whether the policy ended it (else it was cut at the length limit
 * and closed with the end token for scoring only).
 */
export async function samplePools(
  runtime: Runtime,
  encoder: DatasetEncoder,
  policy: Parameters<typeof generate>[1],
  prompts: readonly string[],
  poolSize: number,
  seed: number,
  signal?: AbortSignal,
) {
  const sequences: number[][] = [];
  const completions: string[] = [];
  const ended: boolean[] = [];
  const logProb = new Float64Array(prompts.length * poolSize);
  for (let p = 0; p < prompts.length; p++) {
    signal?.throwIfAborted();
    const promptIds = encoder.promptIds(prompts[p]!);
    const g = await generate(
      runtime,
      policy,
      Array.from({ length: poolSize }, () => promptIds),
      {
        maxNewTokens: encoder.options.maxResponseTokens,
        stopToken: encoder.eos,
        padToken: encoder.pad,
        seeds: seed + p * poolSize,
      },
    );
    g.tokens.forEach((tokens, i) => {
      const end = tokens.indexOf(encoder.eos);
      const body = end >= 0 ? tokens.slice(0, end) : tokens;
      // The event sampled: these tokens, and the end token when the policy produced it.
      logProb[p * poolSize + i] = g.logprobs[i]!.slice(0, end >= 0 ? end + 1 : tokens.length).reduce((a, b) => a + b, 0);
      sequences.push([...promptIds, ...body, encoder.eos]);
      completions.push(encoder.decode(body));
      ended.push(end >= 0);
    });
  }
  return { sequences, completions, logProb, ended };
}

/**
 * Golds trained in this process, keyed by everything a gold depends on, so the grid points of one
 * sweep that differ only in other fields (bon.poolSize, proxy.init, ...) share one.
 */
export type GoldCache = Map<string, ReturnType<typeof trainDatasetGold>>;

/** Runs the study on the labelled examples of one dataset (see the module comment). */
export async function runDatasetBonStudy(
  examples: readonly LabelledExample[],
  tokenizer: Tokenizer,
  config: DatasetBonConfig,
  context: ExperimentContext,
  starts: DatasetModelStarts = {},
  golds?: GoldCache,
): Promise<DatasetBonResult> {
  const { runtime, sink, signal } = context;
  const timings: Record<string, number> = { policy: 0, gold: 0, sampling: 0, proxies: 0, curves: 0 };
  const timed = phaseTimer(timings);
  // With a gold panel, `splits.train` holds the training annotators' labels only (proxies, pi_init, trunks).
  const {
    splits,
    goldTrain,
    panel: panelSplits,
  } = studySplits(examples, {
    seed: config.seed,
    heldOutFraction: config.heldOutFraction,
    datasetId: config.datasetId,
    goldPanel: config.goldPanel,
  });
  const maxTrain = Math.max(...config.proxies.trainingSizes);
  if (maxTrain > splits.train.length) {
    throw new RangeError(
      `dataset task: proxies.trainingSizes asks for ${maxTrain} comparisons; dataset ${config.datasetId}'s training split has ${splits.train.length}`,
    );
  }
  const evalPrompts = splits.evalPrompts.slice(0, config.bon.evalPrompts);
  const encoder = new DatasetEncoder(tokenizer, { maxPromptTokens: config.maxPromptTokens, maxResponseTokens: config.maxResponseTokens });
  sink.log(
    `dataset ${config.datasetId}: ${splits.train.length} training and ${splits.heldOut.length} held-out pairs (${splits.dropped} ties dropped), ${evalPrompts.length} evaluation prompts`,
  );
  if (panelSplits) sink.log(panelSplitMessage(panelSplits));
  // Phases in order with rough shares of the wall time, for the study-wide fraction.
  const started = performance.now();
  const shares: Record<string, [number, number]> = { policy: [0, 0.35], gold: [0.35, 0.55], sampling: [0.55, 0.65], proxies: [0.65, 1] };
  const progress = (phase: string, done: number, total: number, message?: string) => {
    const [from, to] = shares[phase] ?? [0, 1];
    const elapsedS = (performance.now() - started) / 1000;
    const fraction = from + (to - from) * Math.min(1, done / Math.max(1, total));
    sink.progress({
      phase,
      done,
      total,
      fraction,
      elapsedS,
      etaS: fraction > 0.05 ? (elapsedS * (1 - fraction)) / fraction : null,
      ...(message ? { message } : {}),
    });
  };

  // 2. pi_init: a registered model as it is, or the SFT policy.
  const loaded = starts.policy;
  const policy = loaded
    ? { model: loaded.model, cached: true, hash: loaded.hash, path: loaded.path, finalLoss: NaN }
    : await timed("policy", () =>
        loadOrTrainSftPolicy(
          runtime,
          encoder,
          { ...config.policy, seed: config.policy.seed ?? config.seed },
          splits.train,
          context.cacheDir,
          {
            signal,
            onStep: (step, total, loss) => progress("policy", step, total, `SFT loss ${loss.toFixed(3)}`),
          },
        ),
      );
  sink.log(
    loaded
      ? `pi_init: registered model ${loaded.label} from ${loaded.path}`
      : policy.cached
        ? `SFT policy loaded from ${policy.path}`
        : `SFT policy trained (final loss ${policy.finalLoss.toFixed(3)}) and cached in ${policy.path}`,
  );
  sink.checkpoint({
    name: "sft-policy",
    kind: "policy",
    path: policy.path,
    hash: policy.hash,
    config: { datasetId: config.datasetId, ...config.policy },
  });

  // 3. Gold: all of the training split's labels, or with a panel only the panel's.
  const trainComparisons = comparisonsOf(encoder, splits.train);
  const goldComparisons = panelSplits ? comparisonsOf(encoder, goldTrain) : trainComparisons;
  const heldOutComparisons = comparisonsOf(encoder, splits.heldOut);
  const rmOptions = { ...config.rmTraining, padToken: encoder.pad, signal };
  const goldKey = canonicalJson({
    datasetId: config.datasetId,
    examples: examples.length,
    seed: config.seed,
    heldOutFraction: config.heldOutFraction,
    encoder: { ...encoder.options, vocab: encoder.vocabSize, eos: encoder.eos, pad: encoder.pad, tokenizer: tokenizer.constructor.name },
    gold: config.gold,
    goldPanel: config.goldPanel ?? null,
    rmTraining: config.rmTraining ?? null,
  });
  const sharedGold = golds?.get(goldKey);
  const training =
    sharedGold ??
    trainDatasetGold(runtime, encoder, goldComparisons, config.gold, config.seed, {
      ...rmOptions,
      onStep: (step: number) =>
        progress("gold", step, (config.gold.epochs ?? 3) * Math.ceil(goldComparisons.length / (config.rmTraining?.batchSize ?? 64))),
    });
  if (golds && !sharedGold) golds.set(goldKey, training);
  if (sharedGold) sink.log(`gold RM (${config.gold.name}) shared with an earlier grid point (same data, split, size and training)`);
  const gold = await timed("gold", () => training);
  const goldValidationAccuracy = await pairwiseAccuracy(runtime, gold.model, heldOutComparisons, encoder.pad);
  sink.log(`gold RM (${config.gold.name}): held-out accuracy ${goldValidationAccuracy.toFixed(3)}, train ${gold.finalAccuracy.toFixed(3)}`);

  // 5a. Pools, and gold's scores of them and of the reference (the held-out responses).
  const reference = heldOutComparisons.flatMap((c) => [c.chosen, c.rejected]);
  const pools = await timed("sampling", () =>
    samplePools(runtime, encoder, policy.model, evalPrompts, config.bon.poolSize, seedOf(`${config.seed}/pools`), signal),
  );
  const scoreAll = async (model: typeof gold.model) => {
    const all = await rewardScores(runtime, model, [...reference, ...pools.sequences], { padToken: encoder.pad, batchSize: 128 });
    const norm = fitNormalisation([all.subarray(0, reference.length)]);
    const [ref, pool] = [
      applyNormalisation([all.subarray(0, reference.length)], norm)[0]!,
      applyNormalisation([all.subarray(reference.length)], norm)[0]!,
    ];
    return { ref, pool, rawRef: all.subarray(0, reference.length) };
  };
  const goldScores = await timed("gold", () => scoreAll(gold.model));
  // Agreement-based evaluation: gold's and the training annotators' agreement with the panel.
  const panelResult: DatasetPanelResult | undefined = panelSplits && studyPanelResult(panelSplits, goldScores.rawRef);
  if (panelResult) sink.log(panelResultMessage(panelResult));

  // Proxy trunks: an LM of each proxy size trained exactly like pi_init (the same recipe, data and
  // seed, so the cache returns pi_init itself when the sizes agree).
  const proxyInit = config.proxies.init ?? "pretrained";
  const trunks = new Map<string, Gpt>();
  const trunkOf = async (size: RmSize): Promise<Gpt | undefined> => {
    if (proxyInit === "scratch") return undefined;
    if (starts.proxyTrunk) return starts.proxyTrunk.model;
    const key = `${size.layers}x${size.dModel}x${size.heads}`;
    const known = trunks.get(key);
    if (known) return known;
    const spec = { ...config.policy, seed: config.policy.seed ?? config.seed, layers: size.layers, dModel: size.dModel, heads: size.heads };
    const lm = await timed("proxies", () => loadOrTrainSftPolicy(runtime, encoder, spec, splits.train, context.cacheDir, { signal }));
    sink.log(`${size.name} proxy trunk ${lm.cached ? "loaded from" : "fine-tuned and cached in"} ${lm.path}`);
    trunks.set(key, lm.model);
    return lm.model;
  };

  // 4-5. Proxies and their curves.
  const pointSuffix = config.point && Object.keys(config.point).length > 0 ? `/${pointName(config.point)}` : "";
  const ensembleSize = config.proxies.ensemble?.size ?? 1;
  const aggregations: Aggregation[] =
    ensembleSize === 1 ? [{ kind: "mean" }] : (config.proxies.ensemble?.aggregations ?? [{ kind: "mean" }]);
  // Held-out accuracy and agreement with gold, from scores of the held-out pairs (chosen, rejected interleaved).
  const pairAccuracy = (ref: ArrayLike<number>) => interleavedAccuracy(ref, heldOutComparisons.length);
  const agreement = (ref: ArrayLike<number>) => {
    let agree = 0;
    for (let i = 0; i < heldOutComparisons.length; i++) {
      if ((goldScores.ref[2 * i]! - goldScores.ref[2 * i + 1]!) * (ref[2 * i]! - ref[2 * i + 1]!) > 0) agree++;
    }
    return agree / heldOutComparisons.length;
  };
  const order = new Rng(config.seed).fork("proxy-order").permutation(splits.train.length);
  const runs: DatasetProxyRun[] = [];
  const klPrompts = `held-out:${evalPrompts.length}x${config.bon.poolSize}`;
  const totalRuns =
    config.proxies.sizes.length * config.proxies.trainingSizes.length * config.proxies.labelNoise.length * config.proxies.seeds.length;
  progress("sampling", 1, 1);
  for (const size of config.proxies.sizes) {
    for (const trainingSize of config.proxies.trainingSizes) {
      for (const noise of config.proxies.labelNoise) {
        for (const seed of config.proxies.seeds) {
          const id = `${config.name}/${size.name}/n${trainingSize}/noise${noise}/s${seed}${pointSuffix}`;
          const runConfig = {
            task: { kind: "dataset", datasetId: config.datasetId },
            proxy: size,
            proxyInit,
            trainingSize,
            labelNoise: noise,
            seed,
            ...(ensembleSize > 1 ? { ensemble: config.proxies.ensemble } : {}),
            bon: config.bon,
            ...(pointSuffix ? { overrides: config.point } : {}),
          };
          const runSink = sink.beginRun({ id, name: id, seed, config: runConfig });
          try {
            // Flips drawn over the whole order, so a smaller set is a prefix with the same flips.
            const flips = new Rng(seed).fork(`label-noise-${noise}`);
            const flipped = order.map(() => flips.bernoulli(noise));
            const data = order.slice(0, trainingSize).map((i, j) => {
              const c = trainComparisons[i]!;
              return flipped[j] ? { ...c, chosen: c.rejected, rejected: c.chosen } : c;
            });
            runSink.metric(0, "labels.kept", data.length);
            runSink.metric(0, "labels.flipped", flipped.slice(0, trainingSize).filter(Boolean).length);
            const trunk = await trunkOf(size);
            // Members share the labels (and flips) and differ in seed and data order; member 0 is
            // seeded as a single proxy is, so a study without an ensemble keeps its numbers.
            const memberScores: { ref: Float64Array; pool: Float64Array }[] = [];
            const memberAccuracy: number[] = [];
            for (let m = 0; m < ensembleSize; m++) {
              const trained = await timed("proxies", () =>
                trainRewardModel(
                  runtime,
                  starts.proxyTrunk ? starts.proxyTrunk.model.config : rmConfig(size, encoder),
                  data,
                  {
                    seed: seedOf(m === 0 ? `${id}/init` : `${id}/member-${m}`),
                    order: (m === 0 ? new Rng(seed) : new Rng(seed).fork(`member-${m}`)).fork("data-order"),
                    ...(trunk ? { from: trunk } : {}),
                  },
                  {
                    ...rmOptions,
                    epochs: config.proxies.epochs ?? 3,
                    onStep: (step, loss) => {
                      if (step % 10 === 0) runSink.metric(step, `member.${m}.train_loss`, loss);
                    },
                  },
                ),
              );
              const scores = await timed("proxies", () => scoreAll(trained.model));
              const accuracy = pairAccuracy(scores.rawRef);
              runSink.metric(trained.steps, `member.${m}.val_accuracy`, accuracy);
              memberScores.push(scores);
              memberAccuracy.push(accuracy);
            }
            runSink.metric(0, "rm.val_accuracy.mean", memberAccuracy.reduce((a, b) => a + b, 0) / ensembleSize);
            const t0 = performance.now();
            const refs = memberScores.map((x) => x.ref);
            const memberPools = memberScores.map((x) => x.pool);
            // One series per aggregation, and for an ensemble each member on its own (as the built-in study).
            const series = aggregations.map((a) => ({
              name: `proxy:${aggregationName(a)}`,
              ref: aggregate(refs, a),
              pool: aggregate(memberPools, a),
            }));
            if (ensembleSize > 1) memberScores.forEach((x, m) => series.push({ name: `member:${m}`, ref: x.ref, pool: x.pool }));
            const results = series.map((s) => {
              const curve = curveFromPromptValues(
                bestOfNPromptValues(poolsFromMatrix(s.pool, goldScores.pool, config.bon.poolSize, pools.logProb), config.bon.ns),
              );
              // Each member's expected (normalised) score of the sample this series selects.
              const memberCurves =
                ensembleSize > 1
                  ? memberPools.map((row) => bestOfNCurve(poolsFromMatrix(s.pool, row, config.bon.poolSize), config.bon.ns))
                  : [];
              runSink.curvePoints(
                bonCurvePoints(s.name, curve, klPrompts, ensembleSize > 1 ? (i) => memberCurves.map((c) => c[i]!.goldGain) : undefined),
              );
              return {
                name: s.name,
                validationAccuracy: ensembleSize > 1 ? pairAccuracy(s.ref) : memberAccuracy[0]!,
                goldAgreement: agreement(s.ref),
                curve,
                ...(panelSplits ? { panelAgreement: rewardModelPanelAgreement(panelSplits, s.ref) } : {}),
              };
            });
            if (panelResult) {
              recordAgreement(runSink, "agreement.proxy", results[0]!.panelAgreement!);
              // An ensemble: every aggregation and member too (agreement.proxy.wco, agreement.member.0, ...).
              if (ensembleSize > 1)
                for (const r of results) recordAgreement(runSink, `agreement.${r.name.replace(":", ".")}`, r.panelAgreement!);
              recordStudyAgreement(runSink, panelResult);
            }
            timings.curves! += (performance.now() - t0) / 1000;
            const head = results[0]!;
            const { validationAccuracy, goldAgreement, curve } = head;
            const run: DatasetProxyRun = {
              id,
              proxy: size.name,
              trainingSize,
              labelNoise: noise,
              seed,
              validationAccuracy,
              goldAgreement,
              curve,
              ...(ensembleSize > 1 ? { ensemble: { members: memberAccuracy, series: results.slice(0, aggregations.length) } } : {}),
              ...(panelResult
                ? {
                    agreement: {
                      panel: panelResult.panel,
                      pairs: panelResult.pairs,
                      proxy: head.panelAgreement!,
                      goldRm: panelResult.goldRm,
                      humanCeiling: panelResult.humanCeiling,
                    },
                  }
                : {}),
            };
            runs.push(run);
            const last = curve[curve.length - 1]!;
            runSink.log(
              `${id}: held-out acc ${validationAccuracy.toFixed(3)}, gold agreement ${goldAgreement.toFixed(3)}, at n=${last.n} proxy ${last.proxyGain.toFixed(3)} gold ${last.goldGain.toFixed(3)}${run.agreement ? `; agreement with the panel ${formatAgreement(run.agreement.proxy)}` : ""}`,
            );
            runSink.result?.({ datasetId: config.datasetId, goldValidationAccuracy, ...run, curve } as unknown as Record<string, unknown>);
            runSink.end("done");
            progress("proxies", runs.length, totalRuns, id);
          } catch (err) {
            runSink.end(signal?.aborted ? "cancelled" : "failed", err instanceof Error ? err.message : String(err));
            throw err;
          }
        }
      }
    }
  }
  return {
    study: config.name,
    datasetId: config.datasetId,
    splits: { train: splits.train.length, heldOut: splits.heldOut.length, evalPrompts: evalPrompts.length, dropped: splits.dropped },
    policy: { hash: policy.hash, cached: policy.cached, path: policy.path, finalLoss: policy.finalLoss },
    gold: { size: config.gold.name, validationAccuracy: goldValidationAccuracy, trainAccuracy: gold.finalAccuracy },
    ...(panelResult ? { agreement: panelResult } : {}),
    runs,
    timings,
  };
}
