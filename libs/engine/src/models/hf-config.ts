import type { Activation } from "../nn/activations.ts";
import type { RopeScaling } from "../nn/rotary.ts";
import type { GptConfig, ResolvedGptConfig } from "./gpt.ts";

/** Hugging Face architectures the trunk can load (config.json `model_type`). */
export const HF_ARCHITECTURES = ["gpt2", "gpt_neox", "llama"] as const;
export type HfArchitecture = (typeof HF_ARCHITECTURES)[number];

type Json = Record<string, unknown>;

/** Reads typed config.json fields; every error names the file and the field. */
class Fields {
  constructor(
    private readonly json: Json,
    private readonly source: string,
  ) {}

  private fail(key: string, want: string): never {
    throw new Error(`${this.source}: field "${key}" must be ${want}, got ${JSON.stringify(this.json[key])}`);
  }

  int(key: string, fallback?: number): number {
    const v = this.json[key] ?? fallback;
    if (v === undefined) throw new Error(`${this.source}: field "${key}" is missing`);
    if (!Number.isInteger(v) || (v as number) <= 0) this.fail(key, "a positive integer");
    return v as number;
  }

  num(key: string, fallback?: number): number {
    const v = this.json[key] ?? fallback;
    if (v === undefined) throw new Error(`${this.source}: field "${key}" is missing`);
    if (typeof v !== "number" || !Number.isFinite(v)) this.fail(key, "a finite number");
    return v;
  }

  bool(key: string, fallback: boolean): boolean {
    const v = this.json[key] ?? fallback;
    if (typeof v !== "boolean") this.fail(key, "true or false");
    return v;
  }

  activation(key: string, fallback: string): Activation {
    const v = this.json[key] ?? fallback;
    const map: Record<string, Activation> = {
      gelu: "gelu",
      gelu_new: "gelu_tanh",
      gelu_pytorch_tanh: "gelu_tanh",
      gelu_fast: "gelu_tanh",
      silu: "silu",
      swish: "silu",
      relu: "relu",
    };
    const a = typeof v === "string" ? map[v] : undefined;
    if (!a) this.fail(key, `one of ${Object.keys(map).join(", ")}`);
    return a;
  }

  /** rope_scaling: null, {rope_type|type: "default"}, "linear" {factor} or "llama3" {factor, low/high_freq_factor, original_max_position_embeddings}. */
  ropeScaling(): RopeScaling | null {
    const v = this.json.rope_scaling;
    if (v === undefined || v === null) return null;
    if (typeof v !== "object" || Array.isArray(v)) this.fail("rope_scaling", "an object or null");
    const s = new Fields(v as Json, `${this.source} rope_scaling`);
    const type = (v as Json).rope_type ?? (v as Json).type;
    if (type === "default") return null;
    if (type === "linear") return { type: "linear", factor: s.num("factor") };
    if (type === "llama3") {
      return {
        type: "llama3",
        factor: s.num("factor"),
        lowFreqFactor: s.num("low_freq_factor"),
        highFreqFactor: s.num("high_freq_factor"),
        originalMaxPositions: s.int("original_max_position_embeddings"),
      };
    }
    throw new Error(`${this.source}: rope_scaling type ${JSON.stringify(type)} is not supported (only "linear" and "llama3")`);
  }

  refuse(key: string, unsupported: unknown, why: string): void {
    if (this.json[key] === unsupported)
      throw new Error(`${this.source}: ${key} = ${JSON.stringify(unsupported)} is not supported (${why})`);
  }
}

/**
 * Translates a Hugging Face config.json (GPT-2, GPT-NeoX/Pythia, Llama) into a trunk config with
 * the same maths: GPT-2 learned positions, `gelu_new`, tied head; GPT-NeoX rotary on
 * `rotary_pct` of each head, parallel residual, untied `embed_out`; Llama RMSNorm, SwiGLU, rotary
 * with `rope_theta`/`rope_scaling`, grouped-query attention, optional biases.
 */
export function gptConfigFromHf(hf: Json, source = "config.json"): { architecture: HfArchitecture; config: GptConfig } {
  const f = new Fields(hf, source);
  const type = hf.model_type;
  if (type === "gpt2") {
    f.refuse("scale_attn_by_inverse_layer_idx", true, "attention scaled by layer index");
    f.refuse("scale_attn_weights", false, "unscaled attention");
    const dModel = f.int("n_embd");
    return {
      architecture: "gpt2",
      config: {
        vocab: f.int("vocab_size"),
        maxSeq: f.int("n_positions"),
        dModel,
        nHeads: f.int("n_head"),
        nLayers: f.int("n_layer"),
        dMlp: hf.n_inner === null || hf.n_inner === undefined ? 4 * dModel : f.int("n_inner"),
        activation: f.activation("activation_function", "gelu_new"),
        normEps: f.num("layer_norm_epsilon", 1e-5),
        tiedHead: f.bool("tie_word_embeddings", true),
      },
    };
  }
  if (type === "gpt_neox") {
    return {
      architecture: "gpt_neox",
      config: {
        vocab: f.int("vocab_size"),
        maxSeq: f.int("max_position_embeddings", 2048),
        dModel: f.int("hidden_size"),
        nHeads: f.int("num_attention_heads"),
        nLayers: f.int("num_hidden_layers"),
        dMlp: f.int("intermediate_size"),
        activation: f.activation("hidden_act", "gelu"),
        normEps: f.num("layer_norm_eps", 1e-5),
        positions: "rotary",
        rotaryPct: f.num(hf.partial_rotary_factor !== undefined ? "partial_rotary_factor" : "rotary_pct", 0.25),
        ropeTheta: f.num(hf.rope_theta !== undefined ? "rope_theta" : "rotary_emb_base", 10000),
        ropeScaling: f.ropeScaling(),
        parallelResidual: f.bool("use_parallel_residual", true),
        attnBias: f.bool("attention_bias", true),
        tiedHead: f.bool("tie_word_embeddings", false),
      },
    };
  }
  if (type === "llama") {
    const nHeads = f.int("num_attention_heads");
    const dModel = f.int("hidden_size");
    return {
      architecture: "llama",
      config: {
        vocab: f.int("vocab_size"),
        maxSeq: f.int("max_position_embeddings", 2048),
        dModel,
        nHeads,
        nKvHeads: f.int("num_key_value_heads", nHeads),
        headDim: hf.head_dim === null || hf.head_dim === undefined ? undefined : f.int("head_dim"),
        nLayers: f.int("num_hidden_layers"),
        dMlp: f.int("intermediate_size"),
        activation: f.activation("hidden_act", "silu"),
        gatedMlp: true,
        norm: "rmsnorm",
        normEps: f.num("rms_norm_eps", 1e-6),
        positions: "rotary",
        ropeTheta: f.num("rope_theta", 10000),
        ropeScaling: f.ropeScaling(),
        fusedQkv: false,
        attnBias: f.bool("attention_bias", false),
        mlpBias: f.bool("mlp_bias", false),
        tiedHead: f.bool("tie_word_embeddings", false),
      },
    };
  }
  throw new Error(`${source}: model_type ${JSON.stringify(type)} is not supported; supported: ${HF_ARCHITECTURES.join(", ")}`);
}

const HF_ACTIVATION: Record<Activation, string> = { gelu: "gelu", gelu_tanh: "gelu_new", silu: "silu", relu: "relu" };

/**
 * A config.json for a model built in the engine, in the architecture's Hugging Face spelling
 * (inverse of {@link gptConfigFromHf}); refuses a config the architecture cannot express.
 */
export function hfConfigFromGpt(architecture: HfArchitecture, c: ResolvedGptConfig): Json {
  const need = (ok: boolean, what: string) => {
    if (!ok) throw new Error(`hfConfigFromGpt: a ${architecture} config cannot express ${what}`);
  };
  if (architecture === "gpt2") {
    need(
      c.positions === "learned" && c.norm === "layernorm" && !c.gatedMlp && !c.parallelResidual && c.fusedQkv && c.attnBias && c.mlpBias,
      "this trunk (GPT-2 is learned positions, layer norm, plain MLP, fused biased qkv)",
    );
    need(c.nKvHeads === c.nHeads && c.headDim * c.nHeads === c.dModel, "grouped-query attention or a separate headDim");
    return {
      architectures: ["GPT2LMHeadModel"],
      model_type: "gpt2",
      vocab_size: c.vocab,
      n_positions: c.maxSeq,
      n_embd: c.dModel,
      n_layer: c.nLayers,
      n_head: c.nHeads,
      n_inner: c.dMlp,
      activation_function: HF_ACTIVATION[c.activation],
      layer_norm_epsilon: c.normEps,
      tie_word_embeddings: c.tiedHead,
    };
  }
  if (architecture === "gpt_neox") {
    need(
      c.positions === "rotary" && c.norm === "layernorm" && !c.gatedMlp && c.fusedQkv && c.mlpBias,
      "this trunk (GPT-NeoX is rotary, layer norm, plain biased MLP, fused qkv)",
    );
    need(c.nKvHeads === c.nHeads && c.headDim * c.nHeads === c.dModel, "grouped-query attention or a separate headDim");
    return {
      architectures: ["GPTNeoXForCausalLM"],
      model_type: "gpt_neox",
      vocab_size: c.vocab,
      max_position_embeddings: c.maxSeq,
      hidden_size: c.dModel,
      num_attention_heads: c.nHeads,
      num_hidden_layers: c.nLayers,
      intermediate_size: c.dMlp,
      hidden_act: HF_ACTIVATION[c.activation],
      layer_norm_eps: c.normEps,
      rotary_pct: c.rotaryPct,
      rotary_emb_base: c.ropeTheta,
      rope_scaling: hfRopeScaling(c.ropeScaling),
      use_parallel_residual: c.parallelResidual,
      attention_bias: c.attnBias,
      tie_word_embeddings: c.tiedHead,
    };
  }
  need(
    c.positions === "rotary" && c.rotaryPct === 1 && c.norm === "rmsnorm" && c.gatedMlp && !c.parallelResidual && !c.fusedQkv,
    "this trunk (Llama is full rotary, RMSNorm, gated MLP, separate q/k/v)",
  );
  return {
    architectures: ["LlamaForCausalLM"],
    model_type: "llama",
    vocab_size: c.vocab,
    max_position_embeddings: c.maxSeq,
    hidden_size: c.dModel,
    intermediate_size: c.dMlp,
    num_hidden_layers: c.nLayers,
    num_attention_heads: c.nHeads,
    num_key_value_heads: c.nKvHeads,
    head_dim: c.headDim,
    hidden_act: HF_ACTIVATION[c.activation],
    rms_norm_eps: c.normEps,
    rope_theta: c.ropeTheta,
    rope_scaling: hfRopeScaling(c.ropeScaling),
    attention_bias: c.attnBias,
    mlp_bias: c.mlpBias,
    tie_word_embeddings: c.tiedHead,
  };
}

function hfRopeScaling(s: RopeScaling | null): Json | null {
  if (!s) return null;
  if (s.type === "linear") return { rope_type: "linear", factor: s.factor };
  return {
    rope_type: "llama3",
    factor: s.factor,
    low_freq_factor: s.lowFreqFactor,
    high_freq_factor: s.highFreqFactor,
    original_max_position_embeddings: s.originalMaxPositions,
  };
}
