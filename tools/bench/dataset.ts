// Dataset-task benchmark: the hh-rlhf-bon preset end to end on the HH-RLHF harmless fixture -
// import (libs/storage), split, SFT policy, gold and proxy reward models, best-of-n curves - on
// the CPU. Keys: dataset_bon_preset_s (wall time, import included), dataset_bon_preset_cpu_s (the
// process's CPU seconds, ONNX Runtime's threads included), dataset_gold_rm_val_acc
// (gold on the held-out split) and dataset_proxy_val_acc (the proxy on the most comparisons,
// no label noise, on the held-out split).
//
// Agreement-based gold (docs/dataset-studies.md, "On PandaLM's human test set"): the documented
// PandaLM config (hh-rlhf-bon's settings, responses to 128 bytes, annotator 3 as the held-out
// panel, proxies on 150/300/600 comparisons) on the PandaLM fixture. Keys:
// dataset_agreement_human_ceiling, dataset_agreement_gold_rm and dataset_agreement_proxy (the
// proxy on the most comparisons, no label noise), each with _ci_low / _ci_high (95% bootstrap
// over the evaluation pairs), dataset_agreement_study_s (wall, import included) and
// dataset_agreement_study_cpu_s. `tsx tools/bench/dataset.ts agreement` runs this part alone and
// merges its keys into bench-results/dataset.json.
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { ByteTokenizer, createRuntime } from "@goodhart/engine";
import {
  type DatasetBonConfig,
  type DatasetBonResult,
  hhRlhfBonPreset,
  memorySink,
  type PanelAgreement,
  runDatasetBonStudy,
} from "@goodhart/objectives";
import { importDataset, labelledPairs, openDatabase } from "@goodhart/storage";
import { fixturePath } from "../../fixtures/index.ts";
import { recordBench } from "./record.ts";

/** The documented PandaLM agreement config: hh-rlhf-bon's settings with the changes docs/dataset-studies.md lists. */
export function pandalmAgreementConfig(datasetId: number): DatasetBonConfig {
  const preset = hhRlhfBonPreset(datasetId, "full");
  return {
    ...preset,
    name: "pandalm-panel",
    maxResponseTokens: 128,
    goldPanel: { annotators: ["annotator3"] },
    proxies: { ...preset.proxies, trainingSizes: [150, 300, 600] },
  };
}

/** Imports the PandaLM fixture and runs the agreement study at the documented config. */
export async function runPandalmAgreement(
  options: { threads?: number } = {},
): Promise<{ result: DatasetBonResult; seconds: number; cpuSeconds: number }> {
  const dir = mkdtempSync(path.join(os.tmpdir(), "goodhart-dataset-agreement-"));
  const t0 = performance.now();
  const cpu0 = process.cpuUsage();
  const store = openDatabase(path.join(dir, "lab.sqlite"));
  const runtime = await createRuntime({ device: "cpu", threads: options.threads ?? 2 });
  try {
    const imported = await importDataset(store, fixturePath("preference/pandalm_testset-v1.json.gz"));
    const result = await runDatasetBonStudy(
      labelledPairs(store, imported.datasetId),
      new ByteTokenizer(),
      pandalmAgreementConfig(imported.datasetId),
      { runtime, seed: 0, sink: memorySink(), cacheDir: path.join(dir, "cache") },
    );
    const cpu = process.cpuUsage(cpu0);
    return { result, seconds: (performance.now() - t0) / 1000, cpuSeconds: (cpu.user + cpu.system) / 1e6 };
  } finally {
    store.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The agreement keys of a finished PandaLM study. */
function agreementKeys(result: DatasetBonResult, seconds: number, cpuSeconds: number): Record<string, number> {
  const a = result.agreement!;
  const best = result.runs.filter((r) => r.labelNoise === 0).sort((x, y) => y.trainingSize - x.trainingSize)[0]!;
  const keys: Record<string, number> = {};
  const put = (name: string, v: PanelAgreement) => {
    keys[name] = Number(v.estimate.toFixed(4));
    keys[`${name}_ci_low`] = Number(v.low.toFixed(4));
    keys[`${name}_ci_high`] = Number(v.high.toFixed(4));
  };
  put("dataset_agreement_human_ceiling", a.humanCeiling);
  put("dataset_agreement_gold_rm", a.goldRm);
  put("dataset_agreement_proxy", best.agreement!.proxy);
  keys.dataset_agreement_study_s = Number(seconds.toFixed(1));
  keys.dataset_agreement_study_cpu_s = Number(cpuSeconds.toFixed(1));
  return keys;
}

async function benchAgreement(): Promise<Record<string, number>> {
  const load = os.loadavg()[0]!;
  const { result, seconds, cpuSeconds } = await runPandalmAgreement();
  const ci = (v: PanelAgreement) => `${v.estimate.toFixed(3)} [${v.low.toFixed(3)}, ${v.high.toFixed(3)}]`;
  for (const r of result.runs) console.log(`${r.id}: agreement with the panel ${ci(r.agreement!.proxy)}`);
  console.log(
    `pandalm agreement on ${result.agreement!.pairs} pairs: human ceiling ${ci(result.agreement!.humanCeiling)}, gold RM ${ci(result.agreement!.goldRm)}; ` +
      `${seconds.toFixed(1)} s wall, ${cpuSeconds.toFixed(1)} CPU-s; load average ${load.toFixed(2)} at start, ${os.loadavg()[0]!.toFixed(2)} at end; timings ${JSON.stringify(result.timings)}`,
  );
  return agreementKeys(result, seconds, cpuSeconds);
}

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

if (import.meta.url === `file://${process.argv[1]}` && process.argv[2] === "agreement") {
  recordBench("dataset", "cpu", await benchAgreement(), { merge: true });
} else if (import.meta.url === `file://${process.argv[1]}`) {
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
    ...(await benchAgreement()),
  });
}
