/**
 * Proxies of several sizes for one seed share their base-policy samples through `samples`: the
 * second proxy draws nothing new and trains exactly as it would with its own draws (real ONNX
 * Runtime sampling and Bradley-Terry training at a tiny size).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Gpt, createRuntime, type Runtime } from "@goodhart/engine";
import type { PolicySample } from "../experiments/policy-samples.ts";
import { createTask } from "../task/task.ts";
import { WordTokenizer } from "../task/word-tokenizer.ts";
import { trainProxies, type ProxySpec } from "./proxies.ts";

let runtime: Runtime;
beforeAll(async () => (runtime = await createRuntime({ device: "cpu", threads: 2 })));
afterAll(async () => runtime?.release());

describe("proxy training samples", () => {
  it("are drawn once per seed for every proxy size, with the same results as fresh draws", async () => {
    const task = createTask(0, { prompts: { train: 40, validation: 8, test: 4 } });
    const tokenizer = new WordTokenizer(task.vocabulary);
    const base = new Gpt({ vocab: tokenizer.vocabSize, maxSeq: 64, dModel: 16, nHeads: 2, nLayers: 1 }, { seed: 3 });
    const policySpec = { layers: 1, dModel: 16, heads: 2, pretrainSteps: 0, seed: 0 };
    const spec = (name: string, dModel: number): ProxySpec => ({
      size: { name, layers: 1, dModel, heads: 2 },
      trainingSize: 24,
      labelNoise: 0,
      members: 1,
      seed: 1,
    });
    const options = { proxyInit: "scratch" as const, validationPrompts: 8, rmTraining: { epochs: 1, batchSize: 8, lr: 5e-3 } };
    const shared = new Map<string, PolicySample[]>();
    await trainProxies(runtime, task, tokenizer, base, policySpec, spec("a", 16), "unused", { ...options, samples: shared });
    const draws = [...shared.keys()].sort();
    expect(draws).toHaveLength(4); // training A and B, validation A and B
    const drawn = [...shared.values()];
    const second = await trainProxies(runtime, task, tokenizer, base, policySpec, spec("b", 32), "unused", { ...options, samples: shared });
    expect([...shared.keys()].sort()).toEqual(draws);
    expect([...shared.values()].every((v, i) => v === drawn[i])).toBe(true); // nothing drawn again
    const fresh = await trainProxies(runtime, task, tokenizer, base, policySpec, spec("b", 32), "unused", options);
    expect(second.validationAccuracy).toEqual(fresh.validationAccuracy);
    expect(second.normalisation).toEqual(fresh.normalisation);
    expect(second.labelsFlipped).toBe(fresh.labelsFlipped);
  }, 120_000);
});
