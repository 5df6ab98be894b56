"""ONNX models exported by torch.onnx.export for the ONNX import tests (test/onnx/import.test.ts).

Usage: export_onnx_models.py OUT_DIR. Writes NAME.onnx and NAME.json ({inputs: [{shape, data}],
outputs: [{shape, data}]}, torch's eval-mode outputs) for torchvision's resnet18 (opset 13) and
mobilenet_v2 (opset 11) with seeded random weights, and an LSTM classifier (opset 14). Run at test
setup and cached; the tests skip with a printed reason without Python and torch.
"""
import json
import os
import sys

import torch
import torchvision

out_dir = sys.argv[1]
os.makedirs(out_dir, exist_ok=True)


class LSTMClassifier(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.lstm = torch.nn.LSTM(6, 10, num_layers=2, bidirectional=True)
        self.head = torch.nn.Linear(20, 3)

    def forward(self, x):
        y, _ = self.lstm(x)
        return self.head(y[-1])


def export(name, model, inputs, opset):
    model.eval()
    with torch.no_grad():
        outputs = model(*inputs)
    if isinstance(outputs, torch.Tensor):
        outputs = [outputs]
    torch.onnx.export(model, tuple(inputs), os.path.join(out_dir, name + '.onnx'), opset_version=opset,
                      input_names=['input'], output_names=['output'])
    record = {
        'inputs': [{'shape': list(t.shape), 'data': t.flatten().tolist()} for t in inputs],
        'outputs': [{'shape': list(t.shape), 'data': t.flatten().tolist()} for t in outputs],
    }
    with open(os.path.join(out_dir, name + '.json'), 'w') as f:
        json.dump(record, f)


torch.manual_seed(0)
resnet = torchvision.models.resnet18(num_classes=10)
# Non-trivial BatchNorm statistics, so the fused or unfused BN is checked.
resnet.train()
with torch.no_grad():
    resnet(torch.randn(4, 3, 64, 64))
export('resnet18', resnet, [torch.randn(2, 3, 64, 64)], 13)
export('mobilenet_v2', torchvision.models.mobilenet_v2(num_classes=10), [torch.randn(2, 3, 64, 64)], 11)
export('lstm', LSTMClassifier(), [torch.randn(7, 2, 6)], 14)
