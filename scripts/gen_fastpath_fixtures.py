#!/usr/bin/env python3
"""PyTorch float32 results at the sizes that take the wasm backend's fast paths.

The other fixtures use at most 6 conv channels and LSTM hidden size 4, so these kernels were only
compared with Nabla's reference backend: Winograd F(2x2, 3x3) (3x3 convs at unit stride with 16+
channels in and out, forward and both gradients), the input gradient as a forward convolution
(32+ input channels per group at unit stride), implicit im2col at stride 2 and with groups, the
fused LSTM sequence and GRU cell kernels (hidden size a multiple of 4: 128, and 2 bidirectional
layers), and the gemm at odd, blocked and batched shapes.

Inputs, weights and cotangents are not stored: both sides compute them from a formula on the
element index (an integer hash, exact in float64 on both sides, scaled by a power of two and
rounded to float32), so only torch's outputs and gradients are, in full, as base64 of little-
endian float32 (5.3 characters per value). Writes test/fixtures/fastpath-conv.json,
fastpath-recurrent.json and fastpath-matmul.json; read by test/backend/fastpath-golden.test.ts.
Needs Debian's python3-torch; the tests only read the JSON.
"""
import base64
import json

import torch
import torch.nn.functional as F

from fixture_util import FIX

# The formula's constants (test/backend/fastpath-golden.test.ts has the same).
INDEX_MULTIPLIER = 2654435761
SEED_MULTIPLIER = 2246822519


def pattern(shape, seed, scale):
    """Element i is ((i * INDEX_MULTIPLIER + seed * SEED_MULTIPLIER) mod 2^32 / 2^32 * 2 - 1) * scale, as float32."""
    n = 1
    for d in shape:
        n *= d
    index = torch.arange(n, dtype=torch.int64)
    hashed = (index * INDEX_MULTIPLIER + seed * SEED_MULTIPLIER) % (2 ** 32)
    values = (hashed.to(torch.float64) / 2 ** 32 * 2 - 1) * scale
    return values.to(torch.float32).reshape(shape)


def spec(shape, seed, scale):
    return {"shape": list(shape), "seed": seed, "scale": scale}


def from_spec(s):
    return pattern(s["shape"], s["seed"], s["scale"])


def encode(t):
    """{shape, data}: the float32 values, row-major, as base64 of their little-endian bytes."""
    data = t.detach().to(torch.float32).contiguous().numpy().astype("<f4").tobytes()
    return {"shape": list(t.shape), "data": base64.b64encode(data).decode("ascii")}


def backward(outputs, cotangent_seeds):
    """Backpropagates sum(output * cotangent) over the outputs (cotangents from the formula, scale 1)."""
    loss = sum((o * pattern(o.shape, seed, 1.0)).sum() for o, seed in zip(outputs, cotangent_seeds))
    loss.backward()


# ---- convolution -----------------------------------------------------------------------------

def conv_case(name, x_shape, w_shape, stride=1, padding=0, dilation=1, groups=1, seed=1):
    x_spec = spec(x_shape, seed, 1.0)
    w_spec = spec(w_shape, seed + 1, 0.25)
    b_spec = spec([w_shape[0]], seed + 2, 0.5)
    x, w, b = (from_spec(s).requires_grad_(True) for s in (x_spec, w_spec, b_spec))
    y = F.conv2d(x, w, b, stride=stride, padding=padding, dilation=dilation, groups=groups)
    cotangent_seed = seed + 3
    backward([y], [cotangent_seed])
    return {
        "name": name, "stride": stride, "padding": padding, "dilation": dilation, "groups": groups,
        "x": x_spec, "w": w_spec, "b": b_spec, "cotangent": cotangent_seed,
        "y": encode(y), "gx": encode(x.grad), "gw": encode(w.grad), "gb": encode(b.grad),
    }


def conv_cases():
    return [
        # Winograd forward and weight gradient; the input gradient (16 channels) by col2im.
        conv_case("3x3 16 -> 16, padding 1 (Winograd)", [2, 16, 6, 6], [16, 16, 3, 3], padding=1, seed=10),
        # Winograd for all three: the input gradient runs as a forward conv, itself by Winograd.
        conv_case("3x3 32 -> 32, padding 1 (Winograd, input gradient as a forward conv)", [1, 32, 6, 6], [32, 32, 3, 3], padding=1, seed=20),
        conv_case("3x3 64 -> 16, valid (Winograd)", [1, 64, 6, 6], [16, 64, 3, 3], seed=30),
        conv_case("3x3 16 -> 24, padding 1, odd size 5x7 (Winograd)", [1, 16, 5, 7], [24, 16, 3, 3], padding=1, seed=40),
        # Stride 2: implicit im2col (strided gather), col2im and im2col gradients.
        conv_case("3x3 16 -> 32, stride 2, padding 1", [2, 16, 6, 6], [32, 16, 3, 3], stride=2, padding=1, seed=50),
        conv_case("3x3 64 -> 8, stride 2, padding 1", [1, 64, 6, 6], [8, 64, 3, 3], stride=2, padding=1, seed=60),
        # Groups: 32 input channels per group, so the input gradient runs as a forward conv per group.
        conv_case("3x3 64 -> 16, groups 2, padding 1", [1, 64, 6, 6], [16, 32, 3, 3], padding=1, groups=2, seed=70),
        conv_case("3x3 depthwise 16 -> 16, groups 16, padding 1", [2, 16, 6, 6], [16, 1, 3, 3], padding=1, groups=16, seed=80),
        # Dilation 2 with 32 channels: the input gradient as a forward conv by implicit im2col.
        conv_case("3x3 32 -> 8, dilation 2, padding 2", [1, 32, 6, 6], [8, 32, 3, 3], padding=2, dilation=2, seed=90),
        conv_case("1x1 32 -> 16", [2, 32, 6, 6], [16, 32, 1, 1], seed=100),
    ]


# ---- recurrent -------------------------------------------------------------------------------

def recurrent_case(name, mode, input_size, hidden, steps, batch, num_layers=1, bidirectional=False, seed=1):
    cls = torch.nn.LSTM if mode == "lstm" else torch.nn.GRU
    module = cls(input_size, hidden, num_layers=num_layers, bidirectional=bidirectional)
    params = {}
    scale = 0.5 if hidden <= 16 else 0.125
    with torch.no_grad():
        for k, (key, p) in enumerate(module.named_parameters()):
            params[key] = spec(list(p.shape), seed + 10 + k, scale)
            p.copy_(from_spec(params[key]))
    directions = 2 if bidirectional else 1
    x_spec = spec([steps, batch, input_size], seed, 1.0)
    h0_spec = spec([num_layers * directions, batch, hidden], seed + 1, 0.5)
    c0_spec = spec([num_layers * directions, batch, hidden], seed + 2, 0.5)
    x = from_spec(x_spec).requires_grad_(True)
    h0 = from_spec(h0_spec).requires_grad_(True)
    c0 = from_spec(c0_spec).requires_grad_(True)
    if mode == "lstm":
        output, (h_n, c_n) = module(x, (h0, c0))
        outs = {"output": output, "hN": h_n, "cN": c_n}
    else:
        output, h_n = module(x, h0)
        outs = {"output": output, "hN": h_n}
    cotangents = {k: seed + 100 + i for i, k in enumerate(outs)}
    backward(list(outs.values()), list(cotangents.values()))
    case = {
        "name": name, "mode": mode, "inputSize": input_size, "hiddenSize": hidden, "numLayers": num_layers,
        "bidirectional": bidirectional, "params": params, "x": x_spec, "h0": h0_spec,
        "cotangents": cotangents,
        "outputs": {k: encode(v) for k, v in outs.items()},
        "grads": {"x": encode(x.grad), "h0": encode(h0.grad)},
        "paramGrads": {k: encode(p.grad) for k, p in module.named_parameters()},
    }
    if mode == "lstm":
        case["c0"] = c0_spec
        case["grads"]["c0"] = encode(c0.grad)
    return case


def recurrent_cases():
    return [
        # The fused sequence kernels (LSTM) and cell kernel (GRU) at hidden size 128.
        recurrent_case("LSTM hidden 128", "lstm", 6, 128, steps=3, batch=2, seed=1000),
        recurrent_case("GRU hidden 128", "gru", 6, 128, steps=3, batch=2, seed=2000),
        # Two bidirectional layers, hidden a multiple of 4 (fused) and not (the reference cell).
        recurrent_case("LSTM 2 layers, bidirectional, hidden 12", "lstm", 5, 12, steps=4, batch=3, num_layers=2, bidirectional=True, seed=3000),
        recurrent_case("GRU 2 layers, bidirectional, hidden 8", "gru", 5, 8, steps=4, batch=3, num_layers=2, bidirectional=True, seed=4000),
        recurrent_case("LSTM hidden 6 (not a multiple of 4)", "lstm", 5, 6, steps=4, batch=3, seed=5000),
    ]


# ---- matmul ----------------------------------------------------------------------------------

def matmul_case(name, a_shape, b_shape, transpose_b=False, seed=1):
    """a @ b, or a @ b^T (b stored transposed, as a linear layer's weight) when transpose_b."""
    a_spec = spec(a_shape, seed, 1.0)
    b_spec = spec(b_shape, seed + 1, 1.0)
    a = from_spec(a_spec).requires_grad_(True)
    b = from_spec(b_spec).requires_grad_(True)
    out = a @ (b.transpose(-1, -2) if transpose_b else b)
    backward([out], [seed + 2])
    return {
        "name": name, "a": a_spec, "b": b_spec, "transposeB": transpose_b, "cotangent": seed + 2,
        "out": encode(out), "ga": encode(a.grad), "gb": encode(b.grad),
    }


def matmul_cases():
    return [
        matmul_case("1x1 @ 1x1", [1, 1], [1, 1], seed=10),
        matmul_case("7x13 @ 13x5", [7, 13], [13, 5], seed=20),
        matmul_case("67x257 @ 257x33", [67, 257], [257, 33], seed=30),
        matmul_case("5x600 @ 600x9 (depth over one K block)", [5, 600], [600, 9], seed=40),
        matmul_case("37x65 @ (23x65)^T (a linear layer)", [37, 65], [23, 65], transpose_b=True, seed=50),
        matmul_case("batched [3, 7, 13] @ [3, 13, 9]", [3, 7, 13], [3, 13, 9], seed=60),
        matmul_case("broadcast [2, 1, 5, 17] @ [3, 17, 6]", [2, 1, 5, 17], [3, 17, 6], seed=70),
    ]


def write(name, cases):
    note = "Generated by scripts/gen_fastpath_fixtures.py: torch float32 results; inputs from its formula."
    text = json.dumps({"note": note, "torch": torch.__version__, "cases": cases}, separators=(",", ":"))
    (FIX / name).write_text(text + "\n")
    print(f"{name}: {len(cases)} cases, {len(text) // 1024} KiB")


def main():
    torch.manual_seed(0)
    torch.set_num_threads(1)
    write("fastpath-conv.json", conv_cases())
    write("fastpath-recurrent.json", recurrent_cases())
    write("fastpath-matmul.json", matmul_cases())


if __name__ == "__main__":
    main()
