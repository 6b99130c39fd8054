// Benchmark of constrained RLHF with composite reward models (libs/objectives src/constrained,
// docs/constrained-rlhf.md; issue 15).
//
//   tsx tools/bench/constrained.ts                 both presets at their size: wall and CPU seconds,
//                                                  and the science keys from moskovitz-constrained
//   tsx tools/bench/constrained.ts --reduced       the same at reduced size (one seed fewer, half the
//                                                  RL steps) when the full presets do not fit the time
//   tsx tools/bench/constrained.ts --constrained   only moskovitz-constrained (its time and the science)
//   tsx tools/bench/constrained.ts --proxy-points  only moskovitz-proxy-points (its time)
//
// Keys (bench-results/objectives.json): constrained_preset_s and constrained_proxy_points_preset_s
// (wall), *_cpu_s (process CPU seconds, ONNX Runtime's threads included), constrained_load_avg_1m.
// Science keys (bench-results/science.json, each with _ci_low/_ci_high/_seeds/_holds/_criterion):
// xi_ppo_minus_fixed_gold and mu_ppo_minus_fixed_gold (final gold gain minus the tuned fixed
// weights'; finding >= 0), nm_ppo_threshold_error (||theta_NM - theta*|| / ||theta*||; finding
// <= 0.1) and nm_ppo_step_fraction (NM-PPO steps / sweep steps; finding <= 0.2).
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { createRuntime } from "@goodhart/engine";
import {
  kindRegistry,
  nullSink,
  runConstrainedStudy,
  type BootstrapInterval,
  type ConstrainedFinding,
  type ConstrainedStudyResult,
} from "@goodhart/objectives";
import { recordBench } from "./record.ts";

const reduced = process.argv.includes("--reduced");
const onlyConstrained = process.argv.includes("--constrained");
const onlyProxyPoints = process.argv.includes("--proxy-points");
const dir = mkdtempSync(path.join(os.tmpdir(), "goodhart-bench-constrained-"));
const cacheDir = path.join(dir, "cache");
const runtime = await createRuntime({ device: "cpu", threads: 2 });

/** A preset's config, halved in RL steps and one seed fewer with --reduced. */
function presetConfig(name: string): Record<string, any> {
  const config = structuredClone(kindRegistry.presetConfig(name).config) as Record<string, any>;
  if (!reduced) return config;
  return {
    ...config,
    seeds: config.seeds.slice(0, Math.max(1, config.seeds.length - 1)),
    rl: { ...config.rl, steps: Math.ceil(config.rl.steps / 2) },
    nm: { ...config.nm, steps: Math.ceil(config.nm.steps / 2) },
    evaluation: { ...config.evaluation, every: Math.ceil(config.evaluation.every / 2) },
  };
}

async function timed(name: string): Promise<{ result: ConstrainedStudyResult; wall: number; cpu: number }> {
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const result = await runConstrainedStudy(presetConfig(name), { runtime, seed: 1, sink: nullSink(), cacheDir });
  const wall = (performance.now() - t0) / 1000;
  const c = process.cpuUsage(cpu0);
  const cpu = (c.user + c.system) / 1e6;
  console.log(
    `${name}${reduced ? " (reduced)" : ""}: ${wall.toFixed(1)} s wall, ${cpu.toFixed(1)} CPU-s, load ${os.loadavg()[0]!.toFixed(1)}`,
    result.timings,
  );
  for (const r of result.runs)
    console.log(
      `  ${r.id}: final gold ${r.finalGold.toFixed(3)} +- ${r.finalGoldSe.toFixed(3)} (peak ${r.peakGold.toFixed(3)} @${r.peakStep}), components ${r.finalComponents.map((v) => v.toFixed(2)).join(", ")}, KL ${r.finalKl.toFixed(2)}`,
    );
  const pp = result.proxyPoints;
  if (pp) {
    const show = (x: BootstrapInterval | null) => (x ? `${x.estimate.toFixed(3)} [${x.low.toFixed(3)}, ${x.high.toFixed(3)}]` : "none");
    console.log(
      `  surface r2 ${pp.surface?.r2.toFixed(3) ?? "-"}; joint ${pp.joint ? pp.joint.map(show).join(", ") : "none"}; individual ${pp.individual.map(show).join(", ")}`,
    );
    console.log(
      `  thresholds (${result.thresholdSource}): ${result.thresholds?.map((v) => v.toFixed(3)).join(", ")}; tuned weights ${result.tunedWeights?.join(", ")}`,
    );
  }
  for (const nm of result.nm)
    console.log(
      `  nm-ppo s${nm.seed}: thresholds ${nm.thresholds.map((v) => v.toFixed(3)).join(", ")}, ${nm.goldQueries} gold queries, ${nm.steps} steps`,
    );
  return { result, wall, cpu };
}

const results: Record<string, number | string> = {};
const science: Record<string, number | string> = {};
const command = `tsx tools/bench/constrained.ts${reduced ? " --reduced" : ""}${onlyConstrained ? " --constrained" : ""}${onlyProxyPoints ? " --proxy-points" : ""}`;

function put(key: string, f: ConstrainedFinding | null): void {
  if (!f) return;
  science[key] = f.estimate;
  science[`${key}_ci_low`] = f.low;
  science[`${key}_ci_high`] = f.high;
  science[`${key}_seeds`] = f.seeds;
  science[`${key}_holds`] = f.holds ? 1 : 0;
  science[`${key}_criterion`] = f.criterion;
  science[`${key}_command`] = command;
  console.log(
    `${key}: ${f.estimate.toFixed(3)} [${f.low.toFixed(3)}, ${f.high.toFixed(3)}] over ${f.seeds} seeds: ${f.holds ? "holds" : "does not hold"} (${f.criterion})`,
  );
}

try {
  const suffix = reduced ? "_reduced" : "";
  if (!onlyConstrained) {
    const pp = await timed("moskovitz-proxy-points");
    results[`constrained_proxy_points_preset_s${suffix}`] = Number(pp.wall.toFixed(1));
    results[`constrained_proxy_points_preset_cpu_s${suffix}`] = Number(pp.cpu.toFixed(1));
  }
  if (!onlyProxyPoints) {
    const c = await timed("moskovitz-constrained");
    results[`constrained_preset_s${suffix}`] = Number(c.wall.toFixed(1));
    results[`constrained_preset_cpu_s${suffix}`] = Number(c.cpu.toFixed(1));
    const f = c.result.findings;
    put("xi_ppo_minus_fixed_gold", f.xiMinusFixed);
    put("mu_ppo_minus_fixed_gold", f.muMinusFixed);
    put("nm_ppo_threshold_error", f.nmThresholdError);
    put("nm_ppo_step_fraction", f.nmStepFraction);
  }
  results.constrained_load_avg_1m = Number(os.loadavg()[0]!.toFixed(1));
  recordBench("objectives", "cpu", results, { merge: true });
  if (Object.keys(science).length) recordBench("science", "cpu", science, { merge: true });
} finally {
  await runtime.release();
  rmSync(dir, { recursive: true, force: true });
}
