// Benchmark of the DMoERM study (libs/objectives src/dmoerm, docs/dmoerm.md): wall time and
// CPU-seconds (process.cpuUsage, which counts ONNX Runtime's threads) of the `dmoerm` preset at its
// default size on a fresh cache (the base policy is pretrained, as on a first run), with the load
// average around it (the machine may be shared); the three agreements with held-out gold labels and
// the two differences with their 95% bootstrap intervals (test pairs resampled); the router's
// held-out accuracy; and best-of-n peak gold with DMoERM as the proxy minus with the single RM
// (prompts resampled). Results are merged into bench-results/objectives.json and
// bench-results/science.json, so other scripts' keys stay.
//
//   tsx tools/bench/dmoerm.ts
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { createRuntime } from "@goodhart/engine";
import { kindRegistry, nullSink, runDmoermStudy, type DmoermConfig } from "@goodhart/objectives";
import { recordBench } from "./record.ts";

const dir = mkdtempSync(path.join(os.tmpdir(), "goodhart-bench-dmoerm-"));
const runtime = await createRuntime({ device: "cpu", threads: 2 });
const command = "goodhart run --preset dmoerm";

try {
  const { config } = kindRegistry.presetConfig("dmoerm");
  const load0 = os.loadavg()[0]!;
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const r = await runDmoermStudy(config as unknown as DmoermConfig, {
    runtime,
    seed: 1,
    sink: nullSink(),
    cacheDir: path.join(dir, "cache"),
  });
  const seconds = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  const cpuSeconds = (cpu.user + cpu.system) / 1e6;
  const load1 = os.loadavg()[0]!;
  console.log(
    `dmoerm: ${seconds.toFixed(1)} s wall, ${cpuSeconds.toFixed(1)} CPU-s; load average ${load0.toFixed(2)} before, ${load1.toFixed(2)} after`,
    r.timings,
  );
  console.log(
    `  router (${r.router.kind}): held-out accuracy ${r.router.testAccuracy.toFixed(3)} on ${r.router.testPrompts} prompts; best-of-n peak gold gain DMoERM ${r.bon.dmoerm.observedPeak.estimate.toFixed(3)} (n=${r.bon.dmoerm.observedPeakN}), single ${r.bon.single.observedPeak.estimate.toFixed(3)} (n=${r.bon.single.observedPeakN})`,
  );
  for (const c of r.categories)
    console.log(
      `  ${c.category}: ${c.testPairs} test pairs, DMoERM ${c.dmoermAgreement.toFixed(3)}, single ${c.singleAgreement.toFixed(3)}`,
    );
  const round = (x: number) => Number(x.toFixed(4));
  const science: Record<string, number | string | boolean> = {};
  for (const key of ["dmoerm_minus_single_agreement", "dmoerm_minus_ensemble_agreement", "dmoerm_bon_peak_minus_single"] as const) {
    const f = r[key];
    science[key] = round(f.estimate);
    science[`${key}_ci_low`] = round(f.low);
    science[`${key}_ci_high`] = round(f.high);
    science[`${key}_holds`] = f.holds;
    if (key === "dmoerm_bon_peak_minus_single") {
      science[`${key}_prompts`] = r.bon.prompts;
      science[`${key}_pool`] = r.bon.poolSize;
    } else science[`${key}_pairs`] = r.testPairs;
    science[`${key}_seeds`] = 1;
    science[`${key}_command`] = command;
  }
  recordBench(
    "objectives",
    "cpu",
    {
      dmoerm_agreement: round(r.dmoerm_agreement.estimate),
      single_rm_agreement: round(r.single_rm_agreement.estimate),
      ensemble_agreement: round(r.ensemble_agreement.estimate),
      dmoerm_router_accuracy: round(r.router.testAccuracy),
      dmoerm_preset_s: Number(seconds.toFixed(1)),
      dmoerm_preset_cpu_s: Number(cpuSeconds.toFixed(1)),
      dmoerm_preset_load_avg: Number(((load0 + load1) / 2).toFixed(2)),
    },
    { merge: true },
  );
  recordBench("science", "cpu", science as Record<string, number | string>, { merge: true });
} finally {
  await runtime.release();
  rmSync(dir, { recursive: true, force: true });
}
