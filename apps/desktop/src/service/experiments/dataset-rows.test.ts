// A multi-annotator dataset from import to study in the application: PandaLM's human test set
// (three annotators per pair) imported through LabService into a real SQLite lab, its rows loaded
// for a run's worker with every annotator's judgment, and a bon-study with agreement-based gold
// (annotator 3 held out) run by the worker, its agreement numbers stored as the run's metrics and
// result.
import { describe, expect, it } from "vitest";
import { fixturePath } from "../../../../../fixtures/index.ts";
import { waitForStatus } from "../testing/wait-for.ts";
import { tempLabs } from "../testing/temp-labs.ts";
import { datasetRowsFor } from "./dataset-rows.ts";

const open = tempLabs("dataset-rows", { ownCache: true });

/** A small bon-study with annotator 3 as the held-out panel. */
function panelStudy(datasetId: number): Record<string, unknown> {
  return {
    name: "pandalm-panel",
    task: {
      kind: "dataset",
      seed: 0,
      dataset: {
        datasetId,
        heldOutFraction: 0.2,
        maxPromptTokens: 48,
        maxResponseTokens: 48,
        gold: { name: "gold-1x24", layers: 1, dModel: 24, heads: 2 },
        goldPanel: { annotators: ["annotator3"] },
      },
    },
    basePolicy: { preset: "sft", layers: 1, dModel: 16, heads: 2, pretrainSteps: 10 },
    proxySizes: [{ name: "1x16", layers: 1, dModel: 16, heads: 2 }],
    trainingSizes: [200],
    labelNoise: [0],
    bon: { poolSize: 4, ns: [1, 2, 4], evalPrompts: 4 },
    seeds: [0],
  };
}

describe("a multi-annotator dataset in the application", () => {
  it("loads every annotator's judgment of each pair for the worker, the first label still the pair's preference", async () => {
    const { store, service } = open();
    const dataset = await service.datasets.import({ path: fixturePath("preference/pandalm_testset-v1.json.gz"), name: "pandalm" });
    const rows = datasetRowsFor(store, panelStudy(dataset.id))[dataset.id]!;
    expect(rows).toHaveLength(999);
    expect(rows.every((r) => r.judgments?.map((j) => j.annotator).join() === "annotator1,annotator2,annotator3")).toBe(true);
    expect(rows.every((r) => r.preferred === r.judgments![0]!.preferred)).toBe(true);
    // The file's first row: every annotator preferred response2.
    expect(rows[0]!.judgments).toEqual([
      { annotator: "annotator1", preferred: "b" },
      { annotator: "annotator2", preferred: "b" },
      { annotator: "annotator3", preferred: "b" },
    ]);
    const split = rows.filter((r) => new Set(r.judgments!.map((j) => j.preferred)).size > 1).length;
    expect(split).toBe(999 - 426 - 368 - 85);
    // A single-annotator dataset's rows carry no judgments (nothing extra in the worker's start message).
    const hh = await service.datasets.import({ path: fixturePath("preference/stack_exchange_paired_tiny.json"), name: "se" });
    expect(datasetRowsFor(store, panelStudy(hh.id))[hh.id]!.some((r) => r.judgments !== undefined)).toBe(false);
  });

  it("refuses a panel the lab's data cannot give before storing anything, naming the field and the dataset", async () => {
    const { store, service } = open();
    const single = await service.datasets.import({ path: fixturePath("preference/stack_exchange_paired_tiny.json"), name: "se" });
    await expect(service.experiments.create({ name: "one-label", kind: "bon-study", config: panelStudy(single.id) })).rejects.toThrow(
      new RegExp(
        `task\\.dataset\\.goldPanel: dataset ${single.id}: agreement-based gold \\(task\\.dataset\\.goldPanel\\) needs pairs labelled by several annotators; 0 of its 25 labelled pairs have >= 2 annotators`,
      ),
    );
    const pandalm = await service.datasets.import({ path: fixturePath("preference/pandalm_testset-v1.json.gz"), name: "pandalm" });
    const unknown = panelStudy(pandalm.id) as { task: { dataset: { goldPanel: unknown } } };
    unknown.task.dataset.goldPanel = { annotators: ["annotator9"] };
    await expect(service.experiments.create({ name: "unknown", kind: "bon-study", config: unknown })).rejects.toThrow(
      /task\.dataset\.goldPanel: dataset \d+: goldPanel\.annotators names 'annotator9', which labelled none of its pairs; its annotators are annotator1, annotator2, annotator3/,
    );
    expect(store.experiments.list()).toHaveLength(0);
  });

  it("refuses a bad panel for rl-study and daa at create the same way, storing nothing", async () => {
    const { store, service } = open();
    const single = await service.datasets.import({ path: fixturePath("preference/stack_exchange_paired_tiny.json"), name: "se" });
    const pandalm = await service.datasets.import({ path: fixturePath("preference/pandalm_testset-v1.json.gz"), name: "pandalm" });
    const study = (datasetId: number, goldPanel: unknown) => ({
      name: "panel",
      task: { kind: "dataset", seed: 0, dataset: { datasetId, gold: { name: "gold-1x24", layers: 1, dModel: 24, heads: 2 }, goldPanel } },
    });
    for (const kind of ["rl-study", "daa"]) {
      await expect(service.experiments.create({ name: "one-label", kind, config: study(single.id, { perPair: 1 }) })).rejects.toThrow(
        new RegExp(
          `task\\.dataset\\.goldPanel: dataset ${single.id}: agreement-based gold .* 0 of its 25 labelled pairs have >= 2 annotators`,
        ),
      );
      await expect(
        service.experiments.create({ name: "unknown", kind, config: study(pandalm.id, { annotators: ["annotator9"] }) }),
      ).rejects.toThrow(
        /task\.dataset\.goldPanel: dataset \d+: goldPanel\.annotators names 'annotator9', which labelled none of its pairs/,
      );
      // Every annotator on the panel leaves the training side nothing.
      const all = { annotators: ["annotator1", "annotator2", "annotator3"] };
      await expect(service.experiments.create({ name: "everyone", kind, config: study(pandalm.id, all) })).rejects.toThrow(
        /task\.dataset\.goldPanel: dataset \d+: the panel annotator1, annotator2, annotator3 leaves the proxies no training labels/,
      );
    }
    expect(store.experiments.list()).toHaveLength(0);
    // A good panel is accepted by both kinds.
    for (const kind of ["rl-study", "daa"])
      await service.experiments.create({ name: `ok-${kind}`, kind, config: study(pandalm.id, { annotators: ["annotator3"] }) });
    expect(store.experiments.list()).toHaveLength(2);
  });

  it("runs agreement-based gold in the worker and stores the agreement metrics and result", async () => {
    const { service } = open();
    const dataset = await service.datasets.import({ path: fixturePath("preference/pandalm_testset-v1.json.gz"), name: "pandalm" });
    const experiment = await service.experiments.create({ name: "panel", kind: "bon-study", config: panelStudy(dataset.id) });
    const run = await service.runs.start({ experimentId: experiment.id, seed: 0 });
    await waitForStatus(service, run.id, ["done", "failed", "interrupted"], 150_000);
    const done = await service.runs.get({ id: run.id });
    expect(done.error).toBeNull();
    expect(done.status).toBe("done");
    const metrics = new Map((await service.runs.metrics({ runId: run.id })).map((s) => [s.name, s]));
    for (const name of ["agreement.proxy", "agreement.gold_rm", "agreement.human_ceiling"]) {
      for (const suffix of ["", "_ci_low", "_ci_high"]) {
        const series = metrics.get(`${name}${suffix}`);
        expect(series, `${name}${suffix}`).toBeDefined();
        const value = series!.values[0]!;
        expect(value).not.toBeNull();
        expect(value).toBeGreaterThanOrEqual(0);
        expect(value).toBeLessThanOrEqual(1);
      }
    }
    const result = (await service.runs.result({ runId: run.id })) as {
      datasetId?: number;
      agreement?: { panel: string[]; pairs: number; humanCeiling: { estimate: number } };
    } | null;
    expect(result?.datasetId).toBe(dataset.id);
    expect(result?.agreement?.panel).toEqual(["annotator3"]);
    expect(result?.agreement?.pairs).toBeGreaterThan(50);
    expect(result?.agreement?.humanCeiling.estimate).toBe(metrics.get("agreement.human_ceiling")!.values[0]);
  }, 170_000);
});
