import type { Program } from "../compile/program.ts";
import type { Tensor } from "../ir/tensor.ts";
import { concat, input, scalar } from "../ir/tensor.ts";
import { gatherLogProbs } from "../nn/log-probs.ts";
import type { Gpt } from "../models/gpt.ts";
import type { KvTensors, ProjectionDelta } from "../models/trunk.ts";

/** Logits (B, T, V) at the last position -> (B, V). */
function lastLogits(logits: Tensor): Tensor {
  const [B, , V] = logits.shape;
  return logits.slice(1, -1).reshape([B!, V!]); // (B, 1, V) -> (B, V)
}

function kvOutputs(present: KvTensors): Record<string, Tensor> {
  const out: Record<string, Tensor> = {};
  present.keys.forEach((k, i) => (out[`present.k.${i}`] = k));
  present.values.forEach((v, i) => (out[`present.v.${i}`] = v));
  return out;
}

/**
 * Full forward over left-padded rows: ids, mask (batch, seq) -> `logits` (batch, V) at the last
 * position. With `withCache`, also every layer's keys/values `present.k.<i>`, `present.v.<i>`
 * (batch, H, seq, D): the prefill of the KV-cache decoder.
 */
export function nextTokenProgram(model: Gpt, options: { withCache: boolean; lora?: ProjectionDelta }): Program {
  const ids = input("ids", "int64", ["batch", "seq"]);
  const mask = input("mask", "bool", ["batch", "seq"]);
  const { logits, present } = model.forward(ids, { mask, lora: options.lora });
  return {
    name: options.withCache ? "gpt-prefill" : "gpt-next-token",
    outputs: { logits: lastLogits(logits), ...(options.withCache ? kvOutputs(present) : {}) },
  };
}

/**
 * One decode step over a fixed-capacity KV cache: ids (batch, 1), cache_mask (batch, cache) bool
 * (true for filled slots holding real tokens) and `cache.k.<i>`, `cache.v.<i>` (batch, H, cache, D)
 * -> `logits` (batch, V) and the new token's keys/values `present.k.<i>`, `present.v.<i>`
 * (batch, H, 1, D), which the host writes into the next slot. Only the small new entries leave the
 * program: returning the whole grown cache each step dominated decode time.
 */
export function decodeStepProgram(model: Gpt, options: { lora?: ProjectionDelta } = {}): Program {
  const c = model.config;
  const ids = input("ids", "int64", ["batch", 1]);
  const cacheMask = input("cache_mask", "bool", ["batch", "cache"]);
  const kvShape = ["batch", c.nKvHeads, "cache", c.headDim]; // grouped-query models cache only their key/value heads
  const past: KvTensors = {
    keys: Array.from({ length: c.nLayers }, (_, i) => input(`cache.k.${i}`, "float32", kvShape)),
    values: Array.from({ length: c.nLayers }, (_, i) => input(`cache.v.${i}`, "float32", kvShape)),
  };
  const mask = concat([cacheMask, scalar(1, "bool").expand(["batch", 1])], 1); // (batch, cache+1)
  const { logits, present } = model.forward(ids, { mask, past, lora: options.lora });
  return { name: "gpt-decode", outputs: { logits: logits.reshape(["batch", c.vocab]), ...kvOutputs(present) } }; // (B, 1, V) -> (B, V)
}

/**
 * Per-token log-probabilities of given targets: logits (B, T, V), int64 targets (B, T) ->
 * log softmax(logits / temperature)[target] (B, T). A graph function, so policy/reference
 * log-probs can sit inside a loss (KL penalties, DPO-family objectives).
 */
export function tokenLogprobs(logits: Tensor, targets: Tensor, temperature = 1): Tensor {
  return gatherLogProbs(logits, targets, temperature); // (B, T)
}

/**
 * Scoring program: ids, mask (batch, seq) and targets (batch, seq) (targets[t] = ids[t + 1]) ->
 * `logprobs` (batch, seq), the log-probability of each next token at the given temperature (default 1).
 */
export function scoreProgram(model: Gpt, options: { lora?: ProjectionDelta; temperature?: number } = {}): Program {
  const ids = input("ids", "int64", ["batch", "seq"]);
  const mask = input("mask", "bool", ["batch", "seq"]);
  const targets = input("targets", "int64", ["batch", "seq"]);
  return {
    name: "gpt-score",
    outputs: { logprobs: tokenLogprobs(model.logits(ids, { mask, lora: options.lora }), targets, options.temperature ?? 1) },
  };
}
