// Benchmark of the DMoERM study (libs/objectives src/dmoerm, docs/dmoerm.md): wall time of the
// `dmoerm` preset at its default size on a fresh cache (the base policy is pretrained, as on a first
// run), the three agreements with held-out gold labels and the two differences with their 95%
// bootstrap intervals (test pairs resampled). Results are merged into bench-results/objectives.json
// and bench-results/science.json, so other scripts' keys stay.
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
  const t0 = performance.now();
  const r = await runDmoermStudy(config as unknown as DmoermConfig, {
    runtime,
    seed: 1,
    sink: nullSink(),
    cacheDir: path.join(dir, "cache"),
  });
  const seconds = (performance.now() - t0) / 1000;
  console.log(`dmoerm: ${seconds.toFixed(1)} s`, r.timings);
  for (const c of r.categories)
    console.log(
      `  ${c.category}: ${c.testPairs} test pairs, DMoERM ${c.dmoermAgreement.toFixed(3)}, single ${c.singleAgreement.toFixed(3)}`,
    );
  const round = (x: number) => Number(x.toFixed(4));
  const science: Record<string, number | string | boolean> = {};
  for (const key of ["dmoerm_minus_single_agreement", "dmoerm_minus_ensemble_agreement"] as const) {
    const f = r[key];
    science[key] = round(f.estimate);
    science[`${key}_ci_low`] = round(f.low);
    science[`${key}_ci_high`] = round(f.high);
    science[`${key}_holds`] = f.holds;
    science[`${key}_pairs`] = r.testPairs;
    science[`${key}_command`] = command;
  }
  recordBench(
    "objectives",
    "cpu",
    {
      dmoerm_agreement: round(r.dmoerm_agreement.estimate),
      single_rm_agreement: round(r.single_rm_agreement.estimate),
      ensemble_agreement: round(r.ensemble_agreement.estimate),
      dmoerm_preset_s: Number(seconds.toFixed(1)),
    },
    { merge: true },
  );
  recordBench("science", "cpu", science as Record<string, number | string>, { merge: true });
} finally {
  await runtime.release();
  rmSync(dir, { recursive: true, force: true });
}
