// Generation benchmark: batched sampling (batch 32, prompts of 16 tokens, 128 new tokens,
// temperature 1, per-sequence seeds) from a 4-layer Gpt with 8 heads and a 256-token vocabulary,
// with the KV cache and with a full forward per new token; and log-prob scoring of completions.
// Runs: BENCH_GEN_REPS (default 3) per KV configuration after a warm-up, 1 for the no-cache path
// (it is ~10x slower); medians are reported. Merges its keys into bench-results/engine.json.
import os from "node:os";
import type { GenerationResult, Runtime } from "@goodhart/engine";
import { Gpt, createRng, createRuntime, generate, logprobs } from "@goodhart/engine";
import { median, recordBench } from "./record.ts";

const REPS = Number(process.env.BENCH_GEN_REPS ?? 3);
const SHAPE = { vocab: 256, layers: 4, heads: 8, batch: 32, prompt: 16, newTokens: 128 };
const threads = os.cpus().length;

function model(d: number): Gpt {
  return new Gpt(
    { vocab: SHAPE.vocab, maxSeq: SHAPE.prompt + SHAPE.newTokens, dModel: d, nHeads: SHAPE.heads, nLayers: SHAPE.layers },
    { seed: d },
  );
}

function prompts(seed: number): number[][] {
  const rng = createRng(seed);
  return Array.from({ length: SHAPE.batch }, () => Array.from({ length: SHAPE.prompt }, () => rng.int(1, SHAPE.vocab)));
}

interface GenTiming {
  tokensPerS: number;
  ms: number;
  ortShare: number;
  samplingShare: number;
}

async function timeGeneration(rt: Runtime, gpt: Gpt, kvCache: boolean, reps: number): Promise<GenTiming> {
  await generate(rt, gpt, prompts(0), { maxNewTokens: 3, kvCache, seeds: 0 }); // opens the sessions
  const runs: GenerationResult[] = [];
  for (let r = 0; r < reps; r++)
    runs.push(await generate(rt, gpt, prompts(r + 1), { maxNewTokens: SHAPE.newTokens, kvCache, seeds: 100 * r }));
  const ms = median(runs.map((r) => r.stats.ms));
  const tokens = runs[0]!.tokens.reduce((s, t) => s + t.length, 0);
  return {
    tokensPerS: tokens / (ms / 1000),
    ms,
    ortShare: median(runs.map((r) => r.stats.ortMs / r.stats.ms)),
    samplingShare: median(runs.map((r) => r.stats.samplingMs / r.stats.ms)),
  };
}

async function timeScoring(rt: Runtime, gpt: Gpt, reps: number): Promise<number> {
  const rng = createRng(5);
  const n = 2 * SHAPE.batch;
  const ps = Array.from({ length: n }, () => Array.from({ length: SHAPE.prompt }, () => rng.int(1, SHAPE.vocab)));
  const cs = Array.from({ length: n }, () => Array.from({ length: SHAPE.newTokens }, () => rng.int(1, SHAPE.vocab)));
  await logprobs(rt, gpt, ps.slice(0, 2), cs.slice(0, 2));
  const times: number[] = [];
  for (let r = 0; r < reps; r++) {
    const t0 = performance.now();
    await logprobs(rt, gpt, ps, cs, { batchSize: SHAPE.batch });
    times.push(performance.now() - t0);
  }
  return (n * SHAPE.newTokens) / (median(times) / 1000); // completion tokens scored per second
}

// Other processes on a small machine change every number here; record how busy it was.
const loadBefore = os.loadavg()[0]!;
const rt = await createRuntime({ device: "cpu", threads });
console.log(`engine generation bench: ${threads} threads, ${REPS} runs per KV configuration`);
const results: Record<string, number | string> = {};
const round = (x: number, digits = 1) => Number(x.toFixed(digits));

for (const d of [256, 512]) {
  const gpt = model(d);
  const kv = await timeGeneration(rt, gpt, true, REPS);
  console.log(
    `d${d} KV cache: ${kv.tokensPerS.toFixed(0)} tok/s (${kv.ms.toFixed(0)} ms per batch; ORT ${(100 * kv.ortShare).toFixed(0)}%, sampling ${(100 * kv.samplingShare).toFixed(1)}%)`,
  );
  results[`gen_tokens_per_s_kv_d${d}`] = round(kv.tokensPerS);
  results[`gen_ort_share_kv_d${d}`] = round(kv.ortShare, 3);
  results[`gen_sampling_share_kv_d${d}`] = round(kv.samplingShare, 4);
  if (d === 256 || process.env.BENCH_GEN_NOKV_D512) {
    const full = await timeGeneration(rt, gpt, false, 1);
    console.log(`d${d} no cache: ${full.tokensPerS.toFixed(0)} tok/s (${full.ms.toFixed(0)} ms per batch)`);
    results[`gen_tokens_per_s_nokv_d${d}`] = round(full.tokensPerS);
    results[`kv_speedup_d${d}`] = round(kv.tokensPerS / full.tokensPerS, 2);
  }
  if (d === 256) {
    const score = await timeScoring(rt, gpt, REPS);
    console.log(`d${d} scoring: ${score.toFixed(0)} completion tok/s`);
    results[`score_tokens_per_s_d${d}`] = round(score);
  }
  results[`gen_params_d${d}`] = gpt.parameterCount();
}
await rt.release();
results.gen_shape = `batch ${SHAPE.batch}, prompt ${SHAPE.prompt}, new ${SHAPE.newTokens}, ${SHAPE.layers} layers, ${SHAPE.heads} heads, vocab ${SHAPE.vocab}`;
results.gen_runs_measured = REPS;
results.gen_load_avg_1m = `${loadBefore.toFixed(1)} before, ${os.loadavg()[0]!.toFixed(1)} after`;
recordBench("engine", "cpu", results, { merge: true });
