#!/usr/bin/env python3
"""Writes repr.json: how PyTorch prints tensors, for torch's String() (print_test.go).

    /usr/bin/python3 torch/testdata/print/gen.py           # rewrite repr.json beside this script
    /usr/bin/python3 torch/testdata/print/gen.py --check   # compare a fresh run with it; writes nothing

Each case gives the tensor as Go builds it (flat values, shape, dtype, and an optional op applied
after requires_grad_) and repr(tensor) as PyTorch prints it with its default print options. The
values are exact float32 (or integer) numbers, so the printed text is exact and compared as is;
non-finite values are written as the strings "nan", "inf" and "-inf".
"""
import json
import math
import os
import sys

import torch

HERE = os.path.dirname(os.path.abspath(__file__))
DTYPES = {"float32": torch.float32, "float64": torch.float64, "float16": torch.float16, "int64": torch.int64,
          "int32": torch.int32, "int16": torch.int16, "int8": torch.int8, "uint8": torch.uint8, "bool": torch.bool}


def det(n, seed, scale):
    """The deterministic values of torch/testdata/parity/gen.py's det(), as a list of float32s."""
    return [float(torch.tensor((((i * 7919 + seed * 104729) % 2001) - 1000) / 1000.0 * scale,
                               dtype=torch.float64).float()) for i in range(n)]


def spec(name, values, shape, dtype="float32", op=None):
    return {"name": name, "values": values, "shape": shape, "dtype": dtype, "op": op}


CASES = [
    spec("integral", [1.0, 2.0, 3.0], [3]),
    spec("fractions", [0.1, 2.12345, -3.0], [3]),
    spec("negative zero", [-0.0, 0.0, 1.5], [3]),
    spec("all zero", [0.0, 0.0], [2]),
    spec("sci small", [1e-5, 0.5], [2]),
    spec("sci large", [1e5, 0.5], [2]),
    spec("sci integral", [1.0, 2000.0], [2]),
    spec("over 1e8", [3e8, 1.0], [2]),
    spec("nonfinite", [float("nan"), float("inf"), -float("inf"), 1.25], [4]),
    spec("only nan", [float("nan")], [1]),
    spec("integral with inf", [1.0, float("inf")], [2]),
    spec("scalar", [3.5], []),
    spec("scalar int", [7], [], "int64"),
    spec("matrix", det(6, 1, 2.0), [2, 3]),
    spec("3d", det(24, 2, 1.0), [2, 3, 4]),
    spec("4d", det(16, 3, 1.0), [2, 2, 2, 2]),
    spec("wrapped row", det(30, 4, 1.0), [30]),
    spec("wrapped ints", list(range(-40, 40)), [80], "int64"),
    spec("summarized vector", det(1500, 5, 3.0), [1500]),
    spec("summarized matrix", det(40 * 40, 6, 1.0), [40, 40]),
    spec("summarized 3d", det(11 * 12 * 13, 7, 1.0), [11, 12, 13]),
    spec("summarized one long dim", det(5 * 300, 8, 1.0), [5, 300]),
    spec("summarized ints", list(range(2000)), [2000], "int64"),
    spec("int32", [1, -2, 300], [3], "int32"),
    spec("int8", [1, -2], [2], "int8"),
    spec("uint8", [0, 255, 17], [3], "uint8"),
    spec("bool", [1, 0, 1], [3], "bool"),
    spec("float64", [0.1, 2.0], [2], "float64"),
    spec("float16", [0.5, 1.25], [2], "float16"),
    spec("big int64", [2 ** 62 + 1, -3], [2], "int64"),
    spec("empty", [], [0]),
    spec("empty 2d", [], [0, 3]),
    spec("empty int", [], [0], "int64"),
    spec("requires grad", [1.0, 2.0], [2], op="leaf"),
    spec("grad_fn add", [1.0, 2.0], [2], op="add_self"),
    spec("grad_fn mul", [1.0, 2.0], [2], op="mul_self"),
    spec("grad_fn sum", [1.0, 2.0], [2], op="sum"),
    spec("long suffix wraps", det(16, 9, 1.0), [16], "float64", op="leaf"),
]


def build(c):
    vals = [float(v) if isinstance(v, str) else v for v in c["values"]]
    t = torch.tensor(vals, dtype=torch.float64 if DTYPES[c["dtype"]].is_floating_point else torch.int64)
    t = t.to(DTYPES[c["dtype"]]).reshape(c["shape"])
    op = c["op"]
    if op:
        t.requires_grad_()
        if op == "add_self":
            t = t + t
        elif op == "mul_self":
            t = t * t
        elif op == "sum":
            t = t.sum()
    return t


def encode(v):
    if isinstance(v, float) and not math.isfinite(v):
        return "nan" if math.isnan(v) else ("inf" if v > 0 else "-inf")
    return v


def table():
    out = []
    for c in CASES:
        case = dict(c, values=[encode(v) for v in c["values"]])
        case["repr"] = repr(build(c))
        out.append(case)
    return json.dumps({"torch_version": torch.__version__, "cases": out}, indent=1) + "\n"


def main():
    path = os.path.join(HERE, "repr.json")
    text = table()
    if sys.argv[1:] == ["--check"]:
        with open(path) as f:
            want = json.load(f)
        got = json.loads(text)
        if want["torch_version"] != got["torch_version"]:
            print("%s: written by torch %s, checked with %s: not compared (printing changes between versions)" % (
                os.path.relpath(path), want["torch_version"], got["torch_version"]))
            return 0
        if want != got:
            print("%s differs from a fresh run (regenerate with gen.py)" % os.path.relpath(path))
            return 1
        print("%s: ok" % os.path.relpath(path))
        return 0
    with open(path, "w") as f:
        f.write(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
