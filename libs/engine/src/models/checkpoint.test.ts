// Save/load round trips through safetensors + config.json on a real temporary folder.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import "../ops/all.ts";
import { input } from "../ir/tensor.ts";
import type { Runtime } from "../runtime/runtime.ts";
import { createRuntime } from "../runtime/runtime.ts";
import { loadLoraAdapter, loadModel, loadModelOfKind, saveLoraAdapter, saveModel } from "./checkpoint.ts";
import type { SavedModel } from "./checkpoint.ts";
import { RewardEnsemble } from "./ensemble.ts";
import { Gpt } from "./gpt.ts";
import { LoraAdapter } from "./lora.ts";
import { RewardModel } from "./reward-model.ts";
import { randomRows, roughen } from "./test-helpers.test-helper.ts";

let rt: Runtime;
let dir: string;
beforeAll(async () => {
  rt = await createRuntime({ device: "cpu", threads: 2 });
  dir = mkdtempSync(join(tmpdir(), "goodhart-models-"));
});
afterAll(async () => {
  await rt.release();
  rmSync(dir, { recursive: true, force: true });
});

const V = 18;
const rows = randomRows(1, [6, 6, 6], V);
const idsHost = { dtype: "int64" as const, shape: [3, 6], data: BigInt64Array.from(rows.flat(), BigInt) };
const maskHost = { dtype: "bool" as const, shape: [3, 6], data: new Uint8Array(18).fill(1) };

async function outputs(model: SavedModel, lora?: LoraAdapter): Promise<Float32Array> {
  const ids = input("ids", "int64", ["batch", 6]);
  const mask = input("mask", "bool", ["batch", 6]);
  const out = model.kind === "gpt" ? model.logits(ids, { mask, lora }) : model.scores(ids, mask);
  const s = await rt.session({ outputs: { out } });
  return (await s.run({ ...model.store.feeds(), ...(lora ? lora.store.feeds() : {}), ids: idsHost, mask: maskHost })).out!
    .data as Float32Array;
}

describe("model checkpoints", () => {
  const models: [string, SavedModel][] = [
    ["gpt-untied", new Gpt({ vocab: V, maxSeq: 8, dModel: 16, nHeads: 2, nLayers: 1, tiedHead: false }, { seed: 1 })],
    ["reward-model", new RewardModel({ vocab: V, maxSeq: 8, dModel: 8, nHeads: 2, nLayers: 2 }, { seed: 2 })],
    [
      "ensemble",
      new RewardEnsemble({ vocab: V, maxSeq: 8, dModel: 8, nHeads: 2, nLayers: 1, members: 2, sharing: "shared-trunk" }, { seed: 3 }),
    ],
  ];
  for (const [label, model] of models) {
    it(`reproduces outputs exactly after save and load (${label})`, async () => {
      roughen(model.store, 7);
      const before = await outputs(model);
      await saveModel(join(dir, label), model);
      const loaded = await loadModel(join(dir, label));
      expect(loaded.kind).toBe(model.kind);
      expect(loaded.config).toEqual(model.config);
      expect(await outputs(loaded)).toEqual(before);
    });
  }

  it("saves and loads a LoRA adapter onto a base", async () => {
    const base = models[0]![1] as Gpt;
    const adapter = new LoraAdapter(base, "style", { rank: 2 });
    roughen(adapter.store, 9); // B nonzero, so the adapter matters
    const before = await outputs(base, adapter);
    await saveLoraAdapter(join(dir, "lora"), adapter);
    const loaded = await loadLoraAdapter(join(dir, "lora"), base);
    expect(loaded.config).toEqual(adapter.config);
    expect(await outputs(base, loaded)).toEqual(before);
  });

  it("refuses a folder whose tensors do not match its config, naming the file and tensor", async () => {
    await expect(loadModelOfKind(join(dir, "reward-model"), "gpt")).rejects.toThrow(/holds a reward-model, not a gpt/);
    const cfgPath = join(dir, "gpt-untied", "config.json");
    const gpt = models[0]![1] as Gpt;
    writeFileSync(cfgPath, JSON.stringify({ goodhart_model: "gpt", config: { ...gpt.config, tiedHead: true } }));
    await expect(loadModel(join(dir, "gpt-untied"))).rejects.toThrow(
      /model\.safetensors: tensor "head\.weight" does not belong to this model/,
    );
    writeFileSync(cfgPath, JSON.stringify({ goodhart_model: "gpt", config: { ...gpt.config, dModel: 8 } }));
    await expect(loadModel(join(dir, "gpt-untied"))).rejects.toThrow(/tensor "tok\.weight" has shape \[18,16\], the config needs \[18,8\]/);
    writeFileSync(cfgPath, JSON.stringify({ goodhart_model: "policy", config: gpt.config }));
    await expect(loadModel(join(dir, "gpt-untied"))).rejects.toThrow(/config\.json: field "goodhart_model" is "policy"/);
  });
});
