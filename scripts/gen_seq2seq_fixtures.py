#!/usr/bin/env python3
"""Golden values for nn.AdditiveAttention and nn.DotProductAttention, computed by torch expressions
of the same formulas (PyTorch has no such layers): Bahdanau's e = v^T tanh(W s + U a) and Luong's
dot / general / scaled scores, softmax over the source positions (masked positions -inf), context =
weights @ values. Same case layout as scripts/gen_rnn_fixtures.py (weights, inputs, outputs,
cotangents, gradients). Writes test/fixtures/seq2seq-attention.json.
"""
import json
import math

import torch
from torch import nn

from fixture_util import FIX
from gen_rnn_fixtures import rounded, round_module, run_case


class AdditiveAttention(nn.Module):
    def __init__(self, query_dim, key_dim, hidden, bias=True):
        super().__init__()
        self.query_proj = nn.Linear(query_dim, hidden, bias=False)
        self.key_proj = nn.Linear(key_dim, hidden, bias=bias)
        self.v = nn.Linear(hidden, 1, bias=False)

    def forward(self, query, keys, values, mask=None):
        single = query.dim() == 2
        q = query.unsqueeze(1) if single else query
        scores = self.v(torch.tanh(self.query_proj(q).unsqueeze(2) + self.key_proj(keys).unsqueeze(1))).squeeze(-1)
        return attend(scores, values, mask, single)


class DotProductAttention(nn.Module):
    def __init__(self, score, query_dim=None, key_dim=None):
        super().__init__()
        self.score = score
        self.key_proj = nn.Linear(key_dim, query_dim, bias=False) if score == "general" else None

    def forward(self, query, keys, values, mask=None):
        single = query.dim() == 2
        q = query.unsqueeze(1) if single else query
        k = keys if self.key_proj is None else self.key_proj(keys)
        scores = q @ k.transpose(1, 2)
        if self.score == "scaled":
            scores = scores / math.sqrt(q.shape[-1])
        return attend(scores, values, mask, single)


def attend(scores, values, mask, single):
    if mask is not None:
        scores = scores.masked_fill(mask.unsqueeze(1), float("-inf"))
    weights = torch.softmax(scores, -1)
    context = weights @ values
    if single:
        return {"context": context.squeeze(1), "weights": weights.squeeze(1)}
    return {"context": context, "weights": weights}


def cases():
    out = []
    f64, f32 = torch.float64, torch.float32
    mask = torch.tensor([[False, False, False, True, True], [False, False, False, False, False], [True, False, False, False, True]])

    def make(name, module, query_shape, key_dim, value_dim, dtype, with_mask, separate_values, args, options, layer):
        module = round_module(module, dtype) if module is not None and any(True for _ in module.parameters()) else module
        inputs = {"query": rounded(query_shape, dtype), "keys": rounded([3, 5, key_dim], dtype)}
        if separate_values:
            inputs["values"] = rounded([3, 5, value_dim], dtype)
        if with_mask:
            inputs["keyPaddingMask"] = mask

        def forward(m, x):
            return m(x["query"], x["keys"], x.get("values", x["keys"]), x.get("keyPaddingMask"))
        extra = {"layer": layer, "args": args, "options": options}
        if not any(True for _ in module.parameters()):
            # run_case reads the dtype from the parameters; parameter-free layers take it from the inputs.
            return run_case(name, None, inputs, lambda _, x: forward(module, x), extra)
        return run_case(name, module, inputs, forward, extra)

    torch.manual_seed(0)
    for dtype in (f64, f32):
        tag = "float64" if dtype == f64 else "float32"
        out.append(make(f"additive single step {tag}", AdditiveAttention(4, 6, 7), [3, 4], 6, 6, dtype, False, False,
                        [4, 6, 7], {}, "AdditiveAttention"))
        out.append(make(f"additive masked, separate values {tag}", AdditiveAttention(4, 6, 7), [3, 4], 6, 3, dtype, True, True,
                        [4, 6, 7], {}, "AdditiveAttention"))
        out.append(make(f"additive 2 queries, no bias {tag}", AdditiveAttention(4, 6, 5, bias=False), [3, 2, 4], 6, 6, dtype, True, False,
                        [4, 6, 5], {"bias": False}, "AdditiveAttention"))
        out.append(make(f"dot single step {tag}", DotProductAttention("dot"), [3, 6], 6, 6, dtype, False, False,
                        [], {"score": "dot"}, "DotProductAttention"))
        out.append(make(f"dot masked, 2 queries, separate values {tag}", DotProductAttention("dot"), [3, 2, 6], 6, 4, dtype, True, True,
                        [], {"score": "dot"}, "DotProductAttention"))
        out.append(make(f"scaled masked {tag}", DotProductAttention("scaled"), [3, 6], 6, 6, dtype, True, False,
                        [], {"score": "scaled"}, "DotProductAttention"))
        out.append(make(f"general masked {tag}", DotProductAttention("general", 4, 6), [3, 4], 6, 3, dtype, True, True,
                        [], {"score": "general", "queryDim": 4, "keyDim": 6}, "DotProductAttention"))
    return out


def main():
    fixture = {"cases": cases()}
    (FIX / "seq2seq-attention.json").write_text(json.dumps(fixture, separators=(",", ":")))
    print(f"wrote {len(fixture['cases'])} seq2seq attention cases")


if __name__ == "__main__":
    main()
