"""Writes test/fixtures/promotion.json: torch's result dtype (and values) for ops on mixed operands.

Each case combines operands of every kind type promotion distinguishes (a tensor with dims, a 0-dim
tensor, a Python scalar) and every dtype Nabla has. Torch's int32 stands for Nabla's int32 (the
integer type; torch's int64 follows the same category rules). A case where torch raises records
"error", and Nabla must raise too.

Run: /usr/bin/python3 scripts/gen_promotion_fixtures.py
"""
import itertools
import json
import os

import torch

from fixture_util import FIX, json_number

DTYPES = {"bool": torch.bool, "int32": torch.int32, "float32": torch.float32, "float64": torch.float64}
# An int scalar promoting a bool tensor gives torch's default int64: that is Nabla's int32.
NAMES = {**{v: k for k, v in DTYPES.items()}, torch.int64: "int32"}

TENSOR_VALUES = {"bool": [True, False], "int32": [3, -4], "float32": [1.5, -2.25], "float64": [0.75, 3.5]}
ZERO_DIM_VALUES = {"bool": True, "int32": 2, "float32": -1.5, "float64": 2.5}
SCALARS = [("int", 2), ("float", 2.5), ("bool", True)]

BINARY = {
    "add": torch.add,
    "sub": torch.sub,
    "mul": torch.mul,
    "div": torch.div,
    "maximum": torch.maximum,
    "eq": torch.eq,
    "lt": torch.lt,
}
UNARY = {
    "neg": torch.neg,
    "abs": torch.abs,
    "exp": torch.exp,
    "sqrt": torch.sqrt,
    "sigmoid": torch.sigmoid,
    "relu": torch.relu,
    "sum": torch.sum,
    "cumsum": lambda x: torch.cumsum(x, 0),
}


def operands():
    for name in DTYPES:
        yield {"kind": "tensor", "dtype": name, "value": TENSOR_VALUES[name]}
        yield {"kind": "zeroDim", "dtype": name, "value": ZERO_DIM_VALUES[name]}


def scalar_operands():
    for kind, value in SCALARS:
        yield {"kind": "scalar", "dtype": kind, "value": value}


def to_torch(o):
    if o["kind"] == "scalar":
        return o["value"]
    return torch.tensor(o["value"], dtype=DTYPES[o["dtype"]])


def encode(v):
    if isinstance(v, list):
        return [encode(x) for x in v]
    return json_number(v)


def run(fn, ops):
    try:
        out = fn(*[to_torch(o) for o in ops])
    except TypeError:
        return None  # the torch function takes no Python scalar there (torch.maximum)
    except RuntimeError as e:
        return {"result": "error", "message": str(e).split("\n")[0]}
    return {"result": NAMES[out.dtype], "value": encode(out.tolist())}


def main():
    cases = []

    def add(op, ops, fn):
        outcome = run(fn, ops)
        if outcome is not None:
            cases.append({"op": op, "operands": ops, **outcome})

    tensors = list(operands())
    everything = tensors + list(scalar_operands())
    for op, fn in BINARY.items():
        for a, b in itertools.product(everything, everything):
            if a["kind"] == "scalar" and b["kind"] == "scalar":
                continue
            add(op, [a, b], fn)
    for op, fn in UNARY.items():
        for a in tensors:
            add(op, [a], fn)
    cond = {"kind": "tensor", "dtype": "bool", "value": [True, False]}
    for a, b in itertools.product(everything, everything):
        add("where", [cond, a, b], torch.where)
    path = os.path.join(FIX, "promotion.json")
    with open(path, "w") as f:
        json.dump({"torch": torch.__version__, "cases": cases}, f, separators=(",", ":"))
        f.write("\n")
    print(f"wrote {len(cases)} cases to {os.path.normpath(path)}")


if __name__ == "__main__":
    main()
