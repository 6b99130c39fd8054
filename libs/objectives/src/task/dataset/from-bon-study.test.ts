import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { createRuntime, type Runtime } from "@goodhart/engine";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ConfigIssue } from "../../config/validate.ts";
import { memorySink } from "../../experiments/sink.ts";
import { run } from "../../kinds/bon-study/run.ts";
import { bonStudySchema, type BonStudyConfig } from "../../kinds/bon-study/schema.ts";
import type { LabelledExample } from "./pairs.ts";
import type { DatasetBonSweepResult } from "./from-bon-study.ts";
import type { DatasetBonResult } from "./study.ts";

function parse(value: unknown): { study?: BonStudyConfig; issues: ConfigIssue[] } {
  const issues: ConfigIssue[] = [];
  const study = bonStudySchema().parse(value, "", issues);
  return { study, issues };
}

const tiny = { name: "tiny", layers: 1, dModel: 16, heads: 2 };
const datasetStudy = {
  name: "on-data",
  task: {
    kind: "dataset",
    seed: 1,
    dataset: { datasetId: 7, maxPromptTokens: 16, maxResponseTokens: 8, gold: { name: "gold", layers: 1, dModel: 16, heads: 2 } },
  },
  basePolicy: { layers: 1, dModel: 16, heads: 2, pretrainSteps: 2 },
  proxySizes: [tiny],
  trainingSizes: [20],
  labelNoise: [0],
  bon: { poolSize: 4, ns: [1, 2, 4], evalPrompts: 2 },
  seeds: [1],
};

describe("bon-study task.kind dataset", () => {
  it("validates with the dataset block's defaults, and names what is missing or unsupported", () => {
    const ok = parse(datasetStudy);
    expect(ok.issues).toEqual([]);
    expect(ok.study!.task.dataset).toEqual({
      datasetId: 7,
      tokenizer: "byte",
      heldOutFraction: 0.15,
      maxPromptTokens: 16,
      maxResponseTokens: 8,
      gold: { name: "gold", layers: 1, dModel: 16, heads: 2 },
    });
    expect(parse({ ...datasetStudy, task: { kind: "dataset" } }).issues).toContainEqual({
      path: "task.dataset",
      message: expect.stringMatching(/expected the dataset block/),
    });
    // Ensembles run on a dataset task as on the built-in one.
    expect(parse({ ...datasetStudy, ensemble: { size: 3, aggregations: ["mean", "wco", "uwo"] } }).issues).toEqual([]);
    expect(
      parse({ ...datasetStudy, task: { ...datasetStudy.task, dataset: { ...datasetStudy.task.dataset, datasetId: 0 } } }).issues[0]!.path,
    ).toBe("task.dataset.datasetId");
    expect(parse({ name: "builtin", task: { kind: "builtin", dataset: datasetStudy.task.dataset } }).issues).toContainEqual({
      path: "task.dataset",
      message: expect.stringMatching(/no dataset block/),
    });
  });

  describe("the kind's run module", () => {
    let runtime: Runtime;
    const dir = mkdtempSync(path.join(os.tmpdir(), "goodhart-dataset-kind-"));
    beforeAll(async () => (runtime = await createRuntime({ device: "cpu", threads: 1 })));
    afterAll(() => rmSync(dir, { recursive: true, force: true }));
    // Plumbing only (the real-data study is tools/src/dataset-study.test.ts): longer answers win.
    const examples: LabelledExample[] = Array.from({ length: 60 }, (_, i) => ({
      id: i + 1,
      prompt: `q${i}`,
      responseA: "yes indeed",
      responseB: "no",
      preferred: i % 3 ? "a" : "b",
    }));

    it("runs a dataset study on the lab's rows, and every run names the dataset", async () => {
      const sink = memorySink();
      const requested: number[] = [];
      const datasets = { labelledExamples: (id: number) => (requested.push(id), examples) };
      const study = parse(datasetStudy).study!;
      const result = (await run(study, { runtime, seed: 0, sink, cacheDir: dir, datasets })) as { datasetId: number; runs: unknown[] };
      expect(requested).toEqual([7]);
      expect(result.datasetId).toBe(7);
      expect(result.runs).toHaveLength(1);
      expect(sink.runs[0]!.config.task).toEqual({ kind: "dataset", datasetId: 7 });
      expect(sink.runs[0]!.curves.map((c) => c.x)).toEqual([1, 2, 4]);
    }, 120_000);

    it("honours proxy.init: pretrained trunks by default (pi_init itself at its size), random ones with scratch", async () => {
      const datasets = { labelledExamples: () => examples };
      const wide = { name: "wide", layers: 1, dModel: 32, heads: 2 };
      const pre = memorySink();
      const scratch = memorySink();
      await run(parse({ ...datasetStudy, proxySizes: [tiny, wide] }).study!, { runtime, seed: 0, sink: pre, cacheDir: dir, datasets });
      await run(parse({ ...datasetStudy, proxy: { init: "scratch" } }).study!, {
        runtime,
        seed: 0,
        sink: scratch,
        cacheDir: dir,
        datasets,
      });
      // The tiny proxy has pi_init's size, so its trunk is the cached policy; the wide one gets its own LM.
      expect(pre.logs.some((l) => /tiny proxy trunk loaded from .*dataset-policy/.test(l))).toBe(true);
      expect(pre.logs.some((l) => /wide proxy trunk fine-tuned and cached in/.test(l))).toBe(true);
      expect(scratch.logs.some((l) => /proxy trunk/.test(l))).toBe(false);
      expect(pre.runs.map((r) => r.config.proxyInit)).toEqual(["pretrained", "pretrained"]);
      expect(scratch.runs[0]!.config.proxyInit).toBe("scratch");
      expect(scratch.runs[0]!.curves).not.toEqual(pre.runs[0]!.curves);
    }, 120_000);

    it("trains an ensemble per proxy: a curve per aggregation and per member; member 0 is the single proxy", async () => {
      const datasets = { labelledExamples: () => examples };
      const single = memorySink();
      const ensemble = memorySink();
      const one = (await run(parse(datasetStudy).study!, { runtime, seed: 0, sink: single, cacheDir: dir, datasets })) as DatasetBonResult;
      const three = (await run(parse({ ...datasetStudy, ensemble: { size: 3, aggregations: ["mean", "wco"] } }).study!, {
        runtime,
        seed: 0,
        sink: ensemble,
        cacheDir: dir,
        datasets,
      })) as DatasetBonResult;
      const series = [...new Set(ensemble.runs[0]!.curves.map((c) => c.series))];
      expect(series).toEqual(["proxy:mean", "proxy:wco", "member:0", "member:1", "member:2"]);
      // Each point of an ensemble's curve carries every member's score of the selected sample.
      expect(ensemble.runs[0]!.curves.every((c) => c.proxyScores?.length === 3)).toBe(true);
      expect(ensemble.runs[0]!.config.ensemble).toEqual({ size: 3, aggregations: [{ kind: "mean" }, { kind: "wco" }] });
      const run0 = three.runs[0]!;
      expect(run0.ensemble!.members).toHaveLength(3);
      expect(run0.ensemble!.series.map((s) => s.name)).toEqual(["proxy:mean", "proxy:wco"]);
      // Member 0 is trained exactly as the single proxy is; the others differ.
      expect(run0.ensemble!.members[0]).toBe(one.runs[0]!.validationAccuracy);
      const member = (sink: typeof single, name: string) => sink.runs[0]!.curves.filter((c) => c.series === name).map((c) => c.goldScore);
      expect(member(ensemble, "member:0")).toEqual(member(single, "proxy:mean"));
      expect(member(ensemble, "member:1")).not.toEqual(member(ensemble, "member:0"));
      expect(ensemble.runs[0]!.metrics.map((m) => m.name)).toEqual(
        expect.arrayContaining(["member.2.val_accuracy", "rm.val_accuracy.mean"]),
      );
    }, 180_000);

    it("runs a sweep grid over other fields as one dataset study per grid point, runs named by the point", async () => {
      const datasets = { labelledExamples: () => examples };
      const sink = memorySink();
      const study = parse(datasetStudy).study!;
      const result = (await run(
        {
          study,
          grid: {
            "bon.ns": [
              [1, 2],
              [1, 2, 4],
            ],
            "task.dataset.heldOutFraction": [0.2],
          },
        },
        { runtime, seed: 0, sink, cacheDir: dir, datasets },
      )) as DatasetBonSweepResult;
      expect(result.points.map((p) => p.overrides)).toEqual([
        { "bon.ns": [1, 2], "task.dataset.heldOutFraction": 0.2 },
        { "bon.ns": [1, 2, 4], "task.dataset.heldOutFraction": 0.2 },
      ]);
      expect(sink.runs.map((r) => r.id)).toEqual([
        "on-data/tiny/n20/noise0/s1/bon.ns=[1,2],task.dataset.heldOutFraction=0.2",
        "on-data/tiny/n20/noise0/s1/bon.ns=[1,2,4],task.dataset.heldOutFraction=0.2",
      ]);
      expect(sink.runs.map((r) => r.config.overrides)).toEqual(result.points.map((p) => p.overrides));
      // Each point ran its own settings: its own n values.
      expect(sink.runs.map((r) => Math.max(...r.curves.map((c) => c.x)))).toEqual([2, 4]);
      expect(result.runs).toHaveLength(2);
      // Gold does not depend on bon.ns: trained at the first point, shared with the second.
      expect(sink.logs.filter((l) => /gold RM \(gold\) shared with an earlier grid point/.test(l))).toHaveLength(1);
      expect(result.points[1]!.gold).toEqual(result.points[0]!.gold);
      // An invalid point is refused before any work, naming it.
      const before = sink.runs.length;
      await expect(run({ study, grid: { "bon.poolSize": [4, 2] } }, { runtime, seed: 0, sink, cacheDir: dir, datasets })).rejects.toThrow(
        /bon\.ns.*sweep point/,
      );
      expect(sink.runs.length).toBe(before);
    }, 180_000);

    it("refuses to run without the lab's datasets rather than run the built-in world", async () => {
      await expect(run(parse(datasetStudy).study!, { runtime, seed: 0, sink: memorySink(), cacheDir: dir })).rejects.toThrow(
        /needs the lab's datasets/,
      );
    });
  });
});
