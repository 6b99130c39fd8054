import { mkdtempSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { fixturePath } from "../../../../fixtures/index.ts";
import { loadHfModelFolder, saveModelFolder } from "./model-folder.ts";
import { safetensorsToBytes } from "./safetensors-write.ts";
import { tensorFromFloat32 } from "./tensor.ts";

describe("loadHfModelFolder", () => {
  it("loads the fake GPT-2 folder: config plus float32 tensors", async () => {
    const dir = fixturePath("weights/lm-buddy_fake_gpt2");
    const model = await loadHfModelFolder(dir, { float32: true });
    expect(model.config.model_type).toBe("gpt2");
    expect(model.config.n_embd).toBe(2);
    expect(model.metadata).toEqual({ format: "pt" });
    const wte = model.tensors.get("transformer.wte.weight")!;
    expect(wte.shape).toEqual([50257, 2]);
    expect(wte.data).toBeInstanceOf(Float32Array);
    expect(model.tensors.size).toBe(16);
  });

  it("loads the tiny GPT-2 folder", async () => {
    const model = await loadHfModelFolder(fixturePath("weights/lm-buddy_tiny_gpt2"));
    expect(model.config.vocab_size).toBe(21);
    expect(model.tensors.get("wte.weight")!.shape).toEqual([21, 2]);
  });

  it("round-trips a folder written by saveModelFolder", async () => {
    const dir = join(mkdtempSync(join(tmpdir(), "goodhart-ckpt-")), "run-1", "step-10");
    const w = tensorFromFloat32(new Float32Array([0.5, -1, 2, 3]), [2, 2]);
    await saveModelFolder(dir, { config: { n_embd: 2, model_type: "goodhart" }, tensors: { w } });
    expect(readdirSync(dir).sort()).toEqual(["config.json", "model.safetensors"]);
    const back = await loadHfModelFolder(dir);
    expect(back.config).toEqual({ n_embd: 2, model_type: "goodhart" });
    expect(back.tensors.get("w")).toEqual(w);
  });

  it("loads sharded weights through model.safetensors.index.json", async () => {
    const dir = mkdtempSync(join(tmpdir(), "goodhart-shard-"));
    writeFileSync(join(dir, "config.json"), "{}");
    const a = tensorFromFloat32(new Float32Array([1]), [1]);
    const b = tensorFromFloat32(new Float32Array([2, 3]), [2]);
    writeFileSync(join(dir, "model-00001-of-00002.safetensors"), safetensorsToBytes({ a }));
    writeFileSync(join(dir, "model-00002-of-00002.safetensors"), safetensorsToBytes({ b }));
    const index = { weight_map: { a: "model-00001-of-00002.safetensors", b: "model-00002-of-00002.safetensors" } };
    writeFileSync(join(dir, "model.safetensors.index.json"), JSON.stringify(index));
    const model = await loadHfModelFolder(dir);
    expect([...model.tensors.keys()].sort()).toEqual(["a", "b"]);
    expect(model.tensors.get("b")).toEqual(b);

    index.weight_map.b = "model-00001-of-00002.safetensors";
    writeFileSync(join(dir, "model.safetensors.index.json"), JSON.stringify(index));
    await expect(loadHfModelFolder(dir)).rejects.toThrow(/lists "b" in .*00001-of-00002\.safetensors, but that file does not hold it/);
  });

  it("explains missing or unusable folders", async () => {
    const dir = mkdtempSync(join(tmpdir(), "goodhart-bad-"));
    await expect(loadHfModelFolder(dir)).rejects.toThrow(/Cannot read .*config\.json/);
    writeFileSync(join(dir, "config.json"), "{}");
    writeFileSync(join(dir, "pytorch_model.bin"), "pickle");
    await expect(loadHfModelFolder(dir)).rejects.toThrow(/no model\.safetensors.*pytorch_model\.bin/);
    writeFileSync(
      join(dir, "model.safetensors"),
      readFileSync(fixturePath("weights/lm-buddy_tiny_gpt2/model.safetensors")).subarray(0, 500),
    );
    await expect(loadHfModelFolder(dir)).rejects.toThrow(/model\.safetensors: file is truncated/);
  });
});
