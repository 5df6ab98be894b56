#!/usr/bin/env python3
"""Golden values for the nn module system, basic layers, initializer formulas and losses.

Writes test/fixtures/nn-losses.json (every loss and functional distance: inputs, options,
output, and gradients of sum(output * cotangent) with respect to each float input),
nn-layers.json (layers with their weights by state-dict key, outputs, input and parameter
gradients) and nn-structure.json (state-dict keys and shapes of composite models, fan and gain
values of the initializers). Needs Debian's python3-torch; the tests only read the JSON.
"""
import json
import warnings
import math

import torch
import torch.nn.functional as F
from torch import nn

from fixture_util import FIX, dtype_name, tensor_values
torch.manual_seed(0)
warnings.filterwarnings("ignore", message="reduction: 'mean' divides")
F64 = torch.float64
F32 = torch.float32


def tensor_json(t):
    return {"shape": list(t.shape), "dtype": dtype_name(t), "values": tensor_values(t)}


def rounded(shape, dtype=F64, lo=-1.0, hi=1.0):
    """Uniform values rounded to 6 significant digits, so float32 and float64 runs see the same inputs."""
    t = torch.rand(shape, dtype=F64) * (hi - lo) + lo
    t = torch.tensor([float(f"{v:.6g}") for v in t.reshape(-1).tolist()], dtype=F64).reshape(shape)
    return t.to(dtype)


def run(fn, inputs, grad_names):
    """fn(leaves) -> output; gradients of sum(output * cotangent) for the inputs in grad_names."""
    leaves = {k: (v.clone().requires_grad_(True) if k in grad_names else v) for k, v in inputs.items()}
    out = fn(leaves)
    cot = rounded(out.shape, out.dtype)
    if out.requires_grad:
        finite = torch.isfinite(out)
        (torch.where(finite, out, torch.zeros_like(out)) * cot).sum().backward()
    grads = {k: tensor_json(leaves[k].grad) for k in grad_names if leaves[k].grad is not None}
    return out, cot, grads


# ---- losses ------------------------------------------------------------------------------------

LOSS_CASES = []


def loss_case(name, fn, inputs, options, torch_fn, grad=None, dtype=F64):
    """torch_fn(leaves) computes the expected output; options may name inputs as "@key"."""
    inputs = {k: (v.to(dtype) if v.is_floating_point() else v) for k, v in inputs.items()}
    grad = grad if grad is not None else [k for k, v in inputs.items() if v.is_floating_point() and not k.startswith("opt_")]
    out, cot, grads = run(torch_fn, inputs, grad)
    LOSS_CASES.append({
        "name": name, "fn": fn, "dtype": dtype_name(out), "options": options,
        "inputs": {k: tensor_json(v) for k, v in inputs.items()},
        "output": tensor_json(out), "cotangent": tensor_values(cot), "grads": grads,
    })


def opt_weight(d):
    return d.get("opt_weight")


def reductions(name, fn, inputs, torch_fn, extra_ts=None, extra_torch=None, dtype=F64):
    for red in ["mean", "sum", "none"]:
        opts = dict(extra_ts or {}, reduction=red)
        loss_case(f"{name} {red}{'' if dtype == F64 else ' float32'}", fn, inputs, opts,
                  lambda d, red=red: torch_fn(d, red, **(extra_torch or {})), dtype=dtype)


def gen_losses():
    x = rounded([4, 5])
    y = rounded([4, 5])
    pair = {"input": x, "target": y}
    reductions("mseLoss", "mseLoss", pair, lambda d, r: F.mse_loss(d["input"], d["target"], reduction=r))
    reductions("mseLoss", "mseLoss", pair, lambda d, r: F.mse_loss(d["input"], d["target"], reduction=r), dtype=F32)
    reductions("l1Loss", "l1Loss", pair, lambda d, r: F.l1_loss(d["input"], d["target"], reduction=r))
    wide = {"input": rounded([3, 6], lo=-3, hi=3), "target": rounded([3, 6], lo=-3, hi=3)}
    for delta in [1.0, 0.5, 2.0]:
        reductions(f"huberLoss delta {delta}", "huberLoss", wide,
                   lambda d, r, delta=delta: F.huber_loss(d["input"], d["target"], reduction=r, delta=delta), {"delta": delta})
    for beta in [1.0, 0.5, 0.0]:
        reductions(f"smoothL1Loss beta {beta}", "smoothL1Loss", wide,
                   lambda d, r, beta=beta: F.smooth_l1_loss(d["input"], d["target"], reduction=r, beta=beta), {"beta": beta})

    probs = {"input": rounded([4, 3], lo=0.02, hi=0.98), "target": rounded([4, 3], lo=0, hi=1)}
    reductions("binaryCrossEntropy", "binaryCrossEntropy", probs,
               lambda d, r: F.binary_cross_entropy(d["input"], d["target"], reduction=r))
    probs_w = dict(probs, opt_weight=rounded([3], lo=0.5, hi=2))
    reductions("binaryCrossEntropy weight", "binaryCrossEntropy", probs_w,
               lambda d, r: F.binary_cross_entropy(d["input"], d["target"], weight=d["opt_weight"], reduction=r), {"weight": "@opt_weight"})
    loss_case("binaryCrossEntropy float32", "binaryCrossEntropy", probs, {},
              lambda d: F.binary_cross_entropy(d["input"], d["target"]), dtype=F32)

    logits = {"input": rounded([4, 3], lo=-6, hi=6), "target": (torch.rand(4, 3) > 0.5).to(F64)}
    reductions("binaryCrossEntropyWithLogits", "binaryCrossEntropyWithLogits", logits,
               lambda d, r: F.binary_cross_entropy_with_logits(d["input"], d["target"], reduction=r))
    lw = dict(logits, opt_weight=rounded([4, 1], lo=0.5, hi=2), opt_pos=rounded([3], lo=0.5, hi=3))
    reductions("binaryCrossEntropyWithLogits weight posWeight", "binaryCrossEntropyWithLogits", lw,
               lambda d, r: F.binary_cross_entropy_with_logits(d["input"], d["target"], weight=d["opt_weight"], pos_weight=d["opt_pos"], reduction=r),
               {"weight": "@opt_weight", "posWeight": "@opt_pos"})
    loss_case("binaryCrossEntropyWithLogits large logits", "binaryCrossEntropyWithLogits",
              {"input": torch.tensor([[-80.0, 80.0, 0.0], [30.0, -30.0, 1e-3]]), "target": torch.tensor([[1.0, 0.0, 0.5], [0.0, 1.0, 1.0]])}, {},
              lambda d: F.binary_cross_entropy_with_logits(d["input"], d["target"]))

    # Masked multi-label BCE: the expected value is BCE-with-logits over the known labels only.
    ml_in = rounded([4, 3], lo=-3, hi=3)
    ml_t = (torch.rand(4, 3) > 0.5).to(F64)
    unknown = torch.tensor([[False, True, False], [False, False, False], [True, True, False], [False, False, True]])
    ml_t_nan = torch.where(unknown, torch.full_like(ml_t, float("nan")), ml_t)
    for red in ["mean", "sum", "none"]:
        def masked(d, red=red):
            known = ~torch.isnan(d["target"])
            full = F.binary_cross_entropy_with_logits(d["input"], torch.where(known, d["target"], torch.zeros_like(d["target"])), reduction="none")
            full = torch.where(known, full, torch.zeros_like(full))
            return {"none": full, "sum": full.sum(), "mean": full.sum() / known.sum()}[red]
        loss_case(f"maskedBinaryCrossEntropyWithLogits NaN labels {red}", "maskedBinaryCrossEntropyWithLogits",
                  {"input": ml_in, "target": ml_t_nan}, {"reduction": red}, masked)
    mask = ~unknown

    def masked_explicit(d):
        full = F.binary_cross_entropy_with_logits(d["input"], d["target"], pos_weight=d["opt_pos"], reduction="none")
        return torch.where(d["mask"], full, torch.zeros_like(full)).sum() / d["mask"].sum()
    loss_case("maskedBinaryCrossEntropyWithLogits mask posWeight", "maskedBinaryCrossEntropyWithLogits",
              {"input": ml_in, "target": ml_t, "mask": mask, "opt_pos": rounded([3], lo=0.5, hi=3)},
              {"mask": "@mask", "posWeight": "@opt_pos"}, masked_explicit)

    # Cross entropy and NLL.
    ce_x = rounded([5, 4], lo=-3, hi=3)
    ce_t = torch.tensor([1, 0, 3, 3, 2])
    ce_t_ign = torch.tensor([1, -100, 3, 2, -100])
    w4 = rounded([4], lo=0.3, hi=2)
    reductions("crossEntropy", "crossEntropy", {"input": ce_x, "target": ce_t},
               lambda d, r: F.cross_entropy(d["input"], d["target"], reduction=r))
    reductions("crossEntropy float32", "crossEntropy", {"input": ce_x, "target": ce_t},
               lambda d, r: F.cross_entropy(d["input"], d["target"], reduction=r), dtype=F32)
    reductions("crossEntropy weight ignoreIndex", "crossEntropy", {"input": ce_x, "target": ce_t_ign, "opt_weight": w4},
               lambda d, r: F.cross_entropy(d["input"], d["target"], weight=d["opt_weight"], reduction=r), {"weight": "@opt_weight"})
    reductions("crossEntropy ignoreIndex 3", "crossEntropy", {"input": ce_x, "target": ce_t},
               lambda d, r: F.cross_entropy(d["input"], d["target"], ignore_index=3, reduction=r), {"ignoreIndex": 3})
    reductions("crossEntropy labelSmoothing", "crossEntropy", {"input": ce_x, "target": ce_t},
               lambda d, r: F.cross_entropy(d["input"], d["target"], label_smoothing=0.2, reduction=r), {"labelSmoothing": 0.2})
    reductions("crossEntropy labelSmoothing weight ignoreIndex", "crossEntropy", {"input": ce_x, "target": ce_t_ign, "opt_weight": w4},
               lambda d, r: F.cross_entropy(d["input"], d["target"], weight=d["opt_weight"], label_smoothing=0.1, reduction=r),
               {"weight": "@opt_weight", "labelSmoothing": 0.1})
    loss_case("crossEntropy unbatched", "crossEntropy", {"input": rounded([4]), "target": torch.tensor(2)}, {},
              lambda d: F.cross_entropy(d["input"], d["target"]))
    nd_x = rounded([2, 3, 2, 3], lo=-2, hi=2)
    nd_t = torch.tensor([[[0, 2, 1], [2, 2, -100]], [[1, 0, 0], [-100, 1, 2]]])
    reductions("crossEntropy extra dims", "crossEntropy", {"input": nd_x, "target": nd_t, "opt_weight": rounded([3], lo=0.3, hi=2)},
               lambda d, r: F.cross_entropy(d["input"], d["target"], weight=d["opt_weight"], label_smoothing=0.15, reduction=r),
               {"weight": "@opt_weight", "labelSmoothing": 0.15})
    soft = torch.softmax(rounded([5, 4], lo=-2, hi=2), 1)
    reductions("crossEntropy probabilities", "crossEntropy", {"input": ce_x, "target": soft, "opt_weight": w4},
               lambda d, r: F.cross_entropy(d["input"], d["target"], weight=d["opt_weight"], label_smoothing=0.1, reduction=r),
               {"weight": "@opt_weight", "labelSmoothing": 0.1})
    loss_case("crossEntropy probabilities extra dims", "crossEntropy", {"input": nd_x, "target": torch.softmax(rounded([2, 3, 2, 3]), 1)}, {},
              lambda d: F.cross_entropy(d["input"], d["target"]))
    logp = torch.log_softmax(ce_x, 1)
    reductions("nllLoss weight ignoreIndex", "nllLoss", {"input": logp, "target": ce_t_ign, "opt_weight": w4},
               lambda d, r: F.nll_loss(d["input"], d["target"], weight=d["opt_weight"], reduction=r), {"weight": "@opt_weight"})
    loss_case("nllLoss extra dims", "nllLoss", {"input": torch.log_softmax(nd_x, 1), "target": nd_t}, {},
              lambda d: F.nll_loss(d["input"], d["target"]))

    # KL divergence; the target has exact zeros.
    kl_in = torch.log_softmax(rounded([3, 4], lo=-2, hi=2), 1)
    kl_t = torch.softmax(rounded([3, 4], lo=-2, hi=2), 1)
    kl_t[0, 1] = 0.0
    for red in ["mean", "sum", "none", "batchmean"]:
        # t log t has no derivative at t = 0, so only the input's gradient is compared.
        loss_case(f"kldiv {red}", "kldiv", {"input": kl_in, "target": kl_t}, {"reduction": red},
                  lambda d, red=red: F.kl_div(d["input"], d["target"], reduction=red), grad=["input"])
    loss_case("kldiv logTarget", "kldiv", {"input": kl_in, "target": torch.log_softmax(rounded([3, 4]), 1)}, {"logTarget": True, "reduction": "batchmean"},
              lambda d: F.kl_div(d["input"], d["target"], reduction="batchmean", log_target=True))

    signs = torch.tensor([1.0, -1.0, -1.0, 1.0, -1.0, 1.0])
    reductions("hingeEmbeddingLoss", "hingeEmbeddingLoss", {"input": rounded([6], lo=-2, hi=2), "opt_target": signs},
               lambda d, r: F.hinge_embedding_loss(d["input"], d["opt_target"], margin=0.7, reduction=r), {"margin": 0.7})
    reductions("marginRankingLoss", "marginRankingLoss", {"input1": rounded([6]), "input2": rounded([6]), "opt_target": signs},
               lambda d, r: F.margin_ranking_loss(d["input1"], d["input2"], d["opt_target"], margin=0.3, reduction=r), {"margin": 0.3})
    emb_a, emb_b = rounded([4, 5]), rounded([4, 5])
    pair_t = torch.tensor([1.0, -1.0, 1.0, -1.0])
    reductions("cosineEmbeddingLoss", "cosineEmbeddingLoss", {"input1": emb_a, "input2": emb_b, "opt_target": pair_t},
               lambda d, r: F.cosine_embedding_loss(d["input1"], d["input2"], d["opt_target"], margin=-0.2, reduction=r), {"margin": -0.2})
    loss_case("cosineEmbeddingLoss unbatched", "cosineEmbeddingLoss", {"input1": rounded([5]), "input2": rounded([5]), "opt_target": torch.tensor(-1.0)}, {},
              lambda d: F.cosine_embedding_loss(d["input1"], d["input2"], d["opt_target"]))
    trip = {"anchor": rounded([4, 5]), "positive": rounded([4, 5]), "negative": rounded([4, 5])}
    reductions("tripletMarginLoss", "tripletMarginLoss", trip,
               lambda d, r: F.triplet_margin_loss(d["anchor"], d["positive"], d["negative"], reduction=r))
    for p, swap in [(1.0, False), (3.0, True), (2.0, True)]:
        loss_case(f"tripletMarginLoss p {p} swap {swap}", "tripletMarginLoss", trip, {"p": p, "swap": swap, "margin": 1.5, "reduction": "none"},
                  lambda d, p=p, swap=swap: F.triplet_margin_loss(d["anchor"], d["positive"], d["negative"], margin=1.5, p=p, swap=swap, reduction="none"))

    # Contrastive loss (not in torch): (1 - y)/2 D^2 + y/2 max(0, m - D)^2 with D = pairwise_distance.
    dis = torch.tensor([0.0, 1.0, 1.0, 0.0])
    for red in ["mean", "sum", "none"]:
        def contrastive(d, red=red):
            dist = F.pairwise_distance(d["input1"], d["input2"])
            y = d["opt_target"]
            loss = 0.5 * (1 - y) * dist ** 2 + 0.5 * y * torch.clamp(2.0 - dist, min=0) ** 2
            return {"none": loss, "sum": loss.sum(), "mean": loss.mean()}[red]
        loss_case(f"contrastiveLoss {red}", "contrastiveLoss", {"input1": emb_a, "input2": emb_b * 0.5, "opt_target": dis},
                  {"margin": 2.0, "reduction": red}, contrastive)

    # CTC: gradients with respect to the logits (see ctcLoss's note on torch's kernel gradient).
    T, N, C = 7, 3, 5
    ctc_logits = rounded([T, N, C], lo=-2, hi=2)
    padded = torch.tensor([[1, 2, 2, 3], [4, 0, 0, 0], [3, 1, 4, 1]])
    in_lens, tgt_lens = torch.tensor([7, 5, 6]), torch.tensor([3, 1, 4])
    for red in ["mean", "sum", "none"]:
        loss_case(f"ctcLoss padded {red}", "ctcLossOnLogits",
                  {"logits": ctc_logits, "targets": padded, "inputLengths": in_lens, "targetLengths": tgt_lens}, {"reduction": red},
                  lambda d, red=red: F.ctc_loss(torch.log_softmax(d["logits"], 2), d["targets"], d["inputLengths"], d["targetLengths"], reduction=red))
    concat = torch.tensor([1, 2, 2, 4, 3, 1, 4, 1])
    loss_case("ctcLoss concatenated targets float32", "ctcLossOnLogits",
              {"logits": ctc_logits, "targets": concat, "inputLengths": in_lens, "targetLengths": tgt_lens}, {},
              lambda d: F.ctc_loss(torch.log_softmax(d["logits"], 2), d["targets"], d["inputLengths"], d["targetLengths"]), dtype=F32)
    loss_case("ctcLoss blank 4 with empty target", "ctcLossOnLogits",
              {"logits": ctc_logits, "targets": torch.tensor([[0, 1, 1], [2, 0, 0], [3, 3, 3]]), "inputLengths": torch.tensor([7, 4, 7]),
               "targetLengths": torch.tensor([3, 0, 3])}, {"blank": 4, "reduction": "none"},
              lambda d: F.ctc_loss(torch.log_softmax(d["logits"], 2), d["targets"], d["inputLengths"], d["targetLengths"], blank=4, reduction="none"))
    impossible = {"logits": ctc_logits, "targets": torch.tensor([[1, 1, 1, 1], [1, 2, 0, 0], [2, 2, 2, 2]]),
                  "inputLengths": torch.tensor([7, 2, 6]), "targetLengths": torch.tensor([4, 2, 4])}
    loss_case("ctcLoss zeroInfinity", "ctcLossOnLogits", impossible, {"zeroInfinity": True, "reduction": "none"},
              lambda d: F.ctc_loss(torch.log_softmax(d["logits"], 2), d["targets"], d["inputLengths"], d["targetLengths"], reduction="none", zero_infinity=True))
    loss_case("ctcLoss unbatched", "ctcLossOnLogits",
              {"logits": rounded([6, 4], lo=-2, hi=2), "targets": torch.tensor([1, 3, 3]), "inputLengths": torch.tensor([6]), "targetLengths": torch.tensor([3])},
              {"reduction": "sum"},
              lambda d: F.ctc_loss(torch.log_softmax(d["logits"], 1), d["targets"], d["inputLengths"], d["targetLengths"], reduction="sum"))

    # Distances and embedding.
    loss_case("pairwiseDistance", "pairwiseDistance", {"x1": rounded([4, 5]), "x2": rounded([4, 5])}, {},
              lambda d: F.pairwise_distance(d["x1"], d["x2"]))
    loss_case("pairwiseDistance p 1 keepdim broadcast", "pairwiseDistance", {"x1": rounded([4, 5]), "x2": rounded([5])}, {"p": 1.0, "keepdim": True},
              lambda d: F.pairwise_distance(d["x1"], d["x2"], p=1.0, keepdim=True))
    loss_case("pairwiseDistance p 3 eps", "pairwiseDistance", {"x1": rounded([3, 2, 4]), "x2": rounded([3, 2, 4])}, {"p": 3.0, "eps": 0.01},
              lambda d: F.pairwise_distance(d["x1"], d["x2"], p=3.0, eps=0.01))
    loss_case("cosineSimilarity", "cosineSimilarity", {"x1": rounded([4, 5]), "x2": rounded([4, 5])}, {},
              lambda d: F.cosine_similarity(d["x1"], d["x2"]))
    loss_case("cosineSimilarity dim -1 broadcast", "cosineSimilarity", {"x1": rounded([2, 3, 4]), "x2": rounded([3, 4])}, {"dim": -1},
              lambda d: F.cosine_similarity(d["x1"], d["x2"], dim=-1))
    table = rounded([6, 3])
    ids = torch.tensor([[0, 2, 5], [2, 2, 1]])
    loss_case("embedding paddingIdx", "embedding", {"indices": ids, "weight": table}, {"paddingIdx": 2},
              lambda d: F.embedding(d["indices"], d["weight"], padding_idx=2))
    big = rounded([6, 3], lo=-3, hi=3)
    loss_case("embedding maxNorm", "embedding", {"indices": ids, "weight": big}, {"maxNorm": 1.5, "normType": 2},
              lambda d: F.embedding(d["indices"], d["weight"].detach().clone(), max_norm=1.5), grad=[])
    # The renormalized table itself: rows 0, 1, 2, 5 are referenced.
    renormed = big.clone()
    F.embedding(ids, renormed, max_norm=1.5)
    LOSS_CASES[-1]["renormedWeight"] = tensor_json(renormed)


# ---- layers -----------------------------------------------------------------------------------

LAYER_CASES = []


def round_module(module, dtype):
    with torch.no_grad():
        for p in module.parameters():
            p.copy_(torch.tensor([float(f"{v:.6g}") for v in p.reshape(-1).tolist()], dtype=F64).reshape(p.shape))
    return module.to(dtype)


def layer_case(name, layer, args, options, module, inputs, forward=None, dtype=F64):
    module = round_module(module, dtype)
    inputs = {k: (v.to(dtype) if v.is_floating_point() else v) for k, v in inputs.items()}
    grad_names = [k for k, v in inputs.items() if v.is_floating_point()]
    leaves = {k: (v.clone().requires_grad_(True) if k in grad_names else v) for k, v in inputs.items()}
    out = forward(module, leaves) if forward else module(*leaves.values())
    cot = rounded(out.shape, out.dtype)
    module.zero_grad()
    (out * cot).sum().backward()
    LAYER_CASES.append({
        "name": name, "layer": layer, "args": args, "options": options, "dtype": dtype_name(out),
        "params": {k: tensor_json(v) for k, v in module.state_dict().items()},
        "inputs": {k: tensor_json(v) for k, v in inputs.items()},
        "output": tensor_json(out), "cotangent": tensor_values(cot),
        "grads": {k: tensor_json(leaves[k].grad) for k in grad_names},
        "paramGrads": {k: tensor_json(p.grad) for k, p in module.named_parameters() if p.grad is not None},
    })


def gen_layers():
    layer_case("Linear", "Linear", [5, 3], {}, nn.Linear(5, 3), {"input": rounded([4, 5])})
    layer_case("Linear float32", "Linear", [5, 3], {}, nn.Linear(5, 3), {"input": rounded([4, 5])}, dtype=F32)
    layer_case("Linear no bias 3-D input", "Linear", [5, 3], {"bias": False}, nn.Linear(5, 3, bias=False), {"input": rounded([2, 4, 5])})
    layer_case("Linear unbatched", "Linear", [4, 2], {}, nn.Linear(4, 2), {"input": rounded([4])})
    x = rounded([3, 4], lo=-3, hi=3)
    acts = [
        ("ReLU", [], nn.ReLU()), ("LeakyReLU", [0.2], nn.LeakyReLU(0.2)), ("ELU", [0.7], nn.ELU(0.7)), ("SELU", [], nn.SELU()),
        ("GELU", [], nn.GELU()), ("GELU", ["tanh"], nn.GELU("tanh")), ("Sigmoid", [], nn.Sigmoid()), ("Tanh", [], nn.Tanh()),
        ("Softmax", [1], nn.Softmax(1)), ("LogSoftmax", [0], nn.LogSoftmax(0)), ("Softplus", [2, 1], nn.Softplus(2, 1)),
    ]
    for name, args, m in acts:
        layer_case(f"{name}({', '.join(map(str, args))})", name, args, {}, m, {"input": x})
    layer_case("Flatten", "Flatten", [], {}, nn.Flatten(), {"input": rounded([2, 3, 2, 2])})
    layer_case("Flatten(0, 2)", "Flatten", [0, 2], {}, nn.Flatten(0, 2), {"input": rounded([2, 3, 2, 2])})
    layer_case("Unflatten", "Unflatten", [1, [2, 3]], {}, nn.Unflatten(1, (2, 3)), {"input": rounded([2, 6])})
    layer_case("Embedding paddingIdx", "Embedding", [7, 3], {"paddingIdx": 1}, nn.Embedding(7, 3, padding_idx=1),
               {"input": torch.tensor([[1, 4, 6], [0, 1, 4]])})
    layer_case("CosineSimilarity", "CosineSimilarity", [], {"dim": 1}, nn.CosineSimilarity(dim=1), {"x1": rounded([3, 4]), "x2": rounded([3, 4])})
    layer_case("PairwiseDistance", "PairwiseDistance", [], {"p": 1.5}, nn.PairwiseDistance(p=1.5), {"x1": rounded([3, 4]), "x2": rounded([3, 4])})
    mlp = nn.Sequential(nn.Linear(4, 6), nn.Tanh(), nn.Linear(6, 6), nn.ReLU(), nn.Dropout(0.3), nn.Linear(6, 2))
    layer_case("Sequential MLP eval", "MLP", [], {}, mlp.eval(), {"input": rounded([5, 4])})
    # Appended after the cases above so their random draws stay the same.
    x = rounded([3, 4], lo=-4, hi=4)
    more_acts = [
        ("SiLU", [], nn.SiLU()), ("Mish", [], nn.Mish()), ("Hardswish", [], nn.Hardswish()), ("Hardsigmoid", [], nn.Hardsigmoid()),
        ("LogSigmoid", [], nn.LogSigmoid()), ("Softsign", [], nn.Softsign()), ("Tanhshrink", [], nn.Tanhshrink()),
        ("GLU", [], nn.GLU()), ("GLU", [1], nn.GLU(1)), ("Hardtanh", [], nn.Hardtanh()), ("Hardtanh", [-0.5, 2], nn.Hardtanh(-0.5, 2)),
        ("ReLU6", [], nn.ReLU6()), ("CELU", [], nn.CELU()), ("CELU", [0.5], nn.CELU(0.5)), ("Softshrink", [], nn.Softshrink()),
        ("Softshrink", [1.25], nn.Softshrink(1.25)), ("Hardshrink", [], nn.Hardshrink()), ("Hardshrink", [1.25], nn.Hardshrink(1.25)),
        ("Threshold", [0.1, -1], nn.Threshold(0.1, -1)), ("PReLU", [], nn.PReLU()), ("PReLU", [4, 0.1], nn.PReLU(4, 0.1)),
    ]
    for name, args, m in more_acts:
        layer_case(f"{name}({', '.join(map(str, args))})", name, args, {}, m, {"input": x})
    layer_case("PReLU(3) on images", "PReLU", [3], {}, nn.PReLU(3), {"input": rounded([2, 3, 2, 2])})
    layer_case("Hardswish float32", "Hardswish", [], {}, nn.Hardswish(), {"input": x}, dtype=F32)


# ---- structure --------------------------------------------------------------------------------

class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.encoder = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 8))
        self.heads = nn.ModuleDict({"cls": nn.Linear(8, 3), "reg": nn.Linear(8, 1, bias=False)})
        self.blocks = nn.ModuleList([nn.Linear(8, 8) for _ in range(2)])
        self.emb = nn.Embedding(10, 4, padding_idx=0)
        self.scale = nn.Parameter(torch.ones(3))


def keys_and_shapes(module):
    return [[k, list(v.shape)] for k, v in module.state_dict().items()]


def gen_structure():
    models = {
        "Linear(3, 4)": nn.Linear(3, 4),
        "Linear(3, 4, bias false)": nn.Linear(3, 4, bias=False),
        "Sequential MLP": nn.Sequential(nn.Linear(2, 16), nn.ReLU(), nn.Linear(16, 3)),
        "Embedding(10, 4)": nn.Embedding(10, 4),
        "Net": Net(),
        "CrossEntropyLoss(weight)": nn.CrossEntropyLoss(weight=torch.ones(3)),
        "BCEWithLogitsLoss(posWeight)": nn.BCEWithLogitsLoss(pos_weight=torch.ones(3)),
    }
    net = Net()
    shapes = [[3, 4], [8, 3, 5, 5], [16, 4, 3], [2, 3, 2, 2, 2], [1, 1]]
    fans = [[s, list(nn.init._calculate_fan_in_and_fan_out(torch.empty(s)))] for s in shapes]
    gains = [["linear", None, nn.init.calculate_gain("linear")], ["conv2d", None, nn.init.calculate_gain("conv2d")],
             ["sigmoid", None, nn.init.calculate_gain("sigmoid")], ["tanh", None, nn.init.calculate_gain("tanh")],
             ["relu", None, nn.init.calculate_gain("relu")], ["leakyRelu", None, nn.init.calculate_gain("leaky_relu")],
             ["leakyRelu", 0.2, nn.init.calculate_gain("leaky_relu", 0.2)], ["leakyRelu", math.sqrt(5), nn.init.calculate_gain("leaky_relu", math.sqrt(5))],
             ["selu", None, nn.init.calculate_gain("selu")]]
    return {
        "stateDicts": {name: keys_and_shapes(m) for name, m in models.items()},
        "namedParameters": {"Net": [k for k, _ in net.named_parameters()]},
        "numParameters": {"Net": sum(p.numel() for p in net.parameters())},
        "repr": {"Sequential MLP": repr(models["Sequential MLP"])},
        "fans": fans,
        "gains": gains,
    }


def gen_saturated_bce():
    """Binary cross entropy at inputs of exactly 0 and 1: torch's gradient (x - y) / max(x (1 - x), 1e-12)
    is 0 where the target matches and -1e12 / 1e12 where it does not; the log is clamped at -100.
    Drawn after the layers so the earlier cases keep their random values."""
    sat = {"input": torch.tensor([[0.0, 1.0, 0.0, 1.0], [0.25, 1.0, 0.0, 0.5]]),
           "target": torch.tensor([[0.0, 1.0, 1.0, 0.0], [0.25, 0.5, 0.3, 0.5]])}
    reductions("binaryCrossEntropy at 0 and 1", "binaryCrossEntropy", sat,
               lambda d, r: F.binary_cross_entropy(d["input"], d["target"], reduction=r))
    loss_case("binaryCrossEntropy at 0 and 1 float32", "binaryCrossEntropy", sat, {},
              lambda d: F.binary_cross_entropy(d["input"], d["target"]), dtype=F32)
    sat_w = dict(sat, opt_weight=torch.tensor([0.5, 2.0, 1.5, 1.0]))
    loss_case("binaryCrossEntropy at 0 and 1 weight", "binaryCrossEntropy", sat_w, {"weight": "@opt_weight", "reduction": "sum"},
              lambda d: F.binary_cross_entropy(d["input"], d["target"], weight=d["opt_weight"], reduction="sum"))


def main():
    gen_losses()
    gen_layers()
    gen_saturated_bce()
    FIX.mkdir(parents=True, exist_ok=True)
    (FIX / "nn-losses.json").write_text(json.dumps({"cases": LOSS_CASES}, separators=(",", ":")))
    (FIX / "nn-layers.json").write_text(json.dumps({"cases": LAYER_CASES}, separators=(",", ":")))
    (FIX / "nn-structure.json").write_text(json.dumps(gen_structure(), indent=1))
    print(f"{len(LOSS_CASES)} loss cases, {len(LAYER_CASES)} layer cases")


if __name__ == "__main__":
    main()
