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
    expect(parse({ ...datasetStudy, ensemble: { size: 2, aggregations: ["mean"] } }).issues).toContainEqual({
      path: "ensemble.size",
      message: expect.stringMatching(/expected 1 with a dataset task/),
    });
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

    it("refuses to run without the lab's datasets rather than run the built-in world", async () => {
      await expect(run(parse(datasetStudy).study!, { runtime, seed: 0, sink: memorySink(), cacheDir: dir })).rejects.toThrow(
        /needs the lab's datasets/,
      );
    });
  });
});
