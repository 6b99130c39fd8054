/**
 * The direct alignment overoptimization study on the built-in task (Rafailov et al. 2024; RPO of
 * Liu et al. 2024), end to end:
 *
 * 1. the task and the base (SFT) policy, pretrained once and cached; the frozen reference is a copy;
 * 2. shared samples of the base policy: two per training prompt (the comparisons), two per
 *    validation prompt (held-out pairs), `samplesPerPrompt` per test prompt (the reference samples
 *    win rates are measured against); the reference's log-probs of every comparison, once;
 * 3. per run (loss x beta x eta for RPO x seed): gold labels with seeded noise, training from the
 *    base (trainer.ts) with evaluations (evaluate.ts) at step 0, at fractions of epoch 1 and at
 *    every epoch end; checkpoints in `<cacheDir>/daa/<hash>/` make a stopped study resumable;
 * 4. per loss, the frontier fit d (a - b ln d) of win rate and gold gain over its checkpoints, and
 *    the study's findings (findings.ts), all with bootstrap intervals over seeds and prompts.
 *
 * Every run of a study shares the samples, the evaluation prompts and the policy-sample seeds, so
 * runs differ only in their loss, beta, eta and seed: paired comparisons.
 */
import { join } from "node:path";
import { Rng, createRuntime, hash64, type Gpt, type Runtime } from "@goodhart/engine";
import { labelByGold, type GoldLabel } from "../labels.ts";
import { validate } from "../config/validate.ts";
import { canonicalJson } from "../config/sweep.ts";
import { createTask } from "../task/task.ts";
import { WordTokenizer } from "../task/word-tokenizer.ts";
import { basePolicyGptConfig, loadOrPretrainBasePolicy } from "../task/base-policy.ts";
import type { TaskPrompt } from "../task/prompts.ts";
import { samplePolicy, type PolicySample } from "../experiments/policy-samples.ts";
import { ProgressTracker } from "../experiments/progress.ts";
import type { ExperimentContext, ExperimentInterval, RunSink } from "../experiments/sink.ts";
import type { BootstrapInterval } from "../stats/bootstrap.ts";
import { daaStudySchema, type DaaStudyConfig } from "../kinds/daa/schema.ts";
import type { DaaLossKind } from "./losses.ts";
import { sequenceLogProbs, type ScoredSequence } from "./sequences.ts";
import {
  EXACT_KL_ESTIMATOR,
  K3_KL_ESTIMATOR,
  evaluateDaaPolicy,
  type DaaEvaluation,
  type DaaEvaluationSetup,
  type DaaHeldOutPair,
} from "./evaluate.ts";
import { stepsPerEpoch, trainDaa, type DaaPair } from "./trainer.ts";
import { fitFrontier, rpoMinusDpo, winRateDropEpochOne, type DaaCell, type DaaFinding, type FrontierFit } from "./findings.ts";
import { phaseTimer } from "../experiments/phase-timer.ts";
import type { DatasetPanelResult, RunPanelAgreement } from "../task/dataset/panel-study.ts";
import { daaLossLabel, expandDaaStudy, type DaaRunSpec } from "../kinds/daa/plan.ts";

export { expandDaaStudy, planDaaStudy, type DaaRunSpec } from "../kinds/daa/plan.ts";

export interface DaaStudyOptions {
  /** Bootstrap replicates for fits and findings (default 1000). */
  bootstrapReplicates?: number;
}

/** A run's evaluations without the per-prompt arrays (what the stored result keeps). */
export type DaaEvaluationSummary = Omit<DaaEvaluation, "perPrompt" | "perPair">;

export interface DaaRunResult extends DaaRunSpec {
  pairs: number;
  flipped: number;
  steps: number;
  stepsPerEpoch: number;
  resumedFrom: number | null;
  trainSeconds: number;
  evaluations: DaaEvaluationSummary[];
  /** The last checkpoint's numbers (the table's columns). */
  final: DaaEvaluationSummary;
  /** Agreement-based gold (a dataset task's goldPanel): the final policy's implicit reward, gold and the human ceiling against the panel. */
  agreement?: RunPanelAgreement;
}

export interface DaaStudyResult {
  study: string;
  basePolicy: { hash: string; cached: boolean; path: string };
  runs: DaaRunResult[];
  /** Agreement-based gold (a dataset task's goldPanel): the panel and the study-wide agreement numbers. */
  agreement?: DatasetPanelResult;
  fits: FrontierFit[];
  /** Science findings with their bootstrap intervals (absent when the study lacks the runs they need). */
  findings: Partial<Record<"daa_winrate_drop_epoch1" | "rpo_minus_dpo_chosen_logp" | "rpo_minus_dpo_gold", DaaFinding>>;
  /** RPO minus DPO (final held-out chosen log-prob and gold gain, averaged over betas) for every eta. */
  rpoByEta: Record<string, { chosenLogp: DaaFinding; gold: DaaFinding }>;
  timings: Record<string, number>;
  /** Comparisons trained on per second of training (all runs). */
  pairsPerSecond: number;
}

/** Progress units of one evaluation (sampling, KL and held-out scoring), in training steps. */
const EVAL_UNITS = 10;

const lossLabel = daaLossLabel;

/** Evaluation steps: 0, the fractions of epoch 1 (at least step 1), and every epoch's end. */
export function evaluationSteps(perEpoch: number, epochs: number, fractions: readonly number[]): number[] {
  const steps = new Set<number>([0]);
  for (const f of fractions) steps.add(Math.min(perEpoch, Math.max(1, Math.round(f * perEpoch))));
  for (let e = 1; e <= epochs; e++) steps.add(e * perEpoch);
  return [...steps].sort((a, b) => a - b);
}

function repeatPrompts(prompts: readonly TaskPrompt[], count: number): TaskPrompt[] {
  if (prompts.length === 0) throw new RangeError("daa study: the task has no prompts in a split it needs");
  return Array.from({ length: count }, (_, i) => prompts[i % prompts.length]!);
}

function seedBase(seed: number, label: string): number {
  return Number(new Rng(seed).fork(label).nextUint32() % 1_000_000) * 1000;
}

function asInterval(ci: BootstrapInterval, resampled: string): ExperimentInterval {
  return { low: ci.low, high: ci.high, level: ci.level, replicates: ci.replicates - ci.failed, resampled };
}

const summary = (e: DaaEvaluation): DaaEvaluationSummary => {
  const { perPrompt: _p, perPair: _q, ...rest } = e;
  return rest;
};

/**
 * What a task hands the study before any run: pi_init (trained or loaded) and its frozen copy, the
 * training comparisons (responses A and B with the score that labels them: the higher wins, before
 * label noise), the reference's log-probs of both, and the evaluation setup (held-out pairs,
 * evaluation prompts and the reference's samples with their gold).
 */
export interface DaaPrepared {
  base: { model: Gpt; hash: string; cached: boolean; path: string };
  pad: number;
  trainA: ScoredSequence[];
  trainB: ScoredSequence[];
  scoreA: Float64Array;
  scoreB: Float64Array;
  refTrainA: Float64Array;
  refTrainB: Float64Array;
  setup: DaaEvaluationSetup;
  /** Names the prompts KL is averaged over, stored with every curve point. */
  klPrompts: string;
  /**
   * Agreement-based gold (task/dataset/daa.ts with a goldPanel; the held-out pairs are oriented by
   * the panel's choice): the study-wide numbers, and a run's agreement from its final evaluation,
   * which `run` also stores as metrics.
   */
  agreement?: { study: DatasetPanelResult; run(final: DaaEvaluation, runSink: RunSink): RunPanelAgreement };
}

/** The task-specific phases of a study: the built-in task (prepareBuiltinDaa) or an imported dataset (task/dataset/daa.ts). */
export type DaaTaskPreparer = (
  study: DaaStudyConfig,
  context: ExperimentContext,
  tools: { tracker: ProgressTracker; timed: ReturnType<typeof phaseTimer> },
) => Promise<DaaPrepared>;

/** The built-in task: base policy pretrained on its generator, comparisons of its samples labelled by the task's gold. */
export const prepareBuiltinDaa: DaaTaskPreparer = async (study, context, { tracker, timed }) => {
  const { runtime, sink, signal } = context;
  const { evaluation: ev, labels: labelCfg } = study;
  const task = createTask(study.task.seed, { prompts: study.task.prompts });
  const tokenizer = new WordTokenizer(task.vocabulary);
  const pad = tokenizer.special.pad;
  // 1. Base policy and the frozen reference.
  const policySpec = { ...study.basePolicy, seed: study.task.seed };
  const base = await timed("pretrain", () =>
    loadOrPretrainBasePolicy(runtime, task, tokenizer, policySpec, context.cacheDir, {
      signal,
      onStep: (s, t, loss) => tracker.update("pretrain", s, t, `loss ${loss.toFixed(3)}`),
    }),
  );
  if (base.cached) tracker.skip("pretrain");
  sink.log(base.cached ? `base policy loaded from ${base.path}` : `base policy pretrained and cached in ${base.path}`);
  sink.checkpoint({
    name: "base-policy",
    kind: "policy",
    path: base.path,
    hash: base.hash,
    config: { ...basePolicyGptConfig(policySpec, tokenizer.vocabSize), pretrainSteps: study.basePolicy.pretrainSteps, cached: base.cached },
  });
  const reference: Gpt = base.model.clone({ prefix: "ref." });

  // 2. Shared samples, gold, and the reference's log-probs.
  let sampled = 0;
  const sampleTotal = 2 * labelCfg.pairs + 2 * ev.heldOutPairs + ev.prompts * ev.samplesPerPrompt;
  const draw = (prompts: TaskPrompt[], label: string) =>
    samplePolicy(runtime, base.model, tokenizer, prompts, {
      seed: seedBase(context.seed, label),
      signal,
      onBatch: (done) => tracker.update("sampling", sampled + done, sampleTotal),
    }).then((s) => {
      sampled += s.length;
      return s;
    });
  const evalPrompts = task.prompts.test.slice(0, ev.prompts);
  const samples = await timed("sampling", async () => {
    const trainPrompts = repeatPrompts(task.prompts.train, labelCfg.pairs);
    const heldPrompts = task.prompts.validation.slice(0, ev.heldOutPairs);
    return {
      trainA: await draw(trainPrompts, "train-a"),
      trainB: await draw(trainPrompts, "train-b"),
      heldA: await draw(heldPrompts, "held-out-a"),
      heldB: await draw(heldPrompts, "held-out-b"),
      reference: await draw(
        evalPrompts.flatMap((p) => Array.from({ length: ev.samplesPerPrompt }, () => p)),
        "reference",
      ),
    };
  });
  const goldOf = (s: readonly PolicySample[]) => Float64Array.from(s, (x) => task.gold(x.prompt, x.words).total);
  const [gTrainA, gTrainB, gHeldA, gHeldB, gRef] = [samples.trainA, samples.trainB, samples.heldA, samples.heldB, samples.reference].map(
    goldOf,
  ) as Float64Array[];
  // Comparisons are scored with their end token: the label is about the finished response.
  const scored = (s: readonly PolicySample[]) =>
    s.map((x) => ({ tokens: x.sequence, promptLength: tokenizer.promptIds(x.prompt.words).length }));
  const [sTrainA, sTrainB, sHeldA, sHeldB] = [samples.trainA, samples.trainB, samples.heldA, samples.heldB].map(scored);
  const refLp = await timed("sampling", () =>
    sequenceLogProbs(runtime, reference, [...sTrainA!, ...sTrainB!, ...sHeldA!, ...sHeldB!], { pad }),
  );
  const n = labelCfg.pairs;
  const h = sHeldA!.length;
  const refOf = {
    trainA: refLp.subarray(0, n),
    trainB: refLp.subarray(n, 2 * n),
    heldA: refLp.subarray(2 * n, 2 * n + h),
    heldB: refLp.subarray(2 * n + h),
  };
  const heldLabels = labelByGold(gHeldA!, gHeldB!, new Rng(0), { noise: 0 }).labels;
  const heldOut: DaaHeldOutPair[] = heldLabels.map((l) =>
    l.chosen === 0
      ? { chosen: sHeldA![l.pair]!, rejected: sHeldB![l.pair]!, refChosen: refOf.heldA[l.pair]!, refRejected: refOf.heldB[l.pair]! }
      : { chosen: sHeldB![l.pair]!, rejected: sHeldA![l.pair]!, refChosen: refOf.heldB[l.pair]!, refRejected: refOf.heldA[l.pair]! },
  );
  const setup: DaaEvaluationSetup = {
    runtime,
    task,
    tokenizer,
    reference,
    prompts: evalPrompts,
    samplesPerPrompt: ev.samplesPerPrompt,
    // The reference samples' seeds: policy sample j of a prompt is coupled to reference sample j
    // (common random numbers), so at step 0 they are the same samples and later differences are less noisy.
    sampleSeed: seedBase(context.seed, "reference"),
    referenceGold: gRef!,
    heldOut,
    signal,
  };
  sink.log(
    `sampled ${sampled} completions; ${heldOut.length} held-out pairs (ties dropped); reference mean gold on the test prompts ${(gRef!.reduce((s, x) => s + x, 0) / gRef!.length).toFixed(3)}`,
  );
  return {
    base,
    pad,
    trainA: sTrainA!,
    trainB: sTrainB!,
    scoreA: gTrainA!,
    scoreB: gTrainB!,
    refTrainA: refOf.trainA,
    refTrainB: refOf.trainB,
    setup,
    klPrompts: `test:${evalPrompts.length}x${ev.samplesPerPrompt}`,
  };
};

/** Runs a direct alignment study; `config` is validated (defaults filled) here if it was not already. */
export async function runDaaStudy(
  config: unknown,
  context: ExperimentContext,
  options: DaaStudyOptions = {},
  prepare: DaaTaskPreparer = prepareBuiltinDaa,
): Promise<DaaStudyResult> {
  const study = validate(daaStudySchema(), config);
  const runtime = await openStudyRuntime(context.runtime);
  try {
    return await runDaaStudyOn(study, { ...context, runtime }, options, prepare, context.runtime);
  } finally {
    if (runtime !== context.runtime) await runtime.release();
  }
}

/**
 * The runtime a study runs on: the job's device and threads with ONNX Runtime's CPU arena off,
 * released when the study ends. Almost every program run of a study has a new sequence length
 * (batches of sampled completions), and with the arena on each session kept the largest set of
 * intermediates it had ever held: `hh-rlhf-dpo` with one seed peaked at 6.0 GB with it, 1.4 GB
 * without (docs/direct-alignment.md, Memory). Training sessions are the exception: they run on
 * the job's runtime with its arena (freeing 40 MB attention buffers on every step costs twice the
 * CPU time), and each is released when its run ends. The arena changes where buffers live, never
 * a computed value, so results are bitwise the same either way.
 */
async function openStudyRuntime(shared: Runtime): Promise<Runtime> {
  if (!shared.cpuMemArena) return shared;
  return createRuntime({
    device: shared.device,
    ...(shared.threads ? { threads: shared.threads } : {}),
    cpuMemArena: false,
  });
}

async function runDaaStudyOn(
  study: DaaStudyConfig,
  context: ExperimentContext,
  options: DaaStudyOptions,
  prepare: DaaTaskPreparer,
  trainingRuntime: Runtime,
): Promise<DaaStudyResult> {
  const specs = expandDaaStudy(study);
  const { sink, signal } = context;
  const timings: Record<string, number> = { pretrain: 0, sampling: 0, training: 0, evaluation: 0, analysis: 0 };
  const timed = phaseTimer(timings);
  const { evaluation: ev, labels: labelCfg, training } = study;
  const perEpochPlanned = stepsPerEpoch(labelCfg.pairs, training.batchSize);
  const evalCount = evaluationSteps(perEpochPlanned, training.epochs, ev.epochOneFractions).length;
  // A run's progress units: its steps, and EVAL_UNITS per evaluation (an evaluation costs about that many steps).
  const planUnits = perEpochPlanned * training.epochs + evalCount * EVAL_UNITS;
  const tracker = new ProgressTracker(
    [
      { phase: "pretrain", units: study.basePolicy.pretrainSteps, secondsPerUnit: 0.1 },
      { phase: "sampling", units: 4 * labelCfg.pairs + 2 * ev.heldOutPairs + ev.prompts * ev.samplesPerPrompt, secondsPerUnit: 0.004 },
      ...specs.map((s) => ({ phase: `train:${s.id}`, units: planUnits, secondsPerUnit: 0.05 })),
    ],
    sink,
  );

  // 1-2. The task's part: pi_init and its frozen copy, the training comparisons, the evaluation setup.
  const prepared = await prepare(study, context, { tracker, timed });
  const { base, setup, klPrompts, pad } = prepared;
  const [sTrainA, sTrainB] = [prepared.trainA, prepared.trainB];
  const [gTrainA, gTrainB] = [prepared.scoreA, prepared.scoreB];
  const refOf = { trainA: prepared.refTrainA, trainB: prepared.refTrainB };
  // The checkpoint folder is keyed by everything that decides a run's numbers except the grid
  // axes (the run's own loss, beta, eta and seed name its subfolder), so a grid point executed
  // alone (planDaaStudy) finds the checkpoints it made inside the whole study, and vice versa.
  const studyKey = hash64(
    canonicalJson({ study: { ...study, name: "", losses: [], betas: [], rpoEtas: [], seeds: [] }, seed: context.seed, base: base.hash }),
  )
    .toString(16)
    .padStart(16, "0");

  // 3. Runs.
  const results: DaaRunResult[] = [];
  const allEvaluations = new Map<string, DaaEvaluation[]>();
  let trainedPairs = 0;
  let trainSeconds = 0;
  for (const spec of specs) {
    const runSink = sink.beginRun({
      id: spec.id,
      name: spec.series,
      seed: spec.seed,
      config: { ...spec, study: study.name, labels: labelCfg, training, evaluation: ev } as unknown as Record<string, unknown>,
    });
    try {
      const out = await runOne(spec, runSink);
      results.push(out.result);
      allEvaluations.set(spec.id, out.evaluations);
      trainedPairs += out.result.stepsRunPairs;
      trainSeconds += out.result.trainSeconds;
      // Shaped like the study result (runs[]), so the summary columns read a run and a study alike.
      runSink.result?.({ study: study.name, runs: [out.result] } as unknown as Record<string, unknown>);
      runSink.end("done");
    } catch (err) {
      runSink.end(signal?.aborted ? "cancelled" : "failed", err instanceof Error ? err.message : String(err));
      throw err;
    }
  }

  // 4. Frontier fits and findings.
  const t0 = performance.now();
  const replicates = options.bootstrapReplicates ?? 1000;
  const cellOf = (loss: DaaLossKind, eta: number | null, beta: number): DaaCell | null => {
    const runs = specs.filter((s) => s.loss === loss && s.eta === eta && s.beta === beta);
    if (runs.length === 0) return null;
    return { loss: lossLabel(loss, eta), eta, beta, seeds: runs.map((s) => allEvaluations.get(s.id)!) };
  };
  const fits: FrontierFit[] = [];
  const fitSink = sink.beginRun({
    id: `${study.name}/frontier`,
    name: "frontier fits",
    seed: context.seed,
    config: { study: study.name, form: "rl" },
  });
  for (const loss of study.losses) {
    for (const eta of loss === "rpo" ? study.rpoEtas : [null]) {
      const cells = study.betas.map((b) => cellOf(loss, eta, b)!);
      for (const target of ["win-rate", "gold"] as const) {
        try {
          const f = fitFrontier(lossLabel(loss, eta), cells, target, { replicates });
          fits.push(f);
          const coefficients: Record<string, number> = { a: f.a, b: f.b, r2: f.r2 };
          if (f.peakD !== null) coefficients.peakD = f.peakD;
          if (f.peakValue !== null) coefficients.peakValue = f.peakValue;
          const intervals: Record<string, ExperimentInterval> = {};
          for (const [k, ci] of Object.entries(f.intervals ?? {}))
            if (Number.isFinite(ci.low)) intervals[k] = asInterval(ci, "prompts+seeds");
          fitSink.fit({
            series: target === "gold" ? f.loss : `${f.loss}:win-rate`,
            target: "gold",
            form: "rl",
            coefficients,
            standardErrors: { a: f.aSe, b: f.bSe },
            residual: f.rss,
            nPoints: f.points,
            intervals,
          });
        } catch (err) {
          fitSink.log(`${lossLabel(loss, eta)} ${target}: no fit (${err instanceof Error ? err.message : String(err)})`);
        }
      }
    }
  }
  const findings: DaaStudyResult["findings"] = {};
  const smallest = Math.min(...study.betas);
  const dpoSmallest = study.losses.includes("dpo") ? cellOf("dpo", null, smallest) : null;
  if (dpoSmallest) findings.daa_winrate_drop_epoch1 = winRateDropEpochOne(dpoSmallest, { replicates });
  const rpoByEta: DaaStudyResult["rpoByEta"] = {};
  if (study.losses.includes("dpo") && study.losses.includes("rpo")) {
    for (const eta of study.rpoEtas) {
      const pairs = study.betas.map((b) => ({ rpo: cellOf("rpo", eta, b)!, dpo: cellOf("dpo", null, b)! }));
      rpoByEta[String(eta)] = {
        chosenLogp: rpoMinusDpo(pairs, "chosen-logp", { replicates }),
        gold: rpoMinusDpo(pairs, "gold", { replicates }),
      };
    }
    // The science keys are those of the first eta (the paper's in the rpo-vs-dpo preset).
    const first = rpoByEta[String(study.rpoEtas[0])]!;
    findings.rpo_minus_dpo_chosen_logp = first.chosenLogp;
    findings.rpo_minus_dpo_gold = first.gold;
  }
  timings.analysis = (performance.now() - t0) / 1000;
  const result: DaaStudyResult = {
    study: study.name,
    basePolicy: { hash: base.hash, cached: base.cached, path: base.path },
    runs: results,
    ...(prepared.agreement ? { agreement: prepared.agreement.study } : {}),
    fits,
    findings,
    rpoByEta,
    timings,
    pairsPerSecond: trainSeconds > 0 ? trainedPairs / trainSeconds : NaN,
  };
  fitSink.result?.({ study: study.name, runs: [], fits, findings, rpoByEta } as unknown as Record<string, unknown>);
  fitSink.end("done");
  return result;

  async function runOne(
    spec: DaaRunSpec,
    runSink: RunSink,
  ): Promise<{ result: DaaRunResult & { stepsRunPairs: number }; evaluations: DaaEvaluation[] }> {
    const labelled = labelByGold(gTrainA!, gTrainB!, new Rng(spec.seed).fork(`label-noise-${labelCfg.noise}`), { noise: labelCfg.noise });
    const pairOf = (l: GoldLabel): DaaPair =>
      l.chosen === 0
        ? { chosen: sTrainA![l.pair]!, rejected: sTrainB![l.pair]!, refChosen: refOf.trainA[l.pair]!, refRejected: refOf.trainB[l.pair]! }
        : { chosen: sTrainB![l.pair]!, rejected: sTrainA![l.pair]!, refChosen: refOf.trainB[l.pair]!, refRejected: refOf.trainA[l.pair]! };
    const pairs = labelled.labels.map(pairOf);
    // Each grid point is its own lab run (planDaaStudy), so metric names need not carry the point.
    const metric = (step: number, name: string, value: number) => runSink.metric(step, name, value);
    metric(0, "labels.kept", pairs.length);
    metric(0, "labels.flipped", labelled.flippedCount);
    const perEpoch = stepsPerEpoch(pairs.length, training.batchSize);
    const steps = evaluationSteps(perEpoch, training.epochs, ev.epochOneFractions);
    const phase = `train:${spec.id}`;
    const emit = (e: DaaEvaluation) => {
      runSink.curvePoints([
        {
          series: spec.series,
          x: e.step,
          xKind: "step",
          kl: e.kl.mean,
          klEstimator: EXACT_KL_ESTIMATOR,
          klPrompts,
          proxyScore: e.implicitReward.mean,
          proxyScores: null,
          goldScore: e.goldGain.mean,
          proxySe: e.implicitReward.se,
          goldSe: e.goldGain.se,
          prompts: e.kl.n,
          klEstimates: [{ estimator: K3_KL_ESTIMATOR, kl: e.klK3.mean, se: e.klK3.se }],
        },
      ]);
      const m = (name: string, v: number) => metric(e.step, name, v);
      m("eval.epoch_fraction", e.epochFraction);
      m("eval.win_rate", e.winRate.mean);
      m("eval.kl", e.kl.mean);
      m("eval.kl_k3", e.klK3.mean);
      m("eval.gold_gain", e.goldGain.mean);
      m("eval.implicit_accuracy", e.implicitAccuracy.mean);
      m("eval.chosen_logp", e.chosenLogp.mean);
      m("eval.rejected_logp", e.rejectedLogp.mean);
    };
    let evalSeconds = 0;
    let evaluated = 0;
    let trainedSteps = 0;
    const trained = await trainDaa(
      trainingRuntime,
      base.model,
      pairs,
      {
        loss: { kind: spec.loss, beta: spec.beta, ...(spec.eta === null ? {} : { eta: spec.eta }) },
        epochs: training.epochs,
        batchSize: training.batchSize,
        lr: training.lr,
        finetune: training.finetune,
        lora: { rank: training.loraRank, alpha: 2 * training.loraRank, targets: ["attn.qkv", "attn.proj", "mlp.up", "mlp.down"] },
        seed: Number(hash64(`${spec.id}/train`) & 0x7fffffffn),
        evaluateAt: steps,
        pad,
        checkpointDir: join(context.cacheDir, "daa", studyKey, spec.id.replace(/[^A-Za-z0-9._-]+/g, "_")),
        signal,
        onStep: (step, total, loss, margin) => {
          if (step % 5 === 0 || step === total) {
            metric(step, "train.loss", loss);
            metric(step, "train.margin", margin);
          }
          trainedSteps = step;
          tracker.update(phase, trainedSteps + EVAL_UNITS * evaluated, planUnits, `${spec.series} seed ${spec.seed}`);
        },
      },
      async (step, policy) => {
        const t = performance.now();
        const e = await evaluateDaaPolicy(setup, policy, { step, epochFraction: step / perEpoch, beta: spec.beta });
        evalSeconds += (performance.now() - t) / 1000;
        evaluated++;
        tracker.update(phase, trainedSteps + EVAL_UNITS * evaluated, planUnits, `${spec.series} seed ${spec.seed}: evaluated step ${step}`);
        emit(e);
        return e;
      },
    );
    // Evaluations restored from a checkpoint were reported by the run that made them; report them again for this sink.
    if (trained.resumedFrom !== null) trained.evaluations.filter((e) => e.step <= trained.resumedFrom!).forEach(emit);
    timings.training! += trained.trainSeconds;
    timings.evaluation! += evalSeconds;
    const evaluations = trained.evaluations;
    const last = evaluations[evaluations.length - 1]!;
    const agreement = prepared.agreement?.run(last, runSink);
    runSink.log(
      `${spec.series} seed ${spec.seed}: KL ${last.kl.mean.toFixed(3)}, win rate ${last.winRate.mean.toFixed(3)}, gold gain ${last.goldGain.mean.toFixed(3)}, chosen log-prob ${last.chosenLogp.mean.toFixed(2)}`,
    );
    return {
      result: {
        ...spec,
        pairs: pairs.length,
        flipped: labelled.flippedCount,
        steps: trained.steps,
        stepsPerEpoch: perEpoch,
        resumedFrom: trained.resumedFrom,
        trainSeconds: trained.trainSeconds,
        evaluations: evaluations.map(summary),
        final: summary(last),
        stepsRunPairs: trained.stepsRun * training.batchSize,
        ...(agreement ? { agreement } : {}),
      },
      evaluations,
    };
  }
}
