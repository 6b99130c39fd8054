// The direct alignment study on a dataset task, through the daa kind's run module with real ONNX
// Runtime training: the dataset's own pairs are the label set, its gold reward model scores the
// samples. Plumbing and invariants on a small synthetic dataset (the HH-RLHF fixture run is in
// apps/desktop service/experiments/bon-study-dataset.test.ts).
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { createRuntime, type Runtime } from "@goodhart/engine";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { memorySink } from "../../experiments/sink.ts";
import { kindRegistry } from "../../kinds/registry.ts";
import { run } from "../../kinds/daa/run.ts";
import type { DaaStudyResult } from "../../daa/study.ts";
import type { LabelledExample } from "./pairs.ts";

const study = {
  name: "daa-on-data",
  task: {
    kind: "dataset",
    seed: 1,
    dataset: {
      datasetId: 5,
      heldOutFraction: 0.3,
      maxPromptTokens: 16,
      maxResponseTokens: 12,
      gold: { name: "gold", layers: 1, dModel: 16, heads: 2 },
    },
  },
  basePolicy: { preset: "sft", layers: 1, dModel: 16, heads: 2, pretrainSteps: 10 },
  losses: ["dpo", "ipo"],
  betas: [0.1],
  labels: { pairs: 32, noise: 0.25 },
  training: { epochs: 1, batchSize: 8, lr: 1e-2, finetune: "lora", loraRank: 2 },
  evaluation: { prompts: 4, samplesPerPrompt: 2, heldOutPairs: 8, epochOneFractions: [0.25, 0.5, 0.75, 0.9] },
  seeds: [3],
};

// Longer, friendlier answers win, so gold has something to learn.
const examples: LabelledExample[] = Array.from({ length: 80 }, (_, i) => ({
  id: i + 1,
  prompt: `question ${i}`,
  responseA: i % 4 ? "yes, gladly" : "no",
  responseB: i % 4 ? "no" : "yes, gladly",
  preferred: i % 4 ? "a" : "b",
}));

describe("daa on a dataset task", () => {
  let runtime: Runtime;
  const dir = mkdtempSync(path.join(os.tmpdir(), "goodhart-daa-dataset-"));
  beforeAll(async () => (runtime = await createRuntime({ device: "cpu", threads: 1 })));
  afterAll(async () => {
    await runtime?.release();
    rmSync(dir, { recursive: true, force: true });
  });

  it("validates: the dataset block is required with kind dataset, and the hh-rlhf-dpo preset requires its id", () => {
    expect(kindRegistry.parse<{ task: unknown }>("daa", study).task).toMatchObject({
      kind: "dataset",
      dataset: { datasetId: 5, tokenizer: "byte" },
    });
    expect(() => kindRegistry.parse("daa", { ...study, task: { kind: "dataset" } })).toThrow(/task\.dataset: expected the dataset block/);
    const preset = kindRegistry.preset("hh-rlhf-dpo");
    expect(preset.kind).toBe("daa");
    expect(preset.preset.requires?.map((r) => r.path)).toEqual(["task.dataset.datasetId"]);
    expect(kindRegistry.presetExample("hh-rlhf-dpo").config).toMatchObject({ task: { kind: "dataset", dataset: { datasetId: 1 } } });
  });

  it("trains on the dataset's pairs and evaluates with its gold: one run per loss, step 0 is the reference", async () => {
    const sink = memorySink();
    const requested: number[] = [];
    const datasets = { labelledExamples: (id: number) => (requested.push(id), examples) };
    const result = (await run(kindRegistry.parse("daa", study), { runtime, seed: 0, sink, cacheDir: dir, datasets })) as DaaStudyResult;
    expect(requested).toEqual([5]);
    expect(result.runs.map((r) => r.series)).toEqual(["dpo:beta=0.1", "ipo:beta=0.1"]);
    for (const r of result.runs) {
      expect(r.pairs).toBe(32);
      // 25% noise over 32 dataset labels flips some (the seed's draw), and the same ones for every loss.
      expect(r.flipped).toBeGreaterThan(0);
      expect(r.flipped).toBe(result.runs[0]!.flipped);
      const first = r.evaluations[0]!;
      // At step 0 the policy is pi_init: its samples are the reference's (same seeds), so KL 0, gold gain 0, win rate 1/2.
      expect(first.step).toBe(0);
      expect(first.kl.mean).toBeCloseTo(0, 5);
      expect(first.goldGain.mean).toBeCloseTo(0, 9);
      expect(first.winRate.mean).toBeCloseTo(0.5, 9);
      expect(first.implicitAccuracy.mean).toBe(0.5);
      expect(first.kl.n).toBe(4);
      expect(first.chosenLogp.n).toBe(8);
      const last = r.evaluations[r.evaluations.length - 1]!;
      expect(last.kl.mean).toBeGreaterThan(0);
    }
    expect(sink.logs.some((l) => /dataset 5: \d+ training pairs \(32 in the label set\)/.test(l))).toBe(true);
    expect(sink.runs[0]!.curves.length).toBeGreaterThan(1);
    expect(sink.runs[0]!.curves[0]!.klPrompts).toBe("held-out:4x2");
  }, 180_000);

  it("refuses without the lab's datasets, and a label set larger than the training split", async () => {
    const base = { runtime, seed: 0, sink: memorySink(), cacheDir: dir };
    await expect(run(kindRegistry.parse("daa", study), base)).rejects.toThrow(/needs the lab's datasets/);
    await expect(
      run(kindRegistry.parse("daa", { ...study, labels: { pairs: 500, noise: 0 } }), {
        ...base,
        datasets: { labelledExamples: () => examples },
      }),
    ).rejects.toThrow(/labels\.pairs asks for 500 comparisons; dataset 5's training split has \d+/);
  });
});
