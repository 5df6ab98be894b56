#!/usr/bin/env python3
"""Runs every op-table sample through PyTorch and records outputs and input gradients.

Reads test/fixtures/op-samples.json (written by scripts/dump_samples.ts), evaluates each entry's
`torch` expression on the same inputs in float64 and float32, backpropagates the fixed
cotangent w[i] = sin(i + 1) from every float output, and writes test/fixtures/ops.json.
Needs Debian's python3-torch; the tests only read the JSON.
"""
import json
import math

import torch
import torch.nn.functional  # noqa: F401  (used by the expressions)

from fixture_util import FIX, dtype_name, tensor_values


def decode(v):
    return float(v) if isinstance(v, str) else v


def build(inp, float_dtype, requires_grad):
    values = [decode(v) for v in inp["values"]]
    if inp["dtype"] == "float":
        t = torch.tensor(values, dtype=float_dtype).reshape(inp["shape"])
        return t.requires_grad_(requires_grad)
    if inp["dtype"] == "int32":
        return torch.tensor(values, dtype=torch.int64).reshape(inp["shape"])
    return torch.tensor([bool(v) for v in values], dtype=torch.bool).reshape(inp["shape"])


def run(entry, sample, float_dtype):
    inputs = [build(i, float_dtype, entry["differentiable"]) for i in sample["inputs"]]
    env = {"torch": torch, "a": sample["attrs"], "math": math}
    env.update({f"x{i}": t for i, t in enumerate(inputs)})
    out = eval(entry["torch"], env)
    outs = list(out) if isinstance(out, (tuple, list)) else [out]
    loss = None
    for o in outs:
        if o.is_floating_point() and o.requires_grad:
            w = torch.sin(torch.arange(1, o.numel() + 1, dtype=torch.float64)).to(o.dtype).reshape(o.shape)
            term = (o * w).sum()
            loss = term if loss is None else loss + term
    grads = [None] * len(inputs)
    if loss is not None:
        loss.backward()
        grads = [tensor_values(t.grad) if t.is_floating_point() and t.grad is not None else None
                 for t in inputs]
    return {
        "outputs": [{"shape": list(o.shape), "dtype": dtype_name(o),
                     "values": tensor_values(o)} for o in outs],
        "grads": grads,
    }


def main():
    entries = json.loads((FIX / "op-samples.json").read_text())
    result = []
    for entry in entries:
        samples = []
        for sample in entry["samples"]:
            try:
                samples.append({**sample, "float64": run(entry, sample, torch.float64),
                                "float32": run(entry, sample, torch.float32)})
            except Exception as e:  # report which entry broke, then stop
                raise SystemExit(f"{entry['name']}: {e}")
        result.append({"name": entry["name"], "samples": samples})
    (FIX / "ops.json").write_text(json.dumps(result, separators=(",", ":")))
    print(f"wrote {len(result)} entries, torch {torch.__version__}")


if __name__ == "__main__":
    main()
