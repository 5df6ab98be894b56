"""scipy.ndimage goldens for the fill modes of data.transforms' warps -> test/fixtures/augment-fill-modes.json.

Keras's ImageDataGenerator warps with scipy.ndimage.affine_transform(order=1, mode=fill_mode,
cval=cval); these cases warp small images with the inverse map Nabla's `affine` applies (about the
centre ((W - 1) / 2, (H - 1) / 2), as Keras's transform_matrix_offset_center) in every mode, for
order 1 (bilinear) and 0 (nearest). The elastic cases sample at identity + a displacement field
given in grid_sample's normalized units (torchvision's elastic_transform), with map_coordinates;
the elasticNoise cases take the uniform draws too and smooth them with torchvision's gaussian_blur.
"""
import json
import math

import numpy as np
import torch
import torchvision.transforms.functional as TF
from scipy import ndimage

from fixture_util import FIX

rng = np.random.default_rng(15)
MODES = ["constant", "nearest", "reflect", "wrap"]
CVAL = 0.25


def forward_matrix(angle=0.0, scale=1.0, shear=(0.0, 0.0)):
    """Nabla's affineMatrix: rotation (counter-clockwise on screen, y down) * shear * scale, [[m00, m01], [m10, m11]]."""
    rad = math.radians(angle)
    c, s = math.cos(rad), math.sin(rad)
    shx, shy = math.tan(math.radians(shear[0])), math.tan(math.radians(shear[1]))
    return np.array([[scale * (c + s * shy), scale * (c * shx + s)], [scale * (-s + c * shy), scale * (-s * shx + c)]])


def warp(image, params, mode, order):
    h, w = image.shape
    cx, cy = (w - 1) / 2, (h - 1) / 2
    tx, ty = params.get("translate", [0.0, 0.0])
    inv = np.linalg.inv(forward_matrix(params.get("angle", 0.0), params.get("scale", 1.0), params.get("shear", [0.0, 0.0])))
    # Source (x, y) = inv @ (out - centre - t) + centre; scipy wants it in (row, col) order.
    matrix = np.array([[inv[1, 1], inv[1, 0]], [inv[0, 1], inv[0, 0]]])
    offset = np.array([cy, cx]) - matrix @ np.array([cy + ty, cx + tx])
    return ndimage.affine_transform(image, matrix, offset=offset, order=order, mode=mode, cval=CVAL)


# No source point lands exactly on the border: there scipy's rounding noise decides between cval and the edge pixel.
PARAMS = [
    {"angle": 30.0},
    {"translate": [2.5, -1.25]},
    {"translate": [-9.0, 13.0]},
    {"scale": 0.62},
    {"scale": 1.7, "angle": -50.0},
    {"shear": [20.0, 0.0]},
    {"angle": 200.0, "translate": [7.0, 3.0], "scale": 0.3},
]

images = [rng.random((2, 5, 7)), rng.random((1, 4, 4)), rng.random((1, 1, 6))]
affine_cases = []
for k, image in enumerate(images):
    for params in PARAMS:
        for mode in MODES:
            for order, interpolation in [(1, "bilinear"), (0, "nearest")]:
                out = np.stack([warp(channel, params, mode, order) for channel in image])
                affine_cases.append({"image": k, "params": params, "fillMode": mode, "interpolation": interpolation,
                                     "expected": out.reshape(-1).tolist()})

elastic_cases = []
image = images[0]
_, h, w = image.shape
for scale in [0.3, 3.0]:
    displacement = (rng.random((h, w, 2)) * 2 - 1) * scale  # [H, W, (dx, dy)] in normalized units
    ys, xs = np.meshgrid(np.arange(h), np.arange(w), indexing="ij")
    coords = [ys + displacement[..., 1] * h / 2, xs + displacement[..., 0] * w / 2]
    for mode in MODES:
        out = np.stack([ndimage.map_coordinates(channel, coords, order=1, mode=mode, cval=CVAL) for channel in image])
        elastic_cases.append({"displacement": displacement.reshape(-1).tolist(), "fillMode": mode, "expected": out.reshape(-1).tolist()})

# elasticTransform given its uniform draws: torchvision's ElasticTransform.get_params (blur, scaling) on
# that noise, then sampled as above. Draw order per image: the dx field, then the dy field, row-major.
noise_cases = []
noise_image = rng.random((2, 9, 11))
_, h, w = noise_image.shape
for alpha, sigma in [([3.0, 3.0], [1.0, 1.0]), ([3.0, 5.0], [1.0, 0.6]), ([4.0, 2.0], [0.0, 0.0])]:
    uniforms = rng.random(2 * h * w)
    fields = []
    for k, (a, size) in enumerate([(alpha[0], h), (alpha[1], w)]):
        field = torch.tensor(uniforms[k * h * w:(k + 1) * h * w] * 2 - 1, dtype=torch.float64).reshape(1, 1, h, w)
        if sigma[k] > 0:
            ks = int(8 * sigma[k] + 1)
            ks += 1 - ks % 2
            field = TF.gaussian_blur(field, [ks, ks], sigma)
        fields.append((field * a / size).reshape(h, w).numpy())
    ys, xs = np.meshgrid(np.arange(h), np.arange(w), indexing="ij")
    coords = [ys + fields[1] * h / 2, xs + fields[0] * w / 2]
    for mode in MODES:
        out = np.stack([ndimage.map_coordinates(channel, coords, order=1, mode=mode, cval=CVAL) for channel in noise_image])
        noise_cases.append({"alpha": alpha, "sigma": sigma, "uniforms": uniforms.tolist(), "fillMode": mode, "expected": out.reshape(-1).tolist()})

fixture = {
    "fill": CVAL,
    "images": [{"shape": list(im.shape), "values": im.reshape(-1).tolist()} for im in images],
    "affine": affine_cases,
    "elastic": elastic_cases,
    "noiseImage": {"shape": list(noise_image.shape), "values": noise_image.reshape(-1).tolist()},
    "elasticNoise": noise_cases,
}
(FIX / "augment-fill-modes.json").write_text(json.dumps(fixture) + "\n")
print("wrote", FIX / "augment-fill-modes.json")
