// The direct alignment trainer with real ONNX Runtime training of a small policy: deterministic
// (two runs, same bytes), resumable (a run stopped after a checkpoint and resumed equals an
// uninterrupted one, bit for bit), LoRA leaves the base untouched, and the loss falls.
import { createHash } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Gpt, Rng, createRuntime, type Runtime } from "@goodhart/engine";
import { sequenceLogProbs } from "./sequences.ts";
import { trainDaa, type DaaPair, type DaaTrainingOptions } from "./trainer.ts";

const VOCAB = 12;
let runtime: Runtime;
let dir: string;
const base = new Gpt({ vocab: VOCAB, maxSeq: 16, dModel: 16, nHeads: 2, nLayers: 1 }, { seed: 3 });
let pairs: DaaPair[];

beforeAll(async () => {
  runtime = await createRuntime({ device: "cpu", threads: 2 });
  dir = mkdtempSync(join(tmpdir(), "daa-trainer-"));
  // Chosen completions use even tokens, rejected ones odd tokens, after a shared 2-token prompt.
  const rng = new Rng(5);
  const seq = (parity: number) => ({
    tokens: [1, 3, ...Array.from({ length: 2 + rng.int(0, 4) }, () => 4 + 2 * rng.int(0, 4) + parity)],
    promptLength: 2,
  });
  const raw = Array.from({ length: 40 }, () => ({ chosen: seq(0), rejected: seq(1) }));
  const ref = await sequenceLogProbs(runtime, base, [...raw.map((p) => p.chosen), ...raw.map((p) => p.rejected)], { pad: 0 });
  pairs = raw.map((p, i) => ({ ...p, refChosen: ref[i]!, refRejected: ref[raw.length + i]! }));
});
afterAll(async () => {
  await runtime?.release();
  rmSync(dir, { recursive: true, force: true });
});

const options = (over: Partial<DaaTrainingOptions> = {}): DaaTrainingOptions => ({
  loss: { kind: "dpo", beta: 0.5 },
  epochs: 2,
  batchSize: 8,
  lr: 1e-2,
  finetune: "lora",
  lora: { rank: 2, alpha: 4, targets: ["attn.qkv", "mlp.up"] },
  seed: 9,
  evaluateAt: [0, 2, 5, 10],
  pad: 0,
  ...over,
});

/** SHA-256 of every parameter of the evaluated policy, and its mean log-ratio margin h over the pairs. */
async function fingerprint(policy: Gpt): Promise<{ hash: string; meanH: number }> {
  const h = createHash("sha256");
  for (const p of policy.store.list()) h.update(p.name).update(new Uint8Array(p.value.buffer, p.value.byteOffset, p.value.byteLength));
  const lp = await sequenceLogProbs(runtime, policy, [...pairs.map((p) => p.chosen), ...pairs.map((p) => p.rejected)], { pad: 0 });
  const meanH = pairs.reduce((s, p, i) => s + lp[i]! - p.refChosen - (lp[pairs.length + i]! - p.refRejected), 0) / pairs.length;
  return { hash: h.digest("hex"), meanH };
}

describe("trainDaa", () => {
  it("is deterministic, raises the chosen-vs-rejected margin, and leaves the LoRA base untouched", async () => {
    const before = await fingerprint(base);
    const losses: number[] = [];
    const a = await trainDaa(runtime, base, pairs, options({ onStep: (_s, _t, loss) => losses.push(loss) }), (step, p) =>
      fingerprint(p).then((f) => ({ step, ...f })),
    );
    const b = await trainDaa(runtime, base, pairs, options(), (step, p) => fingerprint(p).then((f) => ({ step, ...f })));
    expect(a.evaluations.map((e) => e.step)).toEqual([0, 2, 5, 10]);
    expect(b.evaluations).toEqual(a.evaluations);
    expect(a.evaluations[0]!.hash).toBe(before.hash); // LoRA's B starts at 0: the policy is the base
    expect((await fingerprint(base)).hash).toBe(before.hash); // and the base is never updated
    expect(Math.abs(a.evaluations[0]!.meanH)).toBeLessThan(1e-4);
    expect(a.evaluations[3]!.meanH).toBeGreaterThan(0.5); // chosen (even tokens) pulled above rejected (odd)
    expect(losses[losses.length - 1]!).toBeLessThan(losses[0]!);
  });

  for (const finetune of ["lora", "full"] as const) {
    it(`${finetune}: stopped after a checkpoint and resumed, it equals an uninterrupted run bit for bit`, async () => {
      const whole = await trainDaa(runtime, base, pairs, options({ finetune }), (step, p) => fingerprint(p).then((f) => ({ step, ...f })));
      const ckpt = join(dir, `resume-${finetune}`);
      const stop = new AbortController();
      await expect(
        trainDaa(runtime, base, pairs, options({ finetune, checkpointDir: ckpt, signal: stop.signal }), async (step, p) => {
          if (step === 5) stop.abort(); // the step-5 checkpoint is written, then the next step stops
          return { step, ...(await fingerprint(p)) };
        }),
      ).rejects.toThrow();
      const resumed = await trainDaa(runtime, base, pairs, options({ finetune, checkpointDir: ckpt }), (step, p) =>
        fingerprint(p).then((f) => ({ step, ...f })),
      );
      expect(resumed.resumedFrom).toBe(5);
      expect(resumed.stepsRun).toBe(5);
      expect(resumed.evaluations).toEqual(whole.evaluations);
    });
  }

  it("holds its training session only while it trains: released when it returns and when it stops", async () => {
    await fingerprint(base); // the evaluation's own session stays open: every run shares it
    const open = runtime.openSessions;
    let during = 0;
    await trainDaa(runtime, base, pairs, options(), async (step, p) => {
      during = Math.max(during, runtime.openSessions);
      return { step, ...(await fingerprint(p)) };
    });
    expect(during).toBe(open + 1);
    expect(runtime.openSessions).toBe(open);
    const stop = new AbortController();
    await expect(
      trainDaa(runtime, base, pairs, options({ loss: { kind: "ipo", beta: 0.2 }, signal: stop.signal }), async (step) => {
        if (step === 2) stop.abort();
        return { step };
      }),
    ).rejects.toThrow();
    expect(runtime.openSessions).toBe(open);
  });

  it("trains to the same bytes with ONNX Runtime's CPU arena off (what a study runs on)", async () => {
    const evaluate = (step: number, p: Gpt) => fingerprint(p).then((f) => ({ step, ...f }));
    const arenaOff = await createRuntime({ device: "cpu", threads: 2, cpuMemArena: false });
    try {
      for (const finetune of ["lora", "full"] as const) {
        const on = await trainDaa(runtime, base, pairs, options({ finetune }), evaluate);
        const off = await trainDaa(arenaOff, base, pairs, options({ finetune }), evaluate);
        expect(off.evaluations).toEqual(on.evaluations);
      }
    } finally {
      await arenaOff.release();
    }
  });

  it("refuses a checkpoint of a run with another length, naming the file", async () => {
    await expect(
      trainDaa(runtime, base, pairs, options({ epochs: 3, checkpointDir: join(dir, "resume-lora") }), async (step) => ({ step })),
    ).rejects.toThrow(/state\.json: checkpoint of a run with 10 steps, this run has 15/);
  });
});
