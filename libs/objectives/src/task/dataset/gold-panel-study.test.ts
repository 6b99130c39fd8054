// Agreement-based gold at test size on a real multi-annotator dataset: PandaLM's human test set
// (999 pairs, each judged by the same three annotators), through the bon-study kind's run module
// with real ONNX Runtime sessions. Annotator 3 is the held-out panel; the proxies train on
// annotators 1 and 2. The same data through the lab's importer and loader is tested in
// apps/desktop service/experiments/dataset-rows.test.ts.
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { createRuntime, type Runtime } from "@goodhart/engine";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ConfigIssue } from "../../config/validate.ts";
import { memorySink } from "../../experiments/sink.ts";
import { run } from "../../kinds/bon-study/run.ts";
import { bonStudySchema, type BonStudyConfig } from "../../kinds/bon-study/schema.ts";
import { pandalmExamples } from "./pandalm-examples.ts";
import type { DatasetBonResult } from "./study.ts";

const studyConfig = {
  name: "pandalm-panel",
  task: {
    kind: "dataset",
    seed: 0,
    dataset: {
      datasetId: 11,
      heldOutFraction: 0.2,
      maxPromptTokens: 48,
      maxResponseTokens: 48,
      gold: { name: "gold", layers: 1, dModel: 24, heads: 2 },
      goldPanel: { annotators: ["annotator3"] },
    },
  },
  basePolicy: { layers: 1, dModel: 16, heads: 2, pretrainSteps: 10 },
  proxySizes: [{ name: "1x16", layers: 1, dModel: 16, heads: 2 }],
  trainingSizes: [200],
  labelNoise: [0],
  ensemble: { size: 2, aggregations: ["mean", "wco"] },
  bon: { poolSize: 4, ns: [1, 2, 4], evalPrompts: 4 },
  seeds: [0],
};

function parse(value: unknown): BonStudyConfig {
  const issues: ConfigIssue[] = [];
  const study = bonStudySchema().parse(value, "", issues);
  expect(issues).toEqual([]);
  return study!;
}

describe("agreement-based gold on PandaLM's three human annotators", () => {
  let runtime: Runtime;
  const dir = mkdtempSync(path.join(os.tmpdir(), "goodhart-gold-panel-"));
  beforeAll(async () => (runtime = await createRuntime({ device: "cpu", threads: 1 })));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const examples = pandalmExamples();

  it("stores each RM's and the human ceiling's agreement with the held-out annotator, with intervals in [0, 1]", async () => {
    const sink = memorySink();
    const result = (await run(parse(studyConfig), {
      runtime,
      seed: 0,
      sink,
      cacheDir: dir,
      datasets: { labelledExamples: () => examples },
    })) as DatasetBonResult;

    const a = result.agreement!;
    expect(a.panel).toEqual(["annotator3"]);
    expect(a.multiAnnotated).toBe(999);
    expect(a.pairs).toBeGreaterThan(50);
    // Gold trained on annotator 3's labels only: its non-tie training-split labels.
    expect(a.goldTrain).toBeGreaterThan(result.splits.train * 0.9);
    expect(sink.logs.some((l) => /gold panel annotator3: gold trains on its \d+ labels/.test(l))).toBe(true);
    // PandaLM's annotators agree with one another far more often than not.
    expect(a.humanCeiling.estimate).toBeGreaterThan(0.8);

    const metrics = new Map(sink.runs[0]!.metrics.map((m) => [m.name, m.value]));
    for (const name of [
      "agreement.proxy",
      "agreement.gold_rm",
      "agreement.human_ceiling",
      "agreement.proxy.mean",
      "agreement.proxy.wco",
      "agreement.member.0",
      "agreement.member.1",
    ]) {
      const [estimate, low, high] = [metrics.get(name), metrics.get(`${name}_ci_low`), metrics.get(`${name}_ci_high`)];
      expect([name, estimate, low, high].every((v) => v !== undefined)).toBe(true);
      expect(low!).toBeGreaterThanOrEqual(0);
      expect(high!).toBeLessThanOrEqual(1);
      expect(low!).toBeLessThanOrEqual(estimate!);
      expect(estimate!).toBeLessThanOrEqual(high!);
    }
    expect(metrics.get("agreement.pairs")).toBe(a.pairs);
    expect(metrics.get("agreement.human_ceiling")).toBe(a.humanCeiling.estimate);
    expect(metrics.get("agreement.gold_rm")).toBe(a.goldRm.estimate);

    // The run's result (what the lab stores) carries the same numbers; its headline is the first aggregation's.
    const stored = result.runs[0]!.agreement!;
    expect(stored.panel).toEqual(["annotator3"]);
    expect(stored.proxy.estimate).toBe(metrics.get("agreement.proxy.mean"));
    expect(stored.goldRm).toEqual(a.goldRm);
    expect(result.runs[0]!.ensemble!.series.map((s) => s.panelAgreement!.pairs)).toEqual([a.pairs, a.pairs]);
    // Gold's held-out accuracy is measured on the panel's labels too; agreement counts a tied score
    // (identical truncated responses) as one half where accuracy counts it as a miss.
    expect(a.goldRm.estimate).toBeGreaterThanOrEqual(result.gold.validationAccuracy);
  }, 240_000);

  it("refuses the same data without its judgments, naming the dataset and the count", async () => {
    const flat = examples.map(({ judgments: _, ...e }) => e);
    await expect(
      run(parse(studyConfig), { runtime, seed: 0, sink: memorySink(), cacheDir: dir, datasets: { labelledExamples: () => flat } }),
    ).rejects.toThrow(/dataset 11: agreement-based gold .* 0 of its 999 labelled pairs have >= 2 annotators/);
  });
});
