#!/usr/bin/env python3
"""Golden values for the convolution, pooling and normalization layers (issue 3).

For each case, builds the torch module, randomizes its parameters, and records its state dict
(keys in order, shapes, values), then runs one or more steps (train or eval mode) on random
inputs: the output and the gradients of the input and of every parameter for the cotangent
w[i] = sin(i + 1), plus the state after all steps (batch norm's running statistics).
The TypeScript tests build the Nabla layer from `args`/`options` (Nabla's names), load the
state dict and compare. Cases Nabla supports and torch does not ('same' padding with stride > 1)
run torch on an explicitly padded input (`torch_pad`, F.pad order: last dim first).

Writes test/fixtures/conv-conv.json, conv-pool.json and conv-norm.json.
Run: /usr/bin/python3 scripts/gen_conv_fixtures.py (Debian's python3-torch).
"""
import json

import torch
import torch.nn as nn
import torch.nn.functional as F

from fixture_util import FIX, tensor_values


def same_pads(in_size, kernel, stride, dilation):
    """TensorFlow's SAME placement, as F.pad wants it (last dim first)."""
    pairs = []
    for i, k, s, d in zip(in_size, kernel, stride, dilation):
        out = -(-i // s)
        total = max((out - 1) * s + d * (k - 1) + 1 - i, 0)
        pairs.append((total // 2, total - total // 2))
    return [p for pair in reversed(pairs) for p in pair]


def encode(t):
    return {"shape": list(t.shape), "values": tensor_values(t)}


def cotangent(o):
    return torch.sin(torch.arange(1, o.numel() + 1, dtype=torch.float64)).to(o.dtype).reshape(o.shape)


def case(name, layer, args, options, make, shapes, modes=None, dtype="float64", torch_pad=None, forward_kwargs=None,
         ts_forward_args=None, randomize_affine=False, input_range=2.0):
    return dict(name=name, layer=layer, args=args, options=options, make=make, shapes=shapes,
                modes=modes or ["train"] * len(shapes), dtype=dtype, torch_pad=torch_pad,
                forward_kwargs=forward_kwargs or {}, ts_forward_args=ts_forward_args or [],
                randomize_affine=randomize_affine, input_range=input_range)


def run(c, seed):
    torch.manual_seed(seed)
    dtype = torch.float64 if c["dtype"] == "float64" else torch.float32
    module = c["make"]().to(dtype)
    if c["randomize_affine"]:
        with torch.no_grad():
            for name, p in module.named_parameters():
                if name.endswith("weight"):
                    p.uniform_(0.5, 1.5)
                else:
                    p.uniform_(-0.5, 0.5)
    state = module.state_dict()
    record = {
        "name": c["name"], "layer": c["layer"], "args": c["args"], "options": c["options"], "dtype": c["dtype"],
        "forwardArgs": c["ts_forward_args"],
        "stateKeys": list(state.keys()),
        "state": {k: {**encode(v), "integer": not v.is_floating_point()} for k, v in state.items()},
        "steps": [],
    }
    for shape, mode in zip(c["shapes"], c["modes"]):
        module.train(mode == "train")
        r = c["input_range"]
        x = ((torch.rand(shape, dtype=torch.float64) * 2 - 1) * r).to(dtype).requires_grad_(True)
        xin = F.pad(x, c["torch_pad"]) if c["torch_pad"] is not None else x
        module.zero_grad()
        out = module(xin, **c["forward_kwargs"])
        step = {"mode": mode, "input": encode(x)}
        if isinstance(out, tuple):
            values_out, indices = out
            step["output"] = encode(values_out)
            step["indices"] = encode(indices)
        else:
            values_out = out
            step["output"] = encode(out)
        (values_out * cotangent(values_out)).sum().backward()
        step["grads"] = {"input": tensor_values(x.grad)}
        for name, p in module.named_parameters():
            step["grads"][name] = tensor_values(p.grad) if p.grad is not None else [0.0] * p.numel()
        record["steps"].append(step)
    record["finalState"] = {k: tensor_values(v) for k, v in module.state_dict().items()}
    return record


CONV = [
    case("Conv2d basic", "Conv2d", [3, 4, 3], {}, lambda: nn.Conv2d(3, 4, 3), [[2, 3, 6, 5]]),
    case("Conv2d basic float32", "Conv2d", [3, 4, 3], {}, lambda: nn.Conv2d(3, 4, 3), [[2, 3, 6, 5]], dtype="float32"),
    case("Conv2d same stride 2 (asymmetric padding)", "Conv2d", [4, 6, [3, 2]], {"stride": 2, "padding": "same"},
         lambda: nn.Conv2d(4, 6, (3, 2), stride=2), [[2, 4, 8, 7]], torch_pad=same_pads([8, 7], [3, 2], [2, 2], [1, 1])),
    case("Conv2d same stride 2 with dilation", "Conv2d", [2, 3, 3], {"stride": [2, 3], "padding": "same", "dilation": 2},
         lambda: nn.Conv2d(2, 3, 3, stride=(2, 3), dilation=2), [[1, 2, 9, 10]],
         torch_pad=same_pads([9, 10], [3, 3], [2, 3], [2, 2])),
    case("Conv2d same stride 1 even kernel", "Conv2d", [2, 3, 4], {"padding": "same"},
         lambda: nn.Conv2d(2, 3, 4, padding="same"), [[1, 2, 6, 5]]),
    case("Conv2d depthwise", "Conv2d", [4, 4, 3], {"padding": 1, "groups": 4, "bias": False},
         lambda: nn.Conv2d(4, 4, 3, padding=1, groups=4, bias=False), [[2, 4, 5, 5]]),
    case("Conv2d groups 2 dilation 2", "Conv2d", [4, 6, 3], {"padding": 2, "dilation": 2, "groups": 2},
         lambda: nn.Conv2d(4, 6, 3, padding=2, dilation=2, groups=2), [[1, 4, 7, 6]]),
    case("Conv2d depth multiplier 2 stride 2", "Conv2d", [3, 6, [3, 1]], {"stride": 2, "padding": [1, 0], "groups": 3},
         lambda: nn.Conv2d(3, 6, (3, 1), stride=2, padding=(1, 0), groups=3), [[2, 3, 7, 5]]),
    case("Conv2d unbatched", "Conv2d", [3, 2, 2], {"stride": [1, 2]}, lambda: nn.Conv2d(3, 2, 2, stride=(1, 2)), [[3, 5, 6]]),
    case("Conv2d reflect padding", "Conv2d", [2, 3, 3], {"padding": 1, "paddingMode": "reflect"},
         lambda: nn.Conv2d(2, 3, 3, padding=1, padding_mode="reflect"), [[1, 2, 5, 4]]),
    case("Conv2d circular padding", "Conv2d", [2, 2, 3], {"padding": [1, 2], "paddingMode": "circular"},
         lambda: nn.Conv2d(2, 2, 3, padding=(1, 2), padding_mode="circular"), [[1, 2, 4, 5]]),
    case("Conv1d same stride 3", "Conv1d", [3, 5, 4], {"stride": 3, "padding": "same"},
         lambda: nn.Conv1d(3, 5, 4, stride=3), [[2, 3, 10]], torch_pad=same_pads([10], [4], [3], [1])),
    case("Conv1d full", "Conv1d", [2, 3, 3], {"padding": "full"}, lambda: nn.Conv1d(2, 3, 3, padding=2), [[2, 2, 6]]),
    case("Conv1d valid dilation 2", "Conv1d", [2, 3, 3], {"padding": "valid", "dilation": 2},
         lambda: nn.Conv1d(2, 3, 3, dilation=2), [[2, 2, 9]]),
    case("Conv3d", "Conv3d", [2, 3, [2, 3, 2]], {"stride": [1, 2, 1], "padding": [1, 0, 1]},
         lambda: nn.Conv3d(2, 3, (2, 3, 2), stride=(1, 2, 1), padding=(1, 0, 1)), [[1, 2, 4, 5, 4]]),
    case("ConvTranspose2d stride 2 outputPadding", "ConvTranspose2d", [4, 3, 3], {"stride": 2, "padding": 1, "outputPadding": 1},
         lambda: nn.ConvTranspose2d(4, 3, 3, stride=2, padding=1, output_padding=1), [[2, 4, 3, 4]]),
    case("ConvTranspose2d groups dilation", "ConvTranspose2d", [4, 6, [3, 2]], {"stride": [1, 2], "groups": 2, "dilation": [2, 1]},
         lambda: nn.ConvTranspose2d(4, 6, (3, 2), stride=(1, 2), groups=2, dilation=(2, 1)), [[1, 4, 4, 3]]),
    case("ConvTranspose2d outputSize", "ConvTranspose2d", [2, 3, 3], {"stride": 3, "padding": 1, "bias": False},
         lambda: nn.ConvTranspose2d(2, 3, 3, stride=3, padding=1, bias=False), [[2, 2, 3, 3]],
         forward_kwargs={"output_size": [8, 9]}, ts_forward_args=[[8, 9]]),
    case("ConvTranspose1d", "ConvTranspose1d", [3, 2, 4], {"stride": 2, "padding": 1},
         lambda: nn.ConvTranspose1d(3, 2, 4, stride=2, padding=1), [[2, 3, 5]]),
    case("ConvTranspose3d", "ConvTranspose3d", [2, 2, 2], {"stride": 2},
         lambda: nn.ConvTranspose3d(2, 2, 2, stride=2), [[1, 2, 2, 3, 2]]),
]

POOL = [
    case("MaxPool2d ceilMode padding", "MaxPool2d", [3], {"stride": 2, "padding": 1, "ceilMode": True},
         lambda: nn.MaxPool2d(3, stride=2, padding=1, ceil_mode=True), [[2, 3, 7, 8]]),
    case("MaxPool2d default stride", "MaxPool2d", [2], {}, lambda: nn.MaxPool2d(2), [[1, 2, 6, 7]]),
    case("MaxPool2d dilation returnIndices", "MaxPool2d", [2], {"stride": 1, "dilation": 2, "returnIndices": True},
         lambda: nn.MaxPool2d(2, stride=1, dilation=2, return_indices=True), [[1, 2, 5, 6]]),
    case("MaxPool2d unbatched", "MaxPool2d", [[2, 3]], {"stride": [2, 1]}, lambda: nn.MaxPool2d((2, 3), stride=(2, 1)), [[2, 5, 6]]),
    case("MaxPool1d ceilMode", "MaxPool1d", [3], {"ceilMode": True}, lambda: nn.MaxPool1d(3, ceil_mode=True), [[2, 3, 10]]),
    case("MaxPool3d", "MaxPool3d", [2], {"padding": [1, 0, 1]}, lambda: nn.MaxPool3d(2, padding=(1, 0, 1)), [[1, 2, 4, 4, 5]]),
    case("AvgPool2d ceilMode excluding padding", "AvgPool2d", [3], {"stride": 2, "padding": 1, "ceilMode": True, "countIncludePad": False},
         lambda: nn.AvgPool2d(3, stride=2, padding=1, ceil_mode=True, count_include_pad=False), [[2, 3, 7, 8]]),
    case("AvgPool2d ceilMode including padding", "AvgPool2d", [3], {"stride": 2, "padding": 1, "ceilMode": True},
         lambda: nn.AvgPool2d(3, stride=2, padding=1, ceil_mode=True), [[1, 2, 6, 8]]),
    case("AvgPool2d divisorOverride", "AvgPool2d", [2], {"divisorOverride": 3}, lambda: nn.AvgPool2d(2, divisor_override=3), [[1, 2, 4, 5]]),
    case("AvgPool1d", "AvgPool1d", [3], {"stride": 2, "padding": 1}, lambda: nn.AvgPool1d(3, stride=2, padding=1), [[2, 3, 9]]),
    case("AvgPool3d", "AvgPool3d", [[2, 2, 3]], {"stride": 2, "padding": [1, 0, 1], "ceilMode": True},
         lambda: nn.AvgPool3d((2, 2, 3), stride=2, padding=(1, 0, 1), ceil_mode=True), [[1, 2, 4, 5, 5]]),
    case("AdaptiveAvgPool2d", "AdaptiveAvgPool2d", [[3, 2]], {}, lambda: nn.AdaptiveAvgPool2d((3, 2)), [[2, 3, 7, 5]]),
    case("AdaptiveAvgPool2d global", "AdaptiveAvgPool2d", [1], {}, lambda: nn.AdaptiveAvgPool2d(1), [[2, 3, 4, 5]]),
    case("AdaptiveAvgPool2d None", "AdaptiveAvgPool2d", [[None, 3]], {}, lambda: nn.AdaptiveAvgPool2d((None, 3)), [[1, 2, 4, 7]]),
    case("AdaptiveAvgPool2d upsampling", "AdaptiveAvgPool2d", [[5, 3]], {}, lambda: nn.AdaptiveAvgPool2d((5, 3)), [[1, 2, 3, 2]]),
    case("AdaptiveAvgPool2d float32", "AdaptiveAvgPool2d", [[3, 2]], {}, lambda: nn.AdaptiveAvgPool2d((3, 2)), [[2, 3, 7, 5]],
         dtype="float32"),
    case("AdaptiveMaxPool2d returnIndices", "AdaptiveMaxPool2d", [[3, 4]], {"returnIndices": True},
         lambda: nn.AdaptiveMaxPool2d((3, 4), return_indices=True), [[2, 3, 7, 9]]),
    case("AdaptiveMaxPool2d", "AdaptiveMaxPool2d", [2], {}, lambda: nn.AdaptiveMaxPool2d(2), [[1, 2, 5, 5]]),
    case("AdaptiveAvgPool1d", "AdaptiveAvgPool1d", [4], {}, lambda: nn.AdaptiveAvgPool1d(4), [[2, 3, 10]]),
    case("AdaptiveMaxPool3d", "AdaptiveMaxPool3d", [[2, 3, 2]], {}, lambda: nn.AdaptiveMaxPool3d((2, 3, 2)), [[1, 2, 4, 5, 3]]),
]

BN_STEPS = [[4, 3, 3, 4], [4, 3, 3, 4], [2, 3, 2, 5], [3, 3, 3, 4]]
BN_MODES = ["train", "train", "train", "eval"]

NORM = [
    case("BatchNorm2d", "BatchNorm2d", [3], {}, lambda: nn.BatchNorm2d(3), BN_STEPS, BN_MODES, randomize_affine=True),
    case("BatchNorm2d float32", "BatchNorm2d", [3], {}, lambda: nn.BatchNorm2d(3), BN_STEPS, BN_MODES, dtype="float32",
         randomize_affine=True),
    case("BatchNorm2d cumulative momentum", "BatchNorm2d", [3], {"momentum": None, "eps": 1e-3},
         lambda: nn.BatchNorm2d(3, momentum=None, eps=1e-3), BN_STEPS, BN_MODES, randomize_affine=True),
    case("BatchNorm2d no affine", "BatchNorm2d", [3], {"affine": False, "momentum": 0.3},
         lambda: nn.BatchNorm2d(3, affine=False, momentum=0.3), BN_STEPS, BN_MODES),
    case("BatchNorm2d without running stats", "BatchNorm2d", [3], {"trackRunningStats": False},
         lambda: nn.BatchNorm2d(3, track_running_stats=False), BN_STEPS, BN_MODES, randomize_affine=True),
    case("BatchNorm1d 2-D input", "BatchNorm1d", [4], {}, lambda: nn.BatchNorm1d(4), [[6, 4], [5, 4], [3, 4]],
         ["train", "train", "eval"], randomize_affine=True),
    case("BatchNorm1d 3-D input", "BatchNorm1d", [4], {}, lambda: nn.BatchNorm1d(4), [[3, 4, 5], [2, 4, 3], [2, 4, 5]],
         ["train", "train", "eval"], randomize_affine=True),
    case("BatchNorm3d", "BatchNorm3d", [2], {}, lambda: nn.BatchNorm3d(2), [[2, 2, 2, 3, 2], [2, 2, 2, 3, 2]],
         ["train", "eval"], randomize_affine=True),
    case("LayerNorm last dim", "LayerNorm", [5], {}, lambda: nn.LayerNorm(5), [[2, 3, 5]], randomize_affine=True),
    case("LayerNorm two dims", "LayerNorm", [[3, 5]], {"eps": 1e-3}, lambda: nn.LayerNorm([3, 5], eps=1e-3), [[2, 3, 5]],
         randomize_affine=True),
    case("LayerNorm no affine", "LayerNorm", [[4]], {"elementwiseAffine": False},
         lambda: nn.LayerNorm([4], elementwise_affine=False), [[3, 4]]),
    case("LayerNorm float32", "LayerNorm", [6], {}, lambda: nn.LayerNorm(6), [[4, 6]], dtype="float32", randomize_affine=True),
    case("GroupNorm", "GroupNorm", [2, 4], {}, lambda: nn.GroupNorm(2, 4), [[2, 4, 3, 3]], randomize_affine=True),
    case("GroupNorm 1-D no affine", "GroupNorm", [3, 6], {"affine": False, "eps": 1e-4},
         lambda: nn.GroupNorm(3, 6, affine=False, eps=1e-4), [[2, 6, 5]]),
    case("GroupNorm instance-norm-like", "GroupNorm", [4, 4], {}, lambda: nn.GroupNorm(4, 4), [[2, 4, 2, 3]], randomize_affine=True),
    case("LocalResponseNorm 4-D", "LocalResponseNorm", [3], {}, lambda: nn.LocalResponseNorm(3), [[2, 5, 3, 4]]),
    case("LocalResponseNorm 3-D", "LocalResponseNorm", [2], {"alpha": 0.5, "beta": 0.5, "k": 2},
         lambda: nn.LocalResponseNorm(2, alpha=0.5, beta=0.5, k=2.0), [[2, 6, 7]]),
    case("LocalResponseNorm 5-D", "LocalResponseNorm", [4], {"alpha": 0.1},
         lambda: nn.LocalResponseNorm(4, alpha=0.1), [[1, 5, 2, 3, 2]]),
]


def main():
    for file, cases in (("conv-conv.json", CONV), ("conv-pool.json", POOL), ("conv-norm.json", NORM)):
        records = [run(c, seed) for seed, c in enumerate(cases)]
        (FIX / file).write_text(json.dumps(records, separators=(",", ":")))
        print(f"wrote {len(records)} cases to {file}, torch {torch.__version__}")


if __name__ == "__main__":
    main()
