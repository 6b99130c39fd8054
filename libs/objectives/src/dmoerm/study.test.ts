import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Rng, createRuntime, type Runtime } from "@goodhart/engine";
import { nullSink, type LabelSetComparisons } from "../experiments/sink.ts";
import { createTask } from "../task/task.ts";
import { DMOERM_DEFAULTS, runDmoermStudy, type DmoermConfig } from "./study.ts";

let rt: Runtime;
const cacheDir = mkdtempSync(join(tmpdir(), "goodhart-dmoerm-"));
beforeAll(async () => {
  rt = await createRuntime({ device: "cpu", threads: 1 });
});
afterAll(async () => {
  await rt.release();
  rmSync(cacheDir, { recursive: true, force: true });
});

describe("DMoERM study (small)", () => {
  it("trains the router, the single RM, the ensemble and per-category inner models; reports agreements and best-of-n peaks with intervals", async () => {
    const config = {
      ...DMOERM_DEFAULTS,
      task: { seed: 0, prompts: { train: 200, validation: 10, test: 60 } },
      basePolicy: { layers: 1, dModel: 32, heads: 2, pretrainSteps: 60 },
      trainPairs: 400,
      testPairs: 120,
      ensembleSize: 2,
      training: { epochs: 2, batchSize: 64, lr: 5e-3 },
      bootstrapReplicates: 200,
      bon: { prompts: 20, poolSize: 16 },
    };
    const r = await runDmoermStudy(config, { runtime: rt, seed: 1, sink: nullSink(), cacheDir });
    expect(r.testPairs).toBeGreaterThan(50);
    for (const k of ["dmoerm_agreement", "single_rm_agreement", "ensemble_agreement"] as const) {
      expect(r[k].estimate).toBeGreaterThan(0.3);
      expect(r[k].low).toBeLessThanOrEqual(r[k].estimate);
      expect(r[k].high).toBeGreaterThanOrEqual(r[k].estimate);
    }
    expect(r.dmoerm_minus_single_agreement.estimate).toBeCloseTo(r.dmoerm_agreement.estimate - r.single_rm_agreement.estimate, 12);
    expect(r.categories.map((c) => c.category).sort()).toEqual(["fact", "greeting", "list", "review"]);
    // The trained router, scored on the 60 held-out prompts.
    expect(r.router).toMatchObject({ kind: "trained", testPrompts: 60 });
    expect(r.router.testAccuracy).toBeGreaterThan(0.9);
    expect(r.capabilityLabels.source).toBe("synthetic");
    expect(r.capabilityLabels.capabilities.map((c) => c.capability)).toEqual(config.capabilities);
    // Best-of-n on the same pools with both proxies; the difference is the difference of the peaks.
    expect(r.bon).toMatchObject({ prompts: 20, poolSize: 16, ns: [1, 2, 4, 8, 16] });
    expect(r.dmoerm_bon_peak_minus_single.estimate).toBeCloseTo(
      r.bon.dmoerm.observedPeak.estimate - r.bon.single.observedPeak.estimate,
      12,
    );
    expect(r.dmoerm_bon_peak_minus_single.low).toBeLessThanOrEqual(r.dmoerm_bon_peak_minus_single.high);
    expect(r.bon.single.observedPeak.estimate).toBeGreaterThanOrEqual(0);
  });
});

describe("DMoERM study with stored label sets", () => {
  const task = createTask(0, { prompts: { train: 4, validation: 1, test: 1 } });
  const prompt = task.prompts.train[0]!;
  const words = (seed: number) => task.sampleCompletion(new Rng(seed), prompt).join(" ");
  const set = (over: Partial<LabelSetComparisons> = {}): LabelSetComparisons => ({
    id: 7,
    name: "judge/length",
    dimension: "length",
    source: "llm",
    pairs: [{ exampleId: 11, prompt: prompt.text, responseA: words(1), responseB: words(2), preferred: "a" }],
    ...over,
  });
  const config: DmoermConfig = { ...DMOERM_DEFAULTS, capabilities: ["length"], labels: { capability: "labelSets", labelSets: [7] } };
  const run = (s: LabelSetComparisons | null, c = config) =>
    runDmoermStudy(c, {
      runtime: rt,
      seed: 1,
      sink: nullSink(),
      cacheDir,
      ...(s ? { datasets: { labelledExamples: () => [], labelSet: () => s } } : {}),
    });

  it("refuses, before any training, label sets it cannot use, naming the set and the example", async () => {
    await expect(run(null)).rejects.toThrow(/labels.capability is labelSets, but this run was given no label sets/);
    await expect(run(set({ dimension: "fluency" }))).rejects.toThrow(/label set 7 \('judge\/length'\) labels 'fluency'/);
    await expect(run(set(), { ...config, capabilities: ["length", "fluency"] })).rejects.toThrow(
      /capabilities lists 'fluency', but no label set in labels.labelSets labels it/,
    );
    await expect(run(set({ pairs: [{ ...set().pairs[0]!, prompt: "write a poem" }] }))).rejects.toThrow(
      /label set 7 \('judge\/length'\), example 11: .*not a prompt of this task/,
    );
    await expect(run(set({ pairs: [{ ...set().pairs[0]!, responseA: "zebra!" }] }))).rejects.toThrow(
      /label set 7 \('judge\/length'\), example 11: .*not in the task vocabulary/,
    );
  });
});
