"""The plain DPO step of `./untangle bench pytorch`, written in PyTorch eager for comparison.

Same model as untangle's Gpt (GPT-2 architecture: learned positions, pre-LN blocks, fused QKV attention
with an additive causal bias, tanh-GELU MLP, final LayerNorm, tied head), same batches (exported by the
Java side as JSON), same step: ONE forward of chosen and rejected rows padded to a common length,
summed response-token log-probs, the sigmoid DPO loss against reference log-probs, one backward,
AdamW. Reference log-probs are the model's own before the step, scored outside the clock, as on the
Java side. Prints one JSON line: torch version, threads, per-step seconds and their median.

Usage: pytorch_dpo_step.py --batches FILE --steps N --warmup W [--threads 2]
"""
import argparse
import json
import os
import math
import statistics
import time

import torch
import torch.nn as nn
import torch.nn.functional as F


class Block(nn.Module):
    def __init__(self, d, heads):
        super().__init__()
        self.heads = heads
        self.ln_1 = nn.LayerNorm(d, eps=1e-5)
        self.c_attn_w = nn.Parameter(torch.randn(d, 3 * d) * 0.02)  # Conv1D (in, out) like GPT-2
        self.c_attn_b = nn.Parameter(torch.zeros(3 * d))
        self.attn_proj_w = nn.Parameter(torch.randn(d, d) * 0.02)
        self.attn_proj_b = nn.Parameter(torch.zeros(d))
        self.ln_2 = nn.LayerNorm(d, eps=1e-5)
        self.c_fc_w = nn.Parameter(torch.randn(d, 4 * d) * 0.02)
        self.c_fc_b = nn.Parameter(torch.zeros(4 * d))
        self.mlp_proj_w = nn.Parameter(torch.randn(4 * d, d) * 0.02)
        self.mlp_proj_b = nn.Parameter(torch.zeros(d))

    def forward(self, x, causal_bias):
        b, t, d = x.shape
        hd = d // self.heads
        qkv = self.ln_1(x) @ self.c_attn_w + self.c_attn_b  # (B,T,3d)
        q, k, v = qkv.split(d, dim=2)
        q = q.view(b, t, self.heads, hd).transpose(1, 2)  # (B,H,T,hd)
        k = k.view(b, t, self.heads, hd).permute(0, 2, 3, 1)  # (B,H,hd,T)
        v = v.view(b, t, self.heads, hd).transpose(1, 2)
        scores = (q @ k) * (1.0 / math.sqrt(hd)) + causal_bias  # (B,H,T,T)
        y = (scores.softmax(-1) @ v).transpose(1, 2).reshape(b, t, d)
        x = x + (y @ self.attn_proj_w + self.attn_proj_b)
        h = self.ln_2(x) @ self.c_fc_w + self.c_fc_b
        return x + (F.gelu(h, approximate="tanh") @ self.mlp_proj_w + self.mlp_proj_b)


class Gpt(nn.Module):
    def __init__(self, vocab, context, d, layers, heads):
        super().__init__()
        self.wte = nn.Parameter(torch.randn(vocab, d) * 0.02)
        self.wpe = nn.Parameter(torch.randn(context, d) * 0.02)
        self.blocks = nn.ModuleList(Block(d, heads) for _ in range(layers))
        self.ln_f = nn.LayerNorm(d, eps=1e-5)

    def forward(self, ids):
        t = ids.shape[1]
        x = self.wte[ids] + self.wpe[:t]
        causal_bias = torch.full((t, t), float("-inf")).triu(1).view(1, 1, t, t)
        for block in self.blocks:
            x = block(x, causal_bias)
        return self.ln_f(x) @ self.wte.t()  # tied head: (B,T,V)


def stacked(batch):
    """Chosen rows then rejected rows, right-padded with zeros to one length (as the Java plain step)."""
    c, r = batch["chosen"], batch["rejected"]
    length = max(c["length"], r["length"])

    def pad(side, key, dtype):
        rows = torch.tensor(side[key], dtype=dtype).view(side["batch"], side["length"])
        return F.pad(rows, (0, length - side["length"]))

    ids = torch.cat([pad(c, "input_ids", torch.long), pad(r, "input_ids", torch.long)])
    targets = torch.cat([pad(c, "targets", torch.long), pad(r, "targets", torch.long)])
    mask = torch.cat([pad(c, "mask", torch.float32), pad(r, "mask", torch.float32)])
    return ids, targets, mask, c["batch"]


def sequence_logps(model, ids, targets, mask):
    logits = model(ids)
    token = logits.log_softmax(-1).gather(-1, targets.unsqueeze(-1)).squeeze(-1)
    return (token * mask).sum(1)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--batches", required=True)
    p.add_argument("--steps", type=int, default=20)
    p.add_argument("--warmup", type=int, default=3)
    p.add_argument("--threads", type=int, default=2)
    a = p.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(1)
    with open(a.batches) as f:
        spec = json.load(f)
    cfg = spec["config"]
    model = Gpt(cfg["vocab_size"], cfg["context_length"], cfg["width"], cfg["layers"], cfg["heads"])
    opt = torch.optim.AdamW(model.parameters(), lr=spec["lr"], weight_decay=0.0)
    beta = spec["beta"]
    batches = [stacked(b) for b in spec["batches"]]
    times = []
    for step in range(a.warmup + a.steps):
        ids, targets, mask, half = batches[step % len(batches)]
        with torch.no_grad():
            ref = sequence_logps(model, ids, targets, mask)
        start = time.perf_counter()
        logps = sequence_logps(model, ids, targets, mask)
        margin = (logps[:half] - ref[:half]) - (logps[half:] - ref[half:])
        loss = -F.logsigmoid(beta * margin).mean()
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        loss.item()
        elapsed = time.perf_counter() - start
        if step >= a.warmup:
            times.append(elapsed)
    print(json.dumps({"torch": torch.__version__, "threads": torch.get_num_threads(),
                      "blas": os.path.realpath("/usr/lib/x86_64-linux-gnu/libblas.so.3"),
                      "median_seconds": statistics.median(times), "step_seconds": times}))


if __name__ == "__main__":
    main()
