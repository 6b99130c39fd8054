// Benchmark of the direct alignment study (libs/objectives src/daa, docs/direct-alignment.md):
// wall time and CPU-seconds (process.cpuUsage, ONNX Runtime's threads included) of the
// `daa-scaling` preset at its default size on a fresh cache (the base policy is pretrained, as on a
// first run) with the load average around it, the phase split, training throughput in comparisons per second, and the science
// findings with their 95% bootstrap intervals (seeds and prompts resampled) from `daa-scaling`
// (daa_winrate_drop_epoch1) and `rpo-vs-dpo` (rpo_minus_dpo_*). Results are merged into
// bench-results/objectives.json and bench-results/science.json, so other scripts' keys stay.
//
//   tsx tools/bench/daa.ts                 both presets
//   tsx tools/bench/daa.ts --scaling-only  only daa-scaling (timing and the epoch-1 finding)
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { createRuntime } from "@goodhart/engine";
import { kindRegistry, nullSink, runDaaStudy, type DaaStudyResult } from "@goodhart/objectives";
import { recordBench } from "./record.ts";

const scalingOnly = process.argv.includes("--scaling-only");
const dir = mkdtempSync(path.join(os.tmpdir(), "goodhart-bench-daa-"));
const runtime = await createRuntime({ device: "cpu", threads: 2 });

async function preset(name: string): Promise<{ result: DaaStudyResult; seconds: number; cpuSeconds: number; load: number }> {
  const { config } = kindRegistry.presetConfig(name);
  // CPU time of the whole process (ONNX Runtime's threads included): on a shared machine wall
  // time says more about the neighbours than about the preset.
  const cpu0 = process.cpuUsage();
  const load0 = os.loadavg()[0]!;
  const t0 = performance.now();
  const result = await runDaaStudy(config, { runtime, seed: 1, sink: nullSink(), cacheDir: path.join(dir, "cache") });
  const seconds = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  const cpuSeconds = (cpu.user + cpu.system) / 1e6;
  const load = (load0 + os.loadavg()[0]!) / 2;
  console.log(`${name}: ${seconds.toFixed(1)} s wall, ${cpuSeconds.toFixed(1)} CPU-s, load average ~${load.toFixed(1)}`, result.timings);
  for (const f of result.fits)
    console.log(
      `  ${f.loss} ${f.target}: a ${f.a.toFixed(3)} b ${f.b.toFixed(3)} peak d ${f.peakD?.toFixed(3) ?? "none"} value ${f.peakValue?.toFixed(3) ?? "none"}`,
    );
  return { result, seconds, cpuSeconds, load };
}

const science: Record<string, number | string> = {};
function put(key: string, f: DaaStudyResult["findings"][keyof DaaStudyResult["findings"]], command: string): void {
  if (!f) return;
  science[key] = f.estimate;
  science[`${key}_ci_low`] = f.low;
  science[`${key}_ci_high`] = f.high;
  science[`${key}_seeds`] = f.seeds;
  science[`${key}_command`] = command;
}

try {
  const scaling = await preset("daa-scaling");
  put("daa_winrate_drop_epoch1", scaling.result.findings.daa_winrate_drop_epoch1, "goodhart run --preset daa-scaling");
  const objectives: Record<string, number | string> = {
    daa_pairs_per_s: Number(scaling.result.pairsPerSecond.toFixed(1)),
    daa_scaling_preset_s: Number(scaling.seconds.toFixed(1)),
    daa_scaling_preset_cpu_s: Number(scaling.cpuSeconds.toFixed(1)),
    daa_scaling_load_avg: Number(scaling.load.toFixed(1)),
    daa_scaling_training_s: Number(scaling.result.timings.training!.toFixed(1)),
    daa_scaling_pretrain_s: Number(scaling.result.timings.pretrain!.toFixed(1)),
    daa_scaling_evaluation_s: Number(scaling.result.timings.evaluation!.toFixed(1)),
  };
  if (!scalingOnly) {
    const rpo = await preset("rpo-vs-dpo");
    put("rpo_minus_dpo_chosen_logp", rpo.result.findings.rpo_minus_dpo_chosen_logp, "goodhart run --preset rpo-vs-dpo");
    put("rpo_minus_dpo_gold", rpo.result.findings.rpo_minus_dpo_gold, "goodhart run --preset rpo-vs-dpo");
    objectives.daa_rpo_vs_dpo_preset_s = Number(rpo.seconds.toFixed(1));
    for (const [eta, f] of Object.entries(rpo.result.rpoByEta)) {
      console.log(
        `  RPO(eta=${eta}) - DPO: chosen log-prob ${f.chosenLogp.estimate.toFixed(3)} [${f.chosenLogp.low.toFixed(3)}, ${f.chosenLogp.high.toFixed(3)}], gold ${f.gold.estimate.toFixed(3)} [${f.gold.low.toFixed(3)}, ${f.gold.high.toFixed(3)}]`,
      );
    }
  }
  recordBench("objectives", "cpu", objectives, { merge: true });
  recordBench("science", "cpu", science, { merge: true });
} finally {
  await runtime.release();
  rmSync(dir, { recursive: true, force: true });
}
