"""What the fixture generators share: where fixtures go and how tensor values are written to JSON.

JSON has no NaN or infinities, so they are written as the strings "NaN", "Infinity" and
"-Infinity", which the TypeScript tests decode.
"""
import math
import os
import pathlib

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
