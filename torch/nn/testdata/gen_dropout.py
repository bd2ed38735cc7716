#!/usr/bin/env python3
"""Writes dropout.json, what torch/nn's Dropout and Dropout2d are tested against in training mode.

    python3 torch/nn/testdata/gen_dropout.py           # rewrite dropout.json beside this script
    python3 torch/nn/testdata/gen_dropout.py --check   # regenerate in memory; exit 1 if the file differs

"cases": one forward and backward pass each, right after torch.manual_seed(manual_seed):
    {"name", "type": "Dropout"|"Dropout2d", "p", "training": bool,
     "input": {"shape", "seed", "scale"}     det(...) (Go's parity.Det)
     "output": [number], "zeros": int        the output's values and how many are 0
     "input_grad": [number]                  d (output * det(output.shape, seed + 1, 1)).sum() / d input
     "next": [number]}                       torch.rand(4) after forward: where the generator stands

The cases are those of pytorch/examples mnist_rnn, whose Net applies nn.Dropout2d(0.25) and
nn.Dropout2d(0.5) to 2-D (N, features) tensors, beside Dropout2d's own 3-D and 4-D inputs. PyTorch
1.13 warns about a 2-D input ("Received a 2-D input to dropout2d, which is deprecated") and then
calls feature_dropout on it unchanged: with no dimension past the channels, every (n, c) entry is a
channel of its own, and the mask is element-wise, drawn from the same Bernoulli draws as
nn.Dropout's on CPU. This script asserts both (the warning and the equality with nn.Dropout), so a
torch that changes either fails here first. A 3-D input is taken as (N, C, L) with a warning too.
--check compares with torch/testdata/parity/gen.py's tolerances, never writing.
"""

import argparse
import importlib.util
import os
import sys
import warnings

HERE = os.path.dirname(os.path.abspath(__file__))
_spec = importlib.util.spec_from_file_location(
    "parity_gen", os.path.join(HERE, "..", "..", "testdata", "parity", "gen.py"))
parity = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(parity)  # one thread, float32 default, torch (re-executing /usr/bin/python3 if needed)

import torch  # noqa: E402
from torch import nn  # noqa: E402

FILE = "dropout.json"

# (name, type, p, training, input shape, input seed, manual_seed)
CASES = [
    ("mnist_rnn_dropout1", "Dropout2d", 0.25, True, [8, 64], 500, 1),
    ("mnist_rnn_dropout2", "Dropout2d", 0.5, True, [8, 32], 510, 2),
    ("dropout_2d_input", "Dropout", 0.25, True, [8, 64], 500, 1),
    ("dropout2d_3d_ncl", "Dropout2d", 0.5, True, [4, 6, 5], 520, 3),
    ("dropout2d_4d", "Dropout2d", 0.5, True, [4, 6, 3, 3], 530, 4),
    ("dropout2d_eval", "Dropout2d", 0.25, False, [8, 64], 540, 5),
]


def run_case(name, kind, p, training, shape, seed, manual_seed):
    m = getattr(nn, kind)(p)
    m.train(training)
    x = parity.det(shape, seed, 1.0).requires_grad_()
    torch.manual_seed(manual_seed)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        out = m(x)
    nxt = torch.rand(4)
    w = parity.det(list(out.shape), seed + 1, 1.0)
    (out * w).sum().backward()
    said = " ".join(str(c.message) for c in caught)
    if kind == "Dropout2d" and len(shape) == 2 and "Received a 2-D input to dropout2d" not in said:
        sys.exit("gen_dropout.py: %s: torch %s did not warn about a 2-D input" % (name, torch.__version__))
    if kind == "Dropout2d" and len(shape) == 2 and training:
        torch.manual_seed(manual_seed)
        if not torch.equal(nn.Dropout(p)(x.detach()), out.detach()):
            sys.exit("gen_dropout.py: %s: Dropout2d on 2-D input is not element-wise dropout here" % name)
    return {
        "name": name,
        "type": kind,
        "p": p,
        "training": training,
        "manual_seed": manual_seed,
        "input": parity.spec(shape, seed, 1.0),
        "output": parity.flat(out),
        "zeros": int((out == 0).sum()),
        "input_grad": parity.flat(x.grad),
        "next": parity.flat(nxt),
    }


def generate():
    return {"torch_version": torch.__version__, "cases": [run_case(*c) for c in CASES]}


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--check", action="store_true", help="regenerate in memory and compare with the file")
    a = ap.parse_args()
    ok = parity.write_or_check(os.path.join(HERE, FILE), parity.encode(generate()) + "\n", a.check, "gen_dropout.py")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
