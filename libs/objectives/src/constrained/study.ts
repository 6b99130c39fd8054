/**
 * Constrained RLHF with composite reward models (Moskovitz et al. 2024) on the built-in task:
 *
 * 1. the task, its tokenizer and the base policy pi_init (pretrained once, cached);
 * 2. per seed, one reward model per chosen gold component, trained on comparisons of base-policy
 *    samples labelled by that component (rl/proxies.ts with the component as the label), each
 *    normalised to mean 0 / std 1 on base-policy samples; the components' correlations (gold
 *    components and reward models) on base-policy samples of the evaluation prompts;
 * 3. the fixed-weight sweep: PPO on sum_i w_i r_i - beta KL for each weight vector, evaluated every
 *    few steps (gold, each component's value, KL);
 * 4. the proxy points: the quadratic gold surface over component values fitted on every sweep
 *    evaluation, its maximum (the joint point) and each component's own peak, with bootstrap
 *    intervals over prompts and seeds (surface.ts); the tuned fixed weights: the sweep's weight
 *    vector of highest mean final gold;
 * 5. the methods (methods.ts) against those thresholds, NM-PPO searching them itself;
 * 6. findings: final gold of xi-PPO and mu-PPO minus the tuned fixed weights, NM-PPO's threshold
 *    error and step fraction (findings.ts).
 *
 * Every run reports under "<method>/s<seed>" (series and metric prefix), so a study whose runs all
 * land in one lab run keeps them apart; docs/constrained-rlhf.md lists the stored names.
 */
import { Rng, type Gpt, type Runtime } from "@goodhart/engine";
import { validate } from "../config/validate.ts";
import { applyNormalisation } from "../ensemble.ts";
import { samplePolicy } from "../experiments/policy-samples.ts";
import type { ExperimentContext, ExperimentCurvePoint, RunSink } from "../experiments/sink.ts";
import { constrainedRlhfSchema } from "../kinds/constrained/schema.ts";
import { KL_ESTIMATOR_NAMES } from "../kl/estimators.ts";
import { trainProxies, type TrainedProxies } from "../rl/proxies.ts";
import { memberScores } from "../rl/rewards.ts";
import { meanAndSe } from "../stats/describe.ts";
import { loadOrPretrainBasePolicy, type BasePolicySpec } from "../task/base-policy.ts";
import type { GoldComponent } from "../task/gold.ts";
import { createTask, type BuiltinTask } from "../task/task.ts";
import { WordTokenizer } from "../task/word-tokenizer.ts";
import { constrainedFindings, type ConstrainedFindings } from "./findings.ts";
import { trainConstrainedPolicy, type ComponentRewards, type ConstrainedEval } from "./learner.ts";
import { fixedWeights, lagrangianWeights, saturatedWeights, type ConstrainedMethod, type WeightController } from "./methods.ts";
import { NelderMead } from "./nelder-mead.ts";
import { proxyPoints, type ProxyPoints } from "./surface.ts";

export interface ConstrainedCurvePoint {
  step: number;
  /** Gold gain over the run's step 0, and its SE over prompts (paired). */
  gold: number;
  goldSe: number;
  /** Each component's normalised value (not recentred: thresholds are in these units). */
  components: number[];
  kl: number;
  thresholds: number[] | null;
  multipliers: number[] | null;
}

export interface ConstrainedRunResult {
  id: string;
  /** "sweep-<w...>", or a method name. */
  method: string;
  seed: number;
  weights: number[] | null;
  curve: ConstrainedCurvePoint[];
  finalGold: number;
  finalGoldSe: number;
  finalGoldPerPrompt: number[];
  finalComponents: number[];
  finalKl: number;
  peakGold: number;
  peakStep: number;
  steps: number;
  seconds: number;
}

export interface NmResult {
  seed: number;
  /** The best thresholds Nelder-Mead found, and how many gold queries and steps it used. */
  thresholds: number[];
  goldQueries: number;
  steps: number;
}

export interface ComponentCorrelations {
  components: string[];
  /** Pearson correlations over base-policy samples of the evaluation prompts. */
  gold: number[][];
  rm: number[][];
  /** Each reward model against its own gold component, and against the gold total. */
  rmVsComponent: number[];
  rmVsGold: number[];
  samples: number;
}

export interface ConstrainedStudyResult {
  study: string;
  components: string[];
  basePolicy: { hash: string; cached: boolean; path: string };
  /** Validation accuracy of each component RM on its own component's labels, per seed. */
  rmAccuracy: { seed: number; accuracy: number[] }[];
  correlations: ComponentCorrelations[];
  proxyPoints: ProxyPoints | null;
  /** The thresholds the methods ran against and where they came from. */
  thresholds: number[] | null;
  thresholdSource: "config" | "joint" | "individual" | "best-observed" | null;
  tunedWeights: number[] | null;
  runs: ConstrainedRunResult[];
  nm: NmResult[];
  findings: ConstrainedFindings;
  timings: Record<string, number>;
}

/** Pearson correlation (NaN when either side is constant). */
export function pearson(a: ArrayLike<number>, b: ArrayLike<number>): number {
  const n = a.length;
  let ma = 0;
  let mb = 0;
  for (let i = 0; i < n; i++) {
    ma += a[i]! / n;
    mb += b[i]! / n;
  }
  let sab = 0;
  let saa = 0;
  let sbb = 0;
  for (let i = 0; i < n; i++) {
    sab += (a[i]! - ma) * (b[i]! - mb);
    saa += (a[i]! - ma) ** 2;
    sbb += (b[i]! - mb) ** 2;
  }
  return saa > 0 && sbb > 0 ? sab / Math.sqrt(saa * sbb) : NaN;
}

const weightName = (w: readonly number[]) => `sweep-${w.map((x) => +x.toFixed(3)).join("-")}`;

function componentRewards(runtime: Runtime, names: readonly string[], trained: TrainedProxies[], pad: number): ComponentRewards {
  return {
    names,
    async score(rollout) {
      const rows: Float64Array[] = [];
      for (const t of trained)
        rows.push(applyNormalisation(await memberScores(runtime, t.members, rollout.sequences, pad), t.normalisation)[0]!);
      return rows;
    },
  };
}

export async function runConstrainedStudy(
  input: unknown,
  context: ExperimentContext,
  options: { bootstrapReplicates?: number } = {},
): Promise<ConstrainedStudyResult> {
  const s = validate(constrainedRlhfSchema(), input);
  const { runtime, sink, signal } = context;
  const names = [...s.components];
  const timings: Record<string, number> = { pretrain: 0, rewardModels: 0, sweep: 0, methods: 0 };
  const task = createTask(s.task.seed, { prompts: s.task.prompts });
  const tokenizer = new WordTokenizer(task.vocabulary);
  const pad = tokenizer.special.pad;
  const policySpec: BasePolicySpec = {
    layers: s.basePolicy.layers,
    dModel: s.basePolicy.dModel,
    heads: s.basePolicy.heads,
    pretrainSteps: s.basePolicy.pretrainSteps,
    seed: s.task.seed,
  };
  const t0 = performance.now();
  const totalSteps =
    s.seeds.length *
    (s.sweep.weights.length * s.rl.steps +
      s.methods.filter((m) => m !== "fixed" && m !== "nm-ppo").length * s.rl.steps +
      (s.methods.includes("nm-ppo") ? s.nm.steps : 0));
  let stepsDone = 0;
  const progress = (phase: string, message?: string) => {
    const elapsedS = (performance.now() - t0) / 1000;
    const fraction = Math.min(1, stepsDone / Math.max(1, totalSteps));
    sink.progress({
      phase,
      done: stepsDone,
      total: totalSteps,
      fraction,
      elapsedS,
      etaS: fraction > 0.02 ? (elapsedS * (1 - fraction)) / fraction : null,
      ...(message ? { message } : {}),
    });
  };

  let t = performance.now();
  const base = await loadOrPretrainBasePolicy(runtime, task, tokenizer, policySpec, context.cacheDir, { signal });
  timings.pretrain = (performance.now() - t) / 1000;
  sink.log(base.cached ? `base policy loaded from ${base.path}` : `base policy pretrained and cached in ${base.path}`);
  sink.checkpoint({ name: "base-policy", kind: "policy", path: base.path, hash: base.hash, config: { ...policySpec } });

  // 2. Component reward models per seed, and the components' correlations.
  const rms = new Map<number, TrainedProxies[]>();
  const rmAccuracy: ConstrainedStudyResult["rmAccuracy"] = [];
  const correlations: ComponentCorrelations[] = [];
  const summary = sink.beginRun({
    id: `${s.name}/components`,
    name: `${s.name}/components`,
    seed: s.seeds[0]!,
    config: { ...s } as unknown as Record<string, unknown>,
  });
  t = performance.now();
  for (const seed of s.seeds) {
    signal?.throwIfAborted();
    progress("reward-models", `seed ${seed}`);
    const trained: TrainedProxies[] = [];
    for (const name of names) {
      trained.push(
        await trainProxies(
          runtime,
          task,
          tokenizer,
          base.model,
          policySpec,
          { size: s.componentRm.size, trainingSize: s.componentRm.trainingSize, labelNoise: s.componentRm.labelNoise, members: 1, seed },
          context.cacheDir,
          {
            rmTraining: s.componentRm.training,
            validationPrompts: s.task.prompts.validation,
            signal,
            label: { name, score: (prompt, words) => task.gold(prompt, words).components[name as GoldComponent] },
          },
        ),
      );
    }
    rms.set(seed, trained);
    const accuracy = trained.map((x) => x.validationAccuracy[0]!);
    rmAccuracy.push({ seed, accuracy });
    accuracy.forEach((a, i) => summary.metric(0, `components/s${seed}/rm_accuracy/${names[i]}`, a));
    const corr = await measureCorrelations(runtime, task, tokenizer, base.model, names, trained, seed, s.evaluation);
    correlations.push(corr);
    names.forEach((a, i) => {
      summary.metric(0, `components/s${seed}/rm_vs_component/${a}`, corr.rmVsComponent[i]!);
      summary.metric(0, `components/s${seed}/rm_vs_gold/${a}`, corr.rmVsGold[i]!);
      names.forEach((b, j) => {
        if (j <= i) return;
        summary.metric(0, `components/s${seed}/corr/gold/${a}/${b}`, corr.gold[i]![j]!);
        summary.metric(0, `components/s${seed}/corr/rm/${a}/${b}`, corr.rm[i]![j]!);
      });
    });
    sink.log(`seed ${seed}: component RM accuracy ${accuracy.map((a, i) => `${names[i]} ${a.toFixed(3)}`).join(", ")}`);
  }
  timings.rewardModels = (performance.now() - t) / 1000;

  const klPrompts = `test:${s.evaluation.prompts}x${s.evaluation.samplesPerPrompt}`;
  const runs: ConstrainedRunResult[] = [];
  const evalsOf = new Map<string, ConstrainedEval[]>();
  const runOne = async (
    method: string,
    seed: number,
    controller: WeightController,
    weights: number[] | null,
    extra: Partial<{ steps: number; afterStep: Parameters<typeof trainConstrainedPolicy>[0]["afterStep"] }> = {},
  ) => {
    signal?.throwIfAborted();
    const key = `${method}/s${seed}`;
    const id = `${s.name}/${key}`;
    const runSink = sink.beginRun({
      id,
      name: id,
      seed,
      config: { ...s, run: { method, seed, weights } } as unknown as Record<string, unknown>,
    });
    const started = performance.now();
    let first: ConstrainedEval | undefined;
    try {
      const trained = await trainConstrainedPolicy({
        runtime,
        base: base.model,
        task,
        tokenizer,
        rewards: componentRewards(runtime, names, rms.get(seed)!, pad),
        controller,
        config: { ...s.rl, steps: extra.steps ?? s.rl.steps, eval: s.evaluation },
        seed: Number(new Rng(seed).fork(`constrained/${method}`).nextUint32()),
        signal,
        onMetric: (step, name, value) => {
          runSink.metric(step, `constrained/${key}/${name}`, value);
          if (name === "train.loss") {
            stepsDone++;
            progress(method.startsWith("sweep") ? "sweep" : "methods", key);
          }
        },
        onEval: (e) => {
          first ??= e;
          reportEval(runSink, key, names, e, first, klPrompts);
        },
        afterStep: extra.afterStep,
      });
      evalsOf.set(key, trained.evals);
      const result = runResult(id, method, seed, weights, trained.evals, trained.steps, (performance.now() - started) / 1000);
      runs.push(result);
      runSink.log(
        `${key}: final gold ${result.finalGold.toFixed(3)} +- ${result.finalGoldSe.toFixed(3)}, components ${result.finalComponents.map((v) => v.toFixed(2)).join(", ")}, KL ${result.finalKl.toFixed(2)}`,
      );
      runSink.result?.({ study: s.name, runs: [result] } as unknown as Record<string, unknown>);
      runSink.end("done");
      return result;
    } catch (err) {
      runSink.end(signal?.aborted ? "cancelled" : "failed", err instanceof Error ? err.message : String(err));
      throw err;
    }
  };

  // 3. The fixed-weight sweep.
  t = performance.now();
  for (const seed of s.seeds) for (const w of s.sweep.weights) await runOne(weightName(w), seed, fixedWeights(w, s.sweep.klCoef), [...w]);
  timings.sweep = (performance.now() - t) / 1000;

  // 4. Proxy points and the tuned fixed weights.
  let pp: ProxyPoints | null = null;
  if (s.sweep.weights.length > 0) {
    const data = s.seeds.map((seed) =>
      s.sweep.weights.flatMap((w) =>
        evalsOf.get(`${weightName(w)}/s${seed}`)!.map((e) => ({ components: e.componentsPerPrompt, gold: e.point.perPrompt.gold })),
      ),
    );
    pp = proxyPoints(names, data, { replicates: options.bootstrapReplicates, seed: `${s.name}/proxy-points` });
    const put = (label: string, ci: { estimate: number; low: number; high: number } | null, i: number) => {
      if (!ci) return;
      summary.metric(0, `proxy-point/${label}/${names[i]}`, ci.estimate);
      summary.metric(0, `proxy-point/${label}/${names[i]}/low`, ci.low);
      summary.metric(0, `proxy-point/${label}/${names[i]}/high`, ci.high);
    };
    pp.joint?.forEach((ci, i) => put("joint", ci, i));
    pp.individual.forEach((ci, i) => put("individual", ci, i));
    if (pp.surface) summary.metric(0, "proxy-point/surface/r2", pp.surface.r2);
  }
  let thresholds: number[] | null = s.thresholds ? [...s.thresholds] : null;
  let thresholdSource: ConstrainedStudyResult["thresholdSource"] = thresholds ? "config" : null;
  if (!thresholds && pp) {
    if (pp.joint && pp.joint.every((x) => x !== null)) [thresholds, thresholdSource] = [pp.joint.map((x) => x!.estimate), "joint"];
    else if (pp.individual.every((x) => x !== null)) [thresholds, thresholdSource] = [pp.individual.map((x) => x!.estimate), "individual"];
    else [thresholds, thresholdSource] = [[...pp.bestObserved.v], "best-observed"];
  }
  if (thresholds) {
    sink.log(`thresholds (${thresholdSource}): ${thresholds.map((v, i) => `${names[i]} ${v.toFixed(3)}`).join(", ")}`);
    thresholds.forEach((v, i) => summary.metric(0, `proxy-point/threshold/${names[i]}`, v));
  }
  let tunedWeights: number[] | null = null;
  if (s.sweep.weights.length > 0) {
    const meanFinal = (w: number[]) => {
      const finals = runs.filter((r) => r.method === weightName(w)).map((r) => r.finalGold);
      return finals.reduce((a, b) => a + b, 0) / finals.length;
    };
    tunedWeights = [...s.sweep.weights.reduce((best, w) => (meanFinal(w) > meanFinal(best) ? w : best))];
    sink.log(`tuned fixed weights: ${tunedWeights.join(", ")} (highest mean final gold of the sweep)`);
  }
  summary.result?.({
    study: s.name,
    components: names,
    correlations,
    rmAccuracy,
    proxyPoints: pp,
    thresholds,
    thresholdSource,
    tunedWeights,
  } as unknown as Record<string, unknown>);
  summary.end("done");

  // 5. The methods.
  t = performance.now();
  const nm: NmResult[] = [];
  for (const seed of s.seeds) {
    for (const method of s.methods) {
      if (method === "fixed") {
        // The tuned weights' sweep run is the fixed-weight baseline (same seed, same run).
        const sweepRun = runs.find((r) => r.method === weightName(tunedWeights!) && r.seed === seed)!;
        runs.push({ ...sweepRun, id: `${s.name}/fixed/s${seed}`, method: "fixed" });
        continue;
      }
      if (method === "nm-ppo") {
        nm.push(await runNm(seed));
        continue;
      }
      await runOne(method, seed, controllerFor(method, thresholds!), method === "ppo-sat" ? [...tunedWeights!] : null);
    }
  }
  timings.methods = (performance.now() - t) / 1000;

  const findings = constrainedFindings(runs, nm, pp, s.sweep.weights.length * s.rl.steps, { replicates: options.bootstrapReplicates });
  return {
    study: s.name,
    components: names,
    basePolicy: { hash: base.hash, cached: base.cached, path: base.path },
    rmAccuracy,
    correlations,
    proxyPoints: pp,
    thresholds,
    thresholdSource,
    tunedWeights,
    runs,
    nm,
    findings,
    timings,
  };

  function controllerFor(method: Exclude<ConstrainedMethod, "fixed" | "nm-ppo">, theta: number[]): WeightController {
    const m = s.multipliers;
    switch (method) {
      case "ppo-sat":
        return saturatedWeights(tunedWeights!, s.sweep.klCoef, theta);
      case "mu-ppo":
        return lagrangianWeights({ kind: "sigmoid", thresholds: theta, lr: m.lr, init: m.init, klWeight: "balance", method });
      case "xi-ppo":
        return lagrangianWeights({ kind: "tanh", thresholds: theta, lr: m.lr, init: m.init, klWeight: "balance", method });
      case "all-ppo":
        return lagrangianWeights({ kind: "sigmoid", thresholds: theta, lr: m.lr, init: m.init, klWeight: s.sweep.klCoef, method });
    }
  }

  async function runNm(seed: number): Promise<NmResult> {
    const start = s.nm.start ?? names.map(() => 0);
    const search = new NelderMead(start, { step: s.nm.step });
    const controller = lagrangianWeights({
      kind: "tanh",
      thresholds: search.ask(),
      lr: s.multipliers.lr,
      init: s.multipliers.init,
      klWeight: "balance",
      method: "nm-ppo",
    });
    const goldPrompts = task.prompts.validation.slice(0, s.nm.goldPrompts);
    let queries = 0;
    const result = await runOne("nm-ppo", seed, controller, null, {
      steps: s.nm.steps,
      afterStep: async (step, _policy, evaluate) => {
        if (step % s.nm.every !== 0) return;
        // One gold query: mean gold of the current policy on validation prompts; NM minimises -gold.
        const point = await evaluate(goldPrompts);
        queries++;
        search.tell(-point.gold.mean);
        controller.setThresholds(search.ask());
      },
    });
    const best = search.best?.x ?? start;
    best.forEach((v, i) => context.sink.log(`nm-ppo/s${seed}: threshold ${names[i]} ${v.toFixed(3)}`));
    return { seed, thresholds: best, goldQueries: queries, steps: result.steps };
  }
}

/** An evaluation's metrics (docs/constrained-rlhf.md, "Stored series") and curve point. */
function reportEval(
  runSink: RunSink,
  key: string,
  names: readonly string[],
  e: ConstrainedEval,
  first: ConstrainedEval,
  klPrompts: string,
): void {
  const point = constrainedCurvePoint(key, e, first, klPrompts);
  const prefix = `constrained/${key}`;
  runSink.metric(e.step, `${prefix}/gold`, point.goldScore);
  // The surface is fitted on raw gold means (each run's step 0 differs by its evaluation samples).
  runSink.metric(e.step, `${prefix}/gold_raw`, e.point.gold.mean);
  runSink.metric(e.step, `${prefix}/kl`, point.kl);
  e.components.forEach((c, i) => runSink.metric(e.step, `${prefix}/component/${names[i]}`, c.mean));
  e.thresholds?.forEach((v, i) => runSink.metric(e.step, `${prefix}/threshold/${names[i]}`, v));
  e.multipliers?.forEach((v, i) => runSink.metric(e.step, `${prefix}/lambda/${names[i]}`, v));
  runSink.curvePoints([point]);
}

function runResult(
  id: string,
  method: string,
  seed: number,
  weights: number[] | null,
  evals: ConstrainedEval[],
  steps: number,
  seconds: number,
): ConstrainedRunResult {
  const first = evals[0]!;
  const gain = (e: ConstrainedEval) => Float64Array.from(e.point.perPrompt.gold, (g, j) => g - first.point.perPrompt.gold[j]!);
  const curve = evals.map((e) => {
    const g = meanAndSe(gain(e));
    return {
      step: e.step,
      gold: g.mean,
      goldSe: g.se,
      components: e.components.map((c) => c.mean),
      kl: e.point.kl.exact.mean,
      thresholds: e.thresholds,
      multipliers: e.multipliers,
    };
  });
  const last = curve[curve.length - 1]!;
  const peak = curve.reduce((a, b) => (b.gold > a.gold ? b : a));
  return {
    id,
    method,
    seed,
    weights,
    curve,
    finalGold: last.gold,
    finalGoldSe: last.goldSe,
    finalGoldPerPrompt: Array.from(gain(evals[evals.length - 1]!)),
    finalComponents: last.components,
    finalKl: last.kl,
    peakGold: peak.gold,
    peakStep: peak.step,
    steps,
    seconds,
  };
}

async function measureCorrelations(
  runtime: Runtime,
  task: BuiltinTask,
  tokenizer: WordTokenizer,
  base: Gpt,
  names: readonly string[],
  trained: TrainedProxies[],
  seed: number,
  evaluation: { prompts: number; samplesPerPrompt: number },
): Promise<ComponentCorrelations> {
  const prompts = task.prompts.test
    .slice(0, evaluation.prompts)
    .flatMap((p) => Array.from({ length: evaluation.samplesPerPrompt }, () => p));
  const samples = await samplePolicy(runtime, base, tokenizer, prompts, {
    seed: Number(new Rng(seed).fork("component-correlations").nextUint32() % 1_000_000) * 1000,
  });
  const golds = samples.map((x) => task.gold(x.prompt, x.words));
  const goldRows = names.map((n) => Float64Array.from(golds, (g) => g.components[n as GoldComponent]));
  const total = Float64Array.from(golds, (g) => g.total);
  const rmRows: Float64Array[] = [];
  for (const t of trained)
    rmRows.push(
      applyNormalisation(
        await memberScores(
          runtime,
          t.members,
          samples.map((x) => x.sequence),
          tokenizer.special.pad,
        ),
        t.normalisation,
      )[0]!,
    );
  const matrix = (rows: Float64Array[]) => rows.map((a) => rows.map((b) => pearson(a, b)));
  return {
    components: [...names],
    gold: matrix(goldRows),
    rm: matrix(rmRows),
    rmVsComponent: rmRows.map((r, i) => pearson(r, goldRows[i]!)),
    rmVsGold: rmRows.map((r) => pearson(r, total)),
    samples: samples.length,
  };
}

/** Curve points of a run for the lab's curve store (series "<method>/s<seed>", x = step). */
export function constrainedCurvePoint(key: string, e: ConstrainedEval, first: ConstrainedEval, klPrompts: string): ExperimentCurvePoint {
  const p = e.point;
  return {
    series: key,
    x: e.step,
    xKind: "step",
    kl: p.kl.exact.mean,
    klEstimator: KL_ESTIMATOR_NAMES.exact,
    klPrompts,
    goldScore: p.gold.mean - first.point.gold.mean,
    goldSe: meanAndSe(Float64Array.from(p.perPrompt.gold, (g, j) => g - first.point.perPrompt.gold[j]!)).se,
    proxyScore: e.components.reduce((sum, c, i) => sum + c.mean - first.components[i]!.mean, 0) / e.components.length,
    proxyScores: e.components.map((c, i) => c.mean - first.components[i]!.mean),
    prompts: p.prompts,
  };
}
