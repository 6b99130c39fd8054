// LoRA adapters over a frozen base Gpt, trained with the engine's trainer on real sessions.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import "../ops/all.ts";
import { generate } from "../generation/generate.ts";
import { tokenLogprobs } from "../generation/lm-programs.ts";
import { input } from "../ir/tensor.ts";
import type { Runtime } from "../runtime/runtime.ts";
import { createRuntime } from "../runtime/runtime.ts";
import { ParameterStore } from "../train/parameter-store.ts";
import { constantSchedule } from "../train/schedule.ts";
import { createTrainer } from "../train/trainer.ts";
import { Gpt } from "./gpt.ts";
import { LoraBank, mergeLora } from "./lora.ts";
import { maxAbsDiff, randomRows, roughen } from "./test-helpers.test-helper.ts";

let rt: Runtime;
beforeAll(async () => {
  rt = await createRuntime({ device: "cpu", threads: 2 });
});
afterAll(async () => {
  await rt.release();
});

const V = 16;
const config = { vocab: V, maxSeq: 16, dModel: 16, nHeads: 2, nLayers: 2 };
const T = 8;
const rows = randomRows(
  5,
  Array.from({ length: 6 }, () => T),
  V,
);
const idsHost = { dtype: "int64" as const, shape: [rows.length, T], data: BigInt64Array.from(rows.flat(), BigInt) };

describe("LoRA", () => {
  const base = new Gpt(config, { seed: 1 });
  roughen(base.store, 4, 0.2);
  const bank = new LoraBank(base);
  const a = bank.add("a", { rank: 4, targets: ["attn.qkv", "attn.proj", "mlp.up", "mlp.down"] });
  const b = bank.add("b", { rank: 2, alpha: 8, seed: 3 });
  const ids = input("ids", "int64", ["batch", T]);
  const logits = { base: base.logits(ids), a: base.logits(ids, { lora: a }), b: base.logits(ids, { lora: b }) };
  const run = async (which: keyof typeof logits, store = base.store) => {
    const s = await rt.session({ outputs: { logits: logits[which] } });
    const feeds = { ...store.feeds(), ...(which === "base" ? {} : bank.get(which).store.feeds()), ids: idsHost };
    return (await s.run(feeds)).logits!.data as Float32Array;
  };
  const snapshot = (store: ParameterStore) => new Map(store.list().map((p) => [p.name, Float32Array.from(p.value)]));

  it("declares A and B for the chosen projections only, and equals the base at step 0", async () => {
    expect(a.parameterCount()).toBe(2 * (16 * 4 + 4 * 48 + (16 * 4 + 4 * 16) + (16 * 4 + 4 * 64) + (64 * 4 + 4 * 16)));
    expect(b.targetsResolved()).toEqual(["blocks.0.attn.qkv", "blocks.0.attn.proj", "blocks.1.attn.qkv", "blocks.1.attn.proj"]);
    const ref = await run("base");
    expect(maxAbsDiff(await run("a"), ref)).toBe(0);
    expect(maxAbsDiff(await run("b"), ref)).toBe(0);
  });

  it("trains one adapter without touching the base or the other adapter; merging reproduces it", async () => {
    const baseBefore = snapshot(base.store);
    const bBefore = snapshot(b.store);
    const targets = input("targets", "int64", ["batch", T]);
    // Teach adapter a to predict token 3 everywhere: a large, easily measured change.
    const loss = tokenLogprobs(logits.a, targets).mean().neg();
    const trainer = await createTrainer({ runtime: rt, params: a.store, loss, schedule: constantSchedule(1e-2) });
    const target3 = { dtype: "int64" as const, shape: [rows.length, T], data: new BigInt64Array(rows.length * T).fill(3n) };
    const first = await trainer.step({ ...base.store.feeds(), ids: idsHost, targets: target3 });
    let last = first;
    for (let s = 0; s < 30; s++) last = await trainer.step({ ...base.store.feeds(), ids: idsHost, targets: target3 });
    expect(last.loss).toBeLessThan(first.loss * 0.5);

    for (const [name, v] of baseBefore) expect(base.store.get(name).value, name).toEqual(v);
    for (const [name, v] of bBefore) expect(b.store.get(name).value, name).toEqual(v);
    const adapted = await run("a");
    expect(maxAbsDiff(adapted, await run("base"))).toBeGreaterThan(0.5);
    expect(maxAbsDiff(await run("b"), await run("base"))).toBe(0);

    // Merge into a copy of the base weights; the original base stays as it was.
    const merged = new Gpt(config);
    for (const p of base.store.list()) merged.store.set(p.name, Float32Array.from(p.value));
    mergeLora(base, a, merged.store);
    expect(maxAbsDiff(await run("base", merged.store), adapted)).toBeLessThanOrEqual(1e-4);
    for (const [name, v] of baseBefore) expect(base.store.get(name).value, name).toEqual(v);

    // Generation switches adapters per call: the trained adapter now emits mostly token 3.
    const prompts = rows.map((r) => r.slice(0, 3));
    const withA = await generate(rt, base, prompts, { maxNewTokens: 5, temperature: 0, lora: a });
    const plain = await generate(rt, base, prompts, { maxNewTokens: 5, temperature: 0 });
    expect(withA.tokens.flat().filter((t) => t === 3).length).toBeGreaterThan(withA.tokens.flat().length / 2);
    expect(plain.tokens).not.toEqual(withA.tokens);
  });

  it("rejects bad adapter configs and duplicate names", () => {
    expect(() => bank.add("a")).toThrow(/already has an adapter named "a"/);
    expect(() => bank.add("c", { rank: 0 })).toThrow(/rank must be a positive integer/);
    expect(() => bank.add("d", { targets: ["attn.x" as never] })).toThrow(/unknown target "attn.x"/);
    // A real projection kind that this (fused-qkv) model does not have.
    expect(() => bank.add("e", { targets: ["attn.k"] })).toThrow(
      /target "attn.k" is not a projection of this model; it has attn.qkv, attn.proj, mlp.up, mlp.down/,
    );
    expect(() => bank.get("zzz")).toThrow(/no LoRA adapter "zzz"; the bank has a, b/);
  });
});
