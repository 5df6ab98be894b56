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

import torch
from torch import nn
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

from fixture_util import FIX, tensor_values


def encode(t):
    # Finite floats to 13 significant digits: far inside the 1e-10 float64 tolerance, and a third smaller files.
    return [float(f"{v:.13g}") if isinstance(v, float) else v for v in tensor_values(t)]


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
    if module is not None:
        module.zero_grad()
    loss.backward()
    grads = {k: tensor_json(v.grad) for k, v in leaves.items() if isinstance(v, torch.Tensor) and v.requires_grad and v.grad is not None}
    param_grads = {} if module is None else {k: tensor_json(p.grad) for k, p in module.named_parameters() if p.grad is not None}
    dtype = next(v for v in inputs.values() if v.is_floating_point()).dtype if module is None else next(module.parameters()).dtype
    case = {
        "name": name,
        "dtype": "float64" if dtype == torch.float64 else "float32",
        "params": {} if module is None else {k: tensor_json(v) for k, v in module.state_dict().items()},
        "inputs": {k: tensor_json(v) for k, v in inputs.items()},
        "outputs": {k: tensor_json(v) for k, v in outputs.items() if v is not None},
        "cotangents": {k: encode(v) for k, v in cotangents.items()},
        "grads": grads,
        "paramGrads": param_grads,
    }
    kinds = {k: "bool" for k, v in inputs.items() if v.dtype == torch.bool}
    if kinds:
        case["inputKinds"] = kinds
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
        if "projSize" in opts:
            torch_opts["proj_size"] = opts["projSize"]
        module = round_module(cls(input_size, hidden, **torch_opts), dtype)
        d = 2 if torch_opts["bidirectional"] else 1
        layers = torch_opts["num_layers"]
        h_size = opts.get("projSize", 0) or hidden
        if unbatched:
            x = rounded([steps, input_size], dtype)
            state_shape = [layers * d, hidden]
            h_shape = [layers * d, h_size]
        else:
            x = rounded([batch, steps, input_size] if torch_opts["batch_first"] else [steps, batch, input_size], dtype)
            state_shape = [layers * d, batch, hidden]
            h_shape = [layers * d, batch, h_size]
        inputs = {"input": x}
        if with_state:
            inputs["h0"] = rounded(h_shape, dtype, 0.5)
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

    # LSTM with projections, on a forked generator so the draws of the cases above and below stay the same.
    with torch.random.fork_rng():
        torch.manual_seed(200)
        seq_case("LSTM projSize 1 layer with initial state", nn.LSTM, 3, 5, {"projSize": 2}, 4, 2, with_state=True)
        seq_case("LSTM projSize 2 layers bidirectional batchFirst", nn.LSTM, 3, 5, {"projSize": 3, "numLayers": 2, "bidirectional": True, "batchFirst": True},
                 5, 3, with_state=True)
        seq_case("LSTM projSize 3 layers without bias", nn.LSTM, 4, 6, {"projSize": 1, "numLayers": 3, "bias": False}, 3, 2)
        seq_case("LSTM projSize unbatched bidirectional", nn.LSTM, 3, 4, {"projSize": 2, "bidirectional": True}, 4, 1, with_state=True, unbatched=True)
        seq_case("LSTM projSize 2 layers bidirectional lengths", nn.LSTM, 3, 5, {"projSize": 2, "numLayers": 2, "bidirectional": True}, 6, 3,
                 with_state=True, lengths=[6, 2, 4])
        seq_case("LSTM projSize float32 hidden 8", nn.LSTM, 4, 8, {"projSize": 4, "numLayers": 2}, 5, 2, dtype=torch.float32, with_state=True)

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



# ---- attention -------------------------------------------------------------------------------

def attention_cases():
    cases = []
    f64 = torch.float64

    def mha_case(name, embed, heads, opts, inputs, call, dtype=f64, forward_options=None):
        torch_opts = {
            "bias": opts.get("bias", True),
            "batch_first": opts.get("batchFirst", False),
            "kdim": opts.get("kdim"),
            "vdim": opts.get("vdim"),
            "add_bias_kv": opts.get("addBiasKv", False),
            "add_zero_attn": opts.get("addZeroAttn", False),
        }
        module = round_module(nn.MultiheadAttention(embed, heads, **torch_opts), dtype)
        module.eval()

        def forward(m, ins):
            out, weights = call(m, ins)
            return {"output": out, "weights": weights}

        cases.append(run_case(name, module, inputs, forward, {"layer": "MultiheadAttention", "args": [embed, heads], "options": opts, "call": call.__doc__, "forwardOptions": forward_options or {}}))

    def self_attention(m, ins):
        """self"""
        return m(ins["x"], ins["x"], ins["x"])

    mha_case("MHA self-attention", 8, 2, {}, {"x": rounded([4, 3, 8], f64)}, self_attention)

    kpm = torch.zeros(2, 5, dtype=torch.bool)
    kpm[1, 3:] = True
    kpm[0, 0] = True

    def cross_masks(m, ins):
        """cross"""
        return m(ins["query"], ins["key"], ins["value"], key_padding_mask=ins["keyPaddingMask"], attn_mask=ins["attnMask"], average_attn_weights=False)

    mha_case(
        "MHA cross-attention batchFirst, key padding and causal masks, per-head weights",
        8, 4, {"batchFirst": True},
        {"query": rounded([2, 3, 8], f64), "key": rounded([2, 5, 8], f64), "value": rounded([2, 5, 8], f64),
         "keyPaddingMask": kpm, "attnMask": torch.triu(torch.ones(3, 5, dtype=torch.bool), 1)},
        cross_masks,
        forward_options={"averageAttnWeights": False},
    )

    def float_mask(m, ins):
        """cross"""
        return m(ins["query"], ins["key"], ins["value"], attn_mask=ins["attnMask"])

    mha_case(
        "MHA kdim vdim, float 3-D mask, no bias", 6, 3, {"kdim": 4, "vdim": 5, "bias": False},
        {"query": rounded([2, 2, 6], f64), "key": rounded([3, 2, 4], f64), "value": rounded([3, 2, 5], f64), "attnMask": rounded([6, 2, 3], f64)},
        float_mask,
    )

    def key_is_value(m, ins):
        """keyIsValue"""
        return m(ins["query"], ins["memory"], ins["memory"], key_padding_mask=ins["keyPaddingMask"])

    mha_case(
        "MHA key is value, float key padding mask", 4, 2, {},
        {"query": rounded([3, 2, 4], f64), "memory": rounded([5, 2, 4], f64), "keyPaddingMask": rounded([2, 5], f64)},
        key_is_value,
    )

    def unbatched(m, ins):
        """self"""
        return m(ins["x"], ins["x"], ins["x"], key_padding_mask=ins["keyPaddingMask"])

    mha_case("MHA unbatched with key padding", 4, 2, {}, {"x": rounded([3, 4], f64), "keyPaddingMask": torch.tensor([False, False, True])}, unbatched)

    def no_weights(m, ins):
        """selfNoWeights"""
        return m(ins["x"], ins["x"], ins["x"], need_weights=False)

    mha_case("MHA float32 without weights", 8, 2, {"batchFirst": True}, {"x": rounded([2, 4, 8], torch.float32)}, no_weights, dtype=torch.float32, forward_options={"needWeights": False})

    # add_bias_kv / add_zero_attn, on a forked generator so the draws of the cases above and below stay the same.
    with torch.random.fork_rng():
        torch.manual_seed(100)

        def self_masks(m, ins):
            """self"""
            return m(ins["x"], ins["x"], ins["x"], key_padding_mask=ins["keyPaddingMask"], attn_mask=ins["attnMask"])

        kpm = torch.zeros(2, 4, dtype=torch.bool)
        kpm[1, 2:] = True
        mha_case(
            "MHA addBiasKv self-attention, bool key padding and causal masks", 8, 2, {"addBiasKv": True},
            {"x": rounded([4, 2, 8], f64), "keyPaddingMask": kpm, "attnMask": torch.triu(torch.ones(4, 4, dtype=torch.bool), 1)},
            self_masks,
        )
        kpm = torch.zeros(2, 5, dtype=torch.bool)
        kpm[1, :] = True  # every key of the second sequence hidden: only the zero key is left
        mha_case(
            "MHA addZeroAttn cross-attention batchFirst, a fully padded sequence, float mask, per-head weights",
            8, 4, {"batchFirst": True, "addZeroAttn": True},
            {"query": rounded([2, 3, 8], f64), "key": rounded([2, 5, 8], f64), "value": rounded([2, 5, 8], f64),
             "keyPaddingMask": kpm, "attnMask": rounded([3, 5], f64)},
            cross_masks,
            forward_options={"averageAttnWeights": False},
        )
        mha_case(
            "MHA addBiasKv and addZeroAttn, kdim vdim, float 3-D mask", 6, 3, {"kdim": 4, "vdim": 5, "addBiasKv": True, "addZeroAttn": True},
            {"query": rounded([2, 2, 6], f64), "key": rounded([3, 2, 4], f64), "value": rounded([3, 2, 5], f64), "attnMask": rounded([6, 2, 3], f64)},
            float_mask,
        )
        mha_case(
            "MHA addBiasKv and addZeroAttn unbatched with key padding", 4, 2, {"addBiasKv": True, "addZeroAttn": True},
            {"x": rounded([3, 4], f64), "keyPaddingMask": torch.tensor([False, True, True])}, unbatched,
        )
        mha_case(
            "MHA addBiasKv and addZeroAttn float32 key is value", 8, 2, {"addBiasKv": True, "addZeroAttn": True},
            {"query": rounded([3, 2, 8], torch.float32), "memory": rounded([4, 2, 8], torch.float32), "keyPaddingMask": rounded([2, 4], torch.float32)},
            key_is_value, dtype=torch.float32,
        )

    def sdpa(q, k, v, mask=None, causal=False, scale=None):
        s = scale if scale is not None else 1 / math.sqrt(q.shape[-1])
        scores = q @ k.transpose(-2, -1) * s
        if causal:
            scores = scores.masked_fill(torch.triu(torch.ones(q.shape[-2], k.shape[-2], dtype=torch.bool), 1), float("-inf"))
        if mask is not None:
            scores = scores.masked_fill(~mask, float("-inf")) if mask.dtype == torch.bool else scores + mask
        return torch.softmax(scores, -1) @ v

    def sdpa_case(name, inputs, opts):
        def forward(_m, ins):
            return {"output": sdpa(ins["q"], ins["k"], ins["v"], ins.get("attnMask"), opts.get("isCausal", False), opts.get("scale"))}

        cases.append(run_case(name, None, inputs, forward, {"layer": "scaledDotProductAttention", "args": [], "options": opts}))

    mask = torch.rand(3, 5) > 0.3
    mask[:, 0] = True
    sdpa_case("SDPA bool mask", {"q": rounded([2, 2, 3, 4], f64), "k": rounded([2, 2, 5, 4], f64), "v": rounded([2, 2, 5, 6], f64), "attnMask": mask}, {})
    sdpa_case("SDPA causal", {"q": rounded([2, 4, 4], f64), "k": rounded([2, 4, 4], f64), "v": rounded([2, 4, 3], f64)}, {"isCausal": True})
    sdpa_case("SDPA float mask and scale", {"q": rounded([2, 3, 4], f64), "k": rounded([2, 5, 4], f64), "v": rounded([2, 5, 2], f64), "attnMask": rounded([1, 3, 5], f64)}, {"scale": 0.3})
    return cases


# ---- transformer -----------------------------------------------------------------------------

def transformer_cases():
    cases = []
    f64 = torch.float64

    def layer_options(opts):
        return {
            "dim_feedforward": opts.get("dimFeedforward", 2048),
            "dropout": opts.get("dropout", 0.1),
            "activation": opts.get("activation", "relu"),
            "layer_norm_eps": opts.get("layerNormEps", 1e-5),
            "batch_first": opts.get("batchFirst", False),
            "norm_first": opts.get("normFirst", False),
        }

    def case(name, layer, module, args, opts, inputs, forward, forward_options=None):
        module = round_module(module, f64)
        module.eval()
        cases.append(run_case(name, module, inputs, forward, {"layer": layer, "args": args, "options": opts, "forwardOptions": forward_options or {}}))

    kpm = torch.zeros(2, 5, dtype=torch.bool)
    kpm[0, 4] = True
    kpm[1, 2:] = True

    def encoder_forward(m, ins):
        return {"output": m(ins["src"], src_mask=ins.get("srcMask"), src_key_padding_mask=ins.get("srcKeyPaddingMask"))}

    opts = {"dimFeedforward": 16}
    case("encoder layer post-norm relu with masks", "TransformerEncoderLayer", nn.TransformerEncoderLayer(8, 2, **layer_options(opts)), [8, 2], opts,
         {"src": rounded([5, 2, 8], f64), "srcMask": nn.Transformer.generate_square_subsequent_mask(5).to(f64), "srcKeyPaddingMask": kpm}, encoder_forward)
    opts = {"dimFeedforward": 12, "activation": "gelu", "batchFirst": True, "normFirst": True, "layerNormEps": 1e-6}
    case("encoder layer norm-first gelu batchFirst", "TransformerEncoderLayer", nn.TransformerEncoderLayer(8, 4, **layer_options(opts)), [8, 4], opts,
         {"src": rounded([2, 5, 8], f64), "srcKeyPaddingMask": kpm}, encoder_forward)

    def decoder_forward(m, ins):
        return {"output": m(ins["tgt"], ins["memory"], tgt_mask=ins.get("tgtMask"), memory_mask=ins.get("memoryMask"),
                            tgt_key_padding_mask=ins.get("tgtKeyPaddingMask"), memory_key_padding_mask=ins.get("memoryKeyPaddingMask"))}

    tkpm = torch.tensor([[False, False, False, True], [False, False, False, False]])
    opts = {"dimFeedforward": 16}
    case("decoder layer post-norm with masks", "TransformerDecoderLayer", nn.TransformerDecoderLayer(8, 2, **layer_options(opts)), [8, 2], opts,
         {"tgt": rounded([4, 2, 8], f64), "memory": rounded([5, 2, 8], f64), "tgtMask": torch.triu(torch.ones(4, 4, dtype=torch.bool), 1),
          "tgtKeyPaddingMask": tkpm, "memoryKeyPaddingMask": kpm}, decoder_forward)
    opts = {"dimFeedforward": 16, "activation": "gelu", "batchFirst": True, "normFirst": True}
    case("decoder layer norm-first gelu batchFirst with memory mask", "TransformerDecoderLayer", nn.TransformerDecoderLayer(8, 2, **layer_options(opts)), [8, 2], opts,
         {"tgt": rounded([2, 4, 8], f64), "memory": rounded([2, 5, 8], f64), "memoryMask": rounded([4, 5], f64)}, decoder_forward)

    opts = {"dimFeedforward": 16}
    enc = nn.TransformerEncoder(nn.TransformerEncoderLayer(8, 2, **layer_options(opts)), 2, norm=nn.LayerNorm(8), enable_nested_tensor=False)
    case("encoder stack of 2 with final norm", "TransformerEncoder", enc, [8, 2, 2], opts,
         {"src": rounded([5, 2, 8], f64), "srcKeyPaddingMask": kpm},
         lambda m, ins: {"output": m(ins["src"], src_key_padding_mask=ins["srcKeyPaddingMask"])})
    dec = nn.TransformerDecoder(nn.TransformerDecoderLayer(8, 2, **layer_options(opts)), 2)
    case("decoder stack of 2 without final norm", "TransformerDecoder", dec, [8, 2, 2], opts,
         {"tgt": rounded([4, 2, 8], f64), "memory": rounded([5, 2, 8], f64), "tgtMask": nn.Transformer.generate_square_subsequent_mask(4).to(f64)},
         decoder_forward)

    opts = {"dModel": 8, "nhead": 2, "numEncoderLayers": 2, "numDecoderLayers": 1, "dimFeedforward": 16, "batchFirst": True}
    model = nn.Transformer(d_model=8, nhead=2, num_encoder_layers=2, num_decoder_layers=1, dim_feedforward=16, batch_first=True)

    def transformer_forward(m, ins):
        return {"output": m(ins["src"], ins["tgt"], tgt_mask=ins["tgtMask"], src_key_padding_mask=ins["srcKeyPaddingMask"],
                            memory_key_padding_mask=ins["srcKeyPaddingMask"])}

    case("Transformer batchFirst with masks", "Transformer", model, [], opts,
         {"src": rounded([2, 5, 8], f64), "tgt": rounded([2, 4, 8], f64), "tgtMask": nn.Transformer.generate_square_subsequent_mask(4).to(f64), "srcKeyPaddingMask": kpm},
         transformer_forward)
    return cases


def positional_table(max_len, d_model):
    """The PyTorch tutorial's PositionalEncoding buffer, in float64."""
    position = torch.arange(max_len, dtype=torch.float64).unsqueeze(1)
    div_term = torch.exp(torch.arange(0, d_model, 2, dtype=torch.float64) * (-math.log(10000.0) / d_model))
    pe = torch.zeros(max_len, 1, d_model, dtype=torch.float64)
    pe[:, 0, 0::2] = torch.sin(position * div_term)
    pe[:, 0, 1::2] = torch.cos(position * div_term[: d_model // 2])
    return pe

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
    with torch.random.fork_rng():
        recurrent["stateDicts"]["LSTM(10, 20, numLayers 2, bidirectional, projSize 5)"] = state_dict_shapes(
            nn.LSTM(10, 20, num_layers=2, bidirectional=True, proj_size=5))
        recurrent["stateDicts"]["LSTM(10, 20, projSize 5, no bias)"] = state_dict_shapes(nn.LSTM(10, 20, proj_size=5, bias=False))
    FIX.mkdir(parents=True, exist_ok=True)
    (FIX / "rnn-recurrent.json").write_text(json.dumps(recurrent, separators=(",", ":")))
    print(f"wrote {len(recurrent['cases'])} recurrent cases, torch {torch.__version__}")
    attention = {
        "cases": attention_cases(),
        "stateDicts": {
            "MultiheadAttention(8, 2)": state_dict_shapes(nn.MultiheadAttention(8, 2)),
            "MultiheadAttention(6, 3, kdim 4, vdim 5)": state_dict_shapes(nn.MultiheadAttention(6, 3, kdim=4, vdim=5)),
            "MultiheadAttention(8, 4, no bias)": state_dict_shapes(nn.MultiheadAttention(8, 4, bias=False)),
        },
    }
    with torch.random.fork_rng():
        attention["stateDicts"]["MultiheadAttention(6, 3, kdim 4, vdim 5, addBiasKv)"] = state_dict_shapes(
            nn.MultiheadAttention(6, 3, kdim=4, vdim=5, add_bias_kv=True))
        attention["stateDicts"]["MultiheadAttention(8, 2, addBiasKv, addZeroAttn, no bias)"] = state_dict_shapes(
            nn.MultiheadAttention(8, 2, add_bias_kv=True, add_zero_attn=True, bias=False))
    (FIX / "rnn-attention.json").write_text(json.dumps(attention, separators=(",", ":")))
    print(f"wrote {len(attention['cases'])} attention cases")
    transformer = {
        "cases": transformer_cases(),
        "positional": {"8x6": tensor_json(positional_table(8, 6)), "50x7": tensor_json(positional_table(50, 7))},
        "stateDicts": {
            "TransformerEncoderLayer(8, 2, dff 16)": state_dict_shapes(nn.TransformerEncoderLayer(8, 2, dim_feedforward=16)),
            "TransformerDecoderLayer(8, 2, dff 16)": state_dict_shapes(nn.TransformerDecoderLayer(8, 2, dim_feedforward=16)),
            "Transformer(8, 2, 2 + 1 layers, dff 16)": state_dict_shapes(
                nn.Transformer(d_model=8, nhead=2, num_encoder_layers=2, num_decoder_layers=1, dim_feedforward=16)),
        },
    }
    (FIX / "rnn-transformer.json").write_text(json.dumps(transformer, separators=(",", ":")))
    print(f"wrote {len(transformer['cases'])} transformer cases")


if __name__ == "__main__":
    main()
