// Hugging Face GPT-2, GPT-NeoX and Llama checkpoints on real ONNX Runtime sessions: logits against
// an independent PyTorch forward (fixtures/models, made by tools/reference/tiny_checkpoints.py),
// KV-cache generation, save/load round trips, LoRA on every projection, reward models, refusals.
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { fixturePath } from "../../../../fixtures/index.ts";
import "../ops/all.ts";
import { readSafetensors } from "../checkpoints/safetensors-read.ts";
import { writeSafetensors } from "../checkpoints/safetensors-write.ts";
import { generate } from "../generation/generate.ts";
import { input } from "../ir/tensor.ts";
import type { HostTensor, Runtime } from "../runtime/runtime.ts";
import { createRuntime } from "../runtime/runtime.ts";
import type { Gpt } from "./gpt.ts";
import { gptConfigFromHf, hfConfigFromGpt } from "./hf-config.ts";
import type { HfArchitecture } from "./hf-config.ts";
import { loadHfModel, loadHfRewardModel, saveHfModel } from "./hf-checkpoint.ts";
import { loadModelOfKind, saveModel } from "./checkpoint.ts";
import { LoraAdapter, mergeLora } from "./lora.ts";
import { maxAbsDiff, roughen } from "./test-helpers.test-helper.ts";
import { resolveGptConfig } from "./gpt.ts";

const MODELS: [string, HfArchitecture][] = [
  ["tiny-gpt2", "gpt2"],
  ["tiny-gpt-neox", "gpt_neox"],
  ["tiny-gpt-neox-sequential", "gpt_neox"],
  ["tiny-llama", "llama"],
  ["tiny-llama-bias-tied", "llama"],
];

let rt: Runtime;
let tmp: string;
beforeAll(async () => {
  rt = await createRuntime({ device: "cpu", threads: 2 });
  tmp = mkdtempSync(join(tmpdir(), "goodhart-hf-"));
});
afterAll(async () => {
  await rt.release();
  rmSync(tmp, { recursive: true, force: true });
});

async function expected(folder: string): Promise<{ ids: number[][]; logits: Float32Array; texts: string[]; T: number; V: number }> {
  const e = await readSafetensors(join(fixturePath(`models/${folder}`), "expected.safetensors"), { float32: false });
  const ids = e.tensors.get("ids")!;
  const logits = e.tensors.get("logits")!;
  const [B, T] = ids.shape as [number, number];
  const flat = Array.from(ids.data as BigInt64Array, Number);
  return {
    ids: Array.from({ length: B }, (_, b) => flat.slice(b * T, (b + 1) * T)),
    logits: logits.data as Float32Array,
    texts: JSON.parse(e.metadata.texts!) as string[],
    T,
    V: logits.shape[2]!,
  };
}

function idsTensor(rows: number[][]): HostTensor {
  return { dtype: "int64", shape: [rows.length, rows[0]!.length], data: BigInt64Array.from(rows.flat(), BigInt) };
}

/** Logits (B, T, V) of a model on rows of one length, optionally with a mask and an adapter. */
async function logitsOf(
  model: Gpt,
  rows: number[][],
  options: { mask?: boolean[][]; lora?: LoraAdapter; runtime?: Runtime } = {},
): Promise<Float32Array> {
  const ids = input("ids", "int64", ["batch", "seq"]);
  const mask = options.mask ? input("mask", "bool", ["batch", "seq"]) : undefined;
  const s = await (options.runtime ?? rt).session({ outputs: { logits: model.logits(ids, { mask, lora: options.lora }) } });
  const feeds: Record<string, HostTensor> = { ...model.store.feeds(), ...(options.lora?.feeds() ?? {}), ids: idsTensor(rows) };
  if (options.mask)
    feeds.mask = { dtype: "bool", shape: [rows.length, rows[0]!.length], data: Uint8Array.from(options.mask.flat(), Number) };
  return (await s.run(feeds)).logits!.data as Float32Array;
}

describe.each(MODELS)("%s (%s)", (folder, architecture) => {
  const dir = () => fixturePath(`models/${folder}`);

  it("gives the PyTorch reference's logits within 1e-4, and its tokenizer the reference's ids", async () => {
    const { model, tokenizer, architecture: arch } = await loadHfModel(dir());
    expect(arch).toBe(architecture);
    const e = await expected(folder);
    expect(e.texts.map((t) => tokenizer!.encode(t))).toEqual(e.ids);
    const ours = await logitsOf(model, e.ids);
    expect(maxAbsDiff(ours, e.logits)).toBeLessThan(1e-4);
    // Left padding: the second row's first T-7 tokens behind 7 pads reproduce its first T-7 reference rows.
    const n = e.T - 7;
    const padded = [e.ids[0]!, [...Array<number>(7).fill(0), ...e.ids[1]!.slice(0, n)]];
    const mask = [Array<boolean>(e.T).fill(true), [...Array<boolean>(7).fill(false), ...Array<boolean>(n).fill(true)]];
    const withPads = await logitsOf(model, padded, { mask });
    const row1 = withPads.subarray((e.T + 7) * e.V, 2 * e.T * e.V);
    expect(maxAbsDiff(row1, e.logits.subarray(e.T * e.V, (e.T + n) * e.V))).toBeLessThan(1e-4);
  });

  it("generates the same greedy tokens with and without the KV cache", async () => {
    const { model } = await loadHfModel(dir());
    const e = await expected(folder);
    const prompts = [e.ids[0]!.slice(0, 9), e.ids[1]!.slice(0, 4), e.ids[0]!.slice(3, 10)];
    const withCache = await generate(rt, model, prompts, { maxNewTokens: 10, temperature: 0, kvCache: true });
    const without = await generate(rt, model, prompts, { maxNewTokens: 10, temperature: 0, kvCache: false });
    expect(withCache.tokens).toEqual(without.tokens);
    expect(withCache.tokens.every((t) => t.length === 10)).toBe(true);
    // Greedy = the argmax of the full forward over prompt + generated tokens, at the last position.
    const row = [...prompts[1]!, ...withCache.tokens[1]!.slice(0, 5)];
    const full = await logitsOf(model, [row]);
    const last = full.subarray((row.length - 1) * e.V, row.length * e.V);
    expect(withCache.tokens[1]![5]).toBe(last.indexOf(Math.max(...last)));
  });

  it("saves back in the Hugging Face layout: same config.json, same tensors, and a reload saves the same bytes", async () => {
    const { model, hfConfig } = await loadHfModel(dir());
    const out = join(tmp, `${folder}-a`);
    await saveHfModel(out, model, { architecture, hfConfig, tokenizerFrom: dir() });
    expect(JSON.parse(readFileSync(join(out, "config.json"), "utf8"))).toEqual(
      JSON.parse(readFileSync(join(dir(), "config.json"), "utf8")),
    );
    expect(readFileSync(join(out, "tokenizer.json"))).toEqual(readFileSync(join(dir(), "tokenizer.json")));
    const original = await readSafetensors(join(dir(), "model.safetensors"));
    const saved = await readSafetensors(join(out, "model.safetensors"));
    expect([...saved.tensors.keys()].sort()).toEqual([...original.tensors.keys()].sort());
    for (const [name, t] of original.tensors) {
      const s = saved.tensors.get(name)!;
      expect(s.shape, name).toEqual(t.shape);
      expect(
        Buffer.from(s.data.buffer, s.data.byteOffset, s.data.byteLength).equals(
          Buffer.from(t.data.buffer, t.data.byteOffset, t.data.byteLength),
        ),
        name,
      ).toBe(true);
    }
    const again = await loadHfModel(out);
    const e = await expected(folder);
    expect(await logitsOf(again.model, e.ids)).toEqual(await logitsOf(model, e.ids));
    const out2 = join(tmp, `${folder}-b`);
    await saveHfModel(out2, again.model, { architecture, hfConfig: again.hfConfig });
    expect(readFileSync(join(out2, "model.safetensors")).equals(readFileSync(join(out, "model.safetensors")))).toBe(true);
  });

  it("round-trips through the lab's own checkpoint format too", async () => {
    const { model } = await loadHfModel(dir());
    const out = join(tmp, `${folder}-lab`);
    await saveModel(out, model);
    const back = await loadModelOfKind(out, "gpt");
    expect(back.config).toEqual(model.config);
    const e = await expected(folder);
    expect(await logitsOf(back, e.ids)).toEqual(await logitsOf(model, e.ids));
  });

  it("writes a config.json that reads back as the same model when none is given", async () => {
    const { model } = await loadHfModel(dir());
    const hf = hfConfigFromGpt(architecture, model.config);
    const back = gptConfigFromHf(hf);
    expect(back.architecture).toBe(architecture);
    expect(resolveGptConfig(back.config)).toEqual(model.config);
  });

  it("takes LoRA on every projection it has; merging reproduces the adapted logits", async () => {
    const { model } = await loadHfModel(dir());
    const kinds = [...new Set(model.trunk.projections().map((p) => p.kind))];
    expect(kinds).toEqual(
      architecture === "llama"
        ? ["attn.q", "attn.k", "attn.v", "attn.proj", "mlp.gate", "mlp.up", "mlp.down"]
        : ["attn.qkv", "attn.proj", "mlp.up", "mlp.down"],
    );
    const adapter = new LoraAdapter(model, "all", { rank: 2, targets: kinds, seed: 3 });
    roughen(adapter.store, 4, 0.2); // B != 0, so every projection's update matters
    const e = await expected(folder);
    const adapted = await logitsOf(model, e.ids, { lora: adapter });
    expect(maxAbsDiff(adapted, e.logits)).toBeGreaterThan(1e-2);
    const merged = model.clone();
    mergeLora(merged, adapter);
    expect(maxAbsDiff(await logitsOf(merged, e.ids), adapted)).toBeLessThan(1e-4);
  });

  it("starts a reward model's trunk from the checkpoint (head fresh) and reads the last real token", async () => {
    const { model: rm } = await loadHfRewardModel(dir());
    const { model } = await loadHfModel(dir());
    for (const p of model.store.list()) if (p.name !== "head.weight") expect(rm.store.get(p.name).value, p.name).toEqual(p.value);
    const e = await expected(folder);
    const ids = input("ids", "int64", ["batch", "seq"]);
    const mask = input("mask", "bool", ["batch", "seq"]);
    const s = await rt.session({ outputs: { r: rm.scores(ids, mask), h: rm.trunk.forward(ids, { mask }).hidden } });
    const res = await s.run({
      ...rm.store.feeds(),
      ids: idsTensor(e.ids),
      mask: { dtype: "bool", shape: [2, e.T], data: new Uint8Array(2 * e.T).fill(1) },
    });
    const h = res.h!.data as Float32Array;
    const C = model.config.dModel;
    const w = rm.store.get("score_head.weight").value;
    const b = rm.store.get("score_head.bias").value[0]!;
    const r = res.r!.data as Float32Array;
    for (let row = 0; row < 2; row++) {
      const last = h.subarray((row * e.T + e.T - 1) * C, (row * e.T + e.T) * C);
      expect(r[row]).toBeCloseTo(
        last.reduce((acc, x, i) => acc + x * w[i]!, b),
        4,
      );
    }
  });
});

describe("Hugging Face checkpoints", () => {
  it("reads sharded weights (model.safetensors.index.json)", async () => {
    const src = fixturePath("models/tiny-llama");
    const dir = join(tmp, "sharded");
    const { tensors } = await readSafetensors(join(src, "model.safetensors"));
    const names = [...tensors.keys()].sort();
    const half = Math.ceil(names.length / 2);
    const shards = [names.slice(0, half), names.slice(half)];
    const files = ["model-00001-of-00002.safetensors", "model-00002-of-00002.safetensors"];
    const weightMap: Record<string, string> = {};
    await import("node:fs/promises").then((fs) => fs.mkdir(dir, { recursive: true }));
    for (const [i, shard] of shards.entries()) {
      await writeSafetensors(join(dir, files[i]!), new Map(shard.map((n) => [n, tensors.get(n)!])));
      for (const n of shard) weightMap[n] = files[i]!;
    }
    writeFileSync(join(dir, "model.safetensors.index.json"), JSON.stringify({ metadata: {}, weight_map: weightMap }));
    copyFileSync(join(src, "config.json"), join(dir, "config.json"));
    const e = await expected("tiny-llama");
    const { model, tokenizer } = await loadHfModel(dir);
    expect(tokenizer).toBeUndefined();
    expect(maxAbsDiff(await logitsOf(model, e.ids), e.logits)).toBeLessThan(1e-4);
  });

  it("re-saves a transformers-written GPT-2 checkpoint byte for byte, and loads a bare GPT2Model save", async () => {
    const fake = fixturePath("weights/lm-buddy_fake_gpt2");
    const { model, hfConfig, architecture } = await loadHfModel(fake);
    const out = join(tmp, "fake-gpt2");
    await saveHfModel(out, model, { architecture, hfConfig });
    expect(readFileSync(join(out, "model.safetensors")).equals(readFileSync(join(fake, "model.safetensors")))).toBe(true);
    const bare = await loadHfModel(fixturePath("weights/lm-buddy_tiny_gpt2"));
    expect(bare.model.config).toMatchObject({ vocab: 21, dModel: 2, tiedHead: true, activation: "gelu_tanh" });
    expect(bare.tokenizer?.vocabSize).toBe(21);
  });

  it("is bitwise deterministic across runtimes with 2 threads", async () => {
    const { model } = await loadHfModel(fixturePath("models/tiny-llama"));
    const e = await expected("tiny-llama");
    const other = await createRuntime({ device: "cpu", threads: 2 });
    try {
      expect(await logitsOf(model, e.ids, { runtime: other })).toEqual(await logitsOf(model, e.ids));
    } finally {
      await other.release();
    }
  });

  it("refuses bad folders, naming the file and the tensor or field", async () => {
    const src = fixturePath("models/tiny-gpt-neox");
    const dir = join(tmp, "bad");
    await import("node:fs/promises").then((fs) => fs.mkdir(dir, { recursive: true }));
    const { tensors } = await readSafetensors(join(src, "model.safetensors"));
    const config = JSON.parse(readFileSync(join(src, "config.json"), "utf8")) as Record<string, unknown>;
    const write = async (t: Map<string, typeof tensors extends Map<string, infer X> ? X : never>, c: Record<string, unknown>) => {
      await writeSafetensors(join(dir, "model.safetensors"), t);
      writeFileSync(join(dir, "config.json"), JSON.stringify(c));
    };
    const missing = new Map(tensors);
    missing.delete("gpt_neox.layers.1.mlp.dense_4h_to_h.weight");
    await write(missing, config);
    await expect(loadHfModel(dir)).rejects.toThrow(
      /bad\/model\.safetensors: tensor "gpt_neox\.layers\.1\.mlp\.dense_4h_to_h\.weight" is missing/,
    );
    const extra = new Map(tensors);
    extra.set("gpt_neox.layers.9.mlp.extra", tensors.get("embed_out.weight")!);
    await write(extra, config);
    await expect(loadHfModel(dir)).rejects.toThrow(/tensor "gpt_neox\.layers\.9\.mlp\.extra" is not part of a gpt_neox model/);
    await write(tensors, { ...config, intermediate_size: 96 });
    await expect(loadHfModel(dir)).rejects.toThrow(
      /tensor "gpt_neox\.layers\.0\.mlp\.dense_h_to_4h\.weight" has shape \[128,64\], config\.json implies \[96,64\]/,
    );
    await write(tensors, { ...config, model_type: "mamba" });
    await expect(loadHfModel(dir)).rejects.toThrow(
      /bad\/config\.json: model_type "mamba" is not supported; supported: gpt2, gpt_neox, llama/,
    );
    await write(tensors, { ...config, rotary_pct: "a quarter" });
    await expect(loadHfModel(dir)).rejects.toThrow(/bad\/config\.json: field "rotary_pct" must be a finite number, got "a quarter"/);
    await write(tensors, { ...config, tie_word_embeddings: true });
    await expect(loadHfModel(dir)).rejects.toThrow(/embed_out\.weight differs from the token embedding, but config\.json ties them/);
    await write(tensors, { ...config, num_attention_heads: 3 });
    await expect(loadHfModel(dir)).rejects.toThrow(/dModel 64 is not divisible by nHeads 3/);
  });
});
