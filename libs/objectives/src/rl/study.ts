/**
 * The RL overoptimization study end to end (Gao et al. 2023's RL half; Coste et al. 2024's PPO
 * ensembles), on the built-in task:
 *
 * 1. the task, its tokenizer and the base policy pi_init (pretrained once, cached by config hash);
 * 2. per (proxy size, seed): k proxy members trained on gold-labelled comparisons of base-policy
 *    samples (with label noise), normalised on base-policy samples (rl/proxies.ts);
 * 3. per objective and KL coefficient: a policy optimized by PPO or RLOO against that objective,
 *    evaluated every few steps on held-out prompts (gold, proxy, each member, KL by estimator),
 *    stored as curve points (x = step) with the exact KL and k1/k2/k3 under their names;
 * 4. per run: the fit d (a - b ln d) with d* = e^(a/b - 1) and prompt-bootstrap intervals.
 */
import { join } from "node:path";
import { Rng, hash64, type Gpt } from "@goodhart/engine";
import { canonicalJson } from "../config/sweep.ts";
import { aggregationName, UWO_LAMBDA, type Aggregation } from "../ensemble.ts";
import { validate } from "../config/validate.ts";
import type { ExperimentContext, ExperimentCurvePoint, ExperimentInterval, RunSink } from "../experiments/sink.ts";
import { onsetActionOf, rlStudySchema, type OnsetAction, type RlObjective, type RlStudyConfig } from "../kinds/rl/schema.ts";
import { expandRlStudy, type RlRunSpec } from "../kinds/rl/plan.ts";
import { KL_ESTIMATOR_NAMES } from "../kl/estimators.ts";
import { meanAndSe } from "../stats/describe.ts";
import { loadOrPretrainBasePolicy, type BasePolicySpec } from "../task/base-policy.ts";
import { createTask } from "../task/task.ts";
import type { TaskPrompt } from "../task/prompts.ts";
import { WordTokenizer } from "../task/word-tokenizer.ts";
import type { EvalPoint } from "./evaluate.ts";
import { fitRlRun, type RlFit } from "./fit.ts";
import { hasRlCheckpoint } from "./checkpoint.ts";
import {
  ONSET_SIGNALS,
  onsetRuleHolds,
  onsetSteps,
  scoreOnset,
  summariseOnset,
  type OnsetObservation,
  type OnsetScore,
  type OnsetSignal,
} from "./onset.ts";
import { trainProxies, type TrainedProxies } from "./proxies.ts";
import type { PolicySample } from "../experiments/policy-samples.ts";
import { goldReward, proxyReward, type RewardSource } from "./rewards.ts";
import type { DatasetPanelResult, RunPanelAgreement } from "../task/dataset/panel-study.ts";
import { trainPolicy, type RlTrainingConfig, type RlTrainingDeps, type StepTimings } from "./train.ts";

export { expandRlStudy, planRlStudy, type RlRunSpec } from "../kinds/rl/plan.ts";

/** Mean and SE over prompts of a[p] - b[p]: paired, so the prompts' own spread cancels. */
function pairedGain(a: ArrayLike<number>, b: ArrayLike<number>): { mean: number; se: number } {
  const m = meanAndSe(Float64Array.from({ length: a.length }, (_, i) => a[i]! - b[i]!));
  return { mean: m.mean, se: m.se };
}

export interface RlRunResult {
  id: string;
  series: string;
  proxy: string;
  objective: RlObjective;
  klCoef: number;
  seed: number;
  /** Validation accuracy of each member (empty when gold is optimized). */
  memberAccuracy: number[];
  /** Gold gain (recentred on step 0) at the best evaluation, its step and sqrt(KL). */
  peakGold: number;
  peakStep: number;
  peakD: number;
  /** Gold gain at the end, with the SE over prompts of the per-prompt gains (paired with step 0). */
  finalGold: number;
  finalGoldSe: number;
  finalProxy: number | null;
  finalProxySe: number | null;
  /** Exact sequence KL at the end, in nats. */
  finalKl: number;
  /** peakGold - finalGold: how much of the gain overoptimization took back, with its paired SE over prompts. */
  goldDrop: number;
  goldDropSe: number;
  fit: Omit<RlFit, "intervals"> | null;
  fitIntervals: Record<string, ExperimentInterval> | null;
  /** Per evaluation: step, gold gain and its SE, proxy gain, exact KL: the curve in the result. */
  curve: { step: number; gold: number; goldSe: number; proxy: number | null; proxySe: number | null; kl: number }[];
  /** Per-prompt gold gain at the final and at the peak evaluation (for paired comparisons and bootstraps). */
  finalGoldPerPrompt: number[];
  peakGoldPerPrompt: number[];
  /** Onset signals: firing steps and scores against this run's gold curve. */
  onset: {
    overoptimized: boolean;
    scores: OnsetScore[];
    /** The config's onset action and signal, and the evaluation step the signal fired at (null: never). */
    action: OnsetAction;
    signal: OnsetSignal | null;
    firedAt: number | null;
    /** Set when the run ended early because its signal fired (action stop): why it stopped. */
    stoppedBy: OnsetSignal | null;
    stopReason: string | null;
  };
  /**
   * Action keep-best: the policy of the evaluation before the signal fired, kept as the run's
   * `best` checkpoint, with gold (gain over step 0, SE over prompts) and exact KL at that step.
   */
  best: { step: number; firedAtStep: number; path: string; gold: number; goldSe: number; kl: number } | null;
  timings: StepTimings;
  seconds: number;
  /** Agreement-based gold (a dataset task's goldPanel): this run's proxy, gold and the human ceiling against the panel. */
  agreement?: RunPanelAgreement;
}

export interface RlStudyResult {
  study: string;
  basePolicy: { hash: string; cached: boolean; path: string };
  runs: RlRunResult[];
  /** Agreement-based gold (a dataset task's goldPanel): the panel and the study-wide agreement numbers. */
  agreement?: DatasetPanelResult;
  timings: Record<string, number>;
  /** Per onset signal over the runs: mean lead time in overoptimized runs, false-alarm and miss rates. */
  onset: Record<OnsetSignal, ReturnType<typeof summariseOnset>>;
}

/** The series a run's points are stored under (the best-of-n study's names where they match). */
export function objectiveSeries(objective: RlObjective, uwoLambda: number): string {
  if (objective === "gold") return "gold";
  if (objective === "single") return "member:0";
  const a: Aggregation = objective === "uwo" ? { kind: "uwo", lambda: uwoLambda } : { kind: objective };
  return `proxy:${aggregationName(a)}`;
}

export function trainingConfig(s: RlStudyConfig, klCoef: number): RlTrainingConfig {
  return {
    ...s.rl,
    kl: s.adaptiveKl
      ? { kind: "adaptive", initial: klCoef, target: s.adaptiveKl.target, horizon: s.adaptiveKl.horizon }
      : { kind: "fixed", coef: klCoef },
    eval: { every: s.evaluation.every, prompts: s.evaluation.prompts, samplesPerPrompt: s.evaluation.samplesPerPrompt },
  };
}

export interface RlStudyOptions {
  bootstrapReplicates?: number;
  /**
   * Continue each run from its checkpoint in `<cacheDir>/runs/<run id>/rl-checkpoint` when there is
   * one (checkpoints are written at every evaluation either way). Default false.
   */
  resume?: boolean;
}

/**
 * The task's part of an RL study: pi_init, how the learner sees the task (prompts, tokens, gold),
 * gold as a reward to optimize, and the proxies of a grid point. The built-in task's
 * (builtinRlTask) or an imported dataset's (task/dataset/rl.ts).
 */
export interface RlTaskSetup<P> {
  base: { model: Gpt; hash: string; cached: boolean; path: string };
  /** What trainPolicy takes of the task: the built-in task and its tokenizer, or a task io. */
  learner: Pick<RlTrainingDeps<P>, "task" | "tokenizer" | "io">;
  pad: number;
  gold: RewardSource<P>;
  /** Trains (once per study: the study keeps them by size and seed) the proxies of a run's size and seed. */
  trainProxies(run: RlRunSpec, members: number): Promise<TrainedProxies>;
  /** The evaluation prompts curves name beside their KL (`test:<prompts>x<samples>`, ...). */
  klPrompts: string;
  /**
   * Agreement-based gold (task/dataset/rl.ts with a goldPanel): the study-wide numbers, and a run's
   * agreement with the panel (its proxies, null for a gold run), which `run` also stores as metrics.
   */
  agreement?: {
    study: DatasetPanelResult;
    run(run: RlRunSpec, proxies: TrainedProxies | null, runSink: RunSink): RunPanelAgreement;
  };
}

export type RlTaskPreparer<P> = (
  s: RlStudyConfig,
  context: ExperimentContext,
  progress: (phase: string, done: number, total: number) => void,
) => Promise<RlTaskSetup<P>>;

/** The built-in task: its world and word tokenizer, the pretrained base policy (cached), proxies on base-policy samples labelled by gold. */
export const builtinRlTask: RlTaskPreparer<TaskPrompt> = async (s, context, progress) => {
  const { runtime, sink, signal } = context;
  const task = createTask(s.task.seed, { prompts: s.task.prompts });
  const tokenizer = new WordTokenizer(task.vocabulary);
  const policySpec: BasePolicySpec = {
    layers: s.basePolicy.layers,
    dModel: s.basePolicy.dModel,
    heads: s.basePolicy.heads,
    pretrainSteps: s.basePolicy.pretrainSteps,
    seed: s.task.seed,
  };
  const base = await loadOrPretrainBasePolicy(runtime, task, tokenizer, policySpec, context.cacheDir, {
    signal,
    onStep: (step, total) => progress("pretrain", step, total),
  });
  sink.log(base.cached ? `base policy loaded from ${base.path}` : `base policy pretrained and cached in ${base.path}`);
  sink.checkpoint({ name: "base-policy", kind: "policy", path: base.path, hash: base.hash, config: { ...policySpec } });
  // The base-policy samples proxies are trained on depend on the seed, not on the proxy's size.
  const proxySamples = new Map<string, PolicySample[]>();
  return {
    base,
    learner: { task, tokenizer },
    pad: tokenizer.special.pad,
    gold: goldReward(task),
    klPrompts: `test:${s.evaluation.prompts}x${s.evaluation.samplesPerPrompt}`,
    trainProxies: (run, members) =>
      trainProxies(
        runtime,
        task,
        tokenizer,
        base.model,
        policySpec,
        { size: run.proxy, trainingSize: s.trainingSize, labelNoise: s.labelNoise, members, seed: run.seed },
        context.cacheDir,
        { rmTraining: s.rmTraining, validationPrompts: s.task.prompts.validation, signal, samples: proxySamples },
      ),
  };
};

export async function runRlStudy(input: unknown, context: ExperimentContext, options: RlStudyOptions = {}): Promise<RlStudyResult> {
  return runRlStudyOn(validate(rlStudySchema(), input), context, options, builtinRlTask);
}

/** An RL study (validated) on the task `prepare` sets up. */
export async function runRlStudyOn<P>(
  s: RlStudyConfig,
  context: ExperimentContext,
  options: RlStudyOptions,
  prepare: RlTaskPreparer<P>,
): Promise<RlStudyResult> {
  const { runtime, sink, signal } = context;
  const timings: Record<string, number> = { pretrain: 0, proxies: 0, rl: 0 };
  const runs = expandRlStudy(s);
  const t0 = performance.now();
  const progress = (phase: string, done: number, total: number, message?: string) =>
    sink.progress({
      phase,
      done,
      total,
      fraction: Math.min(1, done / Math.max(1, total)),
      elapsedS: (performance.now() - t0) / 1000,
      etaS: null,
      ...(message ? { message } : {}),
    });

  const t = performance.now();
  const setup = await prepare(s, context, progress);
  const base = setup.base;
  timings.pretrain = (performance.now() - t) / 1000;

  const proxies = new Map<string, TrainedProxies>();
  const needsEnsemble = s.objectives.some((o) => o === "mean" || o === "wco" || o === "uwo");
  const proxiesFor = async (run: RlRunSpec): Promise<TrainedProxies> => {
    const key = `${run.proxy.name}/${run.seed}`;
    const known = proxies.get(key);
    if (known) return known;
    const t1 = performance.now();
    const trained = await setup.trainProxies(run, needsEnsemble ? s.ensembleSize : 1);
    timings.proxies! += (performance.now() - t1) / 1000;
    sink.log(
      `${key}: ${trained.members.length} proxy member(s), validation accuracy ${trained.validationAccuracy.map((a) => a.toFixed(3)).join(", ")}`,
    );
    proxies.set(key, trained);
    return trained;
  };

  const results: RlRunResult[] = [];
  for (const [i, run] of runs.entries()) {
    signal?.throwIfAborted();
    const runSink = sink.beginRun({
      id: run.id,
      name: run.id,
      seed: run.seed,
      config: { ...s, run } as unknown as Record<string, unknown>,
    });
    try {
      const result = await runOne(run, runSink, (step) => progress("rl", i * s.rl.steps + step, runs.length * s.rl.steps, run.id));
      results.push(result);
      // Shaped like the study result (one run), so the summary columns read a run and a study alike.
      runSink.result?.({ study: s.name, runs: [result] } as unknown as Record<string, unknown>);
      runSink.end("done");
    } catch (err) {
      runSink.end(signal?.aborted ? "cancelled" : "failed", err instanceof Error ? err.message : String(err));
      throw err;
    }
  }
  const onset = Object.fromEntries(
    ONSET_SIGNALS.map((signal) => [
      signal,
      summariseOnset(
        results.map((r) => r.onset),
        signal,
      ),
    ]),
  ) as RlStudyResult["onset"];
  return {
    study: s.name,
    basePolicy: { hash: base.hash, cached: base.cached, path: base.path },
    runs: results,
    ...(setup.agreement ? { agreement: setup.agreement.study } : {}),
    timings,
    onset,
  };

  async function runOne(run: RlRunSpec, runSink: RunSink, onStep: (step: number) => void): Promise<RlRunResult> {
    const started = performance.now();
    const series = objectiveSeries(run.objective, s.uwoLambda);
    let reward: RewardSource<P>;
    let evalProxy: RewardSource<P> | null = null;
    let memberAccuracy: number[] = [];
    let runProxies: TrainedProxies | null = null;
    if (run.objective === "gold") {
      reward = setup.gold;
    } else {
      const trained = (runProxies = await proxiesFor(run));
      // A single-member run reports the member it optimizes: the same alone as inside an ensemble study.
      memberAccuracy = run.objective === "single" ? trained.validationAccuracy.slice(0, 1) : trained.validationAccuracy;
      const pad = setup.pad;
      if (run.objective === "single") {
        reward = proxyReward<P>(
          runtime,
          trained.members.slice(0, 1),
          { mean: trained.normalisation.mean.slice(0, 1), std: trained.normalisation.std.slice(0, 1) },
          { kind: "mean" },
          pad,
          series,
        );
      } else {
        const a: Aggregation = run.objective === "uwo" ? { kind: "uwo", lambda: s.uwoLambda ?? UWO_LAMBDA.ppo } : { kind: run.objective };
        reward = proxyReward<P>(runtime, trained.members, trained.normalisation, a, pad, series);
      }
      evalProxy = reward;
      memberAccuracy.forEach((acc, m) => runSink.metric(0, `member.${m}.val_accuracy`, acc));
    }
    const agreement = setup.agreement?.run(run, runProxies, runSink);
    const points: EvalPoint[] = [];
    // Onset signals, from what a run sees without gold; the chosen one may stop the run or keep its best checkpoint.
    const observations: OnsetObservation[] = [];
    const onsetAction = onsetActionOf(s.onset);
    let firedAt: number | null = null;
    const observe = (p: EvalPoint) => {
      observations.push({
        step: p.step,
        kl: p.kl.exact.mean,
        d: Math.sqrt(Math.max(0, p.kl.exact.mean)),
        proxy: p.proxy?.mean ?? null,
        disagreement: p.disagreement,
        valueError: p.valueError ?? null,
      });
      const sig = onsetAction.signal;
      if (onsetAction.action !== "none" && sig && firedAt === null && onsetRuleHolds(sig, observations)) {
        firedAt = p.step;
        runSink.log(
          `onset signal ${sig} fired at step ${p.step}: ${onsetAction.action === "stop" ? "stopping the run" : "keeping the previous evaluation's policy as the best checkpoint"}`,
        );
      }
    };
    // Checkpoints are keyed by everything that decides the run's numbers (its grid point, the rest of
    // the study less its axes, the base policy), so a grid point finds them alone or inside its study
    // and two studies that share a name never resume each other's runs.
    const runKey = hash64(
      canonicalJson({
        study: { ...s, name: "", proxySizes: [], objectives: [], klCoefs: [], seeds: [], onset: onsetAction },
        run: { ...run, id: "" },
        base: base.hash,
      }),
    )
      .toString(16)
      .padStart(16, "0");
    const runDir = join(context.cacheDir, "rl", `${run.id.replace(/[^A-Za-z0-9._-]+/g, "_")}-${runKey}`);
    const checkpointDir = join(runDir, "rl-checkpoint");
    const klPrompts = setup.klPrompts;
    const emit = (p: EvalPoint) => {
      const first = points[0]!;
      const point: ExperimentCurvePoint = {
        series,
        x: p.step,
        xKind: "step",
        kl: p.kl.exact.mean,
        klEstimator: KL_ESTIMATOR_NAMES.exact,
        klPrompts,
        // Gains over step 0 with standard errors of the per-prompt (paired) differences.
        goldScore: p.gold.mean - first.gold.mean,
        goldSe: pairedGain(p.perPrompt.gold, first.perPrompt.gold).se,
        proxyScore: p.proxy && first.proxy ? p.proxy.mean - first.proxy.mean : 0,
        ...(p.perPrompt.proxy && first.perPrompt.proxy ? { proxySe: pairedGain(p.perPrompt.proxy, first.perPrompt.proxy).se } : {}),
        proxyScores: p.members && first.members ? p.members.map((m, j) => m.mean - first.members![j]!.mean) : null,
        prompts: p.prompts,
        klEstimates: (["k1", "k2", "k3"] as const).map((k) => ({ estimator: KL_ESTIMATOR_NAMES[k], kl: p.kl[k].mean, se: p.kl[k].se })),
      };
      runSink.curvePoints([point]);
      runSink.metric(p.step, "eval.entropy", p.entropy);
      if (p.disagreement !== null) runSink.metric(p.step, "eval.disagreement", p.disagreement);
    };
    const trained = await trainPolicy<P>({
      runtime,
      base: base.model,
      ...setup.learner,
      reward,
      evalProxy,
      config: trainingConfig(s, run.klCoef),
      seed: Number(new Rng(run.seed).fork(`rl/${run.objective}/${run.klCoef}/${run.proxy.name}`).nextUint32()),
      signal,
      checkpoint: { dir: checkpointDir, every: s.evaluation.every },
      resume: options.resume ?? false,
      onRestore: (restored, step) => {
        for (const p of restored) {
          points.push(p);
          observe(p);
          // Reported again: a lab that executes a run again from its checkpoint cleared what it had stored.
          emit(p);
        }
        runSink.log(`resumed from the checkpoint after step ${step}`);
      },
      stopAfterEvaluation: () => onsetAction.action === "stop" && firedAt !== null,
      ...(onsetAction.action === "keep-best" ? { keepBest: { dir: join(runDir, "rl-best"), fired: () => firedAt !== null } } : {}),
      onMetric: (step, name, value) => {
        runSink.metric(step, name, value);
        if (name === "train.reward") onStep(step);
      },
      onEval: (p) => {
        points.push(p);
        observe(p);
        emit(p);
      },
    });
    if (hasRlCheckpoint(checkpointDir)) {
      runSink.checkpoint({
        name: "rl-policy",
        kind: "policy",
        path: checkpointDir,
        config: {
          format: "goodhart-rl-checkpoint",
          files: ["params.safetensors", "optimizer.safetensors", "state.json"],
          every: s.evaluation.every,
        },
      });
    }
    const fit = fitRlRun(points, { replicates: options.bootstrapReplicates, seed: run.id });
    let fitIntervals: Record<string, ExperimentInterval> | null = null;
    if (fit) {
      const coefficients: Record<string, number> = { a: fit.a, b: fit.b, r2: fit.r2 };
      if (fit.peakD !== null) {
        coefficients.peakD = fit.peakD;
        coefficients.peakValue = fit.peakValue!;
      }
      if (fit.intervals) {
        fitIntervals = {};
        for (const [k, ci] of Object.entries(fit.intervals))
          if (Number.isFinite(ci.low))
            fitIntervals[k] = { low: ci.low, high: ci.high, level: ci.level, replicates: ci.replicates - ci.failed, resampled: "prompts" };
      }
      runSink.fit({
        series,
        target: "gold",
        form: "rl",
        coefficients,
        standardErrors: { a: fit.aSe, b: fit.bSe },
        residual: fit.rss,
        nPoints: points.length,
        ...(fitIntervals ? { intervals: fitIntervals } : {}),
      });
    }
    const first = points[0]!;
    const last = points[points.length - 1]!;
    const curve = points.map((p) => ({
      step: p.step,
      gold: p.gold.mean - first.gold.mean,
      goldSe: pairedGain(p.perPrompt.gold, first.perPrompt.gold).se,
      proxy: p.proxy && first.proxy ? p.proxy.mean - first.proxy.mean : null,
      proxySe: p.perPrompt.proxy && first.perPrompt.proxy ? pairedGain(p.perPrompt.proxy, first.perPrompt.proxy).se : null,
      kl: p.kl.exact.mean,
    }));
    let peakIndex = 0;
    curve.forEach((c, j) => {
      if (c.gold > curve[peakIndex]!.gold) peakIndex = j;
    });
    const peak = curve[peakIndex]!;
    const final = curve[curve.length - 1]!;
    const drop = pairedGain(points[peakIndex]!.perPrompt.gold, last.perPrompt.gold);
    const available = ONSET_SIGNALS.filter(
      (sig) =>
        (sig !== "disagreement" || (evalProxy !== null && run.objective !== "single" && s.ensembleSize > 1)) &&
        (sig !== "value-error" || s.rl.algorithm === "ppo"),
    );
    const stoppedBy = onsetAction.action === "stop" && firedAt !== null ? onsetAction.signal : null;
    const onset = {
      ...scoreOnset(onsetSteps(observations), { peakStep: peak.step, drop: peak.gold - final.gold, dropSe: drop.se }, available),
      action: onsetAction.action,
      signal: onsetAction.signal,
      firedAt,
      stoppedBy,
      stopReason: stoppedBy ? `onset signal ${stoppedBy} fired at step ${firedAt} (onset.action stop)` : null,
    };
    if (firedAt !== null) runSink.metric(firedAt, `onset.${onsetAction.action}_at`, firedAt);
    let best: RlRunResult["best"] = null;
    if (trained.best) {
      const at = curve.find((c) => c.step === trained.best!.step)!;
      best = { step: at.step, firedAtStep: trained.best.firedAtStep, path: trained.best.dir, gold: at.gold, goldSe: at.goldSe, kl: at.kl };
      runSink.checkpoint({
        name: "best",
        kind: "policy",
        path: trained.best.dir,
        step: best.step,
        config: {
          format: "goodhart-rl-best",
          files: ["best.safetensors", "best.json"],
          step: best.step,
          firedAtStep: best.firedAtStep,
          signal: onsetAction.signal,
        },
      });
      runSink.metric(best.step, "onset.best_gold", best.gold);
      runSink.log(
        `best checkpoint kept at step ${best.step} (gold ${best.gold.toFixed(3)}); ${onsetAction.signal} fired at step ${best.firedAtStep}`,
      );
    }
    for (const sc of onset.scores) {
      if (sc.fireStep === null) continue;
      runSink.metric(sc.fireStep, `onset.${sc.signal}.fired`, 1);
      runSink.metric(sc.fireStep, `onset.${sc.signal}.lead_steps`, sc.leadSteps!);
      runSink.metric(sc.fireStep, `onset.${sc.signal}.false_alarm`, sc.falseAlarm ? 1 : 0);
    }
    const seconds = (performance.now() - started) / 1000;
    timings.rl! += seconds;
    runSink.log(
      `${run.id}: peak gold ${peak.gold.toFixed(3)} at step ${peak.step}, final gold ${final.gold.toFixed(3)}, final KL ${final.kl.toFixed(2)} nats`,
    );
    const { intervals: _omit, ...fitCore } = fit ?? { intervals: null };
    return {
      id: run.id,
      series,
      proxy: run.objective === "gold" ? "gold" : run.proxy.name,
      objective: run.objective,
      klCoef: run.klCoef,
      seed: run.seed,
      memberAccuracy,
      peakGold: peak.gold,
      peakStep: peak.step,
      peakD: Math.sqrt(Math.max(0, peak.kl)),
      finalGold: final.gold,
      finalGoldSe: final.goldSe,
      finalProxy: final.proxy,
      finalProxySe: final.proxySe,
      finalKl: final.kl,
      goldDrop: peak.gold - final.gold,
      goldDropSe: drop.se,
      fit: fit ? (fitCore as Omit<RlFit, "intervals">) : null,
      fitIntervals,
      curve,
      finalGoldPerPrompt: Array.from(last.perPrompt.gold, (g, j) => g - first.perPrompt.gold[j]!),
      peakGoldPerPrompt: Array.from(points[peakIndex]!.perPrompt.gold, (g, j) => g - first.perPrompt.gold[j]!),
      onset,
      best,
      timings: trained.timings,
      seconds,
      ...(agreement ? { agreement } : {}),
    };
  }
}
