// Benchmark of the RL overoptimization study (libs/objectives src/rl, docs/rl.md).
//
//   tsx tools/bench/rl.ts --step      per-step time split (generation, scoring, forward/backward +
//                                     AdamW), steps/s and peak RSS of PPO and RLOO at the
//                                     rl-quick-demo size
//   tsx tools/bench/rl.ts --science   the science findings at science size (below) with 3 seeds
//   tsx tools/bench/rl.ts --presets   wall time, CPU-seconds and the phase split of gao-rl and
//                                     coste-rl at their default size
//   tsx tools/bench/rl.ts --phases [--cache DIR]
//                                     CPU-seconds of each phase of a coste-rl step and evaluation
//                                     (PPO 32 x 1, five small proxies), of a gao-rl RLOO step (16 x 4,
//                                     one small proxy), with the default base policy (pretrained
//                                     into DIR when not cached there), each the old way
//                                     and the current way back to back in one process: generation
//                                     keeping finished rows vs dropping them, member scoring one
//                                     member at a time in batches of 256 vs stacked in length
//                                     batches, the analysis program over one batch vs length batches
//   (no flag: the first three)
//
// Science size: the base policy and task of rl-quick-demo (1 layer, d32, 200 pretraining steps),
// proxies the size of the policy trained on 2,000 comparisons, RLOO for 50 steps, evaluated every
// 5 steps on 48 held-out prompts x 2 samples. Keys (merged into bench-results/science.json with
// _ci_low/_ci_high/_seeds): rl_gold_drop_single (single proxy, no KL), rl_wco_kl001_minus_single and
// rl_uwo_kl001_minus_single (final gold, 25% label noise, 5 members, KL 0.01).
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { RewardModel, createRuntime, generate } from "@goodhart/engine";
import {
  DEFAULT_RL_STUDY,
  MAX_COMPLETION_TOKENS,
  RlPolicy,
  WordTokenizer,
  analyseRollout,
  completionSlice,
  createTask,
  goldDropSingle,
  loadOrPretrainBasePolicy,
  memberScorer,
  memberScores,
  rowBatch,
  sampleRollout,
  kindRegistry,
  nullSink,
  objectiveMinusSingle,
  runRlStudy,
  type RlFinding,
  type RlStudyConfig,
  type RlStudyResult,
} from "@goodhart/objectives";
import { recordBench } from "./record.ts";

const all = !["--step", "--science", "--presets", "--phases"].some((f) => process.argv.includes(f));
const want = (flag: string) => (all && flag !== "--phases") || process.argv.includes(flag);
const dir = mkdtempSync(path.join(os.tmpdir(), "goodhart-bench-rl-"));
const cacheArg = process.argv.indexOf("--cache");
const cacheDir = cacheArg > 0 && process.argv[cacheArg + 1] ? path.resolve(process.argv[cacheArg + 1]!) : path.join(dir, "cache");
const runtime = await createRuntime({ device: "cpu", threads: 2 });

const SCIENCE_SIZE: RlStudyConfig = {
  ...DEFAULT_RL_STUDY,
  name: "rl-science",
  task: { kind: "builtin", seed: 0, prompts: { train: 500, validation: 50, test: 50 } },
  basePolicy: { preset: "builtin-tiny", layers: 1, dModel: 32, heads: 2, pretrainSteps: 200 },
  proxySizes: [{ name: "policy-size", layers: 1, dModel: 32, heads: 2 }],
  trainingSize: 2000,
  rmTraining: { epochs: 4, batchSize: 64, lr: 5e-3 },
  rl: { ...DEFAULT_RL_STUDY.rl, algorithm: "rloo", steps: 50, lr: 1e-3 },
  evaluation: { every: 5, prompts: 48, samplesPerPrompt: 2 },
  seeds: [1, 2, 3],
};

async function study(name: string, config: unknown): Promise<{ result: RlStudyResult; seconds: number; cpuSeconds: number; load: number }> {
  // CPU time of the whole process (ONNX Runtime's threads included): on a shared machine wall
  // time says more about the neighbours than about the study.
  const cpu0 = process.cpuUsage();
  const load0 = os.loadavg()[0]!;
  const t0 = performance.now();
  const result = await runRlStudy(config, { runtime, seed: 1, sink: nullSink(), cacheDir });
  const seconds = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  const cpuSeconds = (cpu.user + cpu.system) / 1e6;
  const load = (load0 + os.loadavg()[0]!) / 2;
  console.log(`${name}: ${seconds.toFixed(1)} s wall, ${cpuSeconds.toFixed(1)} CPU-s, load average ~${load.toFixed(1)}`, result.timings);
  for (const r of result.runs)
    console.log(
      `  ${r.id}: peak ${r.peakGold.toFixed(3)} @${r.peakStep}, final ${r.finalGold.toFixed(3)} +- ${r.finalGoldSe.toFixed(3)}, KL ${r.finalKl.toFixed(2)}`,
    );
  return { result, seconds, cpuSeconds, load };
}

const science: Record<string, number | string> = {};
function put(key: string, f: RlFinding | null, command: string): void {
  if (!f) return;
  science[key] = f.estimate;
  science[`${key}_ci_low`] = f.low;
  science[`${key}_ci_high`] = f.high;
  science[`${key}_seeds`] = f.seeds;
  science[`${key}_prompts`] = f.prompts;
  science[`${key}_holds`] = f.holds ? 1 : 0;
  science[`${key}_command`] = command;
  console.log(
    `${key}: ${f.estimate.toFixed(3)} [${f.low.toFixed(3)}, ${f.high.toFixed(3)}] over ${f.seeds} seeds x ${f.prompts} prompts: ${f.holds ? "holds" : "does not hold"}`,
  );
}

/** CPU-seconds per call of `f` (ONNX Runtime's threads included), over `reps` calls. */
async function cpuSecondsPerCall(reps: number, f: () => Promise<unknown>): Promise<number> {
  const c0 = process.cpuUsage();
  for (let i = 0; i < reps; i++) await f();
  const c = process.cpuUsage(c0);
  return (c.user + c.system) / 1e6 / reps;
}

/**
 * The phases of a coste-rl step (32 rollouts) and evaluation (64 prompts x 2), the old way and the
 * current way alternately, so both see the same load. The base policy is the preset's (pretrained);
 * the proxies are untrained members of the small size (scoring cost does not depend on the
 * weights). gao-rl's RLOO step is measured with one small member (its proxies are tiny, small and
 * medium).
 */
async function phases(results: Record<string, number | string>): Promise<void> {
  const s = DEFAULT_RL_STUDY;
  const task = createTask(s.task.seed, { prompts: s.task.prompts });
  const tokenizer = new WordTokenizer(task.vocabulary);
  const pad = tokenizer.special.pad;
  const spec = {
    layers: s.basePolicy.layers,
    dModel: s.basePolicy.dModel,
    heads: s.basePolicy.heads,
    pretrainSteps: s.basePolicy.pretrainSteps,
    seed: s.task.seed,
  };
  const base = await loadOrPretrainBasePolicy(runtime, task, tokenizer, spec, cacheDir);
  const rl = new RlPolicy(base.model, 1);
  const session = await rl.analysisSession(runtime);
  const members = [1, 2, 3, 4, 5].map(
    (seed) => new RewardModel({ vocab: tokenizer.vocabSize, maxSeq: 64, dModel: 64, nHeads: 4, nLayers: 2 }, { seed }),
  );
  const single = members.slice(0, 1);
  const reps = 6;
  const load0 = os.loadavg()[0]!;
  // coste-rl's PPO step (five members), gao-rl's RLOO step (16 prompts x 4, one member), an evaluation.
  for (const [name, prompts, proxy] of [
    ["step", task.prompts.train.slice(0, 32), members],
    ["rloo_step", task.prompts.train.slice(0, 16).flatMap((p) => [p, p, p, p]), single],
    ["eval", task.prompts.test.slice(0, 64).flatMap((p) => [p, p]), members],
  ] as const) {
    const scorer = memberScorer(runtime, proxy, pad);
    const ids = prompts.map((p) => tokenizer.promptIds(p.words));
    const gen = (dropFinished: boolean) =>
      generate(runtime, rl.sampler(), ids, {
        maxNewTokens: MAX_COMPLETION_TOKENS,
        stopToken: tokenizer.special.eos,
        padToken: pad,
        seeds: 5,
        temperature: 1,
        dropFinished,
      });
    const rollout = await sampleRollout(
      runtime,
      rl.sampler(),
      tokenizer,
      prompts,
      prompts.map((_, i) => 5 + i),
    );
    const oneBatchAnalysis = async () => {
      const batch = rowBatch(rollout.promptIds, rollout.completions, pad);
      const { actions: _unused, ...inputs } = batch.feeds;
      const out = await session.run({ ...rl.feeds(), ...inputs });
      return rollout.completions.map((c, b) => completionSlice(out.logp!.data as Float32Array, batch, b, c.length));
    };
    const timings: Record<string, [number, number]> = { generation: [0, 0], scoring: [0, 0], analysis: [0, 0] };
    for (let r = 0; r < reps; r++) {
      timings.generation![0] += await cpuSecondsPerCall(1, () => gen(false));
      timings.generation![1] += await cpuSecondsPerCall(1, () => gen(true));
      timings.scoring![0] += await cpuSecondsPerCall(1, () => memberScores(runtime, proxy, rollout.sequences, pad));
      timings.scoring![1] += await cpuSecondsPerCall(1, () => scorer.score(rollout.sequences));
      timings.analysis![0] += await cpuSecondsPerCall(1, oneBatchAnalysis);
      timings.analysis![1] += await cpuSecondsPerCall(1, () => analyseRollout(session, rl, rollout, pad));
    }
    for (const [phase, [before, after]] of Object.entries(timings)) {
      results[`rl_phase_${name}_${phase}_cpu_s_before`] = Number((before / reps).toFixed(4));
      results[`rl_phase_${name}_${phase}_cpu_s`] = Number((after / reps).toFixed(4));
      console.log(`${name} ${phase}: ${(before / reps).toFixed(4)} -> ${(after / reps).toFixed(4)} CPU-s`);
    }
  }
  results.rl_phase_load_avg = Number(((load0 + os.loadavg()[0]!) / 2).toFixed(1));
  console.log(`load average ~${results.rl_phase_load_avg}`);
}

const results: Record<string, number | string> = {};
try {
  if (want("--phases")) await phases(results);
  if (want("--step")) {
    for (const algorithm of ["rloo", "ppo"] as const) {
      const config = {
        ...SCIENCE_SIZE,
        objectives: ["single"],
        seeds: [1],
        rl: { ...SCIENCE_SIZE.rl, algorithm, steps: 20, ...(algorithm === "ppo" ? { promptsPerStep: 32, samplesPerPrompt: 1 } : {}) },
      };
      const { result } = await study(`step-${algorithm}`, config);
      const run = result.runs[0]!;
      const steps = 20;
      const t = run.timings;
      const perStep = (s: number) => Number(((1000 * s) / steps).toFixed(1));
      const prefix = algorithm === "rloo" ? "rl_step" : "rl_ppo_step";
      results[`${prefix}_ms`] = perStep(t.generation + t.scoring + t.train);
      results[`${prefix}_generation_ms`] = perStep(t.generation);
      results[`${prefix}_scoring_ms`] = perStep(t.scoring);
      results[`${prefix}_forward_backward_optimizer_ms`] = perStep(t.train);
      results[`${prefix}_host_ms`] = perStep(t.trainHost);
      results[`${prefix}s_per_s`] = Number((steps / (t.generation + t.scoring + t.train)).toFixed(3));
    }
    results.rl_peak_rss_mb = Math.round(process.resourceUsage().maxRSS / 1024);
    results.rl_load_avg_1m = Number(os.loadavg()[0]!.toFixed(1));
  }
  if (want("--science")) {
    const single = await study("science-gold-drop", { ...SCIENCE_SIZE, objectives: ["single"], klCoefs: [0] });
    put("rl_gold_drop_single", goldDropSingle(single.result.runs, "policy-size"), "tsx tools/bench/rl.ts --science");
    const coste = await study("science-coste", {
      ...SCIENCE_SIZE,
      labelNoise: 0.25,
      ensembleSize: 5,
      objectives: ["single", "wco", "uwo"],
      uwoLambda: 0.1,
      klCoefs: [0.01],
    });
    put("rl_wco_kl001_minus_single", objectiveMinusSingle(coste.result.runs, "wco", 0.01), "tsx tools/bench/rl.ts --science");
    put("rl_uwo_kl001_minus_single", objectiveMinusSingle(coste.result.runs, "uwo", 0.01), "tsx tools/bench/rl.ts --science");
  }
  if (want("--presets")) {
    // Each preset at its default size; gao-rl first pays the base policy's pretraining (fresh cache),
    // coste-rl finds it cached. Beside wall time: CPU-seconds and where the time went (seconds of
    // wall time summed over the runs: generation, scoring, forward/backward + AdamW, evaluation).
    for (const [key, name] of [
      ["rl_gao_preset", "gao-rl"],
      ["rl_coste_preset", "coste-rl"],
    ] as const) {
      const { result, seconds, cpuSeconds, load } = await study(name, kindRegistry.presetConfig(name).config);
      results[`${key}_s`] = Number(seconds.toFixed(1));
      results[`${key}_cpu_s`] = Number(cpuSeconds.toFixed(1));
      results[`${key}_load_avg`] = Number(load.toFixed(1));
      const sum = (k: keyof RlStudyResult["runs"][number]["timings"]) => result.runs.reduce((s, r) => s + r.timings[k], 0);
      results[`${key}_pretrain_s`] = Number(result.timings.pretrain!.toFixed(1));
      results[`${key}_proxies_s`] = Number(result.timings.proxies!.toFixed(1));
      for (const phase of ["generation", "scoring", "train", "evaluation"] as const)
        results[`${key}_${phase}_s`] = Number(sum(phase).toFixed(1));
    }
  }
  if (Object.keys(results).length) recordBench("objectives", "cpu", results, { merge: true });
  if (Object.keys(science).length) recordBench("science", "cpu", science, { merge: true });
} finally {
  await runtime.release();
  rmSync(dir, { recursive: true, force: true });
}
