import { describe, expect, it } from "vitest";
import { assertMemoryFits, describeMemoryPlan, planMemory } from "./memory-plan.ts";

const GPT2_SMALL = { vocab: 50257, maxSeq: 1024, dModel: 768, nHeads: 12, nLayers: 12 };
const GB = 2 ** 30;

describe("memory planning", () => {
  it("counts GPT-2 small's parameters, AdamW moments and gradients exactly", () => {
    const p = planMemory(GPT2_SMALL, { mode: "full", batch: 4, seq: 128, update: "host" });
    expect(p.parameters).toBe(124_439_808 * 4);
    expect(p.optimizer).toBe(2 * p.parameters);
    expect(p.gradients).toBe(p.parameters);
    // Measured peak RSS of this run on the 2-core box: 4.4-4.7 GB (docs/models.md); the estimate must not be far below.
    expect(p.total / GB).toBeGreaterThan(3.5);
    expect(p.total / GB).toBeLessThan(5.5);
  });

  it("grows activations with batch x seq, and LoRA trains a small fraction", () => {
    const a = planMemory(GPT2_SMALL, { mode: "full", batch: 4, seq: 128 });
    const b = planMemory(GPT2_SMALL, { mode: "full", batch: 8, seq: 128 });
    expect(b.activations).toBeGreaterThan(1.9 * a.activations);
    const lora = planMemory(GPT2_SMALL, { mode: "lora", batch: 4, seq: 128 });
    expect(lora.optimizer).toBeLessThan(a.optimizer / 50);
    const gen = planMemory(GPT2_SMALL, { mode: "inference", batch: 32, seq: 1024 });
    expect(gen.kvCache).toBe(2 * 12 * 32 * 12 * 1024 * 64 * 4);
  });

  it("refuses with every component and the available memory named", () => {
    const p = planMemory(GPT2_SMALL, { mode: "full", batch: 4, seq: 128 });
    expect(() => assertMemoryFits(p, "cuda", "full training of gpt2", 2 * GB)).toThrow(
      /full training of gpt2 needs about [\d.]+ GB \(parameters 0\.46 GB, optimizer state 0\.93 GB, gradients [\d.]+ GB, activations [\d.]+ GB, runtime working memory [\d.]+ GB\), but only 2\.00 GB of memory available on cuda is left/,
    );
    expect(() => assertMemoryFits(p, "cuda", "x", 64 * GB)).not.toThrow();
    expect(() => assertMemoryFits(p, "webgpu", "x")).not.toThrow(); // unknown: no refusal
    expect(describeMemoryPlan(planMemory(GPT2_SMALL, { mode: "inference", batch: 1, seq: 16 }))).toMatch(
      /^about [\d.]+ GB \(parameters 0\.46 GB, activations/,
    );
  });

  it("rejects nonsense sizes", () => {
    expect(() => planMemory(GPT2_SMALL, { mode: "full", batch: 0, seq: 128 })).toThrow(/batch must be a positive integer, got 0/);
  });
});
