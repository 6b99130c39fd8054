// Registered models as a study's starting point, through the application (issue 18): the service
// refuses a config naming a model the lab lacks, sends the named folders with the job, and the
// worker loads them - a dataset-task best-of-n study whose pi_init and proxy trunks are the tiny
// GPT-2 checkpoint runs to done; an RL study on the built-in task is refused with the reason.
import { existsSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { fixturePath } from "../../../../../fixtures/index.ts";
import { tempLabs } from "../testing/temp-labs.ts";
import { waitForStatus } from "../testing/wait-for.ts";
import { resolveRunConfig } from "../../cli/run-config.ts";
import { modelRefsOf } from "./model-folders.ts";
import { ExperimentRegistry } from "./registry.ts";

const GPT2 = fixturePath("models/tiny-gpt2");

const open = tempLabs("model-init", { ownCache: true });

describe("studies started from a registered model", () => {
  it("finds every model:<id> a config sets, with its field, in plain studies and grids", () => {
    expect(modelRefsOf({ basePolicy: { init: "model:3" }, proxy: { init: "pretrained" } })).toEqual([{ field: "basePolicy.init", id: 3 }]);
    expect(modelRefsOf({ study: { proxy: { init: "model:2" } }, grid: { "basePolicy.init": ["builtin", "model:5"] } })).toEqual([
      { field: "study.proxy.init", id: 2 },
      { field: "grid.basePolicy.init[1]", id: 5 },
    ]);
  });

  it("the CLI sets them with --set basePolicy.init=model:<id> (a string, validated by the kind's schema)", () => {
    const registry = new ExperimentRegistry();
    const rl = resolveRunConfig({ kind: "rl-study", set: ["basePolicy.init=model:4", "proxy.init=model:5"] }, registry);
    expect(rl.config).toMatchObject({ basePolicy: { init: "model:4" }, proxy: { init: "model:5" } });
    expect(() => resolveRunConfig({ kind: "daa", set: ["basePolicy.init=gpt2"] }, registry)).toThrow(
      /basePolicy\.init: expected "builtin" or "model:<id>" of a registered model/,
    );
  });

  it("refuses a config naming a model the lab has not registered, naming the field, and stores nothing", async () => {
    const { store, service } = open();
    await expect(service.experiments.create({ name: "x", kind: "rl-study", config: { basePolicy: { init: "model:9" } } })).rejects.toThrow(
      /basePolicy\.init: no registered model 9 in this lab/,
    );
    expect(store.experiments.list()).toHaveLength(0);
  });

  it("runs a dataset-task best-of-n study whose pi_init and proxies start from a registered GPT-2 folder", async () => {
    const { store, service, dir } = open();
    const model = await service.models.import({ path: GPT2 });
    const dataset = await service.datasets.import({ path: fixturePath("preference/hh-rlhf_harmless-base_test.jsonl.gz"), name: "hh" });
    // The checkpoint's shape: 2 layers, d 32, 4 heads, 64 positions, a byte-level tokenizer.
    const config = {
      name: "from-gpt2",
      task: {
        kind: "dataset",
        seed: 0,
        dataset: {
          datasetId: dataset.id,
          tokenizer: join(GPT2, "tokenizer.json"),
          maxPromptTokens: 24,
          maxResponseTokens: 16,
          gold: { name: "gold-1x48", layers: 1, dModel: 48, heads: 2 },
        },
      },
      basePolicy: { layers: 1, dModel: 32, heads: 2, pretrainSteps: 40, init: `model:${model.id}` },
      proxy: { init: `model:${model.id}` },
      proxySizes: [{ name: "ckpt", layers: 2, dModel: 32, heads: 4 }],
      trainingSizes: [60],
      labelNoise: [0],
      bon: { poolSize: 8, ns: [1, 2, 4, 8], evalPrompts: 8 },
      seeds: [0],
    };
    const experiment = await service.experiments.create({ name: "from-gpt2", kind: "bon-study", config });
    const run = await service.runs.start({ experimentId: experiment.id, seed: 0 });
    await waitForStatus(service, run.id, ["done", "failed", "interrupted"], 150_000);
    const done = store.runs.get(run.id)!;
    expect(done.error).toBeNull();
    expect(done.status).toBe("done");
    // pi_init and the proxy trunks came from the folder: the dataset task trained and cached no LM
    // (with the built-in inits it caches pi_init under <cache>/dataset-policy).
    expect(existsSync(join(dir, "cache", "dataset-policy"))).toBe(false);
    expect(JSON.stringify(done.config)).toContain(`"init":"model:${model.id}"`);
    const points = (await service.curves.get({ runId: run.id })).filter((p) => p.series === "proxy:mean");
    expect(points.map((p) => p.x).sort((a, b) => a - b)).toEqual([1, 2, 4, 8]);
  }, 170_000);

  it("an RL study on the built-in task is refused before any work, saying which field, which model and what fits", async () => {
    const { store, service } = open();
    const model = await service.models.import({ path: GPT2 });
    const experiment = await service.experiments.create({
      name: "rl-from-gpt2",
      kind: "rl-study",
      config: { basePolicy: { init: `model:${model.id}` } },
    });
    const run = await service.runs.start({ experimentId: experiment.id, seed: 0 });
    await waitForStatus(service, run.id, ["done", "failed", "interrupted"], 60_000);
    const failed = store.runs.get(run.id)!;
    // The study stopped before its run began: the run is not started, with the study's reason.
    expect(["failed", "interrupted"]).toContain(failed.status);
    expect(failed.error).toMatch(
      new RegExp(
        `basePolicy\\.init = model:${model.id} \\(tiny-gpt2, .*\\) does not fit the built-in task: .*task\\.dataset\\.tokenizer is the model's tokenizer\\.json`,
      ),
    );
  }, 90_000);
});
