// GPT-2-small-shaped benchmark of the product's model (random weights, no download): one training
// step (batch 4, BENCH_GPT2_SEQ tokens, default 128, AdamW with clipping), wall and CPU-seconds per
// step as medians, peak RSS. Steps: BENCH_GPT2_STEPS (default 3) after one warm-up step.
// BENCH_GPT2_UPDATE=graph|host picks where the AdamW update runs (default: the trainer's default).
// BENCH_GPT2_ARENA=0 turns ONNX Runtime's CPU memory arena off (lower peak RSS).
import os from "node:os";
import type { Runtime, Tensor, UpdateLocation } from "@goodhart/engine";
import {
  Gpt,
  LoraAdapter,
  constantSchedule,
  createRng,
  createRuntime,
  createTrainer,
  hostTensor,
  input,
  softmaxCrossEntropy,
} from "@goodhart/engine";
import { median } from "./record.ts";

export const GPT2_SMALL = { vocab: 50257, maxSeq: 1024, dModel: 768, nHeads: 12, nLayers: 12, activation: "gelu_tanh" as const };
const SEQ = Number(process.env.BENCH_GPT2_SEQ ?? 128);
const BATCH = 4;
const STEPS = Number(process.env.BENCH_GPT2_STEPS ?? 3);

/** Random GPT-2-small-like weights without the per-value normal draws of the default init (20 s at 124M). */
export function fastInitial(seed: number) {
  return (name: string, shape: readonly number[]): Float32Array => {
    const n = shape.reduce((p, d) => p * d, 1);
    const out = new Float32Array(n);
    if (/ln|norm/.test(name) && name.endsWith("weight") && shape.length === 1) return out.fill(1);
    if (shape.length === 1) return out;
    // xorshift32 uniform in [-a, a] with a = 0.02 * sqrt(3): std 0.02 as GPT-2's init.
    let x = (seed * 2654435761) ^ (name.length * 40503) || 1;
    const a = 0.02 * Math.sqrt(3);
    for (let i = 0; i < n; i++) {
      x ^= x << 13;
      x ^= x >>> 17;
      x ^= x << 5;
      out[i] = ((x >>> 0) / 4294967296 - 0.5) * 2 * a;
    }
    return out;
  };
}

export function tokenBatch(seed: number, batch: number, seq: number, vocab: number) {
  const rng = createRng(seed);
  const rows = Array.from({ length: batch }, () => Array.from({ length: seq + 1 }, () => rng.int(0, vocab)));
  return {
    ids: hostTensor(BigInt64Array.from(rows.flatMap((r) => r.slice(0, -1).map(BigInt))), [batch, seq]),
    targets: hostTensor(BigInt64Array.from(rows.flatMap((r) => r.slice(1).map(BigInt))), [batch, seq]),
  };
}

export interface StepTiming {
  wallMs: number;
  cpuMs: number;
  ortMs: number;
  tokensPerS: number;
  peakRssMb: number;
  params: number;
  trained: number;
}

/** Full (or LoRA) training steps of the GPT-2-small shape; medians over STEPS after one warm-up. */
export async function gpt2TrainStep(
  rt: Runtime,
  opts: { lora?: boolean; update?: UpdateLocation; seq?: number; steps?: number } = {},
): Promise<StepTiming> {
  const seq = opts.seq ?? SEQ;
  const steps = opts.steps ?? STEPS;
  const base = new Gpt(GPT2_SMALL, { seed: 0, initial: fastInitial(1) });
  let trainStore = base.store;
  let logits: (ids: Tensor) => Tensor;
  if (opts.lora) {
    const adapter = new LoraAdapter(base, "bench", { rank: 8, alpha: 16 });
    trainStore = adapter.store;
    logits = (ids) => base.logits(ids, { lora: adapter });
  } else logits = (ids) => base.logits(ids);
  const ids = input("ids", "int64", [BATCH, seq]);
  const targets = input("targets", "int64", [BATCH, seq]);
  const loss = softmaxCrossEntropy(logits(ids), targets);
  const trainer = await createTrainer({
    runtime: rt,
    params: trainStore,
    loss,
    schedule: constantSchedule(1e-4),
    optimizer: { weightDecay: 0.1, maxGradNorm: 1 },
    ...(opts.update ? { update: opts.update } : {}),
    name: `gpt2-${opts.lora ? "lora" : "full"}`,
  });
  const frozenFeeds = opts.lora ? base.store.feeds() : {};
  const wall: number[] = [];
  const cpu: number[] = [];
  const ort: number[] = [];
  for (let i = 0; i < 1 + steps; i++) {
    const b = tokenBatch(i, BATCH, seq, GPT2_SMALL.vocab);
    const c0 = process.cpuUsage();
    const r = await trainer.step({ ...frozenFeeds, ...b });
    const c = process.cpuUsage(c0);
    if (!Number.isFinite(r.loss)) throw new Error(`gpt2 step ${i}: loss ${r.loss}`);
    if (i >= 1) {
      wall.push(r.ms.total);
      ort.push(r.ms.ort);
      cpu.push((c.user + c.system) / 1000);
    }
    if (process.env.BENCH_GPT2_VERBOSE)
      console.log(
        `  step ${i}: ${r.ms.total.toFixed(0)} ms (ORT ${r.ms.ort.toFixed(0)}), CPU ${((c.user + c.system) / 1000).toFixed(0)} ms, loss ${r.loss.toFixed(4)}, RSS ${(process.memoryUsage().rss / 2 ** 20).toFixed(0)} MB`,
      );
  }
  await trainer.session.release();
  const wallMs = median(wall);
  return {
    wallMs,
    cpuMs: median(cpu),
    ortMs: median(ort),
    tokensPerS: (BATCH * seq) / (wallMs / 1000),
    peakRssMb: process.resourceUsage().maxRSS / 1024,
    params: base.store.count(),
    trained: trainStore.count(),
  };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const threads = Number(process.env.BENCH_THREADS ?? 2);
  const rt = await createRuntime({ device: "cpu", threads, cpuMemArena: process.env.BENCH_GPT2_ARENA !== "0" });
  const update = process.env.BENCH_GPT2_UPDATE as UpdateLocation | undefined;
  console.log(`gpt2-small bench: ${threads} threads, batch ${BATCH} x ${SEQ}, load ${os.loadavg()[0]!.toFixed(1)}`);
  const r = await gpt2TrainStep(rt, { update, lora: !!process.env.BENCH_GPT2_LORA });
  console.log(JSON.stringify(r));
  await rt.release();
}
