// Dataset-task benchmark: the hh-rlhf-bon preset end to end on the HH-RLHF harmless fixture -
// import (libs/storage), split, SFT policy, gold and proxy reward models, best-of-n curves - on
// the CPU. Keys: dataset_bon_preset_s (wall time, import included), dataset_bon_preset_cpu_s (the
// process's CPU seconds, ONNX Runtime's threads included), dataset_gold_rm_val_acc
// (gold on the held-out split) and dataset_proxy_val_acc (the proxy on the most comparisons,
// no label noise, on the held-out split).
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { ByteTokenizer, createRuntime } from "@goodhart/engine";
import { type DatasetBonResult, hhRlhfBonPreset, memorySink, runDatasetBonStudy } from "@goodhart/objectives";
import { importDataset, labelledPairs, openDatabase } from "@goodhart/storage";
import { fixturePath } from "../../fixtures/index.ts";
import { recordBench } from "./record.ts";

/** Imports the HH-RLHF harmless fixture and runs the preset at the given size. */
export async function runHhRlhfBon(
  size: "full" | "test",
  options: { threads?: number } = {},
): Promise<{ result: DatasetBonResult; seconds: number; cpuSeconds: number; sink: ReturnType<typeof memorySink> }> {
  const dir = mkdtempSync(path.join(os.tmpdir(), "goodhart-dataset-bon-"));
  const t0 = performance.now();
  // CPU time of the whole process (ONNX Runtime's threads included): on a shared machine wall
  // time says more about the neighbours than about the preset.
  const cpu0 = process.cpuUsage();
  const store = openDatabase(path.join(dir, "lab.sqlite"));
  const runtime = await createRuntime({ device: "cpu", threads: options.threads ?? 2 });
  try {
    const imported = await importDataset(store, fixturePath("preference/hh-rlhf_harmless-base_test.jsonl.gz"));
    const sink = memorySink();
    const result = await runDatasetBonStudy(
      labelledPairs(store, imported.datasetId),
      new ByteTokenizer(),
      hhRlhfBonPreset(imported.datasetId, size),
      {
        runtime,
        seed: 0,
        sink,
        cacheDir: path.join(dir, "cache"),
      },
    );
    const cpu = process.cpuUsage(cpu0);
    return { result, seconds: (performance.now() - t0) / 1000, cpuSeconds: (cpu.user + cpu.system) / 1e6, sink };
  } finally {
    store.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const load = os.loadavg()[0]!;
  const { result, seconds, cpuSeconds } = await runHhRlhfBon("full");
  const best = result.runs.filter((r) => r.labelNoise === 0).sort((a, b) => b.trainingSize - a.trainingSize)[0]!;
  for (const r of result.runs) {
    const last = r.curve[r.curve.length - 1]!;
    console.log(
      `${r.id}: val ${r.validationAccuracy.toFixed(3)}, agreement with gold ${r.goldAgreement.toFixed(3)}, n=${last.n}: proxy ${last.proxyGain.toFixed(3)}, gold ${last.goldGain.toFixed(3)}`,
    );
  }
  console.log(
    `gold val ${result.gold.validationAccuracy.toFixed(3)}; ${seconds.toFixed(1)} s wall, ${cpuSeconds.toFixed(1)} CPU-s; ` +
      `load average ${load.toFixed(2)} at start, ${os.loadavg()[0]!.toFixed(2)} at end; timings ${JSON.stringify(result.timings)}`,
  );
  recordBench("dataset", "cpu", {
    dataset_bon_preset_s: Number(seconds.toFixed(1)),
    dataset_bon_preset_cpu_s: Number(cpuSeconds.toFixed(1)),
    dataset_gold_rm_val_acc: Number(result.gold.validationAccuracy.toFixed(4)),
    dataset_proxy_val_acc: Number(best.validationAccuracy.toFixed(4)),
  });
}
