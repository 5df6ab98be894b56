"""What the fixture generators share: where fixtures go and how tensor values are written to JSON.

JSON has no NaN or infinities, so they are written as the strings "NaN", "Infinity" and
"-Infinity", which the TypeScript tests decode.
"""
import json
import math
import os
import pathlib
import struct

import torch

ROOT = pathlib.Path(__file__).resolve().parent.parent
# NABLA_FIXTURE_DIR redirects the output (scripts/fixtures.ts --check regenerates into a temporary folder).
FIX = pathlib.Path(os.environ.get("NABLA_FIXTURE_DIR") or ROOT / "test" / "fixtures")


def json_number(v):
    """v, or its string spelling when it is a non-finite float."""
    if isinstance(v, float) and not math.isfinite(v):
        return "NaN" if math.isnan(v) else ("Infinity" if v > 0 else "-Infinity")
    return v


def tensor_values(t):
    """A tensor's elements in row-major order as JSON values (bools as 0/1)."""
    return [int(v) if isinstance(v, bool) else json_number(v) for v in t.detach().reshape(-1).tolist()]


def dtype_name(t):
    """Nabla's name for a tensor's dtype (torch's int64 is Nabla's int32, its integer type)."""
    return {torch.float64: "float64", torch.float32: "float32", torch.int64: "int32",
            torch.int32: "int32", torch.bool: "bool"}[t.dtype]


ALIGN = {"F64": 8, "I64": 8, "U64": 8, "F32": 4, "I32": 4, "U32": 4, "F16": 2, "BF16": 2, "I16": 2, "U16": 2}


def write_safetensors(path, tensors, metadata=None):
    """tensors: {name: (dtype string, shape, raw little-endian bytes)}."""
    order = sorted(tensors, key=lambda n: (-ALIGN.get(tensors[n][0], 1), n))
    header, offset, blobs = {}, 0, []
    if metadata:
        header["__metadata__"] = metadata
    for name in order:
        dtype, shape, raw = tensors[name]
        header[name] = {"dtype": dtype, "shape": list(shape), "data_offsets": [offset, offset + len(raw)]}
        offset += len(raw)
        blobs.append(raw)
    text = json.dumps(header, separators=(",", ":")).encode()
    text += b" " * (-len(text) % 8)
    path.write_bytes(struct.pack("<Q", len(text)) + text + b"".join(blobs))
    print("wrote", path)


def torch_entry(t):
    names = {torch.float32: "F32", torch.float64: "F64", torch.int32: "I32", torch.int64: "I64", torch.bool: "BOOL",
             torch.float16: "F16", torch.bfloat16: "BF16", torch.uint8: "U8", torch.int8: "I8", torch.int16: "I16"}
    t = t.detach().contiguous()
    raw = t.view(torch.int16).numpy().tobytes() if t.dtype == torch.bfloat16 else t.numpy().tobytes()
    return names[t.dtype], tuple(t.shape), raw
