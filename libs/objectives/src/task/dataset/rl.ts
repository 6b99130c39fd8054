/**
 * The RL study (rl/study.ts) on an imported preference dataset: the study's runs, learner,
 * evaluations, onset signals and fits are the built-in study's; this module supplies the task's
 * part (rl/study.ts RlTaskPreparer), following the dataset task's protocol (study.ts, daa.ts):
 *
 * - the split: held-out prompts no model trains on (pairs.ts); rollouts sample the training
 *   split's prompts, evaluations the first `evaluation.prompts` held-out ones;
 * - pi_init: the SFT policy on the training split's chosen responses (cached by hash);
 * - gold: a reward model of the `dataset.gold` size trained on all training-split labels, scores
 *   normalised to mean 0 / std 1 on the held-out responses (the same helper as best-of-n and daa);
 * - proxies: per size and seed, k members trained on the first `trainingSize` comparisons of a
 *   seeded order of the training split, each label flipped with probability `labelNoise` (the same
 *   flips for every member), members differing in seed and data order, trunks from an LM of the
 *   proxy's size fine-tuned like pi_init; each member normalised on the held-out responses, its
 *   accuracy measured on the held-out pairs' dataset labels.
 *
 * With `task.dataset.goldPanel` (a multi-annotator dataset), gold is agreement-based, as in the
 * best-of-n study (panel-study.ts): pi_init, the trunks and the proxies train on the training
 * annotators' majority only, gold on the panel's only, and every run stores its proxy's (the
 * reward it optimizes) and each member's agreement with the panel on the held-out pairs, beside
 * gold's and the human ceiling (`agreement.*` metrics, an `agreement` block in the result).
 */
import { Rng, hash64, rewardScores, type Gpt, type RewardModel, type Tokenizer } from "@goodhart/engine";
import { aggregate, applyNormalisation, fitNormalisation, UWO_LAMBDA, type Aggregation } from "../../ensemble.ts";
import type { ExperimentContext } from "../../experiments/sink.ts";
import { REWARD_TRAINING_DEFAULTS, interleavedAccuracy, trainRewardModel } from "../../experiments/reward-training.ts";
import { validate } from "../../config/validate.ts";
import { rlStudySchema, type RlStudyConfig } from "../../kinds/rl/schema.ts";
import { modelIdOf } from "../../kinds/common-fields.ts";
import { runRlStudyOn, type RlStudyOptions, type RlStudyResult, type RlTaskPreparer, type RlTaskSetup } from "../../rl/study.ts";
import type { RolloutCodec } from "../../rl/rollout.ts";
import type { TrainedProxies } from "../../rl/proxies.ts";
import { memberScores } from "../../rl/member-scores.ts";
import { DatasetEncoder } from "./encoder.ts";
import type { LabelledExample } from "./pairs.ts";
import { rewardModelPanelAgreement, type PanelAgreement } from "./annotator-panel.ts";
import {
  formatAgreement,
  panelResult,
  panelResultMessage,
  panelSplitMessage,
  recordAgreement,
  recordStudyAgreement,
  runPanelAgreement,
  studySplits,
} from "./panel-study.ts";
import { loadOrTrainSftPolicy, sftSpecOf } from "./sft-policy.ts";
import { comparisonsOf, trainDatasetGold } from "./study.ts";
import { datasetTokenizer } from "./from-bon-study.ts";

type RlRunAgreement = NonNullable<RlTaskSetup<string>["agreement"]>["run"];

/** The dataset task's rollout codec: `<bos> prompt <sep>` in, a response of at most maxResponseTokens out. */
export function datasetCodec(encoder: DatasetEncoder): RolloutCodec<string> {
  return {
    pad: encoder.pad,
    eos: encoder.eos,
    maxNewTokens: encoder.options.maxResponseTokens,
    promptIds: (prompt) => encoder.promptIds(prompt),
    body: (tokens) => {
      const end = tokens.indexOf(encoder.eos);
      return end >= 0 ? tokens.slice(0, end) : [...tokens];
    },
    words: (body) => [encoder.decode(body)],
  };
}

/** Fields that mean something on the built-in task only, refused with the reason (null: none). */
export function datasetRlRefusal(s: RlStudyConfig): string | null {
  if (modelIdOf(s.basePolicy.init) !== null)
    return `${s.name}: basePolicy.init ${s.basePolicy.init}: on a dataset task the RL study starts from the SFT policy of basePolicy's sizes (a registered model as pi_init is not supported here yet)`;
  if (s.proxy && modelIdOf(s.proxy.init) !== null)
    return `${s.name}: proxy.init ${s.proxy.init}: on a dataset task the proxies start from LMs of their sizes fine-tuned like pi_init (a registered model is not supported here yet)`;
  return null;
}

/** The task's part of an RL study on `examples` (see the module comment). */
export function datasetRlPreparer(examples: readonly LabelledExample[], tokenizer: Tokenizer): RlTaskPreparer<string> {
  return async (s, context, progress) => {
    const d = s.task.dataset;
    if (s.task.kind !== "dataset" || !d) throw new Error(`${s.name}: task.kind must be "dataset" with a task.dataset block`);
    const refusal = datasetRlRefusal(s);
    if (refusal) throw new Error(refusal);
    const { runtime, sink, signal } = context;
    const seed = s.task.seed;
    const { splits, goldTrain, panel } = studySplits(examples, {
      seed,
      heldOutFraction: d.heldOutFraction,
      datasetId: d.datasetId,
      goldPanel: d.goldPanel,
    });
    if (s.trainingSize > splits.train.length)
      throw new RangeError(
        `${s.name}: trainingSize asks for ${s.trainingSize} comparisons; dataset ${d.datasetId}'s training split has ${splits.train.length}`,
      );
    if (s.evaluation.prompts > splits.evalPrompts.length)
      throw new RangeError(
        `${s.name}: evaluation.prompts asks for ${s.evaluation.prompts} held-out prompts; dataset ${d.datasetId} holds out ${splits.evalPrompts.length} (raise task.dataset.heldOutFraction or lower evaluation.prompts)`,
      );
    const encoder = new DatasetEncoder(tokenizer, { maxPromptTokens: d.maxPromptTokens, maxResponseTokens: d.maxResponseTokens });
    const pad = encoder.pad;
    if (panel) sink.log(panelSplitMessage(panel));

    // pi_init: the SFT policy (cached by hash).
    const spec = sftSpecOf(s.basePolicy, seed);
    const policy = await loadOrTrainSftPolicy(runtime, encoder, spec, splits.train, context.cacheDir, {
      signal,
      onStep: (step, total) => progress("pretrain", step, total),
    });
    sink.log(policy.cached ? `SFT policy loaded from ${policy.path}` : `SFT policy trained and cached in ${policy.path}`);
    sink.checkpoint({
      name: "sft-policy",
      kind: "policy",
      path: policy.path,
      hash: policy.hash,
      config: { datasetId: d.datasetId, ...spec },
    });

    // Gold (with a panel: on the panel's labels only), normalised on the held-out responses (the proxies' normalisation reference too).
    const trainComparisons = comparisonsOf(encoder, splits.train);
    const goldComparisons = panel ? comparisonsOf(encoder, goldTrain) : trainComparisons;
    const heldComparisons = comparisonsOf(encoder, splits.heldOut);
    const reference = heldComparisons.flatMap((c) => [c.chosen, c.rejected]);
    const gold = await trainDatasetGold(runtime, encoder, goldComparisons, d.gold, seed, { padToken: pad, signal });
    const goldReference = await rewardScores(runtime, gold.model, reference, { padToken: pad, batchSize: 128 });
    const goldNorm = fitNormalisation([goldReference]);
    const goldOf = async (sequences: readonly number[][]) =>
      applyNormalisation([await rewardScores(runtime, gold.model, sequences, { padToken: pad, batchSize: 128 })], goldNorm)[0]!;
    const accuracyOn = (scores: ArrayLike<number>) => interleavedAccuracy(scores, heldComparisons.length);
    sink.log(
      `dataset ${d.datasetId}: ${splits.train.length} training pairs, ${splits.heldOut.length} held out, ${splits.evalPrompts.length} held-out prompts; gold (${d.gold.name}) held-out accuracy ${accuracyOn(goldReference).toFixed(3)}, train ${gold.finalAccuracy.toFixed(3)}`,
    );

    // Agreement-based gold: gold's and the human ceiling's agreement with the panel (held-out pairs are panel-oriented).
    const studyAgreement = panel && panelResult(panel, goldReference);
    if (studyAgreement) sink.log(panelResultMessage(studyAgreement));

    // Proxy trunks: an LM of each proxy size fine-tuned like pi_init (pi_init itself at its size).
    const trunks = new Map<string, Gpt>();
    const trunkOf = async (size: { layers: number; dModel: number; heads: number }): Promise<Gpt> => {
      if (size.layers === spec.layers && size.dModel === spec.dModel && size.heads === spec.heads) return policy.model;
      const key = `${size.layers}x${size.dModel}x${size.heads}`;
      const known = trunks.get(key);
      if (known) return known;
      const lm = await loadOrTrainSftPolicy(runtime, encoder, { ...spec, ...size }, splits.train, context.cacheDir, { signal });
      trunks.set(key, lm.model);
      return lm.model;
    };
    const order = new Rng(seed).fork("rl-proxy-order").permutation(splits.train.length);
    const trainProxies = async (run: { proxy: RlStudyConfig["proxySizes"][number]; seed: number }, k: number): Promise<TrainedProxies> => {
      // Flips drawn over the whole order, so a smaller training set is a prefix with the same flips.
      const flips = new Rng(run.seed).fork(`label-noise-${s.labelNoise}`);
      const flipped = order.map(() => flips.bernoulli(s.labelNoise));
      const data = order.slice(0, s.trainingSize).map((i, j) => {
        const c = trainComparisons[i]!;
        return flipped[j] ? { ...c, chosen: c.rejected, rejected: c.chosen } : c;
      });
      const trunk = (s.proxy?.init ?? "pretrained") === "pretrained" ? await trunkOf(run.proxy) : undefined;
      const members: RewardModel[] = [];
      for (let m = 0; m < k; m++) {
        const trained = await trainRewardModel(
          runtime,
          {
            vocab: encoder.vocabSize,
            maxSeq: encoder.maxSeq,
            dModel: run.proxy.dModel,
            nHeads: run.proxy.heads,
            nLayers: run.proxy.layers,
          },
          data,
          {
            seed: Number(
              hash64(`rl-dataset-proxy/${run.proxy.name}/${s.trainingSize}/${s.labelNoise}/${run.seed}/member-${m}`) & 0x7fffffffn,
            ),
            order: new Rng(run.seed).fork(`member-${m}`).fork("data-order"),
            ...(trunk ? { from: trunk } : {}),
          },
          { ...REWARD_TRAINING_DEFAULTS, ...s.rmTraining, padToken: pad, signal },
        );
        members.push(trained.model);
      }
      const refScores = await memberScores(runtime, members, reference, pad);
      const trained: TrainedProxies = {
        members,
        normalisation: fitNormalisation(refScores),
        validationAccuracy: refScores.map(accuracyOn),
        labelsFlipped: flipped.slice(0, s.trainingSize).filter(Boolean).length,
        labelsKept: data.length,
      };
      referenceScores.set(trained, refScores);
      return trained;
    };
    // Each trained ensemble's raw scores of the held-out responses, for its agreement with the panel.
    const referenceScores = new WeakMap<TrainedProxies, Float32Array[]>();
    const agreementOf = (run: Parameters<RlRunAgreement>[0], trained: TrainedProxies | null, runSink: Parameters<RlRunAgreement>[2]) => {
      const block = runPanelAgreement(studyAgreement!);
      if (trained) {
        const refs = applyNormalisation(referenceScores.get(trained)!, trained.normalisation);
        // The reward the run optimizes: member 0 alone, or the ensemble under the run's aggregation.
        const a: Aggregation | null =
          run.objective === "single"
            ? null
            : run.objective === "uwo"
              ? { kind: "uwo", lambda: s.uwoLambda ?? UWO_LAMBDA.ppo }
              : { kind: run.objective as "mean" | "wco" };
        const members: PanelAgreement[] = refs.map((r) => rewardModelPanelAgreement(panel!, r));
        block.proxy = a ? rewardModelPanelAgreement(panel!, aggregate(refs, a)) : members[0]!;
        recordAgreement(runSink, "agreement.proxy", block.proxy);
        if (a) {
          block.members = members;
          members.forEach((m, i) => recordAgreement(runSink, `agreement.member.${i}`, m));
        }
        runSink.log(`${run.id}: agreement with the panel ${formatAgreement(block.proxy)}`);
      }
      recordStudyAgreement(runSink, studyAgreement!);
      return block;
    };

    const trainPrompts = [...new Set(splits.train.map((p) => p.prompt))];
    const goldOfRollout = (rollout: { sequences: number[][] }) => goldOf(rollout.sequences);
    return {
      base: { model: policy.model, hash: policy.hash, cached: policy.cached, path: policy.path },
      learner: { io: { codec: datasetCodec(encoder), trainPrompts, evalPrompts: splits.evalPrompts, gold: goldOfRollout } },
      pad,
      gold: { name: "gold", score: async (rollout) => ({ reward: await goldOfRollout(rollout), members: null }) },
      trainProxies,
      klPrompts: `held-out:${s.evaluation.prompts}x${s.evaluation.samplesPerPrompt}`,
      ...(studyAgreement ? { agreement: { study: studyAgreement, run: agreementOf } } : {}),
    };
  };
}

/** An RL study config with `task.kind: "dataset"`, run on the lab's rows (`context.datasets`). */
export async function runRlStudyOnDataset(
  config: unknown,
  context: ExperimentContext,
  options: RlStudyOptions = {},
): Promise<RlStudyResult> {
  const s = validate(rlStudySchema(), config);
  const d = s.task.dataset;
  if (s.task.kind !== "dataset" || !d) throw new Error(`${s.name}: task.kind must be "dataset" with a task.dataset block`);
  const refusal = datasetRlRefusal(s);
  if (refusal) throw new Error(refusal);
  if (!context.datasets)
    throw new Error(
      `${s.name}: a dataset task needs the lab's datasets, and this runner provides none (run it through the lab: goodhart run or the app)`,
    );
  const examples = await context.datasets.labelledExamples(d.datasetId);
  if (examples.length === 0) throw new Error(`${s.name}: dataset ${d.datasetId} has no labelled pairs`);
  return runRlStudyOn(s, context, options, datasetRlPreparer(examples, datasetTokenizer(d.tokenizer)));
}
