"""PyTorch eager peer of the engine benchmarks (benchmark only, never CI).

Run by tools/bench/engine-torch-peer.ts with Debian's /usr/bin/python3 (python3-torch). Builds the
same models as the engine benchmarks, written out here in plain torch (no transformers package):
  - the engine bench's transformer (vocab 256, 4 layers, 8 heads, seq 128, batch 16, untied head,
    exact GELU, AdamW with weight decay 0.1 and clipping to norm 1) at d256 and d512;
  - a GPT-2-small-shaped model (random weights, tied head, gelu tanh): forward, LoRA training (rank
    8 on the attention projections), full training (batch 4 x seq) and KV-cache generation.
Prints one JSON object of timings (medians) on stdout.
"""
import json
import math
import resource
import sys
import time

import torch
import torch.nn as nn
import torch.nn.functional as F


class Block(nn.Module):
    def __init__(self, d, heads, gelu):
        super().__init__()
        self.heads = heads
        self.ln1 = nn.LayerNorm(d)
        self.qkv = nn.Linear(d, 3 * d)
        self.proj = nn.Linear(d, d)
        self.ln2 = nn.LayerNorm(d)
        self.up = nn.Linear(d, 4 * d)
        self.down = nn.Linear(4 * d, d)
        self.gelu = gelu
        self.lora = None

    def attn(self, x, past=None):
        b, t, c = x.shape
        qkv = self.qkv(x)
        if self.lora is not None:
            qkv = qkv + self.lora["qkv"](x)
        q, k, v = qkv.split(c, dim=2)
        shape = lambda z: z.view(b, t, self.heads, c // self.heads).transpose(1, 2)
        q, k, v = shape(q), shape(k), shape(v)
        if past is not None:
            k = torch.cat([past[0], k], dim=2)
            v = torch.cat([past[1], v], dim=2)
        tk = k.shape[2]
        scores = (q @ k.transpose(-2, -1)) / math.sqrt(c // self.heads)
        mask = torch.ones(t, tk, dtype=torch.bool).tril(tk - t)
        scores = scores.masked_fill(~mask, float("-inf"))
        o = (scores.softmax(-1) @ v).transpose(1, 2).reshape(b, t, c)
        out = self.proj(o)
        if self.lora is not None:
            out = out + self.lora["proj"](o)
        return out, (k, v)

    def forward(self, x, past=None):
        a, present = self.attn(self.ln1(x), past)
        x = x + a
        x = x + self.down(F.gelu(self.up(self.ln2(x)), approximate=self.gelu))
        return x, present


class Lm(nn.Module):
    def __init__(self, vocab, seq, d, layers, heads, tied, gelu):
        super().__init__()
        self.tok = nn.Embedding(vocab, d)
        self.pos = nn.Embedding(seq, d)
        self.blocks = nn.ModuleList([Block(d, heads, gelu) for _ in range(layers)])
        self.ln_f = nn.LayerNorm(d)
        self.head = None if tied else nn.Linear(d, vocab, bias=False)
        for p in self.parameters():
            if p.dim() >= 2:
                nn.init.normal_(p, std=0.02)

    def forward(self, ids, past=None, start=0):
        t = ids.shape[1]
        x = self.tok(ids) + self.pos(torch.arange(start, start + t))
        presents = []
        for i, blk in enumerate(self.blocks):
            x, kv = blk(x, None if past is None else past[i])
            presents.append(kv)
        x = self.ln_f(x)
        logits = x @ self.tok.weight.T if self.head is None else self.head(x)
        return logits, presents


class LoraLinear(nn.Module):
    def __init__(self, d_in, d_out, rank=8, alpha=16):
        super().__init__()
        self.a = nn.Parameter(torch.empty(d_in, rank).uniform_(-1 / math.sqrt(d_in), 1 / math.sqrt(d_in)))
        self.b = nn.Parameter(torch.zeros(rank, d_out))
        self.scale = alpha / rank

    def forward(self, x):
        return (x @ self.a @ self.b) * self.scale


def median(xs):
    s = sorted(xs)
    n = len(s)
    return s[n // 2] if n % 2 else (s[n // 2 - 1] + s[n // 2]) / 2


def cpu_s():
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def train_steps(model, params, batch, seq, vocab, steps, warmup, lr=3e-4):
    decay = [p for p in params if p.dim() >= 2]
    rest = [p for p in params if p.dim() < 2]
    opt = torch.optim.AdamW([{"params": decay, "weight_decay": 0.1}, {"params": rest, "weight_decay": 0.0}], lr=lr, eps=1e-8)
    gen = torch.Generator().manual_seed(0)
    wall, cpu = [], []
    for i in range(warmup + steps):
        data = torch.randint(0, vocab, (batch, seq + 1), generator=gen)
        t0, c0 = time.perf_counter(), cpu_s()
        logits, _ = model(data[:, :-1])
        loss = F.cross_entropy(logits.reshape(-1, vocab), data[:, 1:].reshape(-1))
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(params, 1.0)
        opt.step()
        if not math.isfinite(loss.item()):
            raise RuntimeError(f"loss {loss.item()} at step {i}")
        if i >= warmup:
            wall.append(time.perf_counter() - t0)
            cpu.append(cpu_s() - c0)
    return {"step_s": median(wall), "cpu_s": median(cpu), "tokens_per_s": batch * seq / median(wall)}


def gemm_gflops_per_cpu_s(n=1024, reps=5):
    """Which BLAS torch got: Debian's torch without libopenblas0-pthread runs the reference BLAS
    (about 8 GFLOP per CPU-second here, against 100-110 with OpenBLAS)."""
    a, b = torch.randn(n, n), torch.randn(n, n)
    a @ b
    c0 = cpu_s()
    for _ in range(reps):
        a @ b
    return 2 * n**3 * reps / (cpu_s() - c0) / 1e9


def main():
    args = json.loads(sys.argv[1])
    torch.set_num_threads(args["threads"])
    torch.manual_seed(0)
    steps = args.get("steps", 3)
    out = {"torch": torch.__version__, "threads": torch.get_num_threads(), "gemm_gflops_per_cpu_s": gemm_gflops_per_cpu_s()}
    for d in args.get("engine_d", [256, 512]):
        m = Lm(256, 128, d, 4, 8, tied=False, gelu="none")
        out[f"d{d}"] = train_steps(m, list(m.parameters()), 16, 128, 256, steps, 2)
        del m
    if args.get("gpt2", True):
        g = args["gpt2_shape"]
        seq, batch, vocab = args["gpt2_seq"], args["gpt2_batch"], g["vocab"]
        model = Lm(vocab, g["maxSeq"], g["dModel"], g["nLayers"], g["nHeads"], tied=True, gelu="tanh")
        gen = torch.Generator().manual_seed(1)
        with torch.no_grad():
            times = []
            for i in range(1 + steps):
                ids = torch.randint(0, vocab, (batch, seq), generator=gen)
                t0 = time.perf_counter()
                model(ids)
                if i:
                    times.append(time.perf_counter() - t0)
            out["gpt2_forward"] = {"tokens_per_s": batch * seq / median(times)}
            # KV-cache generation: greedy, prompt p tokens, n new tokens per row.
            p, n, gb = args["gen_prompt"], args["gen_new"], args["gen_batch"]
            times = []
            for r in range(1 + max(1, steps - 1)):
                ids = torch.randint(0, vocab, (gb, p), generator=gen)
                t0 = time.perf_counter()
                logits, past = model(ids)
                nxt = logits[:, -1].argmax(-1, keepdim=True)
                for k in range(n - 1):
                    logits, past = model(nxt, past, start=p + k)
                    nxt = logits[:, -1].argmax(-1, keepdim=True)
                if r:
                    times.append(time.perf_counter() - t0)
            out["gpt2_gen_kv"] = {"tokens_per_s": gb * n / median(times)}
        # LoRA: rank 8 on qkv and proj of every block; the base frozen.
        for p_ in model.parameters():
            p_.requires_grad_(False)
        d = g["dModel"]
        lora_params = []
        for blk in model.blocks:
            blk.lora = nn.ModuleDict({"qkv": LoraLinear(d, 3 * d), "proj": LoraLinear(d, d)})
            lora_params += list(blk.lora.parameters())
        out["gpt2_lora_train"] = train_steps(model, lora_params, batch, seq, vocab, steps, 1, lr=1e-4)
        for blk in model.blocks:
            blk.lora = None
        for p_ in model.parameters():
            p_.requires_grad_(True)
        out["gpt2_full_train"] = train_steps(model, list(model.parameters()), batch, seq, vocab, steps, 1, lr=1e-4)
        out["gpt2_full_train"]["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps(out))


if __name__ == "__main__":
    main()
