#!/usr/bin/env python3
"""Writes what torch.nn.utils.clip_grad_norm_ and clip_grad_value_ do to fixed gradients.

    python3 torch/nn/utils/testdata/gen_clip_grad.py           # rewrite clip_grad.json beside this script
    python3 torch/nn/utils/testdata/gen_clip_grad.py --check   # regenerate in memory; exit 1 if the file differs

clip_grad.json holds "cases", each one call:
    {"name", "func": "clip_grad_norm_" | "clip_grad_value_",
     "args": the call's arguments after parameters ({"max_norm", "norm_type"?, "error_if_nonfinite"?}
             or {"clip_value"}; norm_type "inf" for float('inf')),
     "params": [{"shape", "seed", "scale", "grad": {"shape", "seed", "scale", "set"?: [[index, value]]} | null}]
             every parameter is det(shape, seed, scale); its .grad is det(...) with the flat
             indices in "set" overwritten (values may be "nan", "inf", "-inf"), or None,
     "total_norm": number | "nan" | "inf"   (clip_grad_norm_, when it returns)
     "error": str                            (clip_grad_norm_, when it raises: its message)
     "grads": [[number | "nan" | "inf" | "-inf"] | null]   every .grad after the call}

det() is Go's parity.Det bit for bit (torch/testdata/parity/gen.py). --check never writes: it
compares numbers within F32_TOL of the largest magnitude in their list, strings exactly; under
another torch version within CROSS_VERSION_TOL. Runs on one CPU thread; re-executes itself with
Debian's /usr/bin/python3 when the python3 on PATH lacks torch.
"""

import argparse
import importlib.util
import math
import os
import sys

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_var] = "1"

try:
    import torch
except ImportError:  # pragma: no cover - depends on the machine
    _system = "/usr/bin/python3"
    if (os.environ.get("CLIP_GEN_REEXEC") is None and os.path.exists(_system)
            and os.path.realpath(sys.executable) != os.path.realpath(_system)):
        os.environ["CLIP_GEN_REEXEC"] = "1"
        os.execv(_system, [_system] + sys.argv)
    sys.exit("gen_clip_grad.py: cannot import torch (install Debian's python3-torch)")

from torch.nn.utils import clip_grad_norm_, clip_grad_value_

HERE = os.path.dirname(os.path.abspath(__file__))
FILE = "clip_grad.json"

_spec = importlib.util.spec_from_file_location(
    "parity_gen", os.path.join(HERE, "..", "..", "..", "testdata", "parity", "gen.py"))
parity = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(parity)
det, spec, encode = parity.det, parity.spec, parity.encode

# Norms of a few dozen float32 values: summation order is the only freedom the kernels have.
F32_TOL = 1e-5
VERSION_DEPENDENT = ("torch_version",)

torch.set_num_threads(1)


def number(x):
    """A float for the JSON: non-finite values as Python spells them."""
    x = float(x)
    return x if math.isfinite(x) else repr(x)


def values(t):
    return [number(v) for v in t.detach().reshape(-1).tolist()]


SHAPES = [[4, 3], [5], [2, 2, 2]]


def params_spec(shapes=SHAPES, grad_scale=1.0, no_grad=(), sets=None):
    out = []
    for i, shape in enumerate(shapes):
        p = spec(shape, 10 + i, 0.5)
        if i in no_grad:
            p["grad"] = None
        else:
            p["grad"] = spec(shape, 20 + i, grad_scale)
            if sets and i in sets:
                p["grad"]["set"] = sets[i]
        out.append(p)
    return out


def build(pspecs):
    params = []
    for s in pspecs:
        p = det(s["shape"], s["seed"], s["scale"]).requires_grad_()
        g = s["grad"]
        if g is not None:
            grad = det(g["shape"], g["seed"], g["scale"]).reshape(-1)
            for i, v in g.get("set", []):
                grad[i] = float(v)
            p.grad = grad.reshape(g["shape"])
        params.append(p)
    return params


def run_case(name, func, args, pspecs):
    params = build(pspecs)
    case = {"name": name, "func": func, "args": args, "params": pspecs}
    if func == "clip_grad_norm_":
        kw = dict(args)
        max_norm = kw.pop("max_norm")
        if kw.get("norm_type") == "inf":
            kw["norm_type"] = float("inf")
        try:
            case["total_norm"] = number(clip_grad_norm_(params, max_norm, **kw))
        except RuntimeError as e:
            case["error"] = str(e)
    else:
        clip_grad_value_(params, args["clip_value"])
    case["grads"] = [values(p.grad) if p.grad is not None else None for p in params]
    return case


def generate():
    cases = []
    for norm_type in (None, 1.0, 3.0, 0.5, "inf"):
        for max_norm, what in ((0.7, "clips"), (100.0, "keeps")):
            args = {"max_norm": max_norm}
            if norm_type is not None:
                args["norm_type"] = norm_type
            tname = "default" if norm_type is None else str(norm_type)
            cases.append(run_case("norm_%s_%s" % (tname, what), "clip_grad_norm_", args, params_spec()))
    # Parameters without a gradient are skipped; one gradient alone (the inf norm's norms[0]).
    cases.append(run_case("norm_some_without_grad", "clip_grad_norm_", {"max_norm": 0.5}, params_spec(no_grad=(1,))))
    cases.append(run_case("norm_inf_one_grad", "clip_grad_norm_", {"max_norm": 0.5, "norm_type": "inf"},
                          params_spec(no_grad=(0, 2))))
    cases.append(run_case("norm_no_grads", "clip_grad_norm_", {"max_norm": 0.5}, params_spec(no_grad=(0, 1, 2))))
    # An integer max_norm, as float(max_norm) takes it.
    cases.append(run_case("norm_int_max_norm", "clip_grad_norm_", {"max_norm": 1}, params_spec()))
    # Non-finite gradients: scaled by nan or 0 without error_if_nonfinite, an error with it.
    nan, inf = {1: [[2, "nan"]]}, {0: [[5, "inf"]]}
    for tag, sets in (("nan", nan), ("inf", inf)):
        cases.append(run_case("norm_%s_grad" % tag, "clip_grad_norm_", {"max_norm": 1.0}, params_spec(sets=sets)))
        cases.append(run_case("norm_%s_grad_error" % tag, "clip_grad_norm_", {"max_norm": 1.0, "error_if_nonfinite": True},
                              params_spec(sets=sets)))
    cases.append(run_case("norm_inf_of_inf_grad_error", "clip_grad_norm_",
                          {"max_norm": 1.0, "norm_type": "inf", "error_if_nonfinite": True}, params_spec(sets=inf)))
    cases.append(run_case("norm_finite_error_flag", "clip_grad_norm_", {"max_norm": 1.0, "error_if_nonfinite": True},
                          params_spec()))
    for clip in (0.3, 2.0):
        cases.append(run_case("value_%s" % clip, "clip_grad_value_", {"clip_value": clip}, params_spec()))
    cases.append(run_case("value_some_without_grad", "clip_grad_value_", {"clip_value": 0.25}, params_spec(no_grad=(0,))))
    return {"torch_version": torch.__version__, "cases": cases}


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--check", action="store_true", help="regenerate in memory and compare with the file")
    a = ap.parse_args()
    ok = parity.write_or_check(os.path.join(HERE, FILE), encode(generate()) + "\n", a.check, "gen_clip_grad.py",
                               F32_TOL, VERSION_DEPENDENT)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
