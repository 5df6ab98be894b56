"""PyTorch checkpoint (.pth) fixtures written by torch.save itself, for test/io/pth.test.ts.

Writes test/fixtures/pth/:
  module.pth + module.json: the state dict of a small CNN (Conv2d, BatchNorm2d with its running
    statistics and num_batches_tracked after 3 training steps, Linear), an input and torch's
    eval-mode output;
  dtypes.pth + dtypes.json: one tensor per dtype torch.save writes (float16/bfloat16/int64/bool ...);
  views.pth + views.json: views sharing one storage (transposed, sliced with an offset, expanded
    with stride 0) and an nn.Parameter (_rebuild_parameter); views-protocol4.pth: the same pickled
    with protocol 4;
  checkpoint.pth + checkpoint.json: a nested {model, optimizer, epoch, ...} training checkpoint;
  legacy.pth: the pre-1.6 (non-zip) format (written by torch.save with _use_new_zipfile_serialization=False);
  zip64-deflated.pth: module.pth re-packed with deflate and zip64 records;
  evil-*.pth: malicious data.pkl files in torch's zip layout (never loaded here).
Run from the repository root: /usr/bin/python3 scripts/gen_pth_fixtures.py
"""
import json
import pickle
import zipfile

import torch
from torch import nn

from fixture_util import FIX, tensor_values

OUT = FIX / "pth"
OUT.mkdir(parents=True, exist_ok=True)
torch.manual_seed(0)


def expected(tensors):
    return {name: {"dtype": str(t.dtype).replace("torch.", ""), "shape": list(t.shape), "values": tensor_values(t.float() if t.dtype in (torch.float16, torch.bfloat16) else t)}
            for name, t in tensors.items()}


def save(name, obj, **kwargs):
    torch.save(obj, OUT / f"{name}.pth", **kwargs)


def write_json(name, obj):
    (OUT / f"{name}.json").write_text(json.dumps(obj, indent=None, separators=(",", ":")) + "\n")


# A small module: Conv2d -> BatchNorm2d -> ReLU -> MaxPool -> Flatten -> Linear.
model = nn.Sequential(nn.Conv2d(1, 3, 3, padding=1), nn.BatchNorm2d(3), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(), nn.Linear(12, 2))
optimizer = torch.optim.Adam(model.parameters(), lr=0.01)
for _ in range(3):
    loss = model(torch.randn(4, 1, 4, 4)).square().mean()
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
model.eval()
x = torch.randn(2, 1, 4, 4)
state = model.state_dict()
save("module", state)
write_json("module", {"tensors": expected(state), "input": x.tolist(), "output": model(x).tolist()})

# Every dtype.
base = torch.tensor([0.0, 1.5, -2.25, 1000.0, -0.0, 3.0e-5])
dtypes = {
    "f32": base.clone(), "f64": base.double() / 3, "f16": base.half(), "bf16": base.bfloat16(),
    "i64": torch.tensor([[0, -1], [2147483647, -2147483648]]), "i32": torch.tensor([7, -7], dtype=torch.int32),
    "i16": torch.tensor([-32768, 32767], dtype=torch.int16), "i8": torch.tensor([-128, 127], dtype=torch.int8),
    "u8": torch.tensor([0, 255], dtype=torch.uint8), "bool": torch.tensor([[True, False, True]]),
    "scalar": torch.tensor(2.5), "empty": torch.zeros(0, 3),
}
save("dtypes", dtypes)
write_json("dtypes", expected(dtypes))

# Views of one storage, and a Parameter.
grid = torch.arange(24.0).reshape(2, 3, 4)
views = {
    "grid": grid, "permuted": grid.permute(2, 0, 1), "sliced": grid[:, 1, ::2], "row": grid[1],
    "expanded": torch.tensor([1.0, 2.0]).unsqueeze(0).expand(3, 2), "param": nn.Parameter(torch.tensor([0.5, -0.5])),
}
save("views", views)
save("views-protocol4", views, pickle_protocol=4)  # FRAME, MEMOIZE, SHORT_BINUNICODE, STACK_GLOBAL
write_json("views", expected({k: v.detach() for k, v in views.items()}))

# A nested training checkpoint.
checkpoint = {"model": state, "optimizer": optimizer.state_dict(), "epoch": 3, "note": "hello", "best": None, "history": [0.5, 0.25]}
save("checkpoint", checkpoint)
flat = {f"model.{k}": v for k, v in state.items()}
for index, s in optimizer.state_dict()["state"].items():
    for k, v in s.items():
        flat[f"optimizer.state.{index}.{k}"] = v
write_json("checkpoint", {"tensors": expected(flat), "lr": optimizer.param_groups[0]["lr"]})

# The legacy format (no tensors: legacy storage keys are memory addresses, which would make the file differ per run).
save("legacy", {"epoch": 1}, _use_new_zipfile_serialization=False)

def entry(name, compression=zipfile.ZIP_STORED):
    """A zip entry with a fixed timestamp, so the fixtures are the same on every run."""
    info = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
    info.compress_type = compression
    return info


# module.pth re-packed with deflate and zip64 records (zipfile writes them above ZIP64_LIMIT).
with zipfile.ZipFile(OUT / "module.pth") as source:
    members = [(info.filename, source.read(info)) for info in source.infolist()]
limit = zipfile.ZIP64_LIMIT
zipfile.ZIP64_LIMIT = 16
try:
    with zipfile.ZipFile(OUT / "zip64-deflated.pth", "w", compression=zipfile.ZIP_DEFLATED, allowZip64=True) as target:
        for name, data in members:
            target.writestr(entry(name, zipfile.ZIP_DEFLATED), data)
finally:
    zipfile.ZIP64_LIMIT = limit


# Malicious pickles in torch's layout. Each names a dangerous global in a different way; the
# reader must refuse at the global, before any call.
def evil(name, pkl):
    with zipfile.ZipFile(OUT / f"evil-{name}.pth", "w") as z:
        z.writestr(entry("archive/data.pkl"), pkl)
        z.writestr(entry("archive/version"), "3\n")


class Eval:
    def __reduce__(self):
        return (eval, ("1 + 1",))


class Popen:
    def __reduce__(self):
        import subprocess
        return (subprocess.Popen, (["true"],))


evil("global-os-system", b"\x80\x02cos\nsystem\nX\x0b\x00\x00\x00echo pwned!\x85R.")
evil("stack-global-eval", b"\x80\x04\x8c\x08builtins\x8c\x04eval\x93\x8c\x051 + 1\x85R.")
evil("reduce-popen", pickle.dumps(Popen(), protocol=2))
save("evil-nested-in-state-dict", {"weight": torch.ones(2), "extra": [1, {"deep": Eval()}]})
evil("inst-opcode", b"(cos\nsystem\nX\x04\x00\x00\x00echoi.")
save("evil-whole-module", nn.Linear(2, 2))
print("wrote", sorted(p.name for p in OUT.iterdir()))
