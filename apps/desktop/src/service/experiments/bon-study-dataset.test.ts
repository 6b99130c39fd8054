// A best-of-n study on an imported dataset, run by the application: the HH-RLHF harmless fixture
// imported into a real SQLite lab, its rows loaded by the service and handed to the run's worker,
// the dataset task (not the built-in world) trained and evaluated, curves stored under runs whose
// config names the dataset. Test size: one proxy on 200 comparisons, N = 8 on 8 prompts.
import { describe, expect, it } from "vitest";
import { fixturePath } from "../../../../../fixtures/index.ts";
import { LabValidationError } from "../../shared/errors.ts";
import { tempLabs } from "../testing/temp-labs.ts";
import { waitForStatus } from "../testing/wait-for.ts";

/** The hh-rlhf-bon preset's test size as a bon-study config, with one proxy. */
export function tinyDatasetStudy(datasetId: number): Record<string, unknown> {
  return {
    name: "hh-svc",
    task: {
      kind: "dataset",
      seed: 0,
      dataset: {
        datasetId,
        tokenizer: "byte",
        heldOutFraction: 0.15,
        maxPromptTokens: 64,
        maxResponseTokens: 32,
        gold: { name: "gold-1x48", layers: 1, dModel: 48, heads: 2 },
      },
    },
    basePolicy: { preset: "sft", layers: 1, dModel: 32, heads: 2, pretrainSteps: 40 },
    proxySizes: [{ name: "1x32", layers: 1, dModel: 32, heads: 2 }],
    trainingSizes: [200],
    labelNoise: [0],
    bon: { poolSize: 8, ns: [1, 2, 4, 8], evalPrompts: 8 },
    seeds: [0],
  };
}

const open = tempLabs("bon-dataset", { ownCache: true });

describe("bon-study on an imported dataset in the application", () => {
  it("refuses a dataset id the lab does not have, naming the field and the id, and stores nothing", async () => {
    const { store, service } = open();
    const create = service.experiments.create({ name: "missing", kind: "bon-study", config: tinyDatasetStudy(4242) });
    await expect(create).rejects.toThrow(LabValidationError);
    await expect(service.experiments.create({ name: "missing", kind: "bon-study", config: tinyDatasetStudy(4242) })).rejects.toThrow(
      /task\.dataset\.datasetId: no dataset 4242/,
    );
    expect(store.experiments.list()).toHaveLength(0);
  });

  it("runs the dataset task in the worker on the lab's rows and stores curves whose run names the dataset", async () => {
    const { store, service } = open();
    const dataset = await service.datasets.import({
      path: fixturePath("preference/hh-rlhf_harmless-base_test.jsonl.gz"),
      name: "hh-harmless",
    });
    const experiment = await service.experiments.create({ name: "hh", kind: "bon-study", config: tinyDatasetStudy(dataset.id) });
    const run = await service.runs.start({ experimentId: experiment.id, seed: 0 });
    await waitForStatus(service, run.id, ["done", "failed", "interrupted"], 150_000);
    const done = await service.runs.get({ id: run.id });
    expect(done.error).toBeNull();
    expect(done.status).toBe("done");

    // The run's stored config and its result name the dataset: the built-in world would report neither.
    const stored = store.runs.get(run.id)!;
    expect((stored.config as { study: { task: { kind: string; dataset: { datasetId: number } } } }).study.task).toMatchObject({
      kind: "dataset",
      dataset: { datasetId: dataset.id },
    });
    const result = (await service.runs.result({ runId: run.id })) as {
      datasetId?: number;
      goldValidationAccuracy?: number;
      trainingSize?: number;
    } | null;
    expect(result?.datasetId).toBe(dataset.id);
    expect(result?.trainingSize).toBe(200);
    expect(result?.goldValidationAccuracy).toBeGreaterThan(0);

    const points = (await service.curves.get({ runId: run.id })).filter((p) => p.series === "proxy:mean").sort((a, b) => a.x - b.x);
    expect(points.map((p) => p.x)).toEqual([1, 2, 4, 8]);
    expect(points[0]!.goldScore).toBeCloseTo(0, 9);
    for (const p of points) expect(p.kl).toBeCloseTo(Math.log(p.x) - (p.x - 1) / p.x, 12);
  }, 170_000);

  it("runs a DAA study on the dataset: its pairs the label set, its gold RM the gold, curves under a run naming the dataset", async () => {
    const { store, service } = open();
    const dataset = await service.datasets.import({ path: fixturePath("preference/hh-rlhf_harmless-base_test.jsonl.gz"), name: "hh" });
    const svc = tinyDatasetStudy(dataset.id) as { task: Record<string, unknown>; basePolicy: Record<string, unknown> };
    const config = {
      name: "hh-dpo",
      task: svc.task,
      basePolicy: svc.basePolicy,
      losses: ["dpo"],
      betas: [0.1],
      labels: { pairs: 128, noise: 0 },
      training: { epochs: 1, batchSize: 16, lr: 1e-2, finetune: "lora", loraRank: 4 },
      evaluation: { prompts: 8, samplesPerPrompt: 2, heldOutPairs: 64, epochOneFractions: [0.125, 0.25, 0.5, 0.75] },
      seeds: [1],
    };
    const experiment = await service.experiments.create({ name: "hh-dpo", kind: "daa", config });
    const run = await service.runs.start({ experimentId: experiment.id, seed: 0 });
    await waitForStatus(service, run.id, ["done", "failed", "interrupted"], 300_000);
    const done = await service.runs.get({ id: run.id });
    expect(done.error).toBeNull();
    expect(done.status).toBe("done");
    expect((store.runs.get(run.id)!.config as { task: unknown }).task).toMatchObject({
      kind: "dataset",
      dataset: { datasetId: dataset.id },
    });
    const curves = (await service.curves.get({ runId: run.id })).filter((p) => p.series === "dpo:beta=0.1").sort((a, b) => a.x - b.x);
    // Step 0 and the checkpoints of epoch 1 (8 steps): KL from pi_init on the held-out prompts, 0 at step 0.
    expect(curves.map((p) => p.x)).toEqual([0, 1, 2, 4, 6, 8]);
    expect(curves[0]!.kl).toBeCloseTo(0, 5);
    expect(store.curves.points(run.id, "dpo:beta=0.1")[0]!.klPrompts).toBe("held-out:8x2");
    expect(curves[curves.length - 1]!.kl).toBeGreaterThan(0);
    const result = (await service.runs.result({ runId: run.id })) as {
      runs?: { pairs: number; final: { implicitAccuracy: { n: number } } }[];
    } | null;
    expect(result?.runs?.[0]).toMatchObject({ pairs: 128, final: { implicitAccuracy: { n: 64 } } });
  }, 320_000);

  it("runs an ensemble study swept over a grid: one lab run per grid point, each with every aggregation's and member's curve", async () => {
    const { store, service } = open();
    const dataset = await service.datasets.import({ path: fixturePath("preference/hh-rlhf_harmless-base_test.jsonl.gz"), name: "hh" });
    const study = { ...tinyDatasetStudy(dataset.id), ensemble: { size: 2, aggregations: ["mean", "wco"] } };
    const config = {
      study,
      grid: {
        "bon.ns": [
          [1, 2, 4],
          [1, 2, 4, 8],
        ],
      },
    };
    // A grid value naming a dataset the lab lacks is refused like the study's own id.
    await expect(
      service.experiments.create({
        name: "bad",
        kind: "bon-study",
        config: { study, grid: { "task.dataset.datasetId": [dataset.id, 999] } },
      }),
    ).rejects.toThrow(/no dataset 999/);
    const experiment = await service.experiments.create({ name: "hh-grid", kind: "bon-study", config });
    await service.runs.start({ experimentId: experiment.id, seed: 0 });
    const runs = store.runs.list().filter((r) => r.experimentId === experiment.id);
    expect(runs).toHaveLength(2);
    for (const r of runs) await waitForStatus(service, r.id, ["done", "failed", "interrupted"], 200_000);
    for (const r of runs) expect(store.runs.get(r.id)).toMatchObject({ status: "done", error: null });
    const sweepIds = new Set(runs.map((r) => store.runs.get(r.id)!.sweepId));
    expect(sweepIds.size).toBe(1);
    const maxN: number[] = [];
    for (const r of runs) {
      const curves = await service.curves.get({ runId: r.id });
      expect([...new Set(curves.map((c) => c.series))].sort()).toEqual(["member:0", "member:1", "proxy:mean", "proxy:wco"]);
      maxN.push(Math.max(...curves.map((c) => c.x)));
      const result = (await service.runs.result({ runId: r.id })) as { datasetId?: number; ensemble?: { members: number[] } } | null;
      expect(result?.datasetId).toBe(dataset.id);
      expect(result?.ensemble?.members).toHaveLength(2);
    }
    expect(maxN.sort()).toEqual([4, 8]);
  }, 400_000);
});
