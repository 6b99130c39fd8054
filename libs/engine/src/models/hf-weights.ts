import type { ResolvedTrunkConfig } from "./trunk.ts";
import type { HfArchitecture } from "./hf-config.ts";

/**
 * How a Hugging Face tensor is laid out relative to ours (every projection weight here is
 * (in, out), x W):
 * - "same": identical (embeddings, norms, biases, GPT-2's Conv1D weights, which are (in, out));
 * - "transpose": an nn.Linear weight, stored (out, in);
 * - "neox-qkv": GPT-NeoX's fused query_key_value, (3C, C) with output rows grouped per head as
 *   [q | k | v] of that head; ours is (C, 3C) with columns [all q | all k | all v] (the bias is
 *   reordered the same way, without the transpose).
 */
export type HfLayout = "same" | "transpose" | "neox-qkv";

export interface HfTensorName {
  hf: string;
  layout: HfLayout;
}

const BLOCK = /^blocks\.(\d+)\.(.+)$/;

const BLOCK_NAMES: Record<HfArchitecture, Record<string, string>> = {
  gpt2: { ln1: "ln_1", ln2: "ln_2", "attn.qkv": "attn.c_attn", "attn.proj": "attn.c_proj", "mlp.up": "mlp.c_fc", "mlp.down": "mlp.c_proj" },
  gpt_neox: {
    ln1: "input_layernorm",
    ln2: "post_attention_layernorm",
    "attn.qkv": "attention.query_key_value",
    "attn.proj": "attention.dense",
    "mlp.up": "mlp.dense_h_to_4h",
    "mlp.down": "mlp.dense_4h_to_h",
  },
  llama: {
    ln1: "input_layernorm",
    ln2: "post_attention_layernorm",
    "attn.q": "self_attn.q_proj",
    "attn.k": "self_attn.k_proj",
    "attn.v": "self_attn.v_proj",
    "attn.proj": "self_attn.o_proj",
    "mlp.gate": "mlp.gate_proj",
    "mlp.up": "mlp.up_proj",
    "mlp.down": "mlp.down_proj",
  },
};

const TOP_NAMES: Record<HfArchitecture, { tok: string; pos?: string; lnF: string; layers: string; head: string }> = {
  gpt2: {
    tok: "transformer.wte.weight",
    pos: "transformer.wpe.weight",
    lnF: "transformer.ln_f",
    layers: "transformer.h",
    head: "lm_head.weight",
  },
  gpt_neox: { tok: "gpt_neox.embed_in.weight", lnF: "gpt_neox.final_layer_norm", layers: "gpt_neox.layers", head: "embed_out.weight" },
  llama: { tok: "model.embed_tokens.weight", lnF: "model.norm", layers: "model.layers", head: "lm_head.weight" },
};

/** The LM head's Hugging Face name (absent from a checkpoint when tied to the embedding). */
export function hfHeadName(architecture: HfArchitecture): string {
  return TOP_NAMES[architecture].head;
}

/**
 * The Hugging Face name and layout of one of our parameter names (without model prefix):
 * `tok.weight`, `pos.weight`, `blocks.<i>.<part>.<weight|bias>`, `ln_f.*`, `head.weight`.
 */
export function hfTensorName(architecture: HfArchitecture, name: string): HfTensorName {
  const top = TOP_NAMES[architecture];
  if (name === "tok.weight") return { hf: top.tok, layout: "same" };
  if (name === "pos.weight" && top.pos) return { hf: top.pos, layout: "same" };
  if (name === "head.weight") return { hf: top.head, layout: "transpose" };
  if (name.startsWith("ln_f.")) return { hf: `${top.lnF}.${name.slice(5)}`, layout: "same" };
  const m = BLOCK.exec(name);
  if (m) {
    const [, i, rest] = m;
    const dot = rest!.lastIndexOf(".");
    const part = rest!.slice(0, dot);
    const leaf = rest!.slice(dot + 1);
    const hfPart = BLOCK_NAMES[architecture][part];
    if (hfPart) {
      const hf = `${top.layers}.${i}.${hfPart}.${leaf}`;
      if (architecture === "gpt_neox" && part === "attn.qkv") return { hf, layout: "neox-qkv" };
      const isLinear = architecture !== "gpt2" && leaf === "weight" && (part.startsWith("attn.") || part.startsWith("mlp."));
      return { hf, layout: isLinear ? "transpose" : "same" };
    }
  }
  throw new Error(`parameter ${JSON.stringify(name)} has no ${architecture} checkpoint name`);
}

/** Tensors a Hugging Face save may hold that are buffers, not parameters (recomputed here). */
export function isHfBuffer(architecture: HfArchitecture, hfName: string): boolean {
  if (hfName.endsWith(".rotary_emb.inv_freq")) return true;
  if (architecture === "gpt2") return /\.attn\.(bias|masked_bias)$/.test(hfName);
  if (architecture === "gpt_neox") return /\.attention\.(bias|masked_bias)$/.test(hfName);
  return false;
}

function transpose(data: Float32Array, rows: number, cols: number): Float32Array {
  const out = new Float32Array(data.length);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) out[c * rows + r] = data[r * cols + c]!;
  return out;
}

/** Index map of GPT-NeoX's fused qkv outputs: ours[j*H*D + h*D + d] = hf[h*3D + j*D + d]. */
function neoxOrder(c: ResolvedTrunkConfig): Int32Array {
  const H = c.nHeads;
  const D = c.headDim;
  const order = new Int32Array(3 * H * D);
  for (let j = 0; j < 3; j++) for (let h = 0; h < H; h++) for (let d = 0; d < D; d++) order[j * H * D + h * D + d] = h * 3 * D + j * D + d;
  return order;
}

/** A checkpoint tensor (shape as stored) -> our values for a parameter of `shape`. */
export function fromHfLayout(layout: HfLayout, data: Float32Array, hfShape: readonly number[], c: ResolvedTrunkConfig): Float32Array {
  if (layout === "same") return data;
  if (layout === "transpose") return transpose(data, hfShape[0]!, hfShape[1]!);
  const order = neoxOrder(c);
  if (hfShape.length === 1) return Float32Array.from(order, (r) => data[r]!);
  const cols = hfShape[1]!; // (3C, C) rows reordered, then transposed to (C, 3C)
  const out = new Float32Array(data.length);
  const rows = order.length;
  for (let o = 0; o < rows; o++) {
    const src = order[o]! * cols;
    for (let i = 0; i < cols; i++) out[i * rows + o] = data[src + i]!;
  }
  return out;
}

/** Our values of a parameter (shape `shape`) -> the checkpoint's layout and shape. */
export function toHfLayout(
  layout: HfLayout,
  data: Float32Array,
  shape: readonly number[],
  c: ResolvedTrunkConfig,
): { data: Float32Array; shape: number[] } {
  if (layout === "same") return { data, shape: [...shape] };
  if (layout === "transpose") return { data: transpose(data, shape[0]!, shape[1]!), shape: [shape[1]!, shape[0]!] };
  const order = neoxOrder(c);
  if (shape.length === 1) {
    const out = new Float32Array(data.length);
    order.forEach((r, o) => (out[r] = data[o]!));
    return { data: out, shape: [...shape] };
  }
  const inDim = shape[0]!;
  const rows = order.length;
  const out = new Float32Array(data.length);
  for (let o = 0; o < rows; o++) {
    const dst = order[o]! * inDim;
    for (let i = 0; i < inDim; i++) out[dst + i] = data[i * rows + o]!;
  }
  return { data: out, shape: [rows, inDim] };
}
