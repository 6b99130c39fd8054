import type { Gpt } from "../models/gpt.ts";
import { checkVocab } from "../models/batch-tensors.ts";
import type { ProjectionDelta } from "../models/trunk.ts";
import type { Runtime } from "../runtime/runtime.ts";
import { scoreProgram } from "./lm-programs.ts";

export interface LogprobOptions {
  /** Sequences per program run. Default 32. */
  batchSize?: number;
  /** Padding id (masked out). Default 0. */
  padToken?: number;
  /** Score under a LoRA adapter of the model. */
  lora?: ProjectionDelta;
  /** Softmax temperature (> 0): score at the temperature the completions were sampled at. Default 1. */
  temperature?: number;
}

export interface LogprobResult {
  /** log p(completion[i] | prompt, completion[..i]) per completion token, at the chosen temperature. */
  tokens: Float32Array[];
  /** Their sums: the completion's log-likelihood. */
  sums: number[];
}

/**
 * Scores given completions under a model (the policy or its frozen reference), e.g. for KL and
 * DPO-family losses. Rows are laid out as [left padding | prompt | completion | right padding],
 * so positions match generation's left-padded prompts; rows are batched by similar length.
 */
export async function logprobs(
  runtime: Runtime,
  model: Gpt,
  prompts: readonly (readonly number[])[],
  completions: readonly (readonly number[])[],
  options: LogprobOptions = {},
): Promise<LogprobResult> {
  if (prompts.length !== completions.length) throw new Error(`logprobs: ${prompts.length} prompts but ${completions.length} completions`);
  const batchSize = options.batchSize ?? 32;
  const pad = options.padToken ?? 0;
  checkVocab(prompts, model.config.vocab, "logprobs prompts");
  checkVocab(completions, model.config.vocab, "logprobs completions");
  prompts.forEach((p, i) => {
    if (p.length === 0) throw new Error(`logprobs: prompt ${i} is empty (the first completion token needs a context)`);
    if (p.length + completions[i]!.length > model.config.maxSeq)
      throw new Error(`logprobs: row ${i} has ${p.length + completions[i]!.length} tokens, more than maxSeq ${model.config.maxSeq}`);
  });
  const session = await runtime.session(scoreProgram(model, { lora: options.lora, temperature: options.temperature }));
  const params = { ...model.store.feeds(), ...options.lora?.feeds() };
  const tokens: Float32Array[] = completions.map((c) => new Float32Array(c.length));
  const order = prompts
    .map((_, i) => i)
    .sort((a, b) => prompts[a]!.length + completions[a]!.length - (prompts[b]!.length + completions[b]!.length));
  for (let start = 0; start < order.length; start += batchSize) {
    const rows = order.slice(start, start + batchSize);
    const P = Math.max(...rows.map((r) => prompts[r]!.length));
    const C = Math.max(...rows.map((r) => completions[r]!.length));
    if (C === 0) continue;
    const T = P + C;
    const B = rows.length;
    const ids = new BigInt64Array(B * T).fill(BigInt(pad));
    const targets = new BigInt64Array(B * T);
    const mask = new Uint8Array(B * T);
    rows.forEach((r, b) => {
      const p = prompts[r]!;
      const c = completions[r]!;
      const o = b * T + P - p.length; // left padding before the prompt
      p.forEach((t, j) => ((ids[o + j] = BigInt(t)), (mask[o + j] = 1)));
      c.forEach((t, j) => ((ids[b * T + P + j] = BigInt(t)), (mask[b * T + P + j] = 1)));
      for (let t = 0; t < T - 1; t++) targets[b * T + t] = ids[b * T + t + 1]!;
    });
    const out = await session.run({
      ...params,
      ids: { dtype: "int64", shape: [B, T], data: ids },
      mask: { dtype: "bool", shape: [B, T], data: mask },
      targets: { dtype: "int64", shape: [B, T], data: targets },
    });
    const lp = out.logprobs!.data as Float32Array; // (B, T): lp[t] scores ids[t + 1]
    rows.forEach((r, b) => {
      for (let j = 0; j < completions[r]!.length; j++) tokens[r]![j] = lp[b * T + P - 1 + j]!;
    });
  }
  return { tokens, sums: tokens.map((t) => t.reduce((s, x) => s + x, 0)) };
}
