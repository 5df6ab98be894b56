#!/usr/bin/env python3
"""Golden values for vision.styleTransfer's costs (the deeplearning.ai course's formulas), in float64.

  content cost   J_content = sum((a_C - a_G)^2) / (4 n_H n_W n_C)
  Gram matrix    G = A A^T with A = a.reshape(n_C, n_H n_W)
  layer style    J_style^l = sum((G_S - G_G)^2) / (2 n_H n_W n_C)^2
  style cost     sum_l lambda_l J_style^l
  total variation  sum |x[..., i+1, j] - x[..., i, j]| + sum |x[..., i, j+1] - x[..., i, j]|  (tf.image.total_variation)
  J(G)           alpha J_content + beta J_style + tv_weight TV(G)

Each cost with its gradient with respect to a_G (or the image), and the whole J(G) through a fixed
two-layer conv net (ImageNet-normalised input) with its gradient with respect to G.
Writes test/fixtures/vision-style.json.
"""
import json

import torch

from fixture_util import FIX, tensor_values

MEAN = [0.485, 0.456, 0.406]
STD = [0.229, 0.224, 0.225]


def rounded(shape, gen, scale=1.0, offset=0.0):
    return (torch.randn(shape, generator=gen, dtype=torch.float64) * scale + offset).mul(1e4).round().div(1e4)


def content_cost(a_c, a_g):
    _, c, h, w = a_g.shape
    return ((a_c - a_g) ** 2).sum() / (4 * h * w * c)


def gram(a):
    return a @ a.T


def layer_style_cost(a_s, a_g):
    _, c, h, w = a_g.shape
    gs, gg = gram(a_s.reshape(c, h * w)), gram(a_g.reshape(c, h * w))
    return ((gs - gg) ** 2).sum() / (2 * h * w * c) ** 2


def total_variation(x):
    return (x[..., 1:, :] - x[..., :-1, :]).abs().sum() + (x[..., :, 1:] - x[..., :, :-1]).abs().sum()


def entry(t):
    return {"shape": list(t.shape), "values": tensor_values(t)}


def main():
    gen = torch.Generator().manual_seed(5)
    a_c, a_s, a_g = (rounded([1, 3, 4, 5], gen) for _ in range(3))
    a_g.requires_grad_()
    costs = {}
    for name, fn, args in [("content", content_cost, (a_c, a_g)), ("layerStyle", layer_style_cost, (a_s, a_g))]:
        a_g.grad = None
        value = fn(*args)
        value.backward()
        costs[name] = {"value": value.item(), "grad": entry(a_g.grad)}
    costs["gram"] = entry(gram(a_g.detach().reshape(3, 20)))

    image = rounded([1, 3, 6, 7], gen, 0.3, 0.5).requires_grad_()
    tv = total_variation(image)
    tv.backward()
    costs["tv"] = {"image": entry(image.detach()), "value": tv.item(), "grad": entry(image.grad)}

    # J(G) through conv(3->4, 3x3, pad 1) ReLU conv(4->5, 3x3, stride 2) ReLU.
    w1, b1 = rounded([4, 3, 3, 3], gen, 0.3), rounded([4], gen, 0.1)
    w2, b2 = rounded([5, 4, 3, 3], gen, 0.3), rounded([5], gen, 0.1)
    mean = torch.tensor(MEAN, dtype=torch.float64).reshape(1, 3, 1, 1)
    std = torch.tensor(STD, dtype=torch.float64).reshape(1, 3, 1, 1)

    def features(x):
        h1 = torch.relu(torch.nn.functional.conv2d((x - mean) / std, w1, b1, padding=1))
        h2 = torch.relu(torch.nn.functional.conv2d(h1, w2, b2, stride=2))
        return {"1": h1, "3": h2}

    content = rounded([1, 3, 8, 9], gen, 0.2, 0.5).clamp(0, 1)
    style = rounded([1, 3, 8, 9], gen, 0.3, 0.5).clamp(0, 1)
    generated = rounded([1, 3, 8, 9], gen, 0.25, 0.5).clamp(0, 1).requires_grad_()
    alpha, beta, tv_weight = 10.0, 40.0, 0.01
    style_layers = {"1": 0.3, "3": 0.7}
    fc, fs, fg = features(content), features(style), features(generated)
    j_content = content_cost(fc["3"], fg["3"])
    j_style = sum(wt * layer_style_cost(fs[k], fg[k]) for k, wt in style_layers.items())
    j_tv = total_variation(generated)
    total = alpha * j_content + beta * j_style + tv_weight * j_tv
    total.backward()
    objective = {
        "weights": {"0.weight": entry(w1), "0.bias": entry(b1), "2.weight": entry(w2), "2.bias": entry(b2)},
        "content": entry(content), "style": entry(style), "generated": entry(generated.detach()),
        "contentLayer": "3", "styleLayers": style_layers, "alpha": alpha, "beta": beta, "tvWeight": tv_weight,
        "jContent": j_content.item(), "jStyle": j_style.item(), "jTv": j_tv.item(), "total": total.item(),
        "grad": entry(generated.grad),
    }
    data = {"activations": {"aC": entry(a_c), "aS": entry(a_s), "aG": entry(a_g.detach())}, "costs": costs, "objective": objective}
    path = FIX / "vision-style.json"
    path.write_text(json.dumps(data, separators=(",", ":")) + "\n")
    print(f"wrote {path} ({path.stat().st_size // 1024} KiB)")


if __name__ == "__main__":
    main()
