#!/usr/bin/env python3
"""Creates tiny random GPT-2, GPT-NeoX and Llama checkpoints in the Hugging Face layout, and the
logits an independent PyTorch forward gives for fixed token ids.

Written from the published equations and the HF config semantics (the transformers package is not
used). Run by hand with Debian's python3-torch (1.13), never in CI:

    python3 tools/reference/tiny_checkpoints.py fixtures/models

Each model folder gets config.json, model.safetensors (HF tensor names, float32), tokenizer.json
(byte-level BPE without merges: token id = byte value, plus <|endoftext|>) and expected.safetensors
(`ids` int64 (B, T) and `logits` float32 (B, T, V), computed in float64 from the float32 weights).
"""
import json
import math
import os
import struct
import sys

import torch

TEXTS = ["Goodhart's law: when a measure", "becomes a target, it ceases to"]
VOCAB = 257  # 256 bytes + <|endoftext|>
EOT = 256


# ---------------------------------------------------------------- safetensors (tiny writer)
def write_safetensors(path, tensors, metadata=None):
    """tensors: dict name -> torch tensor (float32 or int64). Layout as the reference writer:
    larger dtypes first, then by name; header padded with spaces to 8 bytes."""
    codes = {torch.float32: ("F32", 4), torch.int64: ("I64", 8)}
    names = sorted(tensors, key=lambda n: (-codes[tensors[n].dtype][1], n))
    header, offset, blobs = {}, 0, []
    for n in names:
        t = tensors[n].contiguous()
        code, _ = codes[t.dtype]
        data = t.numpy().tobytes()
        header[n] = {"dtype": code, "shape": list(t.shape), "data_offsets": [offset, offset + len(data)]}
        offset += len(data)
        blobs.append(data)
    if metadata is not None:
        header["__metadata__"] = metadata
    text = json.dumps(header, separators=(",", ":")).encode()
    text += b" " * ((8 - len(text) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)))
        f.write(text)
        for b in blobs:
            f.write(b)


# ---------------------------------------------------------------- tokenizer.json
def bytes_to_unicode():
    """GPT-2's reversible byte -> printable character map."""
    bs = list(range(ord("!"), ord("~") + 1)) + list(range(ord("¡"), ord("¬") + 1)) + list(range(ord("®"), ord("ÿ") + 1))
    cs = bs[:]
    n = 0
    for b in range(256):
        if b not in bs:
            bs.append(b)
            cs.append(256 + n)
            n += 1
    return {b: chr(c) for b, c in zip(bs, cs)}


def tokenizer_json():
    chars = bytes_to_unicode()
    vocab = {chars[b]: b for b in range(256)}
    vocab["<|endoftext|>"] = EOT
    return {
        "version": "1.0",
        "truncation": None,
        "padding": None,
        "added_tokens": [{"id": EOT, "content": "<|endoftext|>", "single_word": False, "lstrip": False, "rstrip": False, "normalized": True, "special": True}],
        "normalizer": None,
        "pre_tokenizer": {"type": "ByteLevel", "add_prefix_space": False, "trim_offsets": True, "use_regex": True},
        "post_processor": {"type": "ByteLevel", "add_prefix_space": True, "trim_offsets": False, "use_regex": True},
        "decoder": {"type": "ByteLevel", "add_prefix_space": True, "trim_offsets": True, "use_regex": True},
        "model": {"type": "BPE", "dropout": None, "unk_token": None, "continuing_subword_prefix": "", "end_of_word_suffix": "", "fuse_unk": False, "byte_fallback": False, "vocab": vocab, "merges": []},
    }


def token_ids():
    rows = [list(t.encode("utf-8")) for t in TEXTS]
    assert len(set(map(len, rows))) == 1, "rows must have one length (no padding in the reference)"
    return torch.tensor(rows, dtype=torch.int64)


# ---------------------------------------------------------------- shared pieces (float64)
def layer_norm(x, w, b, eps):
    mu = x.mean(-1, keepdim=True)
    var = ((x - mu) ** 2).mean(-1, keepdim=True)
    return (x - mu) / torch.sqrt(var + eps) * w + b


def rms_norm(x, w, eps):
    return x / torch.sqrt((x * x).mean(-1, keepdim=True) + eps) * w


def act(name, x):
    if name == "gelu":  # exact, erf form
        return 0.5 * x * (1 + torch.erf(x / math.sqrt(2)))
    if name in ("gelu_new", "gelu_pytorch_tanh"):
        return 0.5 * x * (1 + torch.tanh(math.sqrt(2 / math.pi) * (x + 0.044715 * x ** 3)))
    if name == "silu":
        return x / (1 + torch.exp(-x))
    raise ValueError(name)


def causal_attention(q, k, v):
    """q (B, H, T, D), k/v (B, H, T, D) -> (B, H, T, D); scale 1/sqrt(D)."""
    T, D = q.shape[2], q.shape[3]
    s = q @ k.transpose(-1, -2) / math.sqrt(D)
    future = torch.triu(torch.ones(T, T, dtype=torch.bool), diagonal=1)
    s = s.masked_fill(future, float("-inf"))
    return torch.softmax(s, -1) @ v


def inv_frequencies(dim, theta, scaling):
    """Rotary inverse frequencies for `dim` rotated dims, with HF's rope_scaling rules."""
    inv = 1.0 / theta ** (torch.arange(0, dim, 2, dtype=torch.float64) / dim)
    if scaling is None:
        return inv
    kind = scaling.get("rope_type", scaling.get("type"))
    if kind == "linear":
        return inv / scaling["factor"]
    if kind == "llama3":
        factor, lo, hi = scaling["factor"], scaling["low_freq_factor"], scaling["high_freq_factor"]
        old = scaling["original_max_position_embeddings"]
        out = []
        for f in inv.tolist():
            wavelen = 2 * math.pi / f
            if wavelen < old / hi:
                out.append(f)
            elif wavelen > old / lo:
                out.append(f / factor)
            else:
                smooth = (old / wavelen - lo) / (hi - lo)
                out.append((1 - smooth) * f / factor + smooth * f)
        return torch.tensor(out, dtype=torch.float64)
    raise ValueError(kind)


def rotate(x, inv_freq):
    """Rotary embedding (rotate-half convention) on the first 2*len(inv_freq) dims of x (B, H, T, D)."""
    T = x.shape[2]
    r = 2 * inv_freq.shape[0]
    ang = torch.arange(T, dtype=torch.float64)[:, None] * inv_freq[None, :]  # (T, r/2)
    cos, sin = torch.cos(ang), torch.sin(ang)
    x1, x2, rest = x[..., : r // 2], x[..., r // 2 : r], x[..., r:]
    return torch.cat([x1 * cos - x2 * sin, x2 * cos + x1 * sin, rest], -1)


def heads(x, n):
    B, T, C = x.shape
    return x.reshape(B, T, n, C // n).transpose(1, 2)


def merge(x):
    B, H, T, D = x.shape
    return x.transpose(1, 2).reshape(B, T, H * D)


# ---------------------------------------------------------------- GPT-2
def gpt2_forward(cfg, w, ids):
    T = ids.shape[1]
    x = w["transformer.wte.weight"][ids] + w["transformer.wpe.weight"][torch.arange(T)]
    eps, H, C = cfg["layer_norm_epsilon"], cfg["n_head"], cfg["n_embd"]
    for i in range(cfg["n_layer"]):
        p = f"transformer.h.{i}."
        h = layer_norm(x, w[p + "ln_1.weight"], w[p + "ln_1.bias"], eps)
        qkv = h @ w[p + "attn.c_attn.weight"] + w[p + "attn.c_attn.bias"]  # Conv1D: (in, out)
        q, k, v = qkv.split(C, -1)
        a = merge(causal_attention(heads(q, H), heads(k, H), heads(v, H)))
        x = x + a @ w[p + "attn.c_proj.weight"] + w[p + "attn.c_proj.bias"]
        h = layer_norm(x, w[p + "ln_2.weight"], w[p + "ln_2.bias"], eps)
        m = act(cfg["activation_function"], h @ w[p + "mlp.c_fc.weight"] + w[p + "mlp.c_fc.bias"])
        x = x + m @ w[p + "mlp.c_proj.weight"] + w[p + "mlp.c_proj.bias"]
    x = layer_norm(x, w["transformer.ln_f.weight"], w["transformer.ln_f.bias"], eps)
    return x @ w["transformer.wte.weight"].T  # tied head


def gpt2_shapes(cfg):
    C, I, V, P = cfg["n_embd"], cfg["n_inner"] or 4 * cfg["n_embd"], cfg["vocab_size"], cfg["n_positions"]
    s = {"transformer.wte.weight": (V, C), "transformer.wpe.weight": (P, C), "transformer.ln_f.weight": (C,), "transformer.ln_f.bias": (C,)}
    for i in range(cfg["n_layer"]):
        p = f"transformer.h.{i}."
        s.update({p + "ln_1.weight": (C,), p + "ln_1.bias": (C,), p + "attn.c_attn.weight": (C, 3 * C), p + "attn.c_attn.bias": (3 * C,),
                  p + "attn.c_proj.weight": (C, C), p + "attn.c_proj.bias": (C,), p + "ln_2.weight": (C,), p + "ln_2.bias": (C,),
                  p + "mlp.c_fc.weight": (C, I), p + "mlp.c_fc.bias": (I,), p + "mlp.c_proj.weight": (I, C), p + "mlp.c_proj.bias": (C,)})
    return s


# ---------------------------------------------------------------- GPT-NeoX
def neox_forward(cfg, w, ids):
    C, H = cfg["hidden_size"], cfg["num_attention_heads"]
    D = C // H
    eps = cfg["layer_norm_eps"]
    rot = int(D * cfg["rotary_pct"])
    inv = inv_frequencies(rot, cfg["rotary_emb_base"], None)
    x = w["gpt_neox.embed_in.weight"][ids]
    B, T, _ = x.shape
    for i in range(cfg["num_hidden_layers"]):
        p = f"gpt_neox.layers.{i}."
        h = layer_norm(x, w[p + "input_layernorm.weight"], w[p + "input_layernorm.bias"], eps)
        qkv = h @ w[p + "attention.query_key_value.weight"].T + w[p + "attention.query_key_value.bias"]
        qkv = qkv.reshape(B, T, H, 3 * D).transpose(1, 2)  # per head: [q | k | v]
        q, k, v = qkv[..., :D], qkv[..., D : 2 * D], qkv[..., 2 * D :]
        a = merge(causal_attention(rotate(q, inv), rotate(k, inv), v))
        attn = a @ w[p + "attention.dense.weight"].T + w[p + "attention.dense.bias"]

        def mlp(y):
            m = act(cfg["hidden_act"], y @ w[p + "mlp.dense_h_to_4h.weight"].T + w[p + "mlp.dense_h_to_4h.bias"])
            return m @ w[p + "mlp.dense_4h_to_h.weight"].T + w[p + "mlp.dense_4h_to_h.bias"]

        ln2 = lambda y: layer_norm(y, w[p + "post_attention_layernorm.weight"], w[p + "post_attention_layernorm.bias"], eps)
        if cfg["use_parallel_residual"]:
            x = x + attn + mlp(ln2(x))
        else:
            x = x + attn
            x = x + mlp(ln2(x))
    x = layer_norm(x, w["gpt_neox.final_layer_norm.weight"], w["gpt_neox.final_layer_norm.bias"], eps)
    return x @ w["embed_out.weight"].T


def neox_shapes(cfg):
    C, I, V = cfg["hidden_size"], cfg["intermediate_size"], cfg["vocab_size"]
    s = {"gpt_neox.embed_in.weight": (V, C), "gpt_neox.final_layer_norm.weight": (C,), "gpt_neox.final_layer_norm.bias": (C,), "embed_out.weight": (V, C)}
    for i in range(cfg["num_hidden_layers"]):
        p = f"gpt_neox.layers.{i}."
        s.update({p + "input_layernorm.weight": (C,), p + "input_layernorm.bias": (C,), p + "post_attention_layernorm.weight": (C,),
                  p + "post_attention_layernorm.bias": (C,), p + "attention.query_key_value.weight": (3 * C, C),
                  p + "attention.query_key_value.bias": (3 * C,), p + "attention.dense.weight": (C, C), p + "attention.dense.bias": (C,),
                  p + "mlp.dense_h_to_4h.weight": (I, C), p + "mlp.dense_h_to_4h.bias": (I,), p + "mlp.dense_4h_to_h.weight": (C, I),
                  p + "mlp.dense_4h_to_h.bias": (C,)})
    return s


# ---------------------------------------------------------------- Llama
def llama_forward(cfg, w, ids):
    C, H, Hkv = cfg["hidden_size"], cfg["num_attention_heads"], cfg["num_key_value_heads"]
    D = cfg.get("head_dim") or C // H
    eps = cfg["rms_norm_eps"]
    inv = inv_frequencies(D, cfg["rope_theta"], cfg.get("rope_scaling"))
    ab, mb = cfg["attention_bias"], cfg["mlp_bias"]

    def lin(y, name, bias):
        out = y @ w[name + ".weight"].T
        return out + w[name + ".bias"] if bias else out

    x = w["model.embed_tokens.weight"][ids]
    B, T, _ = x.shape
    for i in range(cfg["num_hidden_layers"]):
        p = f"model.layers.{i}."
        h = rms_norm(x, w[p + "input_layernorm.weight"], eps)
        q = lin(h, p + "self_attn.q_proj", ab).reshape(B, T, H, D).transpose(1, 2)
        k = lin(h, p + "self_attn.k_proj", ab).reshape(B, T, Hkv, D).transpose(1, 2)
        v = lin(h, p + "self_attn.v_proj", ab).reshape(B, T, Hkv, D).transpose(1, 2)
        rep = H // Hkv  # query head j reads key/value head j // rep
        k = k.repeat_interleave(rep, dim=1)
        v = v.repeat_interleave(rep, dim=1)
        a = merge(causal_attention(rotate(q, inv), rotate(k, inv), v))
        x = x + lin(a, p + "self_attn.o_proj", ab)
        h = rms_norm(x, w[p + "post_attention_layernorm.weight"], eps)
        g = act(cfg["hidden_act"], lin(h, p + "mlp.gate_proj", mb)) * lin(h, p + "mlp.up_proj", mb)
        x = x + lin(g, p + "mlp.down_proj", mb)
    x = rms_norm(x, w["model.norm.weight"], eps)
    head = w["model.embed_tokens.weight"] if cfg["tie_word_embeddings"] else w["lm_head.weight"]
    return x @ head.T


def llama_shapes(cfg):
    C, I, V, H, Hkv = cfg["hidden_size"], cfg["intermediate_size"], cfg["vocab_size"], cfg["num_attention_heads"], cfg["num_key_value_heads"]
    D = cfg.get("head_dim") or C // H
    s = {"model.embed_tokens.weight": (V, C), "model.norm.weight": (C,)}
    if not cfg["tie_word_embeddings"]:
        s["lm_head.weight"] = (V, C)
    for i in range(cfg["num_hidden_layers"]):
        p = f"model.layers.{i}."
        s.update({p + "input_layernorm.weight": (C,), p + "post_attention_layernorm.weight": (C,)})
        for name, out, inn, bias in [("self_attn.q_proj", H * D, C, cfg["attention_bias"]), ("self_attn.k_proj", Hkv * D, C, cfg["attention_bias"]),
                                     ("self_attn.v_proj", Hkv * D, C, cfg["attention_bias"]), ("self_attn.o_proj", C, H * D, cfg["attention_bias"]),
                                     ("mlp.gate_proj", I, C, cfg["mlp_bias"]), ("mlp.up_proj", I, C, cfg["mlp_bias"]), ("mlp.down_proj", C, I, cfg["mlp_bias"])]:
            s[p + name + ".weight"] = (out, inn)
            if bias:
                s[p + name + ".bias"] = (out,)
    return s


# ---------------------------------------------------------------- the tiny models
MODELS = {
    "tiny-gpt2": ("gpt2", {
        "architectures": ["GPT2LMHeadModel"], "model_type": "gpt2", "vocab_size": VOCAB, "n_positions": 64, "n_embd": 32, "n_layer": 2,
        "n_head": 4, "n_inner": None, "activation_function": "gelu_new", "layer_norm_epsilon": 1e-5, "resid_pdrop": 0.0, "embd_pdrop": 0.0,
        "attn_pdrop": 0.0, "initializer_range": 0.02, "scale_attn_weights": True, "tie_word_embeddings": True, "bos_token_id": EOT,
        "eos_token_id": EOT, "torch_dtype": "float32"}),
    "tiny-gpt-neox": ("neox", {
        "architectures": ["GPTNeoXForCausalLM"], "model_type": "gpt_neox", "vocab_size": VOCAB, "max_position_embeddings": 64,
        "hidden_size": 64, "num_hidden_layers": 2, "num_attention_heads": 4, "intermediate_size": 128, "hidden_act": "gelu",
        "rotary_pct": 0.25, "rotary_emb_base": 10000, "layer_norm_eps": 1e-5, "use_parallel_residual": True, "tie_word_embeddings": False,
        "bos_token_id": EOT, "eos_token_id": EOT, "torch_dtype": "float32"}),
    "tiny-gpt-neox-sequential": ("neox", {
        "architectures": ["GPTNeoXForCausalLM"], "model_type": "gpt_neox", "vocab_size": VOCAB, "max_position_embeddings": 64,
        "hidden_size": 32, "num_hidden_layers": 2, "num_attention_heads": 2, "intermediate_size": 64, "hidden_act": "gelu_new",
        "rotary_pct": 0.5, "rotary_emb_base": 500, "layer_norm_eps": 1e-5, "use_parallel_residual": False, "tie_word_embeddings": False,
        "bos_token_id": EOT, "eos_token_id": EOT, "torch_dtype": "float32"}),
    "tiny-llama": ("llama", {
        "architectures": ["LlamaForCausalLM"], "model_type": "llama", "vocab_size": VOCAB, "max_position_embeddings": 64, "hidden_size": 32,
        "intermediate_size": 48, "num_hidden_layers": 2, "num_attention_heads": 4, "num_key_value_heads": 2, "hidden_act": "silu",
        "rms_norm_eps": 1e-6, "rope_theta": 500000.0,
        "rope_scaling": {"rope_type": "llama3", "factor": 8.0, "low_freq_factor": 1.0, "high_freq_factor": 4.0, "original_max_position_embeddings": 16},
        "attention_bias": False, "mlp_bias": False, "tie_word_embeddings": False, "bos_token_id": EOT, "eos_token_id": EOT, "torch_dtype": "float32"}),
    "tiny-llama-bias-tied": ("llama", {
        "architectures": ["LlamaForCausalLM"], "model_type": "llama", "vocab_size": VOCAB, "max_position_embeddings": 64, "hidden_size": 32,
        "intermediate_size": 40, "num_hidden_layers": 2, "num_attention_heads": 4, "num_key_value_heads": 4, "hidden_act": "silu",
        "rms_norm_eps": 1e-5, "rope_theta": 10000.0, "rope_scaling": {"type": "linear", "factor": 2.0},
        "attention_bias": True, "mlp_bias": True, "tie_word_embeddings": True, "bos_token_id": EOT, "eos_token_id": EOT, "torch_dtype": "float32"}),
}
FORWARD = {"gpt2": (gpt2_forward, gpt2_shapes), "neox": (neox_forward, neox_shapes), "llama": (llama_forward, llama_shapes)}


def random_weights(shapes, seed):
    """Weights large enough that logits vary (std 0.3), norm gains around 1, biases around 0."""
    g = torch.Generator().manual_seed(seed)
    w = {}
    for name, shape in sorted(shapes.items()):
        t = torch.randn(shape, generator=g, dtype=torch.float32)
        if len(shape) == 1 and "norm" in name or name.endswith(("ln_1.weight", "ln_2.weight", "ln_f.weight")):
            w[name] = 1 + 0.1 * t if name.endswith("weight") else 0.1 * t
        elif len(shape) == 1:
            w[name] = 0.1 * t
        else:
            w[name] = 0.3 * t
    return w


def main(out_root):
    ids = token_ids()
    for seed, (folder, (kind, cfg)) in enumerate(MODELS.items(), start=1):
        forward, shapes = FORWARD[kind]
        w32 = random_weights(shapes(cfg), seed)
        logits = forward(cfg, {k: v.double() for k, v in w32.items()}, ids).float()
        out = os.path.join(out_root, folder)
        os.makedirs(out, exist_ok=True)
        write_safetensors(os.path.join(out, "model.safetensors"), w32, {"format": "pt"})
        with open(os.path.join(out, "config.json"), "w") as f:
            json.dump(cfg, f, indent=2)
            f.write("\n")
        with open(os.path.join(out, "tokenizer.json"), "w") as f:
            json.dump(tokenizer_json(), f, ensure_ascii=False, indent=1)
            f.write("\n")
        write_safetensors(os.path.join(out, "expected.safetensors"), {"ids": ids, "logits": logits.contiguous()},
                          {"texts": json.dumps(TEXTS), "generator": "tools/reference/tiny_checkpoints.py", "torch": torch.__version__, "seed": str(seed)})
        print(f"{folder}: {sum(t.numel() for t in w32.values())} parameters, logits {tuple(logits.shape)}, |logit| max {logits.abs().max():.3f}")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "fixtures/models")
