// Dataset-task benchmark: the hh-rlhf-bon preset end to end on the HH-RLHF harmless fixture -
// import (libs/storage), split, SFT policy, gold and proxy reward models, best-of-n curves - on
// the CPU. Keys: dataset_bon_preset_s (wall time, import included), dataset_gold_rm_val_acc
// (gold on the held-out split) and dataset_proxy_val_acc (the proxy on the most comparisons,
// no label noise, on the held-out split).
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { ByteTokenizer, createRuntime } from "@goodhart/engine";
import { type DatasetBonResult, type LabelledExample, hhRlhfBonPreset, memorySink, runDatasetBonStudy } from "@goodhart/objectives";
import { type LabStore, importDataset, openDatabase } from "@goodhart/storage";
import { fixturePath } from "../../fixtures/index.ts";
import { recordBench } from "./record.ts";

/** The labelled pairs of an imported dataset, as the dataset task reads them (one label per example: the first). */
export function labelledExamples(store: LabStore, datasetId: number): LabelledExample[] {
  const labels = new Map<number, "a" | "b" | "tie">();
  for (const l of store.labels.forDataset(datasetId)) {
    if (!labels.has(l.exampleId) && (l.preferred === "a" || l.preferred === "b" || l.preferred === "tie"))
      labels.set(l.exampleId, l.preferred);
  }
  const out: LabelledExample[] = [];
  for (let after = 0; ;) {
    const page = store.examples.list(datasetId, { afterRow: after, limit: 1000 });
    if (page.length === 0) break;
    for (const e of page) {
      const preferred = labels.get(e.id);
      if (e.kind !== "pair" || preferred === undefined || e.responseA === null || e.responseB === null) continue;
      const split = typeof e.metadata?.split === "string" ? e.metadata.split : null;
      out.push({ id: e.id, prompt: e.prompt, responseA: e.responseA, responseB: e.responseB, preferred, split });
    }
    after = page[page.length - 1]!.rowIndex;
  }
  return out;
}

/** Imports the HH-RLHF harmless fixture and runs the preset at the given size. */
export async function runHhRlhfBon(
  size: "full" | "test",
  options: { threads?: number } = {},
): Promise<{ result: DatasetBonResult; seconds: number; sink: ReturnType<typeof memorySink> }> {
  const dir = mkdtempSync(path.join(os.tmpdir(), "goodhart-dataset-bon-"));
  const t0 = performance.now();
  const store = openDatabase(path.join(dir, "lab.sqlite"));
  const runtime = await createRuntime({ device: "cpu", threads: options.threads ?? 2 });
  try {
    const imported = await importDataset(store, fixturePath("preference/hh-rlhf_harmless-base_test.jsonl.gz"));
    const sink = memorySink();
    const result = await runDatasetBonStudy(
      labelledExamples(store, imported.datasetId),
      new ByteTokenizer(),
      hhRlhfBonPreset(imported.datasetId, size),
      {
        runtime,
        seed: 0,
        sink,
        cacheDir: path.join(dir, "cache"),
      },
    );
    return { result, seconds: (performance.now() - t0) / 1000, sink };
  } finally {
    store.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { result, seconds } = await runHhRlhfBon("full");
  const best = result.runs.filter((r) => r.labelNoise === 0).sort((a, b) => b.trainingSize - a.trainingSize)[0]!;
  for (const r of result.runs) {
    const last = r.curve[r.curve.length - 1]!;
    console.log(
      `${r.id}: val ${r.validationAccuracy.toFixed(3)}, agreement with gold ${r.goldAgreement.toFixed(3)}, n=${last.n}: proxy ${last.proxyGain.toFixed(3)}, gold ${last.goldGain.toFixed(3)}`,
    );
  }
  console.log(`gold val ${result.gold.validationAccuracy.toFixed(3)}; ${seconds.toFixed(1)} s; timings ${JSON.stringify(result.timings)}`);
  recordBench("dataset", "cpu", {
    dataset_bon_preset_s: Number(seconds.toFixed(1)),
    dataset_gold_rm_val_acc: Number(result.gold.validationAccuracy.toFixed(4)),
    dataset_proxy_val_acc: Number(best.validationAccuracy.toFixed(4)),
  });
}
