// PyTorch peer benchmark: the same models on the same machine with the same threads, in one run.
// Engine side here, PyTorch eager in tools/bench/torch-peer/peer.py (Debian's /usr/bin/python3 with
// python3-torch). Skipped with a note, and no keys written, when that python cannot import torch.
//   - the engine bench's transformer (vocab 256, 4 layers, 8 heads, seq 128, batch 16, untied head)
//     training step at d256 and d512;
//   - GPT-2-small-shaped (random weights, no download): forward, LoRA training, full training
//     (batch 4 x BENCH_GPT2_SEQ, default 128) and greedy KV-cache generation (batch 4, prompt 16,
//     BENCH_PEER_GEN_NEW new tokens, default 32).
// Every torch_ratio_* is engine tokens/s over PyTorch tokens/s (above 1: the engine is faster).
// OPENBLAS_CORETYPE / OPENBLAS_L2_SIZE are removed from PyTorch's environment only (they slow a
// current OpenBLAS; see the env notes), never from the engine's.
import { execFileSync, spawnSync } from "node:child_process";
import os from "node:os";
import { fileURLToPath } from "node:url";
import type { Runtime } from "@goodhart/engine";
import { Gpt, constantSchedule, createRng, createRuntime, createTrainer, generate, input, softmaxCrossEntropy } from "@goodhart/engine";
import { GPT2_SMALL, fastInitial, gpt2TrainStep, tokenBatch } from "./engine-gpt2.ts";
import { median, recordBench } from "./record.ts";

const PYTHON = process.env.BENCH_TORCH_PYTHON ?? "/usr/bin/python3";
const THREADS = Number(process.env.BENCH_THREADS ?? os.cpus().length);
const STEPS = Number(process.env.BENCH_STEPS ?? 3);
const GPT2_SEQ = Number(process.env.BENCH_GPT2_SEQ ?? 128);
const GPT2_BATCH = 4;
const GEN = { batch: 4, prompt: 16, newTokens: Number(process.env.BENCH_PEER_GEN_NEW ?? 32) };
const ENGINE_SHAPE = { vocab: 256, seq: 128, batch: 16, layers: 4, heads: 8 };

/** Why PyTorch cannot be used here, or null when it can. */
function torchMissing(): string | null {
  const r = spawnSync(PYTHON, ["-c", "import torch; print(torch.__version__)"], { encoding: "utf8" });
  if (r.error) return `${PYTHON} not found (${r.error.message})`;
  if (r.status !== 0) return `${PYTHON} cannot import torch (${r.stderr.trim().split("\n").pop()}); install Debian's python3-torch`;
  return null;
}

async function engineTrainStep(rt: Runtime, d: number): Promise<{ tokensPerS: number; cpuMs: number }> {
  const s = ENGINE_SHAPE;
  const model = new Gpt({ vocab: s.vocab, maxSeq: s.seq, dModel: d, nHeads: s.heads, nLayers: s.layers, tiedHead: false }, { seed: 0 });
  const loss = softmaxCrossEntropy(model.logits(input("ids", "int64", [s.batch, s.seq])), input("targets", "int64", [s.batch, s.seq]));
  const trainer = await createTrainer({
    runtime: rt,
    params: model.store,
    loss,
    schedule: constantSchedule(3e-4),
    optimizer: { weightDecay: 0.1, maxGradNorm: 1 },
    name: `peer-d${d}`,
  });
  const wall: number[] = [];
  const cpu: number[] = [];
  for (let i = 0; i < 2 + STEPS; i++) {
    const c0 = process.cpuUsage();
    const r = await trainer.step(tokenBatch(i, s.batch, s.seq, s.vocab));
    const c = process.cpuUsage(c0);
    if (i >= 2) {
      wall.push(r.ms.total);
      cpu.push((c.user + c.system) / 1000);
    }
  }
  await trainer.session.release();
  return { tokensPerS: (s.batch * s.seq) / (median(wall) / 1000), cpuMs: median(cpu) };
}

async function engineGpt2Forward(rt: Runtime, gpt: Gpt): Promise<number> {
  const session = await rt.session({
    outputs: { logits: gpt.logits(input("ids", "int64", [GPT2_BATCH, GPT2_SEQ])) },
    name: "peer-gpt2-forward",
  });
  const times: number[] = [];
  for (let i = 0; i < 1 + STEPS; i++) {
    const t0 = performance.now();
    await session.run({ ...gpt.store.feeds(), ids: tokenBatch(100 + i, GPT2_BATCH, GPT2_SEQ, GPT2_SMALL.vocab).ids });
    if (i) times.push(performance.now() - t0);
  }
  await session.release();
  return (GPT2_BATCH * GPT2_SEQ) / (median(times) / 1000);
}

async function engineGpt2Generate(rt: Runtime, gpt: Gpt): Promise<number> {
  const rng = createRng(7);
  const prompts = () => Array.from({ length: GEN.batch }, () => Array.from({ length: GEN.prompt }, () => rng.int(0, GPT2_SMALL.vocab)));
  await generate(rt, gpt, prompts(), { maxNewTokens: 2, temperature: 0, kvCache: true }); // opens the sessions
  const times: number[] = [];
  for (let r = 0; r < Math.max(1, STEPS - 1); r++) {
    const t0 = performance.now();
    await generate(rt, gpt, prompts(), { maxNewTokens: GEN.newTokens, temperature: 0, kvCache: true });
    times.push(performance.now() - t0);
  }
  return (GEN.batch * GEN.newTokens) / (median(times) / 1000);
}

const missing = torchMissing();
if (missing) {
  console.log(`torch peer skipped: ${missing}`);
  recordBench("engine", "cpu", { torch_peer_skipped: missing }, { merge: true });
  process.exit(0);
}
const loadBefore = os.loadavg()[0]!;
console.log(`torch peer: ${THREADS} threads, ${STEPS} steps, load ${loadBefore.toFixed(1)}`);
const peerEnv = { ...process.env };
delete peerEnv.OPENBLAS_CORETYPE;
delete peerEnv.OPENBLAS_L2_SIZE;
const peerArgs = {
  threads: THREADS,
  steps: STEPS,
  engine_d: [256, 512],
  gpt2: true,
  gpt2_shape: GPT2_SMALL,
  gpt2_seq: GPT2_SEQ,
  gpt2_batch: GPT2_BATCH,
  gen_prompt: GEN.prompt,
  gen_new: GEN.newTokens,
  gen_batch: GEN.batch,
};
const script = fileURLToPath(new URL("./torch-peer/peer.py", import.meta.url));
const peer = JSON.parse(
  execFileSync(PYTHON, [script, JSON.stringify(peerArgs)], { env: peerEnv, encoding: "utf8", maxBuffer: 1 << 20 })
    .trim()
    .split("\n")
    .pop()!,
);
console.log("torch:", JSON.stringify(peer));

const rt = await createRuntime({ device: "cpu", threads: THREADS });
const results: Record<string, number | string> = {};
const round = (x: number, digits = 2) => Number(x.toFixed(digits));
// Full training on its own runtime with ORT's CPU arena off: the configuration with the lowest
// peak memory at this size (docs/models.md).
const lean = await createRuntime({ device: "cpu", threads: THREADS, cpuMemArena: false });
const fullFirst = await gpt2TrainStep(lean, { seq: GPT2_SEQ, steps: STEPS, update: "host" });
await lean.release();
for (const d of [256, 512]) {
  const ours = await engineTrainStep(rt, d);
  const theirs = peer[`d${d}`];
  results[`peer_torch_tokens_per_s_d${d}`] = round(theirs.tokens_per_s);
  results[`torch_ratio_d${d}`] = round(ours.tokensPerS / theirs.tokens_per_s, 3);
  // CPU-seconds per step, theirs over ours: less sensitive to other load on a shared machine.
  results[`torch_ratio_cpu_time_d${d}`] = round((theirs.cpu_s * 1000) / ours.cpuMs, 3);
  console.log(
    `d${d}: engine ${ours.tokensPerS.toFixed(0)} tok/s (${ours.cpuMs.toFixed(0)} CPU-ms), torch ${theirs.tokens_per_s.toFixed(0)} tok/s (${(theirs.cpu_s * 1000).toFixed(0)} CPU-ms)`,
  );
}
// Full training ran first, so this process's peak RSS is that of full training alone.
const full = fullFirst;
const lora = await gpt2TrainStep(rt, { lora: true, seq: GPT2_SEQ, steps: STEPS });
const gpt = new Gpt(GPT2_SMALL, { seed: 0, initial: fastInitial(1) });
const forward = await engineGpt2Forward(rt, gpt);
const gen = await engineGpt2Generate(rt, gpt);
const pairs: [string, number, number][] = [
  ["gpt2_forward", forward, peer.gpt2_forward.tokens_per_s],
  ["gpt2_lora_train", lora.tokensPerS, peer.gpt2_lora_train.tokens_per_s],
  ["gpt2_full_train", full.tokensPerS, peer.gpt2_full_train.tokens_per_s],
  ["gpt2_gen", gen, peer.gpt2_gen_kv.tokens_per_s],
];
for (const [key, ours, theirs] of pairs) {
  const name = key === "gpt2_gen" ? "gpt2_gen_tokens_per_s_kv" : `${key}_tokens_per_s`;
  results[name] = round(ours);
  results[`peer_torch_${name}`] = round(theirs);
  results[`torch_ratio_${key}`] = round(ours / theirs, 3);
  console.log(`${key}: engine ${ours.toFixed(1)} tok/s, torch ${theirs.toFixed(1)} tok/s`);
}
results.torch_ratio_cpu_time_gpt2_full_train = round((peer.gpt2_full_train.cpu_s * 1000) / full.cpuMs, 3);
results.gpt2_full_train_cpu_s_per_step = round(full.cpuMs / 1000);
// Peak RSS of this process, which trained the full model first (host update, arena off;
// parameters, AdamW moments, gradients and activations at batch 4 x seq).
results.gpt2_full_train_peak_rss_mb = Math.round(full.peakRssMb);
results.peer_torch_gpt2_full_train_peak_rss_mb = Math.round(peer.gpt2_full_train.peak_rss_mb);
// Which BLAS PyTorch got (see peer.py): a reference-BLAS torch is no peer worth comparing to.
results.peer_torch_gemm_gflops_per_cpu_s = round(peer.gemm_gflops_per_cpu_s, 1);
if (peer.gemm_gflops_per_cpu_s < 30)
  console.warn(
    `torch peer: ${peer.gemm_gflops_per_cpu_s.toFixed(1)} GFLOP per CPU-second in a 1024 GEMM: PyTorch is on the reference BLAS; install libopenblas0-pthread`,
  );
results.torch_peer_shape = `engine bench d256/d512: batch 16 x 128; gpt2-small: batch ${GPT2_BATCH} x ${GPT2_SEQ}, generation batch ${GEN.batch}, prompt ${GEN.prompt}, ${GEN.newTokens} new; torch ${peer.torch}, ${THREADS} threads`;
results.torch_peer_load_avg_1m = `${loadBefore.toFixed(1)} before, ${os.loadavg()[0]!.toFixed(1)} after`;
await rt.release();
recordBench("engine", "cpu", results, { merge: true });
