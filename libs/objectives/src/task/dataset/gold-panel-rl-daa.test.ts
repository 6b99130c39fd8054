// Agreement-based gold (task.dataset.goldPanel) in the RL and DAA studies at test size on PandaLM's
// three human annotators, through the kinds' run modules with real ONNX Runtime sessions.
// Annotator 3 is the held-out panel: pi_init, the proxies and the DAA label set must come from
// annotators 1 and 2 only, gold from annotator 3 only, and every run stores its agreement with the
// panel. The best-of-n study on the same data is gold-panel-study.test.ts.
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { createRuntime, type Runtime } from "@goodhart/engine";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { memorySink, type ExperimentCheckpoint } from "../../experiments/sink.ts";
import { kindRegistry } from "../../kinds/registry.ts";
import { run as runRl } from "../../kinds/rl/run.ts";
import type { RlStudyResult } from "../../rl/study.ts";
import { runDaaStudy, type DaaPrepared, type DaaStudyResult } from "../../daa/study.ts";
import { DatasetEncoder } from "./encoder.ts";
import { splitByPanel } from "./annotator-panel.ts";
import { splitDataset } from "./pairs.ts";
import { sftPolicyHash, type SftPolicySpec } from "./sft-policy.ts";
import { datasetDaaPreparer } from "./daa.ts";
import { datasetTokenizer } from "./from-bon-study.ts";
import { pandalmExamples } from "./pandalm-examples.ts";

const dataset = {
  datasetId: 11,
  heldOutFraction: 0.2,
  maxPromptTokens: 32,
  maxResponseTokens: 24,
  gold: { name: "gold", layers: 1, dModel: 24, heads: 2 },
  goldPanel: { annotators: ["annotator3"] },
};
const task = { kind: "dataset", seed: 0, dataset };
const basePolicy = { preset: "sft", layers: 1, dModel: 16, heads: 2, pretrainSteps: 10 };

const rlStudy = {
  name: "pandalm-panel-rl",
  task,
  basePolicy,
  proxySizes: [{ name: "1x16", layers: 1, dModel: 16, heads: 2 }],
  trainingSize: 200,
  labelNoise: 0,
  ensembleSize: 2,
  objectives: ["single", "wco", "gold"],
  klCoefs: [0],
  rl: { algorithm: "rloo", steps: 2, promptsPerStep: 4, samplesPerPrompt: 2 },
  evaluation: { every: 2, prompts: 4, samplesPerPrompt: 2 },
  rmTraining: { epochs: 1, batchSize: 32, lr: 5e-3 },
  seeds: [1],
};

const daaStudy = {
  name: "pandalm-panel-daa",
  task,
  basePolicy,
  losses: ["dpo"],
  betas: [0.1],
  labels: { pairs: 64, noise: 0 },
  training: { epochs: 1, batchSize: 16, lr: 1e-2, finetune: "lora", loraRank: 2 },
  evaluation: { prompts: 4, samplesPerPrompt: 2, heldOutPairs: 40, epochOneFractions: [0.25, 0.5, 0.75, 0.9] },
  seeds: [3],
};

/** Each name as a stored metric with its interval, all inside [0, 1]. */
function expectIntervals(metrics: Map<string, number>, names: readonly string[]): void {
  for (const name of names) {
    const [estimate, low, high] = [metrics.get(name), metrics.get(`${name}_ci_low`), metrics.get(`${name}_ci_high`)];
    expect(
      [name, estimate, low, high].every((v) => v !== undefined),
      name,
    ).toBe(true);
    expect(low!).toBeGreaterThanOrEqual(0);
    expect(high!).toBeLessThanOrEqual(1);
    expect(low!).toBeLessThanOrEqual(estimate!);
    expect(estimate!).toBeLessThanOrEqual(high!);
  }
}

describe("agreement-based gold in rl-study and daa on PandaLM's three annotators", () => {
  let runtime: Runtime;
  const dir = mkdtempSync(path.join(os.tmpdir(), "goodhart-gold-panel-rl-"));
  const examples = pandalmExamples();
  const split = { seed: 0, heldOutFraction: dataset.heldOutFraction };
  const panel = splitByPanel(examples, { ...split, datasetId: 11, panel: dataset.goldPanel });
  const encoder = new DatasetEncoder(datasetTokenizer("byte"), {
    maxPromptTokens: dataset.maxPromptTokens,
    maxResponseTokens: dataset.maxResponseTokens,
  });
  const datasets = { labelledExamples: () => examples };
  beforeAll(async () => (runtime = await createRuntime({ device: "cpu", threads: 1 })));
  afterAll(async () => {
    await runtime?.release();
    rmSync(dir, { recursive: true, force: true });
  });

  /** pi_init trained on the training annotators' majority: its cache hash is that data's, not the first label's. */
  function expectPolicyFromTrainingAnnotators(checkpoints: readonly ExperimentCheckpoint[]): void {
    const sft = checkpoints.find((c) => c.name === "sft-policy")!;
    const { datasetId: _, ...spec } = sft.config as unknown as SftPolicySpec & { datasetId: number };
    expect(sft.hash).toBe(sftPolicyHash(encoder, spec, panel.train));
    expect(sft.hash).not.toBe(sftPolicyHash(encoder, spec, splitDataset(examples, split).train));
  }

  it("rl-study: stores every run's proxy, member, gold and human-ceiling agreement with the panel; pi_init never saw it", async () => {
    const sink = memorySink();
    const result = (await runRl(kindRegistry.parse("rl-study", rlStudy), {
      runtime,
      seed: 0,
      sink,
      cacheDir: dir,
      datasets,
    })) as RlStudyResult;
    const a = result.agreement!;
    expect(a).toMatchObject({ panel: ["annotator3"], multiAnnotated: 999, pairs: panel.heldOut.length, goldTrain: panel.goldTrain.length });
    expect(a.humanCeiling.estimate).toBeGreaterThan(0.8);
    expect(sink.logs.some((l) => /gold panel annotator3: gold trains on its \d+ labels/.test(l))).toBe(true);
    expectPolicyFromTrainingAnnotators(sink.checkpoints);

    expect(result.runs.map((r) => r.objective)).toEqual(["single", "wco", "gold"]);
    const metricsOf = (i: number) => new Map(sink.runs[i]!.metrics.map((m) => [m.name, m.value]));
    const [single, wco, gold] = [metricsOf(0), metricsOf(1), metricsOf(2)];
    const study = ["agreement.gold_rm", "agreement.human_ceiling"];
    expectIntervals(single, ["agreement.proxy", ...study]);
    expectIntervals(wco, ["agreement.proxy", "agreement.member.0", "agreement.member.1", ...study]);
    expectIntervals(gold, study);
    expect(gold.has("agreement.proxy")).toBe(false);
    for (const m of [single, wco, gold]) {
      expect(m.get("agreement.pairs")).toBe(a.pairs);
      expect(m.get("agreement.gold_rm")).toBe(a.goldRm.estimate);
    }
    // A single-member run optimizes member 0, the same model as the ensemble's member 0.
    expect(single.get("agreement.proxy")).toBe(wco.get("agreement.member.0"));
    // The run results carry the same numbers.
    expect(result.runs[1]!.agreement!.proxy!.estimate).toBe(wco.get("agreement.proxy"));
    expect(result.runs[1]!.agreement!.members).toHaveLength(2);
    expect(result.runs[2]!.agreement).toMatchObject({ panel: ["annotator3"], goldRm: a.goldRm, humanCeiling: a.humanCeiling });
  }, 300_000);

  it("daa: trains on the training annotators' majority only and stores the policy's implicit-reward agreement with the panel", async () => {
    const sink = memorySink();
    let prepared: DaaPrepared | undefined;
    const preparer = datasetDaaPreparer(examples, datasetTokenizer("byte"));
    const result: DaaStudyResult = await runDaaStudy(
      kindRegistry.parse("daa", daaStudy),
      { runtime, seed: 0, sink, cacheDir: dir, datasets },
      { bootstrapReplicates: 50 },
      async (...args) => (prepared = await preparer(...args)),
    );
    // The label set: training-annotator majorities (chosen = response A), never the panel's choice
    // where it overrules them. Pairs are compared as encoded (chosen | rejected) token sequences;
    // pairs whose two responses encode alike (truncated to maxResponseTokens) carry no label.
    const seq = (prompt: string, response: string) => encoder.sequence(prompt, response).join(",");
    const oriented = (chosen: string, rejected: string) => `${chosen}|${rejected}`;
    const informative = panel.train.filter((p) => seq(p.prompt, p.chosen) !== seq(p.prompt, p.rejected));
    const trainingPairs = new Set(informative.map((p) => oriented(seq(p.prompt, p.chosen), seq(p.prompt, p.rejected))));
    const panelChoice = new Map(panel.goldTrain.map((p) => [p.id, p.chosen]));
    const overruled = new Set(
      informative
        .filter((p) => panelChoice.get(p.id) === p.rejected)
        .map((p) => oriented(seq(p.prompt, p.rejected), seq(p.prompt, p.chosen))),
    );
    expect(overruled.size).toBeGreaterThan(10);
    expect(prepared!.trainA).toHaveLength(64);
    let checked = 0;
    prepared!.trainA.forEach((a, i) => {
      const [chosen, rejected] = [a.tokens.join(","), prepared!.trainB[i]!.tokens.join(",")];
      if (chosen === rejected) return;
      checked++;
      expect(trainingPairs.has(oriented(chosen, rejected))).toBe(true);
      expect(overruled.has(oriented(chosen, rejected))).toBe(false);
    });
    expect(checked).toBeGreaterThan(50);
    expectPolicyFromTrainingAnnotators(sink.checkpoints);

    const a = result.agreement!;
    expect(a).toMatchObject({ panel: ["annotator3"], pairs: panel.heldOut.length });
    const metrics = new Map(sink.runs[0]!.metrics.map((m) => [m.name, m.value]));
    expectIntervals(metrics, ["agreement.implicit_reward", "agreement.gold_rm", "agreement.human_ceiling"]);
    // The held-out pairs are oriented by the panel, so the implicit-reward accuracy the study measures is this agreement.
    const run = result.runs[0]!;
    expect(run.agreement!.implicitReward!.pairs).toBe(40);
    expect(run.agreement!.implicitReward!.estimate).toBeCloseTo(run.final.implicitAccuracy.mean, 12);
    expect(metrics.get("agreement.implicit_reward")).toBe(run.agreement!.implicitReward!.estimate);
  }, 300_000);

  it("both kinds accept the panel in their config; a dataset without several annotators per pair is refused at the run", async () => {
    expect(kindRegistry.parse<{ task: typeof task }>("rl-study", rlStudy).task.dataset.goldPanel).toEqual({ annotators: ["annotator3"] });
    expect(kindRegistry.parse<{ task: typeof task }>("daa", daaStudy).task.dataset.goldPanel).toEqual({ annotators: ["annotator3"] });
    const flat = { labelledExamples: () => examples.map(({ judgments: _, ...e }) => e) };
    const context = { runtime, seed: 0, sink: memorySink(), cacheDir: dir, datasets: flat };
    await expect(runRl(kindRegistry.parse("rl-study", rlStudy), context)).rejects.toThrow(
      /dataset 11: agreement-based gold .* 0 of its 999/,
    );
    await expect(
      runDaaStudy(kindRegistry.parse("daa", daaStudy), context, {}, datasetDaaPreparer(flat.labelledExamples(), datasetTokenizer("byte"))),
    ).rejects.toThrow(/dataset 11: agreement-based gold .* 0 of its 999/);
  });
});
