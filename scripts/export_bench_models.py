"""The inference benchmark's models, exported at bench time (bench/models.ts, bench/ort.ts, bench/torch_models.py).

Usage: export_bench_models.py OUT_DIR. For torchvision's resnet18 and mobilenet_v2 (1000 classes,
seeded random weights, batch-norm statistics from a few training-mode passes on random data so
folding them is not a no-op) writes NAME.pth (the state dict, for Nabla and PyTorch), NAME.onnx
(torch.onnx.export, opset 13, eval mode, for onnxruntime-web), and NAME.input.bin /
NAME.output.bin: a [1, 3, 224, 224] input and torch's eval-mode logits, raw little-endian
float32, so every contender can check its answer. Skips models already written.
"""
import os
import sys

import torch
import torchvision

out_dir = sys.argv[1]
os.makedirs(out_dir, exist_ok=True)

MODELS = {
    'resnet18': torchvision.models.resnet18,
    'mobilenet_v2': torchvision.models.mobilenet_v2,
}

for index, (name, make) in enumerate(MODELS.items()):
    path = os.path.join(out_dir, name)
    if all(os.path.exists(path + ext) for ext in ('.pth', '.onnx', '.input.bin', '.output.bin')):
        continue
    torch.manual_seed(index)
    model = make()
    model.train()
    with torch.no_grad():
        for _ in range(3):
            model(torch.randn(4, 3, 224, 224))
    model.eval()
    x = torch.randn(1, 3, 224, 224)
    with torch.no_grad():
        y = model(x)
    torch.save(model.state_dict(), path + '.pth')
    torch.onnx.export(model, (x,), path + '.onnx', opset_version=13, input_names=['input'], output_names=['output'])
    x.numpy().astype('<f4').tofile(path + '.input.bin')
    y.numpy().astype('<f4').tofile(path + '.output.bin')
    print(f'export_bench_models: wrote {path}.{{pth,onnx,input.bin,output.bin}}')
