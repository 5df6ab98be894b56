"""Safetensors fixtures written the way PyTorch users write them, for test/io.

The `safetensors` Python package is not on Debian, so the format is written by hand here
(8-byte little-endian header length, JSON header padded with spaces to 8 bytes, data sorted
by dtype size then name), which is all safetensors.torch.save_file does.

Writes test/fixtures/safetensors/:
  dtypes.safetensors + dtypes.json: one tensor per dtype, with the values expected on load;
  cnn.safetensors, lstm.safetensors + models.json: state dicts of a small CNN (with BatchNorm's
  int64 num_batches_tracked) and a 2-layer LSTM after a few training steps, with an input and
  PyTorch's eval-mode output.
Run: /usr/bin/python3 scripts/gen_safetensors_fixtures.py
"""
import json

import numpy as np
import torch
from torch import nn

from fixture_util import FIX, torch_entry, write_safetensors

OUT = FIX / "safetensors"
OUT.mkdir(parents=True, exist_ok=True)


# ---- every dtype ------------------------------------------------------------------------------
torch.manual_seed(0)
half_values = torch.tensor([[0.5, -2.0, 65504.0], [6.1035e-05, 5.96e-08, 1.0 / 3]], dtype=torch.float16)
bf16_values = torch.tensor([1.0, -3.140625, 1e30, 2 ** -130], dtype=torch.bfloat16)
dtype_tensors = {
    "f32": torch.randn(2, 3),
    "f64": torch.randn(4, dtype=torch.float64),
    "i32": torch.tensor([[-(2 ** 31), 7], [2 ** 31 - 1, 0]], dtype=torch.int32),
    "i64": torch.tensor([-5, 0, 2 ** 31 - 1, -(2 ** 31)], dtype=torch.int64),
    "bool": torch.tensor([True, False, True]),
    "f16": half_values,
    "bf16": bf16_values,
    "u8": torch.tensor([0, 128, 255], dtype=torch.uint8),
    "i8": torch.tensor([-128, -1, 127], dtype=torch.int8),
    "i16": torch.tensor([-32768, 32767], dtype=torch.int16),
    "scalar": torch.tensor(2.5),
    "empty": torch.zeros(0, 3),
}
entries = {name: torch_entry(t) for name, t in dtype_tensors.items()}
# Types torch 1.13 lacks, written with numpy: U16, U32, U64.
entries["u16"] = ("U16", (2,), np.array([0, 65535], dtype="<u2").tobytes())
entries["u32"] = ("U32", (2,), np.array([1, 2 ** 31 - 1], dtype="<u4").tobytes())
entries["u64"] = ("U64", (1,), np.array([12345], dtype="<u8").tobytes())
expected = {}
for name, t in dtype_tensors.items():
    values = t.to(torch.float64) if t.is_floating_point() else t.to(torch.int64)
    expected[name] = {"fileDType": entries[name][0], "shape": list(t.shape), "values": values.flatten().tolist()}
expected["u16"] = {"fileDType": "U16", "shape": [2], "values": [0, 65535]}
expected["u32"] = {"fileDType": "U32", "shape": [2], "values": [1, 2 ** 31 - 1]}
expected["u64"] = {"fileDType": "U64", "shape": [1], "values": [12345]}
write_safetensors(OUT / "dtypes.safetensors", entries, {"format": "pt", "note": "every dtype"})
(OUT / "dtypes.json").write_text(json.dumps({"metadata": {"format": "pt", "note": "every dtype"}, "tensors": expected}, indent=1) + "\n")

# A file whose int64 does not fit int32.
write_safetensors(OUT / "i64-overflow.safetensors", {"big": torch_entry(torch.tensor([1, 2 ** 40], dtype=torch.int64))})


# ---- models -----------------------------------------------------------------------------------
def train_a_little(model, x, target_shape):
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    for _ in range(3):
        opt.zero_grad()
        out = model(x)
        out = out[0] if isinstance(out, tuple) else out
        out.pow(2).mean().backward()
        opt.step()


cnn = nn.Sequential(
    nn.Conv2d(1, 4, 3, padding=1), nn.BatchNorm2d(4), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(), nn.Linear(4 * 4 * 4, 3)
).double()
cnn_x = torch.randn(2, 1, 8, 8, dtype=torch.float64)
train_a_little(cnn, cnn_x, None)  # moves BatchNorm's running statistics and num_batches_tracked
cnn.eval()
with torch.no_grad():
    cnn_y = cnn(cnn_x)
write_safetensors(OUT / "cnn.safetensors", {k: torch_entry(v) for k, v in cnn.state_dict().items()}, {"format": "pt"})

lstm = nn.LSTM(5, 6, num_layers=2, batch_first=True).double()
lstm_x = torch.randn(3, 4, 5, dtype=torch.float64)
lstm.eval()
with torch.no_grad():
    lstm_y, (lstm_h, lstm_c) = lstm(lstm_x)
write_safetensors(OUT / "lstm.safetensors", {k: torch_entry(v) for k, v in lstm.state_dict().items()}, {"format": "pt"})

(OUT / "models.json").write_text(json.dumps({
    "cnn": {"keys": {k: [str(v.dtype), list(v.shape)] for k, v in cnn.state_dict().items()}, "input": cnn_x.tolist(), "output": cnn_y.tolist()},
    "lstm": {"input": lstm_x.tolist(), "output": lstm_y.tolist(), "h": lstm_h.tolist(), "c": lstm_c.tolist()},
}) + "\n")
print("wrote", OUT / "models.json")
