#!/usr/bin/env python3
"""Writes init.json, what torch/nn/nninit (torch.nn.init) is tested against.

    python3 torch/nn/nninit/testdata/gen.py           # rewrite init.json beside this script
    python3 torch/nn/nninit/testdata/gen.py --check   # regenerate in memory; exit 1 if the file differs

"cases": one initialiser each, on torch.empty(shape, dtype=dtype) right after torch.manual_seed(manual_seed):
    {"name", "fn": "uniform_"|"normal_"|"trunc_normal_"|"constant_"|"ones_"|"zeros_"|"eye_"|
                   "xavier_uniform_"|"xavier_normal_"|"kaiming_uniform_"|"kaiming_normal_"|"orthogonal_"|
                   "dirac_"|"sparse_",
     "shape": [int], "dtype": "float32"|"float64"|"int64",
     "args": {the keyword arguments given, by PyTorch's names: a, b, mean, std, val, gain, mode,
              nonlinearity, groups, sparsity; those absent take PyTorch's defaults},
     "manual_seed": int,
     "transposed"?: true        the tensor is torch.empty(shape with dims 0 and 1 swapped).transpose(0, 1)
     "values": summary          the tensor afterwards (float64 sums of its values, first 5 values)
     "weighted", "weighted_abs": number   float64 sums of (i+1) * value[i] and of (i+1) * |value[i]|
                                over the flat values: where the values are (eye_, dirac_, sparse_'s zeros)
     "zeros": int               how many values are 0
     "next": [number]}          torch.rand(3) afterwards: where the generator stands
  where summary is {"name", "sum", "sum_abs", "sum_sq", "abs_max", "first": [number]}, torch/testdata/
  parity/gen.py's summary (parity.Summary in Go); a tensor with no elements has zeros and "first": [].

"errors": calls PyTorch refuses, with the same fields but "error": "<Python exception>: <message>"
  (the message's first line) in place of "values"; "next" is taken after the failed call, so that a
  call that fails is seen to draw nothing.

"gains": calculate_gain(nonlinearity, param): {"nonlinearity", "param": number|null, "gain"} or
  {"nonlinearity", "param", "error"}.

"fans": _calculate_fan_in_and_fan_out(torch.empty(shape)): {"shape", "fan_in", "fan_out"} or
  {"shape", "error"}.

Every random initialiser is covered on 2-D, 4-D (conv weight) and, where PyTorch allows it, 1-D
tensors; normal_ on fewer than 16 elements too, since libtorch draws those one by one and larger
tensors in blocks of 16. --check compares with torch/testdata/parity/gen.py's tolerances, never
writing. Runs on one CPU thread; re-executes itself with Debian's /usr/bin/python3 when the python3
on PATH lacks torch (gen.py, imported below, does that).
"""

import argparse
import importlib.util
import math
import os
import sys
import warnings

HERE = os.path.dirname(os.path.abspath(__file__))
_spec = importlib.util.spec_from_file_location(
    "parity_gen", os.path.join(HERE, "..", "..", "..", "testdata", "parity", "gen.py"))
parity = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(parity)  # one thread, float32 default, torch (re-executing /usr/bin/python3 if needed)

import torch  # noqa: E402
from torch.nn import init  # noqa: E402

FILE = "init.json"

DTYPES = {"float32": torch.float32, "float64": torch.float64, "int64": torch.int64}

RELU_GAIN = math.sqrt(2.0)

# (fn, shape, args[, dtype[, transposed]]); the manual seed is the case's index plus 100.
CASES = [
    ("uniform_", [5, 7], {}),
    ("uniform_", [4, 3, 3, 3], {"a": -0.5, "b": 2.0}),
    ("uniform_", [10], {"a": -3.0, "b": -1.0}),
    ("uniform_", [6, 4], {"a": -1.0, "b": 1.0}, "float64"),
    ("normal_", [5, 7], {}),
    ("normal_", [8, 3, 3, 3], {"mean": 0.5, "std": 0.1}),
    ("normal_", [20], {"mean": -2.0, "std": 3.0}),
    ("normal_", [3], {}),  # fewer than 16 elements: drawn one by one
    ("normal_", [2, 3], {"std": 0.0}),
    ("normal_", [4, 5], {"mean": 1.0, "std": 2.0}, "float64"),
    ("trunc_normal_", [5, 7], {}),
    ("trunc_normal_", [4, 3, 3, 3], {"mean": 1.0, "std": 0.5, "a": 0.0, "b": 1.5}),
    ("trunc_normal_", [30], {"std": 2.0, "a": -1.0, "b": 3.0}),
    ("trunc_normal_", [6, 6], {"mean": 0.2, "std": 0.02}, "float64"),
    ("constant_", [3, 4], {"val": 0.25}),
    ("constant_", [2, 3, 3, 3], {"val": -1.5}),
    ("constant_", [5], {"val": 3.0}),
    ("constant_", [4], {"val": 1.5}, "int64"),  # truncated to 1, as fill_ does
    ("ones_", [3, 4], {}),
    ("ones_", [6], {}),
    ("ones_", [2, 2, 3, 3], {}),
    ("zeros_", [3, 4], {}),
    ("zeros_", [6], {}),
    ("zeros_", [2, 2, 3, 3], {}),
    ("eye_", [3, 5], {}),
    ("eye_", [5, 3], {}),
    ("eye_", [4, 4], {}),
    ("eye_", [3, 3], {}, "int64"),
    ("xavier_uniform_", [16, 32], {}),
    ("xavier_uniform_", [8, 3, 3, 3], {}),
    ("xavier_uniform_", [20, 10], {"gain": RELU_GAIN}),
    ("xavier_uniform_", [6, 4, 5], {"gain": 0.5}),
    ("xavier_uniform_", [7, 9], {}, "float64"),
    ("xavier_normal_", [16, 32], {}),
    ("xavier_normal_", [8, 3, 3, 3], {}),
    ("xavier_normal_", [20, 10], {"gain": 5.0 / 3}),
    ("xavier_normal_", [2, 3], {"gain": 2.0}),
    ("kaiming_uniform_", [16, 32], {}),
    ("kaiming_uniform_", [8, 3, 3, 3], {"a": math.sqrt(5)}),  # nn.Linear's and nn.Conv2d's reset_parameters
    ("kaiming_uniform_", [8, 3, 3, 3], {"mode": "fan_out", "nonlinearity": "relu"}),
    ("kaiming_uniform_", [16, 32], {"a": 0.2, "mode": "fan_out", "nonlinearity": "leaky_relu"}),
    ("kaiming_uniform_", [20, 10], {"nonlinearity": "tanh"}),
    ("kaiming_uniform_", [20, 10], {"nonlinearity": "selu"}),
    ("kaiming_uniform_", [20, 10], {"nonlinearity": "linear"}),
    ("kaiming_uniform_", [20, 10], {"nonlinearity": "sigmoid"}),
    ("kaiming_uniform_", [8, 3, 3, 3], {"nonlinearity": "conv2d"}),
    ("kaiming_uniform_", [6, 4, 5], {"a": 1.0, "nonlinearity": "conv_transpose1d"}),  # a ignored
    ("kaiming_uniform_", [16, 32], {"mode": "FAN_OUT"}),  # PyTorch lower-cases the mode
    ("kaiming_uniform_", [0, 3], {}),  # no elements: a no-op (PyTorch warns)
    ("kaiming_uniform_", [12, 5], {"nonlinearity": "relu"}, "float64"),
    ("kaiming_normal_", [16, 32], {}),
    ("kaiming_normal_", [8, 3, 3, 3], {"mode": "fan_out", "nonlinearity": "relu"}),
    ("kaiming_normal_", [30, 20], {"nonlinearity": "tanh"}),
    ("kaiming_normal_", [6, 4, 5], {"a": -0.3, "mode": "fan_in", "nonlinearity": "leaky_relu"}),
    ("kaiming_normal_", [4, 2], {"nonlinearity": "conv1d"}),
    ("kaiming_normal_", [3, 0, 2], {"nonlinearity": "relu"}),
    ("orthogonal_", [6, 6], {}),
    ("orthogonal_", [4, 10], {}),  # rows < cols: QR of the transpose
    ("orthogonal_", [10, 4], {}),
    ("orthogonal_", [8, 3, 3, 3], {"gain": RELU_GAIN}),
    ("orthogonal_", [6, 2, 5], {"gain": 0.5}),
    ("orthogonal_", [0, 3], {}),  # no elements: a no-op
    ("orthogonal_", [5, 5], {}, "float64"),
    ("dirac_", [4, 4, 3], {}),
    ("dirac_", [6, 3, 3, 3], {}),  # more output channels than input ones
    ("dirac_", [2, 4, 3, 3], {}),
    ("dirac_", [4, 2, 3, 3, 3], {}),
    ("dirac_", [6, 2, 3, 3], {"groups": 2}),
    ("dirac_", [6, 3, 2, 4], {"groups": 3}),  # even kernel sizes: the 1 at index size // 2
    ("dirac_", [4, 4, 3], {}, "float64"),
    ("sparse_", [10, 6], {"sparsity": 0.1}),
    ("sparse_", [5, 4], {"sparsity": 0.5, "std": 1.0}),
    ("sparse_", [8, 3], {"sparsity": 0.0}),
    ("sparse_", [5, 4], {"sparsity": 3.0}),  # more zeros than rows: the slice is clamped, all zero
    ("sparse_", [5, 4], {"sparsity": -0.5}),  # a negative slice end: all rows but the last 2
    ("sparse_", [6, 5], {"sparsity": 0.3, "std": 0.5}, "float64"),
]

ERRORS = [
    ("uniform_", [3], {"a": 1.0, "b": 0.0}),
    ("uniform_", [3], {}, "int64"),
    ("normal_", [3], {"std": -1.0}),
    ("normal_", [3], {}, "int64"),
    ("trunc_normal_", [3], {"std": 0.0}),
    ("trunc_normal_", [3], {"std": -1.0}),
    ("trunc_normal_", [3], {"a": 2.0, "b": -2.0}),
    ("eye_", [3], {}),
    ("eye_", [2, 3, 4], {}),
    ("xavier_uniform_", [3], {}),
    ("xavier_uniform_", [], {}),
    ("xavier_uniform_", [0, 0], {}),  # fan_in + fan_out = 0
    ("xavier_normal_", [5], {}),
    ("xavier_normal_", [0, 0], {}),
    ("kaiming_uniform_", [3], {}),
    ("kaiming_uniform_", [3, 4], {"mode": "fan"}),
    ("kaiming_uniform_", [3], {"mode": "fan"}),  # the mode is checked before the fans
    ("kaiming_normal_", [3, 4], {"nonlinearity": "foo"}),
    ("kaiming_normal_", [3, 4], {"nonlinearity": "ReLU"}),
    ("kaiming_normal_", [], {}),
    ("orthogonal_", [3], {}),
    ("orthogonal_", [], {}),
    ("orthogonal_", [3, 3], {}, "int64"),
    ("orthogonal_", [4, 3, 5], {}, "float32", True),  # a transposed tensor cannot be viewed as [4, 15]
    ("dirac_", [3, 3], {}),
    ("dirac_", [2, 2, 2, 2, 2, 2], {}),
    ("dirac_", [6, 2, 3, 3], {"groups": 4}),
    ("sparse_", [5], {"sparsity": 0.1}),
    ("sparse_", [2, 3, 4], {"sparsity": 0.1}),
    ("sparse_", [4, 3], {"sparsity": 0.5, "std": -1.0}),  # fails in normal_, before any randperm
]

NONLINEARITIES = ["linear", "conv1d", "conv2d", "conv3d", "conv_transpose1d", "conv_transpose2d",
                  "conv_transpose3d", "sigmoid", "tanh", "relu", "leaky_relu", "selu"]

GAINS = ([(n, None) for n in NONLINEARITIES] +
         [("leaky_relu", 0.0), ("leaky_relu", 0.2), ("leaky_relu", -0.5), ("leaky_relu", 1.0),
          ("leaky_relu", math.sqrt(5)), ("leaky_relu", 5.0), ("relu", 3.0), ("tanh", 0.5), ("selu", 0.1),
          ("foo", None), ("", None), ("ReLU", None), ("identity", None), ("leaky_relu ", 0.1)])

FANS = [[2, 3], [16, 3, 3, 3], [6, 4, 5], [2, 3, 4, 5, 6], [0, 3], [3, 0, 2], [1, 1], [5], []]


def summarize(t):
    """parity.summary, which also takes a tensor with no elements."""
    if t.numel() == 0:
        return {"name": "values", "sum": 0.0, "sum_abs": 0.0, "sum_sq": 0.0, "abs_max": 0.0, "first": []}
    return parity.summary("values", t)


def message(e):
    return "%s: %s" % (type(e).__name__, str(e).split("\n")[0])


def call(fn, shape, args, dtype, transposed):
    if transposed:
        t = torch.empty([shape[1], shape[0]] + shape[2:], dtype=DTYPES[dtype]).transpose(0, 1)
    else:
        t = torch.empty(shape, dtype=DTYPES[dtype])
    with warnings.catch_warnings():
        # kaiming_*_ on a tensor with no elements: "Initializing zero-element tensors is a no-op".
        warnings.simplefilter("ignore", UserWarning)
        r = getattr(init, fn)(t, **args)
    if r is not t:
        sys.exit("gen.py: init.%s did not return its tensor" % fn)
    return t


def gen_cases(specs, seed0, expect_error):
    out = []
    for i, c in enumerate(specs):
        fn, shape, args = c[:3]
        dtype = c[3] if len(c) > 3 else "float32"
        transposed = len(c) > 4 and c[4]
        seed = seed0 + i
        name = "%s/%s/%s%s" % (fn, "x".join(map(str, shape)) or "scalar", dtype,
                               "".join("/%s=%s" % (k, "%.4g" % v if isinstance(v, float) else v)
                                       for k, v in args.items()))
        if transposed:
            name += "/transposed"
        case = {"name": name, "fn": fn, "shape": shape, "dtype": dtype, "args": args, "manual_seed": seed}
        if transposed:
            case["transposed"] = True
        torch.manual_seed(seed)
        try:
            t = call(fn, shape, args, dtype, transposed)
            err = None
        except Exception as e:  # noqa: BLE001 - every exception PyTorch raises is recorded
            err = e
        if expect_error:
            if err is None:
                sys.exit("gen.py: %s did not fail" % name)
            case["error"] = message(err)
        else:
            if err is not None:
                sys.exit("gen.py: %s: %s" % (name, message(err)))
            case["values"] = summarize(t)
            d = t.detach().reshape(-1).to(torch.float64)
            w = torch.arange(1, d.numel() + 1, dtype=torch.float64)
            case["weighted"] = float((w * d).sum())
            case["weighted_abs"] = float((w * d.abs()).sum())
            case["zeros"] = int((d == 0).sum())
        case["next"] = parity.flat(torch.rand(3))
        out.append(case)
    return out


def gen_gains():
    out = []
    for nonlinearity, param in GAINS:
        g = {"nonlinearity": nonlinearity, "param": param}
        try:
            g["gain"] = float(init.calculate_gain(nonlinearity, param))
        except ValueError as e:
            g["error"] = message(e)
        out.append(g)
    return out


def gen_fans():
    out = []
    for shape in FANS:
        f = {"shape": shape}
        try:
            f["fan_in"], f["fan_out"] = init._calculate_fan_in_and_fan_out(torch.empty(shape))
        except ValueError as e:
            f["error"] = message(e)
        out.append(f)
    return out


def generate():
    return {"torch_version": torch.__version__,
            "cases": gen_cases(CASES, 100, False),
            "errors": gen_cases(ERRORS, 500, True),
            "gains": gen_gains(),
            "fans": gen_fans()}


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--check", action="store_true", help="regenerate in memory and compare with the file")
    a = ap.parse_args()
    ok = parity.write_or_check(os.path.join(HERE, FILE), parity.encode(generate()) + "\n", a.check, "gen.py")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
