// The RL study on a dataset task, through the rl-study kind's run module with real ONNX Runtime
// sessions, on the first rows of the HH-RLHF harmless-base fixture: prompts from the dataset's
// splits, proxies trained on its comparisons, gold its gold reward model. The same study through
// the lab's worker is in apps/desktop service/experiments/bon-study-dataset.test.ts.
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { gunzipSync } from "node:zlib";
import { createRuntime, type Runtime } from "@goodhart/engine";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { fixturePath } from "../../../../../fixtures/index.ts";
import { memorySink } from "../../experiments/sink.ts";
import { kindRegistry } from "../../kinds/registry.ts";
import { run } from "../../kinds/rl/run.ts";
import type { RlStudyResult } from "../../rl/study.ts";
import type { LabelledExample } from "./pairs.ts";

const ASSISTANT = "\n\nAssistant:";

/** HH-RLHF rows as labelled pairs: the shared transcript up to the last assistant turn is the prompt. */
function hhRlhfExamples(limit: number): LabelledExample[] {
  const lines = gunzipSync(readFileSync(fixturePath("preference/hh-rlhf_harmless-base_test.jsonl.gz")))
    .toString("utf8")
    .split("\n");
  const out: LabelledExample[] = [];
  for (const line of lines) {
    if (out.length === limit) break;
    if (!line.trim()) continue;
    const row = JSON.parse(line) as { chosen: string; rejected: string };
    const cut = row.chosen.lastIndexOf(ASSISTANT) + ASSISTANT.length;
    const prompt = row.chosen.slice(0, cut);
    if (!row.rejected.startsWith(prompt)) continue;
    out.push({ id: out.length + 1, prompt, responseA: row.chosen.slice(cut), responseB: row.rejected.slice(cut), preferred: "a" });
  }
  return out;
}

const study = {
  name: "rl-on-hh",
  task: {
    kind: "dataset",
    seed: 0,
    dataset: {
      datasetId: 7,
      heldOutFraction: 0.2,
      maxPromptTokens: 24,
      maxResponseTokens: 12,
      gold: { name: "gold", layers: 1, dModel: 16, heads: 2 },
    },
  },
  basePolicy: { preset: "sft", layers: 1, dModel: 16, heads: 2, pretrainSteps: 10 },
  proxySizes: [{ name: "1x16", layers: 1, dModel: 16, heads: 2 }],
  trainingSize: 64,
  labelNoise: 0.25,
  ensembleSize: 2,
  objectives: ["single", "wco"],
  klCoefs: [0],
  rl: { algorithm: "rloo", steps: 4, promptsPerStep: 4, samplesPerPrompt: 2 },
  evaluation: { every: 2, prompts: 4, samplesPerPrompt: 2 },
  rmTraining: { epochs: 1, batchSize: 16, lr: 5e-3 },
  seeds: [1],
};

describe("rl-study on a dataset task", () => {
  let runtime: Runtime;
  const dir = mkdtempSync(path.join(os.tmpdir(), "goodhart-rl-dataset-"));
  const examples = hhRlhfExamples(200);
  beforeAll(async () => (runtime = await createRuntime({ device: "cpu", threads: 1 })));
  afterAll(async () => {
    await runtime?.release();
    rmSync(dir, { recursive: true, force: true });
  });

  it("validates: the dataset block is required with kind dataset, and the hh-rlhf-rl preset requires its id", () => {
    expect(kindRegistry.parse<{ task: unknown }>("rl-study", study).task).toMatchObject({ kind: "dataset", dataset: { datasetId: 7 } });
    expect(() => kindRegistry.parse("rl-study", { ...study, task: { kind: "dataset" } })).toThrow(
      /task\.dataset: expected the dataset block/,
    );
    const preset = kindRegistry.preset("hh-rlhf-rl");
    expect(preset.kind).toBe("rl-study");
    expect(preset.preset.requires?.map((r) => r.path)).toEqual(["task.dataset.datasetId"]);
    expect(kindRegistry.presetExample("hh-rlhf-rl").config).toMatchObject({ task: { kind: "dataset", dataset: { datasetId: 1 } } });
  });

  it("optimizes proxies trained on the dataset's comparisons, judged by its gold: step 0 is pi_init", async () => {
    const sink = memorySink();
    const requested: number[] = [];
    const datasets = { labelledExamples: (id: number) => (requested.push(id), examples) };
    const result = (await run(kindRegistry.parse("rl-study", study), { runtime, seed: 0, sink, cacheDir: dir, datasets })) as RlStudyResult;
    expect(requested).toEqual([7]);
    expect(result.runs.map((r) => r.series)).toEqual(["member:0", "proxy:wco"]);
    for (const r of result.runs) {
      expect(r.proxy).toBe("1x16");
      expect(r.curve.map((c) => c.step)).toEqual([0, 2, 4]);
      // Step 0 is pi_init itself: exact KL 0, and gold and proxy gains are measured from it.
      expect(r.curve[0]!.kl).toBeCloseTo(0, 5);
      expect(r.curve[0]!.gold).toBe(0);
      expect(r.curve[0]!.proxy).toBe(0);
      expect(r.finalKl).toBeGreaterThan(0);
      expect(Number.isFinite(r.finalGold)).toBe(true);
    }
    // Member accuracy on the held-out pairs' dataset labels, one per member for the ensemble.
    expect(result.runs[0]!.memberAccuracy).toHaveLength(1);
    expect(result.runs[1]!.memberAccuracy).toHaveLength(2);
    for (const a of result.runs[1]!.memberAccuracy) expect(a).toBeGreaterThanOrEqual(0);
    // The proxies of one size and seed are trained once and shared by both objectives.
    expect(result.runs[0]!.memberAccuracy[0]).toBe(result.runs[1]!.memberAccuracy[0]);
    expect(sink.logs.some((l) => /dataset 7: \d+ training pairs, \d+ held out/.test(l))).toBe(true);
    const curves = sink.runs[0]!.curves;
    expect(curves.map((c) => c.klPrompts)).toEqual(["held-out:4x2", "held-out:4x2", "held-out:4x2"]);
    expect(curves[0]!.kl).toBeCloseTo(0, 5);
    expect(curves[0]!.goldScore).toBe(0);
  }, 300_000);

  it("refuses without the lab's datasets, a training set larger than the split, and registered models as starts", async () => {
    const base = { runtime, seed: 0, sink: memorySink(), cacheDir: dir };
    const datasets = { labelledExamples: () => examples };
    await expect(run(kindRegistry.parse("rl-study", study), base)).rejects.toThrow(/needs the lab's datasets/);
    await expect(run(kindRegistry.parse("rl-study", { ...study, trainingSize: 5000 }), { ...base, datasets })).rejects.toThrow(
      /trainingSize asks for 5000 comparisons; dataset 7's training split has \d+/,
    );
    await expect(
      run(kindRegistry.parse("rl-study", { ...study, evaluation: { ...study.evaluation, prompts: 500 } }), { ...base, datasets }),
    ).rejects.toThrow(/evaluation\.prompts asks for 500 held-out prompts/);
    await expect(run(kindRegistry.parse("rl-study", { ...study, proxy: { init: "model:3" } }), { ...base, datasets })).rejects.toThrow(
      /proxy\.init model:3: on a dataset task/,
    );
  });
});
