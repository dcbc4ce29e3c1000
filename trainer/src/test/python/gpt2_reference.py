"""Independent GPT-2 forward pass in numpy (float64), for cross-checking the Java model.

Reads a checkpoint directory written by GptWeights.save (or any Hugging Face GPT-2 checkpoint in
safetensors, F32) and prints logits for the given token ids. Written from the GPT-2 definition
(Radford et al. 2019; the Hugging Face GPT2Model layout), not from the Java code:
  x = wte[ids] + wpe[:T]
  per block: x += attn(ln_1(x)); x += mlp(ln_2(x))
  attn: qkv = x @ c_attn.weight + bias (Conv1D, weight is (in, out)); split q, k, v along the last axis;
        heads; softmax(q k^T / sqrt(hd) + causal mask) v; merge heads; @ c_proj
  mlp: gelu_new(x @ c_fc + b) @ c_proj + b, gelu_new = 0.5 x (1 + tanh(sqrt(2/pi)(x + 0.044715 x^3)))
  logits = ln_f(x) @ wte^T (tied) or @ lm_head.weight^T

usage: python3 gpt2_reference.py (needs numpy) CHECKPOINT_DIR "ids,ids,..." [positions] [vocab entries]
"""
import json
import struct
import sys

import numpy as np


def read_safetensors(path):
    with open(path, "rb") as f:
        data = f.read()
    (n,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8:8 + n])
    out = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        assert info["dtype"] == "F32", (name, info["dtype"])
        b, e = info["data_offsets"]
        out[name.removeprefix("transformer.")] = np.frombuffer(
            data[8 + n + b:8 + n + e], dtype="<f4").astype(np.float64).reshape(info["shape"])
    return out


def layer_norm(x, w, b, eps):
    mu = x.mean(-1, keepdims=True)
    var = ((x - mu) ** 2).mean(-1, keepdims=True)
    return (x - mu) / np.sqrt(var + eps) * w + b


def gelu_new(x):
    return 0.5 * x * (1 + np.tanh(np.sqrt(2 / np.pi) * (x + 0.044715 * x ** 3)))


def forward(w, cfg, ids):
    t = len(ids)
    d, h, eps = cfg["n_embd"], cfg["n_head"], cfg["layer_norm_epsilon"]
    hd = d // h
    x = w["wte.weight"][ids] + w["wpe.weight"][:t]
    mask = np.triu(np.full((t, t), -np.inf), 1)
    for i in range(cfg["n_layer"]):
        p = f"h.{i}."
        a = layer_norm(x, w[p + "ln_1.weight"], w[p + "ln_1.bias"], eps)
        qkv = a @ w[p + "attn.c_attn.weight"] + w[p + "attn.c_attn.bias"]
        q, k, v = np.split(qkv, 3, axis=-1)
        q, k, v = (m.reshape(t, h, hd).transpose(1, 0, 2) for m in (q, k, v))
        s = q @ k.transpose(0, 2, 1) / np.sqrt(hd) + mask
        s = np.exp(s - s.max(-1, keepdims=True))
        s /= s.sum(-1, keepdims=True)
        y = (s @ v).transpose(1, 0, 2).reshape(t, d)
        x = x + y @ w[p + "attn.c_proj.weight"] + w[p + "attn.c_proj.bias"]
        m = layer_norm(x, w[p + "ln_2.weight"], w[p + "ln_2.bias"], eps)
        m = gelu_new(m @ w[p + "mlp.c_fc.weight"] + w[p + "mlp.c_fc.bias"])
        x = x + m @ w[p + "mlp.c_proj.weight"] + w[p + "mlp.c_proj.bias"]
    x = layer_norm(x, w["ln_f.weight"], w["ln_f.bias"], eps)
    head = w["wte.weight"] if cfg.get("tie_word_embeddings", True) else w["lm_head.weight"]
    return x @ head.T


if __name__ == "__main__":
    directory = sys.argv[1]
    ids = [int(s) for s in sys.argv[2].split(",")]
    cfg = json.load(open(directory + "/config.json"))
    logits = forward(read_safetensors(directory + "/model.safetensors"), cfg, ids)
    positions = [int(s) for s in sys.argv[3].split(",")] if len(sys.argv) > 3 else range(len(ids))
    entries = [int(s) for s in sys.argv[4].split(",")] if len(sys.argv) > 4 else range(4)
    for t in positions:
        print(t, " ".join(f"{logits[t, v]:.9f}" for v in entries))
