"""Writes torch's answers for the core's creation functions and printing:

- test/fixtures/core-creation.json: arange (incl. float steps and torch's length rule) and linspace values;
- test/fixtures/core-format.json: str(tensor) for small, special-valued, wrapped and summarised tensors,
  with torch's Python spellings turned into Nabla's (True -> true, requires_grad -> requiresGrad,
  size=(0, 3) -> size=[0, 3], int64 -> int32, which is Nabla's default integer type).

Run: /usr/bin/python3 scripts/gen_core_fixtures.py
"""
import json
import os

import torch

from fixture_util import FIX, json_number

DTYPES = {"float32": torch.float32, "float64": torch.float64, "int32": torch.int64, "bool": torch.bool}
NAMES = {torch.float32: "float32", torch.float64: "float64", torch.int64: "int32", torch.bool: "bool"}


def encode(v):
    if isinstance(v, list):
        return [encode(x) for x in v]
    return json_number(v)


def creation():
    arange = []
    for args in [
        [5], [0], [2, 7], [-3, 4, 2], [10, 0, -3], [0, 1, 0.1], [1, 2.5, 0.5], [0, 0.3, 0.1],
        [1, 1.6, 0.2], [-1, 1, 0.25], [0.5, 3], [2.5, -1, -0.7], [0, 10, 3],
    ]:
        for dtype in [None, "float64"]:
            kwargs = {} if dtype is None else {"dtype": DTYPES[dtype]}
            t = torch.arange(*args, **kwargs)
            arange.append({"args": args, "dtype": dtype, "result": NAMES[t.dtype], "values": t.tolist()})
    linspace = []
    for args in [[0, 1, 7], [-1, 1, 5], [0, 1, 1], [0, 1, 0], [3, -2, 6], [0, 10, 4], [0, 1, 100], [-2.5, 7.25, 13]]:
        for dtype in ["float32", "float64"]:
            t = torch.linspace(*args, dtype=DTYPES[dtype])
            linspace.append({"args": args, "dtype": dtype, "values": t.tolist()})
    return {"torch": torch.__version__, "arange": arange, "linspace": linspace}


def nabla_spelling(s, dtype):
    s = s.replace("requires_grad=True", "requiresGrad=true")
    s = s.replace("dtype=torch.int64", "dtype=int32").replace("dtype=torch.", "dtype=")
    if dtype == torch.bool:
        s = s.replace("True", "true").replace("False", "false")
    if "size=(" in s:
        start = s.index("size=(")
        end = s.index(")", start)
        s = s[:start] + "size=[" + s[start + 6 : end] + "]" + s[end + 1 :]
    return s


def fmt_case(name, t, requires_grad=False):
    if requires_grad:
        t = t.clone().requires_grad_(True)
    return {
        "name": name,
        "shape": list(t.shape),
        "dtype": NAMES[t.dtype],
        "values": encode(t.detach().reshape(-1).tolist()),
        "requiresGrad": requires_grad,
        "expected": nabla_spelling(str(t), t.dtype),
    }


def formatting():
    g = torch.Generator().manual_seed(0)
    f = lambda v: torch.tensor(v, dtype=torch.float32)
    nan, inf = float("nan"), float("inf")
    cases = [
        fmt_case("floats", f([1.0, 2.5])),
        fmt_case("matrix", f([[1.0, 2.5], [3.0, 4.0]])),
        fmt_case("whole floats", f([1.0, 2.0, 30.0])),
        fmt_case("zeros", f([0.0, 0.0])),
        fmt_case("negatives", f([-1.5, 0.0, 2.25, 100.0])),
        fmt_case("tenths in float32", f([0.1, 0.2, 0.3])),
        fmt_case("tiny values use scientific", f([1e-5, 1.0])),
        fmt_case("huge values use scientific", f([1e9, 1.5])),
        fmt_case("huge whole values use scientific", f([1.0, 1e9])),
        fmt_case("wide ratio of whole values", f([1.0, 2000.0])),
        fmt_case("wide ratio of fractions", f([1234.5678, 0.001])),
        fmt_case("nan among fractions", f([nan, 1.5])),
        fmt_case("-inf among whole values", f([1.0, -inf])),
        fmt_case("only non-finite", f([inf, nan, 0.0])),
        fmt_case("negative zero", f([-0.0, 1.0])),
        fmt_case("ties round half to even", f([0.03125, 0.5, 0.96875])),
        fmt_case("scientific ties round half to even", f([124465.0, 1.0])),
        fmt_case("scalar", f(3.5)),
        fmt_case("whole scalar", f(2.0)),
        fmt_case("empty", f([])),
        fmt_case("empty matrix", torch.zeros(0, 3)),
        fmt_case("empty ints", torch.zeros(0, dtype=torch.int64)),
        fmt_case("ints", torch.tensor([1, -20, 300])),
        fmt_case("int scalar", torch.tensor(7)),
        fmt_case("bools", torch.tensor([True, False])),
        fmt_case("bool scalar", torch.tensor(False)),
        fmt_case("3-D", torch.arange(8, dtype=torch.float32).reshape(2, 2, 2) / 4),
        fmt_case("float64", torch.tensor([1.5, 2.0], dtype=torch.float64)),
        fmt_case("float64 whole", torch.tensor([[1.0, 2.0]], dtype=torch.float64)),
        fmt_case("requires grad", f([1.5, 2.0]), requires_grad=True),
        fmt_case("long row wraps at 80 columns", torch.arange(20, dtype=torch.float32)),
        fmt_case("long int row wraps", torch.arange(30) * 7),
        fmt_case("wrapped rows in a matrix", torch.randn(3, 12, generator=g)),
        fmt_case("summarised vector", torch.arange(2000, dtype=torch.float32)),
        fmt_case("summarised ints", torch.arange(1500) - 700),
        fmt_case("summarised matrix", torch.randn(40, 50, generator=g)),
        fmt_case("summarised bools", torch.arange(1200) % 3 == 0),
        fmt_case("summarised 3-D", torch.arange(2000, dtype=torch.float64).reshape(20, 10, 10) / 8),
        fmt_case("summarised short rows", torch.arange(1001, dtype=torch.float32).reshape(1001, 1)),
    ]
    return {"torch": torch.__version__, "cases": cases}


def write(name, data):
    path = os.path.join(FIX, name)
    with open(path, "w") as fh:
        json.dump(data, fh, separators=(",", ":"))
        fh.write("\n")
    print(f"wrote {os.path.normpath(path)}")


if __name__ == "__main__":
    write("core-creation.json", creation())
    write("core-format.json", formatting())
