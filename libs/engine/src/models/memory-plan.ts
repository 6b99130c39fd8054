import { freemem } from "node:os";
import type { UpdateLocation } from "../train/trainer.ts";
import type { GptConfig } from "./gpt.ts";
import { gptParamCount, resolveGptConfig } from "./gpt.ts";

/** What a run does with a model: sample from it, train all its weights, or train a LoRA adapter on it. */
export type MemoryMode = "inference" | "full" | "lora";

export interface MemoryPlanOptions {
  mode: MemoryMode;
  /** Rows per step (training) or sequences sampled together (inference). */
  batch: number;
  /** Tokens per row: the training sequence length, or prompt + new tokens when sampling. */
  seq: number;
  /** Where the AdamW update runs (training only); default "graph", the trainer's default. */
  update?: UpdateLocation;
  /** Trainable parameters of the LoRA adapter (mode "lora"); default rank 8 on the attention projections. */
  loraParams?: number;
  /** Keep a KV cache for sampling (inference); default true. */
  kvCache?: boolean;
}

/** Estimated bytes by component; every value is float32 (4 bytes per number). */
export interface MemoryPlan {
  parameters: number;
  /** AdamW's two moments of every trained parameter. */
  optimizer: number;
  /** Gradient buffers, and the in-graph update's second set of p, m and v (ping-pong). */
  gradients: number;
  /** Stored forward activations for the backward pass (training), or one step's logits (inference). */
  activations: number;
  kvCache: number;
  /** ONNX Runtime's working memory beyond the above: gradients inside its arena before they are written out, temporaries of the update. */
  runtime: number;
  total: number;
}

const F32 = 4;

/**
 * Estimates the memory a run needs before it starts, from the model config alone. Activations
 * follow the usual count for a transformer layer without recomputation (Korthikanti et al. 2022,
 * in float32): about 16 x dModel numbers per token for the layer's projections, norms and MLP,
 * plus the attention scores and probabilities, 2 x nHeads x seq per token; the output head keeps
 * logits, log-softmax and their gradient, 3 x vocab per token. The runtime term is calibrated on
 * GPT-2 small's measured peak RSS (docs/models.md), so it is an estimate, not a bound.
 */
export function planMemory(config: GptConfig, o: MemoryPlanOptions): MemoryPlan {
  const c = resolveGptConfig(config);
  for (const [k, v] of [
    ["batch", o.batch],
    ["seq", o.seq],
  ] as const)
    if (!Number.isInteger(v) || v < 1) throw new Error(`planMemory: ${k} must be a positive integer, got ${v}`);
  const params = gptParamCount(c);
  const tokens = o.batch * o.seq;
  const parameters = params * F32;
  if (o.mode === "inference") {
    const kv = o.kvCache === false ? 0 : 2 * c.nLayers * o.batch * c.nKvHeads * o.seq * c.headDim * F32;
    // Without a cache each step reruns the whole prefix; with it, one position. Either way the
    // logits of the last step and one layer's attention are live at once.
    const live = o.kvCache === false ? tokens : o.batch;
    const activations = (live * (c.vocab + 16 * c.dModel) + o.batch * c.nHeads * o.seq * 2) * F32;
    return withTotal({ parameters, optimizer: 0, gradients: 0, activations, kvCache: kv, runtime: 0 });
  }
  const trained = o.mode === "lora" ? (o.loraParams ?? defaultLoraParams(c)) : params;
  const update = o.update ?? "graph";
  const optimizer = 2 * trained * F32;
  const gradients = (update === "graph" ? 3 : 1) * trained * F32;
  const perLayer = 16 * c.dModel + 2 * c.nHeads * o.seq;
  const activations = tokens * (c.nLayers * perLayer + 3 * c.vocab) * F32;
  // Calibrated on GPT-2 small at batch 4 x 128 (docs/models.md): peak RSS minus everything above
  // was about 4 trained-parameter copies with the host update and 8 with the in-graph one (its
  // element-wise temporaries live in ORT's arena).
  const runtime = (update === "graph" ? 8 : 4) * trained * F32;
  return withTotal({ parameters, optimizer, gradients, activations, kvCache: 0, runtime });
}

function defaultLoraParams(c: ReturnType<typeof resolveGptConfig>): number {
  const r = 8;
  const q = c.nHeads * c.headDim;
  const kv = c.nKvHeads * c.headDim;
  // qkv (or q, k, v) and the output projection: r x (in + out) each.
  return c.nLayers * r * (c.dModel + q + 2 * kv + c.dModel + c.dModel + q + (c.fusedQkv ? 0 : 2 * c.dModel));
}

function withTotal(p: Omit<MemoryPlan, "total">): MemoryPlan {
  return { ...p, total: p.parameters + p.optimizer + p.gradients + p.activations + p.kvCache + p.runtime };
}

const gb = (bytes: number) => `${(bytes / 2 ** 30).toFixed(2)} GB`;

/** One line naming every component, e.g. for a refusal or `goodhart models list`. */
export function describeMemoryPlan(p: MemoryPlan): string {
  const parts = [`parameters ${gb(p.parameters)}`];
  if (p.optimizer) parts.push(`optimizer state ${gb(p.optimizer)}`);
  if (p.gradients) parts.push(`gradients ${gb(p.gradients)}`);
  parts.push(`activations ${gb(p.activations)}`);
  if (p.kvCache) parts.push(`KV cache ${gb(p.kvCache)}`);
  if (p.runtime) parts.push(`runtime working memory ${gb(p.runtime)}`);
  return `about ${gb(p.total)} (${parts.join(", ")})`;
}

/**
 * Refuses a run that will not fit: on cpu against the free RAM now (os.freemem), on other devices
 * against `availableBytes` when the caller knows it (onnxruntime-node reports no GPU memory). The
 * error names the estimate's components and what is available.
 */
export function assertMemoryFits(plan: MemoryPlan, device: string, what: string, availableBytes?: number): void {
  const available = availableBytes ?? (device === "cpu" ? freemem() : undefined);
  if (available === undefined) return;
  if (plan.total > available) {
    const where = device === "cpu" ? "free RAM" : `memory available on ${device}`;
    throw new Error(
      `${what} needs ${describeMemoryPlan(plan)}, but only ${gb(available)} of ${where} is left; use a smaller batch or sequence length, LoRA instead of full training, or another device`,
    );
  }
}
