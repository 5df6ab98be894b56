"""PyTorch's side of the model rows (issue 16): the same work as bench/models.ts, written the way a
PyTorch user would write it. Each builder takes the workload's spec (a dict) and returns
(step, finish): step() is timed, finish() returns figures to report.

- resnet18-train: torchvision.models.resnet18(num_classes=10) (the ImageNet stem unchanged) on
  32x32 inputs, batch 32, cross-entropy, SGD(lr=0.01, momentum=0.9).
- transformer-train: nn.TransformerEncoderLayer(256, 4) (defaults: dim_feedforward 2048, dropout
  0.1 in training mode, post-norm, ReLU, batch_first False), input [128, 16, 256], MSE, Adam(1e-4).
- resnet18-infer, mobilenetv2-infer: batch-1 224x224 latency, eval mode under torch.no_grad(),
  the weights bench/exported.ts exported (spec["dir"]); finish() reports the largest difference
  from the exported logits.

Optimizers zero gradients with zero_grad(set_to_none=True), as Nabla's zeroGrad does.
Standalone: OPENBLAS_NUM_THREADS=1 python3 bench/torch_models.py WORKLOAD [TORCH_THREADS] [DIR]
"""
import os
import sys
import tempfile
import time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
import torchvision


def resnet18_train(spec):
    torch.manual_seed(0)
    model = torchvision.models.resnet18(num_classes=10)
    opt = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
    x, y = torch.randn(32, 3, 32, 32), torch.randint(0, 10, (32,))

    def step():
        opt.zero_grad(set_to_none=True)
        F.cross_entropy(model(x), y).backward()
        opt.step()
    return step, None


def transformer_train(spec):
    torch.manual_seed(0)
    layer = nn.TransformerEncoderLayer(256, 4)
    opt = torch.optim.Adam(layer.parameters(), lr=1e-4)
    x, target = torch.randn(128, 16, 256), torch.randn(128, 16, 256)

    def step():
        opt.zero_grad(set_to_none=True)
        F.mse_loss(layer(x), target).backward()
        opt.step()
    return step, None


def inference(name, spec):
    base = os.path.join(spec.get("dir") or os.path.join(tempfile.gettempdir(), "nabla-bench-models"), name)
    if not os.path.exists(base + ".pth"):
        raise FileNotFoundError(f"{base}.pth is missing: bench/exported.ts exports it (scripts/export_bench_models.py)")
    model = getattr(torchvision.models, name)()
    model.load_state_dict(torch.load(base + ".pth"))
    model.eval()
    x = torch.from_numpy(np.fromfile(base + ".input.bin", dtype="<f4").reshape(1, 3, 224, 224))
    want = np.fromfile(base + ".output.bin", dtype="<f4")
    last = {}

    def step():
        with torch.no_grad():
            last["y"] = model(x)

    def finish():
        return {"maxAbsDiffVsExport": float(np.abs(last["y"].numpy().ravel() - want).max())} if "y" in last else {}
    return step, finish


WORKLOADS = {
    "resnet18-train": resnet18_train,
    "transformer-train": transformer_train,
    "resnet18-infer": lambda spec: inference("resnet18", spec),
    "mobilenetv2-infer": lambda spec: inference("mobilenet_v2", spec),
}


def main():
    if len(sys.argv) < 2 or sys.argv[1] not in WORKLOADS:
        sys.exit(f"usage: torch_models.py ({' | '.join(WORKLOADS)}) [TORCH_THREADS] [DIR]")
    if len(sys.argv) > 2:
        torch.set_num_threads(int(sys.argv[2]))
    step, finish = WORKLOADS[sys.argv[1]]({"dir": sys.argv[3] if len(sys.argv) > 3 else None})
    for _ in range(2):
        step()
    times = []
    for _ in range(10):
        t = time.perf_counter()
        step()
        times.append((time.perf_counter() - t) * 1000)
    print(f"{sys.argv[1]} (torch {torch.__version__}, {torch.get_num_threads()} threads, OPENBLAS_NUM_THREADS={os.environ.get('OPENBLAS_NUM_THREADS')}): "
          f"median {np.median(times):.2f} ms, min {min(times):.2f}, max {max(times):.2f}", finish() if finish else "")


if __name__ == "__main__":
    main()
