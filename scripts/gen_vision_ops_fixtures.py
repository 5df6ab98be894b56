"""Golden values for src/vision/ops from torchvision 0.14 (Debian python3-torchvision).

Writes test/fixtures/vision-ops.json: box conversion, areas, the pairwise IoU family, the IoU
losses and the focal loss (values and gradients), clipping, small-box removal, masks to boxes,
NMS / batched NMS on random boxes with exact score ties and IoU exactly at the threshold, and
RoIAlign / RoIPool (values and input gradients).
Run with /usr/bin/python3 scripts/gen_vision_ops_fixtures.py
"""
import json

import torch
import torchvision
from torchvision import ops

from fixture_util import FIX, tensor_values

torch.manual_seed(20261207)
g = torch.Generator().manual_seed(7)


def rand_boxes(n, dtype=torch.float64, scale=10.0):
    xy = torch.rand(n, 2, generator=g, dtype=dtype) * scale
    wh = torch.rand(n, 2, generator=g, dtype=dtype) * scale * 0.6 + 0.1
    return torch.cat([xy, xy + wh], 1)


def v(t):
    return tensor_values(t)


out = {"torchvision": torchvision.__version__}

# ---- conversion and area --------------------------------------------------------------------
b = rand_boxes(5)
conv = {"xyxy": b}
conv["xywh"] = ops.box_convert(b, "xyxy", "xywh")
conv["cxcywh"] = ops.box_convert(b, "xyxy", "cxcywh")
out["convert"] = {k: v(t) for k, t in conv.items()}
out["area"] = {"boxes": v(b), "area": v(ops.box_area(b))}

# ---- pairwise IoU family, values and gradients of sum(out * weight) --------------------------
b1 = rand_boxes(5)
b2 = torch.cat([rand_boxes(5), b1[:1] + 0.5, b1[1:2]])  # an overlapping and an identical box
pair = {"boxes1": v(b1), "boxes2": v(b2)}
for name, fn in [("boxIou", ops.box_iou), ("generalizedBoxIou", ops.generalized_box_iou),
                 ("distanceBoxIou", ops.distance_box_iou), ("completeBoxIou", ops.complete_box_iou)]:
    x1 = b1.clone().requires_grad_(True)
    x2 = b2.clone().requires_grad_(True)
    y = fn(x1, x2)
    w = torch.linspace(-1, 1, y.numel(), dtype=torch.float64).reshape(y.shape)
    (y * w).sum().backward()
    pair[name] = {"value": v(y), "grad1": v(x1.grad), "grad2": v(x2.grad)}
out["pairwise"] = pair

# ---- matched-box losses ----------------------------------------------------------------------
p = rand_boxes(6)
t = torch.cat([rand_boxes(4), p[:1] + 0.25, p[1:2] + torch.tensor([20.0, 20, 20, 20], dtype=torch.float64)])
losses = {"boxes1": v(p), "boxes2": v(t), "cases": []}
for name, fn in [("generalizedBoxIouLoss", ops.generalized_box_iou_loss),
                 ("distanceBoxIouLoss", ops.distance_box_iou_loss),
                 ("completeBoxIouLoss", ops.complete_box_iou_loss)]:
    for reduction, eps in [("none", 1e-7), ("mean", 1e-7), ("sum", 0.5)]:
        x1 = p.clone().requires_grad_(True)
        x2 = t.clone().requires_grad_(True)
        y = fn(x1, x2, reduction=reduction, eps=eps)
        w = torch.linspace(0.5, 1.5, y.numel(), dtype=torch.float64).reshape(y.shape)
        (y * w).sum().backward()
        losses["cases"].append({"op": name, "reduction": reduction, "eps": eps, "value": v(y),
                                "grad1": v(x1.grad), "grad2": v(x2.grad)})
out["losses"] = losses

logits = torch.randn(3, 4, generator=g, dtype=torch.float64) * 2
targets = (torch.rand(3, 4, generator=g, dtype=torch.float64) > 0.5).double()
focal = {"inputs": v(logits), "targets": v(targets), "cases": []}
for alpha, gamma, reduction in [(0.25, 2.0, "none"), (-1.0, 0.5, "mean"), (0.7, 0.0, "sum")]:
    x = logits.clone().requires_grad_(True)
    y = ops.sigmoid_focal_loss(x, targets, alpha=alpha, gamma=gamma, reduction=reduction)
    y.sum().backward()
    focal["cases"].append({"alpha": alpha, "gamma": gamma, "reduction": reduction, "value": v(y), "grad": v(x.grad)})
out["focal"] = focal

# ---- clipping, small boxes, masks ------------------------------------------------------------
cb = torch.tensor([[-3.0, 2, 15, 8], [1, -1, 4, 30], [2, 2, 3, 3]], dtype=torch.float64)
out["clip"] = {"boxes": v(cb), "size": [10, 12], "value": v(ops.clip_boxes_to_image(cb, (10, 12)))}
sb = torch.tensor([[0.0, 0, 1, 5], [0, 0, 2, 2], [1, 1, 3.5, 2], [0, 0, 0.5, 0.5]], dtype=torch.float64)
out["small"] = {"boxes": v(sb), "minSize": 2.0, "keep": v(ops.remove_small_boxes(sb, 2.0))}
masks = torch.zeros(3, 6, 7)
masks[0, 1:4, 2:5] = 1
masks[1, 5, 0] = 1
masks[2, 0:6:2, 3:7] = 2
out["masks"] = {"masks": v(masks), "shape": list(masks.shape), "boxes": v(ops.masks_to_boxes(masks))}

# ---- NMS ------------------------------------------------------------------------------------
nms_cases = []
# Random float32 boxes, scores on a coarse grid so that many scores tie exactly.
for n, thr in [(60, 0.5), (200, 0.3), (200, 0.7)]:
    boxes = rand_boxes(n, torch.float32, 20.0)
    scores = torch.randint(0, 8, (n,), generator=g).float() / 8
    nms_cases.append({"boxes": v(boxes), "scores": v(scores), "threshold": thr, "keep": v(ops.nms(boxes, scores, thr))})
# Integer boxes on a small grid: many pairs have IoU exactly 1/2, 1/3, 1/4 (the thresholds).
for n, thr in [(80, 0.5), (80, 0.25), (120, 1 / 3)]:
    xy = torch.randint(0, 4, (n, 2), generator=g)
    wh = torch.randint(1, 4, (n, 2), generator=g)
    boxes = torch.cat([xy, xy + wh], 1).float()
    scores = torch.randint(0, 5, (n,), generator=g).float()
    nms_cases.append({"boxes": v(boxes), "scores": v(scores), "threshold": thr, "keep": v(ops.nms(boxes, scores, thr))})
out["nms"] = nms_cases

batched = []
# 300 boxes: torchvision's coordinate-offset path; 1001 boxes (> 4000 numbers): its per-class loop.
for n, thr in [(300, 0.5), (1001, 0.4)]:
    boxes = torch.round(rand_boxes(n, torch.float32, 30.0) * 8) / 8  # eighths: exact and short in JSON
    scores = torch.randint(0, 10, (n,), generator=g).float() / 10
    idxs = torch.randint(0, 4, (n,), generator=g)
    batched.append({"boxes": v(boxes), "scores": v(scores), "idxs": v(idxs), "threshold": thr,
                    "keep": v(ops.batched_nms(boxes, scores, idxs, thr))})
out["batchedNms"] = batched

# ---- RoIAlign / RoIPool ---------------------------------------------------------------------
feat = torch.randn(2, 3, 10, 12, generator=g, dtype=torch.float64)
rois = torch.tensor([[0, 1.0, 1.5, 9.2, 7.7], [1, -2.0, -1.0, 6.0, 4.0], [0, 10.0, 12.0, 30.0, 22.0],
                     [1, 3.3, 2.2, 3.9, 2.4], [0, 0.0, 0.0, 23.0, 19.0]], dtype=torch.float64)
align = {"input": v(feat), "inputShape": list(feat.shape), "rois": v(rois), "cases": []}
for output_size, scale, ratio, aligned in [((3, 4), 1.0, -1, False), ((2, 2), 0.5, 2, True), ((4, 3), 0.5, -1, True),
                                           ((3, 3), 1.0, 1, False)]:
    x = feat.clone().requires_grad_(True)
    y = ops.roi_align(x, rois, output_size, spatial_scale=scale, sampling_ratio=ratio, aligned=aligned)
    w = torch.linspace(-1, 1, y.numel(), dtype=torch.float64).reshape(y.shape)
    (y * w).sum().backward()
    align["cases"].append({"outputSize": list(output_size), "spatialScale": scale, "samplingRatio": ratio,
                           "aligned": aligned, "value": v(y), "grad": v(x.grad)})
out["roiAlign"] = align

pool = {"input": v(feat), "inputShape": list(feat.shape), "rois": v(rois), "cases": []}
for output_size, scale in [((3, 3), 1.0), ((2, 4), 0.5)]:
    x = feat.clone().requires_grad_(True)
    y = ops.roi_pool(x, rois, output_size, spatial_scale=scale)
    w = torch.linspace(-1, 1, y.numel(), dtype=torch.float64).reshape(y.shape)
    (y * w).sum().backward()
    pool["cases"].append({"outputSize": list(output_size), "spatialScale": scale, "value": v(y), "grad": v(x.grad)})
out["roiPool"] = pool

# ---- anchors (torchvision.models.detection: AnchorGenerator for one level, Matcher) ----------
from torchvision.models.detection.anchor_utils import AnchorGenerator
from torchvision.models.detection.image_list import ImageList
from torchvision.models.detection._utils import Matcher

anchor_cases = []
for sizes, ratios, image, feature in [((32, 64), (0.5, 1.0, 2.0), (64, 96), (4, 6)), ((15, 23), (0.7, 1.3), (50, 40), (7, 5))]:
    gen = AnchorGenerator(sizes=(sizes,), aspect_ratios=(ratios,))
    images = ImageList(torch.zeros(1, 3, *image), [image])
    anchors = gen(images, [torch.zeros(1, 8, *feature)])[0]
    anchor_cases.append({"sizes": list(sizes), "aspectRatios": list(ratios), "imageSize": list(image),
                         "featureSize": list(feature), "anchors": v(anchors)})
gt = torch.tensor([[0.0, 0, 30, 30], [40, 10, 90, 60], [10, 40, 30, 64]])
match_cases = []
for high, low, allow in [(0.7, 0.3, False), (0.5, 0.4, True), (0.3, 0.1, False)]:
    matcher = Matcher(high, low, allow_low_quality_matches=allow)
    anchors = anchor_cases[0]["anchors"]
    a = torch.tensor(anchors).reshape(-1, 4)
    matches = matcher(ops.box_iou(gt, a))
    match_cases.append({"high": high, "low": low, "allowLowQuality": allow, "matches": v(matches)})
out["anchors"] = {"cases": anchor_cases, "gt": v(gt), "matches": match_cases}

with open(FIX / "vision-ops.json", "w") as f:
    json.dump(out, f, separators=(",", ":"))
    f.write("\n")
