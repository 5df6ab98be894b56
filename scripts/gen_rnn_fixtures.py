#!/usr/bin/env python3
"""Golden values for the recurrent, attention and transformer layers, computed by PyTorch.

Each case records a module's weights (by state-dict key), its inputs, its outputs, a fixed random
cotangent per output, and the gradients of sum(output * cotangent) with respect to every input
and parameter. The TypeScript tests copy the weights into the Nabla module and compare.
Writes test/fixtures/rnn-recurrent.json, rnn-attention.json, rnn-transformer.json.
Needs Debian's python3-torch; the tests only read the JSON.
"""
import json
import math
import pathlib

import torch
from torch import nn
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

ROOT = pathlib.Path(__file__).resolve().parent.parent
FIX = ROOT / "test" / "fixtures"


def encode(t):
    out = []
    for v in t.detach().reshape(-1).tolist():
        if isinstance(v, bool):
            out.append(int(v))
        elif isinstance(v, float) and not math.isfinite(v):
            out.append("NaN" if math.isnan(v) else ("Infinity" if v > 0 else "-Infinity"))
        else:
            out.append(v)
    return out


def tensor_json(t):
    return {"shape": list(t.shape), "values": encode(t)}


def rounded(shape, dtype, scale=1.0):
    """Random values rounded to 6 significant digits, so float32 and float64 runs see the same inputs."""
    t = (torch.rand(shape, dtype=torch.float64) * 2 - 1) * scale
    t = torch.tensor([float(f"{v:.6g}") for v in t.reshape(-1).tolist()], dtype=torch.float64).reshape(shape)
    return t.to(dtype)


def round_module(module, dtype):
    with torch.no_grad():
        for p in module.parameters():
            p.copy_(torch.tensor([float(f"{v:.6g}") for v in p.reshape(-1).tolist()], dtype=torch.float64).reshape(p.shape))
    return module.to(dtype)


def run_case(name, module, inputs, forward, extra=None):
    """inputs: dict name -> tensor (float ones get gradients); forward(module, inputs) -> dict of outputs."""
    leaves = {k: (v.clone().requires_grad_(True) if v.is_floating_point() else v) for k, v in inputs.items()}
    outputs = forward(module, leaves)
    cotangents = {k: rounded(v.shape, v.dtype) for k, v in outputs.items() if v is not None and v.is_floating_point()}
    loss = sum((outputs[k] * c).sum() for k, c in cotangents.items())
    module.zero_grad()
    loss.backward()
    grads = {k: tensor_json(v.grad) for k, v in leaves.items() if isinstance(v, torch.Tensor) and v.requires_grad and v.grad is not None}
    param_grads = {k: tensor_json(p.grad) for k, p in module.named_parameters() if p.grad is not None}
    case = {
        "name": name,
        "dtype": "float64" if next(module.parameters()).dtype == torch.float64 else "float32",
        "params": {k: tensor_json(v) for k, v in module.state_dict().items()},
        "inputs": {k: tensor_json(v) for k, v in inputs.items()},
        "outputs": {k: tensor_json(v) for k, v in outputs.items() if v is not None},
        "cotangents": {k: encode(v) for k, v in cotangents.items()},
        "grads": grads,
        "paramGrads": param_grads,
    }
    if extra:
        case.update(extra)
    return case


# ---- recurrent -------------------------------------------------------------------------------

def recurrent_cases():
    cases = []
    f64 = torch.float64

    def seq_case(name, cls, input_size, hidden, opts, steps, batch, dtype=f64, with_state=False, lengths=None, unbatched=False):
        torch_opts = {
            "num_layers": opts.get("numLayers", 1),
            "bias": opts.get("bias", True),
            "batch_first": opts.get("batchFirst", False),
            "bidirectional": opts.get("bidirectional", False),
        }
        if cls is nn.RNN:
            torch_opts["nonlinearity"] = opts.get("nonlinearity", "tanh")
        module = round_module(cls(input_size, hidden, **torch_opts), dtype)
        d = 2 if torch_opts["bidirectional"] else 1
        layers = torch_opts["num_layers"]
        if unbatched:
            x = rounded([steps, input_size], dtype)
            state_shape = [layers * d, hidden]
        else:
            x = rounded([batch, steps, input_size] if torch_opts["batch_first"] else [steps, batch, input_size], dtype)
            state_shape = [layers * d, batch, hidden]
        inputs = {"input": x}
        if with_state:
            inputs["h0"] = rounded(state_shape, dtype, 0.5)
            if cls is nn.LSTM:
                inputs["c0"] = rounded(state_shape, dtype, 0.5)

        def forward(m, ins):
            hx = None
            if with_state:
                hx = (ins["h0"], ins["c0"]) if cls is nn.LSTM else ins["h0"]
            inp = ins["input"]
            if lengths is not None:
                inp = pack_padded_sequence(inp, torch.tensor(lengths), batch_first=torch_opts["batch_first"], enforce_sorted=False)
            out, state = m(inp, hx)
            if lengths is not None:
                out, _ = pad_packed_sequence(out, batch_first=torch_opts["batch_first"], total_length=steps)
            if cls is nn.LSTM:
                return {"output": out, "hN": state[0], "cN": state[1]}
            return {"output": out, "hN": state}

        extra = {"layer": cls.__name__, "args": [input_size, hidden], "options": opts}
        if lengths is not None:
            extra["lengths"] = lengths
        cases.append(run_case(name, module, inputs, forward, extra))

    seq_case("LSTM 1 layer with initial state", nn.LSTM, 3, 4, {}, 5, 2, with_state=True)
    seq_case("LSTM 2 layers bidirectional batchFirst", nn.LSTM, 3, 4, {"numLayers": 2, "bidirectional": True, "batchFirst": True}, 5, 3, with_state=True)
    seq_case("LSTM 2 layers float32", nn.LSTM, 3, 4, {"numLayers": 2}, 4, 2, dtype=torch.float32)
    seq_case("LSTM unbatched bidirectional", nn.LSTM, 3, 4, {"bidirectional": True}, 4, 1, with_state=True, unbatched=True)
    seq_case("LSTM without bias", nn.LSTM, 3, 2, {"bias": False}, 3, 2)
    seq_case("GRU 2 layers bidirectional batchFirst", nn.GRU, 3, 4, {"numLayers": 2, "bidirectional": True, "batchFirst": True}, 5, 3, with_state=True)
    seq_case("GRU 1 layer float32", nn.GRU, 3, 4, {}, 4, 2, dtype=torch.float32)
    seq_case("RNN tanh without bias", nn.RNN, 3, 4, {"bias": False}, 4, 2, with_state=True)
    seq_case("RNN relu 2 layers bidirectional", nn.RNN, 3, 4, {"numLayers": 2, "nonlinearity": "relu", "bidirectional": True}, 4, 2)
    seq_case("LSTM 2 layers bidirectional batchFirst lengths", nn.LSTM, 3, 4, {"numLayers": 2, "bidirectional": True, "batchFirst": True}, 6, 3, with_state=True, lengths=[6, 2, 4])
    seq_case("GRU bidirectional lengths", nn.GRU, 3, 4, {"bidirectional": True}, 5, 3, with_state=True, lengths=[3, 5, 1])
    seq_case("RNN tanh lengths", nn.RNN, 2, 3, {}, 4, 2, lengths=[2, 4])

    def cell_case(name, cls, input_size, hidden, opts, batch, with_state):
        kwargs = {"bias": opts.get("bias", True)}
        if cls is nn.RNNCell:
            kwargs["nonlinearity"] = opts.get("nonlinearity", "tanh")
        module = round_module(cls(input_size, hidden, **kwargs), f64)
        shape = [batch, input_size] if batch else [input_size]
        state_shape = [batch, hidden] if batch else [hidden]
        inputs = {"input": rounded(shape, f64)}
        if with_state:
            inputs["h0"] = rounded(state_shape, f64, 0.5)
            if cls is nn.LSTMCell:
                inputs["c0"] = rounded(state_shape, f64, 0.5)

        def forward(m, ins):
            hx = None
            if with_state:
                hx = (ins["h0"], ins["c0"]) if cls is nn.LSTMCell else ins["h0"]
            out = m(ins["input"], hx)
            if cls is nn.LSTMCell:
                return {"hN": out[0], "cN": out[1]}
            return {"hN": out}

        cases.append(run_case(name, module, inputs, forward, {"layer": cls.__name__, "args": [input_size, hidden], "options": opts}))

    cell_case("LSTMCell", nn.LSTMCell, 3, 4, {}, 2, True)
    cell_case("LSTMCell unbatched without state", nn.LSTMCell, 3, 4, {}, 0, False)
    cell_case("GRUCell", nn.GRUCell, 3, 4, {}, 2, True)
    cell_case("GRUCell without bias", nn.GRUCell, 3, 4, {"bias": False}, 2, True)
    cell_case("RNNCell relu", nn.RNNCell, 3, 4, {"nonlinearity": "relu"}, 2, True)
    cell_case("RNNCell tanh unbatched", nn.RNNCell, 3, 4, {}, 0, True)
    return cases


def state_dict_shapes(module):
    return [[k, list(v.shape)] for k, v in module.state_dict().items()]


def main():
    torch.manual_seed(0)
    recurrent = {
        "torch": torch.__version__,
        "cases": recurrent_cases(),
        "stateDicts": {
            "LSTM(10, 20, numLayers 2, bidirectional)": state_dict_shapes(nn.LSTM(10, 20, num_layers=2, bidirectional=True)),
            "GRU(10, 20, numLayers 2, bidirectional, no bias)": state_dict_shapes(nn.GRU(10, 20, num_layers=2, bidirectional=True, bias=False)),
            "RNN(10, 20, numLayers 3)": state_dict_shapes(nn.RNN(10, 20, num_layers=3)),
            "LSTMCell(10, 20)": state_dict_shapes(nn.LSTMCell(10, 20)),
            "GRUCell(10, 20)": state_dict_shapes(nn.GRUCell(10, 20)),
            "RNNCell(10, 20, no bias)": state_dict_shapes(nn.RNNCell(10, 20, bias=False)),
        },
    }
    FIX.mkdir(parents=True, exist_ok=True)
    (FIX / "rnn-recurrent.json").write_text(json.dumps(recurrent, separators=(",", ":")))
    print(f"wrote {len(recurrent['cases'])} recurrent cases, torch {torch.__version__}")


if __name__ == "__main__":
    main()
