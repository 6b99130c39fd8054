import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { createRuntime, gptParamCount, type Runtime } from "@goodhart/engine";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { fixturePath } from "../../../../fixtures/index.ts";
import type { ConfigIssue, Schema } from "../config/validate.ts";
import { run as runBon } from "../kinds/bon-study/run.ts";
import { bonStudySchema, type BonStudyConfig } from "../kinds/bon-study/schema.ts";
import { run as runDaa } from "../kinds/daa/run.ts";
import { daaStudySchema } from "../kinds/daa/schema.ts";
import { run as runRl } from "../kinds/rl/run.ts";
import { rlStudySchema } from "../kinds/rl/schema.ts";
import { dmoermSchema } from "../kinds/dmoerm/schema.ts";
import { run as runDmoerm } from "../kinds/dmoerm/run.ts";
import { run as runConstrained } from "../kinds/constrained/run.ts";
import { constrainedRlhfSchema } from "../kinds/constrained/schema.ts";
import type { LabelledExample } from "../task/dataset/pairs.ts";
import { datasetModelPhases, planPhase } from "./memory-check.ts";
import { modelFolderConfig, type ModelSource } from "./model-init.ts";
import { memorySink } from "./sink.ts";

const GPT2 = fixturePath("models/tiny-gpt2");
const LLAMA = fixturePath("models/tiny-llama");
/** The lab's registered folders as the service sends them with a job: id 1 = tiny GPT-2, 2 = tiny Llama. */
const models: ModelSource = {
  folder(id) {
    const known = { 1: { id: 1, name: "tiny-gpt2", path: GPT2 }, 2: { id: 2, name: "tiny-llama", path: LLAMA } }[id];
    if (!known) throw new Error(`model ${id} was not sent with this job`);
    return known;
  },
};

function parse<T>(schema: { parse(v: unknown, p: string, i: ConfigIssue[]): T | undefined }, value: unknown) {
  const issues: ConfigIssue[] = [];
  return { value: schema.parse(value, "", issues), issues };
}

// The tiny checkpoints: 2 layers, d 32, 4 heads, 64 positions, a byte-level BPE tokenizer of 257 ids.
const modelShape = { name: "ckpt", layers: 2, dModel: 32, heads: 4 };
const datasetStudy = {
  name: "from-model",
  task: {
    kind: "dataset",
    seed: 1,
    dataset: {
      datasetId: 7,
      tokenizer: path.join(GPT2, "tokenizer.json"),
      maxPromptTokens: 12,
      maxResponseTokens: 8,
      gold: { name: "gold", layers: 1, dModel: 16, heads: 2 },
    },
  },
  basePolicy: { layers: 1, dModel: 16, heads: 2, pretrainSteps: 2, init: "model:1" },
  proxy: { init: "model:1" },
  proxySizes: [modelShape],
  trainingSizes: [20],
  labelNoise: [0],
  bon: { poolSize: 4, ns: [1, 2, 4], evalPrompts: 2 },
  seeds: [1],
};

describe("model init fields", () => {
  it("every kind takes basePolicy.init = model:<id>, described as a picker of registered models", () => {
    for (const schema of [
      bonStudySchema(),
      rlStudySchema(),
      daaStudySchema(),
      dmoermSchema(),
      constrainedRlhfSchema(),
    ] as Schema<unknown>[]) {
      const { issues } = parse(schema, { basePolicy: { layers: 2, dModel: 64, heads: 4, pretrainSteps: 10, init: "model:3" } });
      expect(issues.filter((i) => i.path.startsWith("basePolicy"))).toEqual([]);
      const bad = parse(schema, { basePolicy: { layers: 2, dModel: 64, heads: 4, pretrainSteps: 10, init: "model:x" } });
      expect(bad.issues).toContainEqual({ path: "basePolicy.init", message: expect.stringMatching(/"model:<id>" of a registered model/) });
      const described = schema.describe().properties!.basePolicy!.properties!.init!;
      expect(described).toMatchObject({
        default: "builtin",
        anyOf: [{ picker: "model", pattern: "^model:([1-9][0-9]*)$" }, { enum: ["builtin"] }],
      });
    }
    // Left out or "builtin", the parsed config has no init, so existing run ids and cache keys stay.
    expect("init" in parse(bonStudySchema(), {}).value!.basePolicy).toBe(false);
    const builtin = parse(bonStudySchema(), { basePolicy: { init: "builtin" } }).value!;
    expect(JSON.stringify(builtin)).toBe(JSON.stringify(parse(bonStudySchema(), {}).value));
    expect(parse(bonStudySchema(), { proxy: { init: "model:2" } }).value!.proxy.init).toBe("model:2");
    expect(parse(rlStudySchema(), { proxy: { init: "model:2" } }).issues).toEqual([]);
    expect(JSON.stringify(parse(rlStudySchema(), { proxy: { init: "pretrained" } }).value)).toBe(
      JSON.stringify(parse(rlStudySchema(), {}).value),
    );
  });

  it("the built-in task refuses a registered model in every kind, naming the field, the model and what fits", async () => {
    const runtime = { device: "cpu" } as Runtime; // refused before any program runs
    const context = { runtime, seed: 0, sink: memorySink(), cacheDir: os.tmpdir(), models };
    const cases: [string, () => Promise<unknown>][] = [
      ["basePolicy.init", () => runRl(parse(rlStudySchema(), { basePolicy: { init: "model:1" } }).value, context)],
      ["proxy.init", () => runRl(parse(rlStudySchema(), { proxy: { init: "model:2" } }).value, context)],
      ["basePolicy.init", () => runDaa(parse(daaStudySchema(), { basePolicy: { init: "model:1" } }).value, context)],
      ["basePolicy.init", () => runDmoerm(parse(dmoermSchema(), { basePolicy: { init: "model:2" } }).value, context)],
      ["proxy.init", () => runBon(parse(bonStudySchema(), { proxy: { init: "model:1" } }).value, context)],
      ["basePolicy.init", () => runConstrained(parse(constrainedRlhfSchema(), { basePolicy: { init: "model:1" } }).value, context)],
    ];
    for (const [field, start] of cases) {
      const err = await start().then(
        () => null,
        (e: Error) => e,
      );
      expect(err?.message).toMatch(
        new RegExp(`${field.replace(".", "\\.")} = model:\\d \\(tiny-(gpt2|llama), .*\\) does not fit the built-in task`),
      );
      expect(err?.message).toMatch(/task\.dataset\.tokenizer is the model's tokenizer\.json \(.*tokenizer\.json\)/);
    }
    expect(context.sink.runs).toEqual([]);
  });

  it("memory planning sizes a loaded model by its own config.json", () => {
    const study = parse(bonStudySchema(), datasetStudy).value as BonStudyConfig;
    const config = modelFolderConfig(models.folder(1));
    expect(gptParamCount(config)).toBeGreaterThan(25_000);
    const phases = datasetModelPhases(
      study,
      [
        { init: { field: "basePolicy.init", ref: "model:1" }, folder: { name: "tiny-gpt2" }, config },
        { init: { field: "proxy.init", ref: "model:1" }, folder: { name: "tiny-gpt2" }, config },
      ],
      23,
    );
    expect(phases.map((p) => p.name)).toEqual(["sampling from pi_init", "training a proxy", "scoring with a proxy"]);
    const training = planPhase(phases[1]!);
    expect(training.total.parameters).toBe(gptParamCount(config) * 4);
    // A wider model plans more.
    const wide = planPhase({ ...phases[1]!, models: [{ ...phases[1]!.models[0]!, config: { ...config, dModel: 64 } }] });
    expect(wide.total.total).toBeGreaterThan(training.total.total);
  });
});

describe("a dataset-task best-of-n study started from a registered model (real ORT sessions)", () => {
  let runtime: Runtime;
  const dir = mkdtempSync(path.join(os.tmpdir(), "goodhart-model-init-"));
  beforeAll(async () => (runtime = await createRuntime({ device: "cpu", threads: 1 })));
  afterAll(async () => {
    await runtime.release();
    rmSync(dir, { recursive: true, force: true });
  });
  const examples: LabelledExample[] = Array.from({ length: 60 }, (_, i) => ({
    id: i + 1,
    prompt: `q${i}`,
    responseA: "yes indeed",
    responseB: "no",
    preferred: i % 3 ? "a" : "b",
  }));
  const datasets = { labelledExamples: () => examples };

  it("samples from the model as pi_init and trains the proxy from its trunk", async () => {
    const sink = memorySink();
    const study = parse(bonStudySchema(), datasetStudy);
    expect(study.issues).toEqual([]);
    const result = (await runBon(study.value, { runtime, seed: 0, sink, cacheDir: dir, datasets, models })) as {
      policy: { path: string; cached: boolean };
      runs: { curve: unknown[] }[];
    };
    // pi_init is the checkpoint itself: no SFT policy was trained or cached.
    expect(result.policy.path).toBe(GPT2);
    expect(sink.logs.some((l) => /SFT/.test(l))).toBe(false);
    expect(sink.logs).toContain(`basePolicy.init: model:1 (tiny-gpt2) loaded from ${GPT2}`);
    expect(sink.logs).toContain(`proxy.init: model:1 (tiny-gpt2) loaded from ${GPT2}`);
    expect(sink.runs).toHaveLength(1);
    expect(sink.runs[0]!.config.proxyInit).toBe("model:1");
    expect(sink.runs[0]!.curves.map((c) => c.x)).toEqual([1, 2, 4]);
  }, 180_000);

  it("refuses a tokenizer, a sequence length or a proxy size the model does not fit, before loading anything", async () => {
    const start = (patch: (s: typeof datasetStudy) => unknown) => {
      const sink = memorySink();
      const value = parse(bonStudySchema(), patch(structuredClone(datasetStudy))).value;
      return runBon(value, { runtime, seed: 0, sink, cacheDir: dir, datasets, models }).then(
        () => ({ error: null, sink }),
        (e: Error) => ({ error: e.message, sink }),
      );
    };
    const byte = await start((s) => ({ ...s, task: { ...s.task, dataset: { ...s.task.dataset, tokenizer: "byte" } } }));
    expect(byte.error).toMatch(
      /basePolicy\.init = model:1 \(tiny-gpt2, .*\) reads token ids of its own tokenizer, but task\.dataset\.tokenizer is "byte"; set task\.dataset\.tokenizer to ".*tiny-gpt2\/tokenizer\.json"/,
    );
    expect(byte.sink.runs).toEqual([]);
    const long = await start((s) => ({ ...s, task: { ...s.task, dataset: { ...s.task.dataset, maxResponseTokens: 60 } } }));
    expect(long.error).toMatch(/reads at most 64 positions; task\.dataset\.maxPromptTokens \+ maxResponseTokens \+ 3 = 75/);
    const size = await start((s) => ({ ...s, proxySizes: [{ name: "small", layers: 2, dModel: 64, heads: 4 }] }));
    expect(size.error).toMatch(/proxy\.init = model:1 .* is 2 layers x d32 x 4 heads; proxySizes\[0\] "small" is 2 x d64 x 4/);
    const unknown = await start((s) => ({ ...s, basePolicy: { ...s.basePolicy, init: "model:9" } }));
    expect(unknown.error).toMatch(/model 9 was not sent with this job/);
    const noLab = await runBon(parse(bonStudySchema(), datasetStudy).value, {
      runtime,
      seed: 0,
      sink: memorySink(),
      cacheDir: dir,
      datasets,
    }).catch((e: Error) => e.message);
    expect(noLab).toMatch(/basePolicy\.init = model:1 needs the lab's registered models/);
  });
});
