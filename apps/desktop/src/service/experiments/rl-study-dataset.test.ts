// An RL study on an imported dataset, run by the application: the HH-RLHF harmless fixture
// imported into a real SQLite lab, its rows handed to the run's worker, the dataset task's SFT
// policy optimized by RLOO against a proxy trained on the dataset's comparisons and judged by its
// gold reward model, curves stored under a run whose config names the dataset. Test size.
import { describe, expect, it } from "vitest";
import { fixturePath } from "../../../../../fixtures/index.ts";
import { tempLabs } from "../testing/temp-labs.ts";
import { waitForStatus } from "../testing/wait-for.ts";

const open = tempLabs("rl-dataset", { ownCache: true });

describe("rl-study on an imported dataset in the application", () => {
  it("runs in the worker on the lab's rows: step 0 is pi_init (KL 0, gold gain 0), KL rises on the held-out prompts", async () => {
    const { store, service } = open();
    const dataset = await service.datasets.import({ path: fixturePath("preference/hh-rlhf_harmless-base_test.jsonl.gz"), name: "hh" });
    // The data settings of bon-study-dataset.test.ts's tiny study (the hh-rlhf-bon preset's test size).
    const config = {
      name: "hh-rl",
      task: {
        kind: "dataset",
        seed: 0,
        dataset: {
          datasetId: dataset.id,
          tokenizer: "byte",
          heldOutFraction: 0.15,
          maxPromptTokens: 64,
          maxResponseTokens: 32,
          gold: { name: "gold-1x48", layers: 1, dModel: 48, heads: 2 },
        },
      },
      basePolicy: { preset: "sft", layers: 1, dModel: 32, heads: 2, pretrainSteps: 40 },
      proxySizes: [{ name: "1x32", layers: 1, dModel: 32, heads: 2 }],
      trainingSize: 200,
      labelNoise: 0,
      ensembleSize: 1,
      objectives: ["single"],
      klCoefs: [0],
      rl: { algorithm: "rloo", steps: 4, promptsPerStep: 4, samplesPerPrompt: 2 },
      evaluation: { every: 2, prompts: 8, samplesPerPrompt: 2 },
      rmTraining: { epochs: 1, batchSize: 32, lr: 3e-3 },
      seeds: [1],
    };
    const experiment = await service.experiments.create({ name: "hh-rl", kind: "rl-study", config });
    const run = await service.runs.start({ experimentId: experiment.id, seed: 0 });
    await waitForStatus(service, run.id, ["done", "failed", "interrupted"], 300_000);
    const done = await service.runs.get({ id: run.id });
    expect(done.error).toBeNull();
    expect(done.status).toBe("done");
    expect((store.runs.get(run.id)!.config as { task: unknown }).task).toMatchObject({
      kind: "dataset",
      dataset: { datasetId: dataset.id },
    });
    const curves = (await service.curves.get({ runId: run.id })).filter((p) => p.series === "member:0").sort((a, b) => a.x - b.x);
    expect(curves.map((p) => p.x)).toEqual([0, 2, 4]);
    expect(curves[0]!.kl).toBeCloseTo(0, 5);
    expect(curves[0]!.goldScore).toBe(0);
    expect(curves[1]!.kl).toBeGreaterThan(0);
    expect(store.curves.points(run.id, "member:0")[0]!.klPrompts).toBe("held-out:8x2");
  }, 320_000);
});
