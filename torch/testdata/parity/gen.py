#!/usr/bin/env python3
"""Writes the PyTorch reference numbers that the Go torch package is tested against.

    python3 torch/testdata/parity/gen.py           # rewrite the JSON files beside this script
    python3 torch/testdata/parity/gen.py --check   # regenerate in memory; exit 1 if the files differ

No weight and no input is stored: every tensor comes from det() below, which Go's
parity.Det reproduces bit for bit, so a file names a tensor by (shape, seed, scale).
The JSON schema of every file is documented in torch/testing/parity/doc.go.

Numbers are written as float64 JSON numbers (Python's repr of the float, which round-trips);
float32 tensor values are written exactly (their float64 widening). --check never writes: it
compares a fresh run with the files, each number against the magnitude of what was summed to make
it (see "Tolerances of --check" below), and integers, strings and shapes exactly. Under another
PyTorch version than the one that wrote the files, kernels round differently and a few outputs
changed (ReduceLROnPlateau's verbose lines are gone in 2.x), so --check then compares numbers
within CROSS_VERSION_TOL and skips the keys in VERSION_DEPENDENT, and says so.

Runs on one CPU thread (torch.set_num_threads(1), OMP/OpenBLAS threads 1) so that reruns on
the same machine give the same bits. It needs torch; if the python3 on PATH (pyenv, say)
lacks it, the script re-executes itself with Debian's /usr/bin/python3 (python3-torch).
"""

import argparse
import contextlib
import io
import json
import math
import os
import re
import sys
import warnings

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_var] = "1"

try:
    import torch
except ImportError:  # pragma: no cover - depends on the machine
    _system = "/usr/bin/python3"
    if (os.environ.get("PARITY_GEN_REEXEC") is None and os.path.exists(_system)
            and os.path.realpath(sys.executable) != os.path.realpath(_system)):
        os.environ["PARITY_GEN_REEXEC"] = "1"
        os.execv(_system, [_system] + sys.argv)
    sys.exit("gen.py: cannot import torch (install Debian's python3-torch)")

from torch import nn

HERE = os.path.dirname(os.path.abspath(__file__))

# The seed's autoencoder: the blog's code, defined once in bench/python/seed.py.
sys.path.insert(0, os.path.join(HERE, "..", "..", "..", "bench", "python"))
with warnings.catch_warnings():
    # seed.py's aug_tran passes interpolation=3, as the blog does, which torchvision 0.14 warns of.
    warnings.simplefilter("ignore", UserWarning)
    from seed import ConvAutoencoder  # noqa: E402

# Tolerances of --check.
#
# The same torch on another CPU (or on the same CPU under other kernel choices) computes float32
# results with other kernels: OpenBLAS and oneDNN pick them by CPU, vector widths differ, and sums
# run in another order. A float32 sum then moves by some units in the last place of the *terms it
# summed*, not of the result: measured between an AMD EPYC and an Intel Xeon (both Debian 12,
# torch 1.13.1), a gradient sum that cancels to 2e-7 came out as -1.1e-7, while losses after 8
# training steps agreed to 1e-7 relative. So each number is compared against a scale of what made
# it, and passes when |fresh - file| <= tol * scale:
#   - a summary's "sum" (a tensor summed in float64): its "sum_abs", the sum of |terms|;
#   - a summary's "first" values: its "abs_max", the largest |element| of that tensor;
#   - a number in a list of numbers (a tensor's values): the largest |number| of that list in
#     either run, since a tensor's elements come from the same kernels at the same scale; lists
#     named in PER_ELEMENT (step-by-step losses and learning rates, which fall by decades) are
#     compared element by element instead;
#   - any other number with a "<key>_abs" beside it: that;
#   - any other number: its own magnitude, max(|fresh|, |file|).
# F32_TOL = 1e-5 is about 80 float32 units in the last place of the scale. Measured largest
# differences, as a fraction of the scale: 4.2e-7 between those two machines; on the Intel Xeon
# against itself under other kernels (DNNL_MAX_CPU_ISA=AVX2 or SSE41, OPENBLAS_CORETYPE=Haswell,
# Sandybridge or Prescott, ATEN_CPU_CAPABILITY=default, and all three at once) at most 1.5e-6
# (oneDNN limited to SSE4.1), 7 times under F32_TOL. It stays 10 times tighter than the Go parity
# tests' 1e-4 on 20-step losses, which remain the real check. (Never set those variables in tests
# or CI: they are for checking this tolerance by hand.) The
# files computed without float32 kernels (det.json: exact float32 values and float64 sums;
# plateau.json: Python floats) are held to EXACT_TOL instead.
F32_TOL = 1e-5
EXACT_TOL = 1e-12
EXACT_FILES = ("det.json", "plateau.json")
PER_ELEMENT = ("losses", "lrs", "best", "metrics", "lr", "min_lr")
SCALE_OF = {"sum": "sum_abs", "first": "abs_max"}
# Measured against Debian's torch 2.6.0 on fixtures from 1.13: largest difference 5.3e-7.
CROSS_VERSION_TOL = 1e-5
VERSION_DEPENDENT = ("torch_version", "stdout")

torch.set_num_threads(1)
torch.set_default_dtype(torch.float32)


# ---------------------------------------------------------------------------
# Deterministic tensors (mirrored by parity.Det and parity.DetLabels in Go)
# ---------------------------------------------------------------------------

def det_scalar(i, seed, scale):
    """Reference definition, one element, as a Python float holding a float32."""
    k = (i * 7919 + seed * 104729) % 2001 - 1000
    v = float(k) / 1000.0 * scale
    return f32(v)


def det(shape, seed, scale):
    """float32 tensor: det(n, seed, scale)[i] = f32(f64(((i*7919 + seed*104729) mod 2001) - 1000) / 1000 * scale)."""
    shape = [int(s) for s in shape]
    n = math.prod(shape)
    i = torch.arange(n, dtype=torch.int64)
    k = torch.remainder(i * 7919 + seed * 104729, 2001) - 1000
    v = k.to(torch.float64) / 1000.0 * scale
    return v.to(torch.float32).reshape(shape)


def det_labels(n, seed, classes):
    """int64 tensor: (i*7 + seed*3) mod classes."""
    i = torch.arange(n, dtype=torch.int64)
    return torch.remainder(i * 7 + seed * 3, classes)


def spec(shape, seed, scale):
    return {"shape": [int(s) for s in shape], "seed": int(seed), "scale": float(scale)}


def f32(x):
    """x rounded to float32, as a Python float."""
    return float(torch.tensor(x, dtype=torch.float64).float().item())


def flat(t):
    """Exact values of a tensor as a flat list of Python floats (float32 widened to float64)."""
    return [float(x) for x in t.detach().reshape(-1).to(torch.float64).tolist()]


def self_test_det():
    """The vectorised det must agree with the scalar definition."""
    for seed, scale in [(0, 1.0), (7, 0.3), (1019, 2.0), (123456, 1 / 3)]:
        t = det([3000], seed, scale)
        for i in list(range(0, 3000, 37)) + [2999]:
            assert float(t[i]) == det_scalar(i, seed, scale), (seed, i)


# ---------------------------------------------------------------------------
# det.json: values the Go test compares Det and DetLabels against
# ---------------------------------------------------------------------------

def gen_det():
    cases = []
    for n, seed, scale in [(10, 0, 1.0), (10, 1, 0.3), (2001, 5, 1.0), (32 * 3 * 32 * 32, 1000, 2.0),
                           (1024 * 1024, 63, 0.03125), (20, 123456789, 1 / 3), (16, 7, 1e-3)]:
        t = det([n], seed, scale)
        idx = sorted(set([0, 1, 2, 3, n // 3, n // 2, n - 2, n - 1] + ([2000, 2001] if n > 2001 else [])))
        cases.append({
            "n": n, "seed": seed, "scale": scale,
            "index": idx,
            "values": [float(t[i]) for i in idx],
            "sum": float(t.to(torch.float64).sum()),
        })
    labels = []
    for n, seed, classes in [(32, 0, 10), (32, 19, 10), (6, 3, 10), (50, 12345, 7)]:
        labels.append({"n": n, "seed": seed, "classes": classes,
                       "values": [int(x) for x in det_labels(n, seed, classes).tolist()]})
    return {"torch_version": torch.__version__, "det": cases, "labels": labels}


# ---------------------------------------------------------------------------
# layers.json
# ---------------------------------------------------------------------------

def pair(v):
    return [int(x) for x in v] if isinstance(v, (tuple, list)) else [int(v), int(v)]


def module_spec(m):
    t = type(m).__name__
    if isinstance(m, (nn.Conv2d, nn.ConvTranspose2d)):
        args = {
            "in_channels": m.in_channels, "out_channels": m.out_channels,
            "kernel_size": pair(m.kernel_size), "stride": pair(m.stride), "padding": pair(m.padding),
            "dilation": pair(m.dilation), "groups": m.groups, "bias": m.bias is not None,
            "padding_mode": m.padding_mode,
        }
        if isinstance(m, nn.ConvTranspose2d):
            args["output_padding"] = pair(m.output_padding)
    elif isinstance(m, nn.Linear):
        args = {"in_features": m.in_features, "out_features": m.out_features, "bias": m.bias is not None}
    elif isinstance(m, nn.MaxPool2d):
        args = {"kernel_size": pair(m.kernel_size), "stride": pair(m.stride), "padding": pair(m.padding),
                "dilation": pair(m.dilation), "ceil_mode": m.ceil_mode, "return_indices": m.return_indices}
    elif isinstance(m, nn.Dropout):
        args = {"p": m.p, "inplace": m.inplace}
    elif isinstance(m, nn.ReLU):
        args = {"inplace": m.inplace}
    elif isinstance(m, nn.Sigmoid):
        args = {}
    else:
        raise TypeError(t)
    return {"type": t, "args": args, "training": m.training, "repr": repr(m)}


def layer_case(name, module, in_shape, base_seed, in_scale=1.0, param_scale=0.3, training=False, note=""):
    module.train(training)
    seed = base_seed
    x = det(in_shape, seed, in_scale).requires_grad_()
    in_spec = spec(in_shape, seed, in_scale)
    params = []
    with torch.no_grad():
        for pname, p in module.named_parameters():
            seed += 1
            p.copy_(det(p.shape, seed, param_scale))
            params.append((pname, p, spec(p.shape, seed, param_scale)))
    out = module(x)
    seed += 1
    w = det(out.shape, seed, 1.0)
    loss = (out * w).sum()
    loss.backward()
    case = {
        "name": name,
        "module": module_spec(module),
        "input": dict(in_spec, grad=flat(x.grad)),
        "params": [dict(name=pn, **s, grad=flat(p.grad)) for pn, p, s in params],
        "output": {"shape": list(out.shape), "values": flat(out)},
        "loss_weight": spec(out.shape, seed, 1.0),
        "loss": float(loss),
        "loss_abs": float((out * w).abs().sum()),
    }
    if note:
        case["note"] = note
    return case


def gen_layers():
    torch.manual_seed(0)  # construction draws default init; every parameter is then overwritten by det
    cases = [
        layer_case("conv2d_3_16_k3_p1", nn.Conv2d(3, 16, 3, padding=1), [2, 3, 6, 6], 100),
        layer_case("conv2d_16_4_k3_p1", nn.Conv2d(16, 4, 3, padding=1), [2, 16, 4, 4], 110),
        layer_case("conv2d_3_6_k3_s2_p2_d2", nn.Conv2d(3, 6, 3, stride=2, padding=2, dilation=2), [2, 3, 9, 9], 120),
        layer_case("conv2d_3_4_k3x2_s2x1_p0x1_nobias",
                   nn.Conv2d(3, 4, (3, 2), stride=(2, 1), padding=(0, 1), bias=False), [2, 3, 5, 5], 130),
        layer_case("maxpool2d_2_2", nn.MaxPool2d(2, 2), [2, 4, 6, 6], 140),
        layer_case("maxpool2d_3_s2_p1", nn.MaxPool2d(3, stride=2, padding=1), [2, 3, 7, 7], 150,
                   note="padding is -inf: border windows never pick a padded cell"),
        layer_case("convtranspose2d_4_16_k2_s2", nn.ConvTranspose2d(4, 16, 2, stride=2), [2, 4, 3, 3], 160),
        layer_case("convtranspose2d_16_3_k2_s2", nn.ConvTranspose2d(16, 3, 2, stride=2), [2, 16, 3, 3], 170),
        layer_case("convtranspose2d_3_5_k3_s2_p1_op1",
                   nn.ConvTranspose2d(3, 5, 3, stride=2, padding=1, output_padding=1), [2, 3, 3, 3], 180),
        layer_case("linear_20_7", nn.Linear(20, 7), [2, 20], 190),
        layer_case("linear_20_7_nobias", nn.Linear(20, 7, bias=False), [2, 20], 200),
        layer_case("relu", nn.ReLU(), [2, 3, 4, 4], 219,
                   note="input seed chosen so the input holds exact zeros; ReLU's gradient at 0 is 0"),
        layer_case("sigmoid", nn.Sigmoid(), [2, 3, 4, 4], 225, in_scale=4.0),
        layer_case("dropout_0.2_eval", nn.Dropout(0.2), [2, 3, 4, 4], 230, training=False,
                   note="eval mode: identity"),
    ]
    relu = next(c for c in cases if c["name"] == "relu")
    assert 0.0 in det(relu["input"]["shape"], relu["input"]["seed"], 1.0).reshape(-1).tolist()
    return {"torch_version": torch.__version__, "cases": cases}


# ---------------------------------------------------------------------------
# losses.json
# ---------------------------------------------------------------------------

def loss_case(kind, reduction, in_shape, in_seed, in_scale, target):
    x = det(in_shape, in_seed, in_scale).requires_grad_()
    if kind == "MSELoss":
        tgt = det(target["shape"], target["seed"], target["scale"])
        fn = nn.MSELoss(reduction=reduction)
    else:
        tgt = det_labels(target["n"], target["seed"], target["classes"])
        fn = nn.CrossEntropyLoss(reduction=reduction)
    out = fn(x, tgt)
    case = {"loss": kind, "reduction": reduction, "input": spec(in_shape, in_seed, in_scale), "target": target,
            "output": {"shape": list(out.shape), "values": flat(out)}}
    if reduction == "none":
        gw = spec(out.shape, in_seed + 50, 1.0)
        (out * det(gw["shape"], gw["seed"], gw["scale"])).sum().backward()
        case["grad_output"] = gw
    else:
        out.backward()
    case["input_grad"] = flat(x.grad)
    return case


def gen_losses():
    cases = []
    for red in ("mean", "sum", "none"):
        cases.append(loss_case("MSELoss", red, [4, 5], 1, 1.0, spec([4, 5], 2, 1.0)))
    for red in ("mean", "sum", "none"):
        cases.append(loss_case("MSELoss", red, [2, 3, 4, 4], 3, 2.0, spec([2, 3, 4, 4], 4, 2.0)))
    for red in ("mean", "sum", "none"):
        cases.append(loss_case("CrossEntropyLoss", red, [6, 10], 5, 1.0, {"n": 6, "seed": 3, "classes": 10}))
    for red in ("mean", "sum", "none"):
        cases.append(loss_case("CrossEntropyLoss", red, [6, 10], 6, 30.0, {"n": 6, "seed": 4, "classes": 10}))
    return {"torch_version": torch.__version__, "cases": cases}


# ---------------------------------------------------------------------------
# init.json
# ---------------------------------------------------------------------------

INIT_MODULES = [
    ("Conv2d", (3, 16, 3), {}),
    ("Conv2d", (16, 4, 3), {}),
    ("ConvTranspose2d", (4, 16, 2), {"stride": 2}),
    ("ConvTranspose2d", (16, 3, 2), {"stride": 2}),
    ("Linear", (1024, 1024), {}),
    ("Linear", (512, 10), {}),
]
INIT_SAMPLES = 300
INIT_SEED = 1234


class Moments:
    def __init__(self):
        self.n, self.s, self.ss = 0, 0.0, 0.0
        self.lo, self.hi = math.inf, -math.inf

    def add(self, t):
        d = t.detach().to(torch.float64)
        self.n += d.numel()
        self.s += float(d.sum())
        self.ss += float((d * d).sum())
        self.lo = min(self.lo, float(d.min()))
        self.hi = max(self.hi, float(d.max()))

    def out(self):
        mean = self.s / self.n
        return {"count": self.n, "min": self.lo, "max": self.hi, "mean": mean,
                "std": math.sqrt(max(self.ss / self.n - mean * mean, 0.0))}


def gen_init():
    cases = []
    for typ, args, kwargs in INIT_MODULES:
        ctor = getattr(nn, typ)
        torch.manual_seed(INIT_SEED)
        wm, bm = Moments(), Moments()
        for _ in range(INIT_SAMPLES):
            m = ctor(*args, **kwargs)
            wm.add(m.weight)
            bm.add(m.bias)
        w = m.weight
        fan_in, _ = nn.init._calculate_fan_in_and_fan_out(w)
        a = math.sqrt(5)
        gain = math.sqrt(2.0 / (1 + a ** 2))
        w_bound = math.sqrt(3.0) * (gain / math.sqrt(fan_in))  # kaiming_uniform_'s arithmetic, verbatim
        b_bound = 1 / math.sqrt(fan_in)
        w_bound32, b_bound32 = f32(w_bound), f32(b_bound)
        # uniform_ works in float32: the float32 bound can be met (Linear(1024, 1024) draws -0.03125 exactly)
        assert -w_bound32 <= wm.lo and wm.hi <= w_bound32 and -b_bound32 <= bm.lo and bm.hi <= b_bound32
        torch.manual_seed(0)
        m0 = ctor(*args, **kwargs)
        cases.append({
            "module": module_spec(m0),
            "weight_shape": list(w.shape),
            "bias_shape": list(m.bias.shape),
            "fan_in": fan_in,
            "weight_bound": w_bound,
            "bias_bound": b_bound,
            "weight_bound_simple": 1 / math.sqrt(fan_in),
            "weight_bound_f32": w_bound32,
            "bias_bound_f32": b_bound32,
            "samples": INIT_SAMPLES,
            "manual_seed": INIT_SEED,
            "weight": wm.out(),
            "bias": bm.out(),
            "uniform_std_weight": w_bound / math.sqrt(3.0),
            "uniform_std_bias": b_bound / math.sqrt(3.0),
            "seed0_weight_first": flat(m0.weight.reshape(-1)[:5]),
            "seed0_bias_first": flat(m0.bias.reshape(-1)[:5]),
        })
    return {"torch_version": torch.__version__, "cases": cases}


# ---------------------------------------------------------------------------
# train.json: the seed's two models, 20 steps each
# ---------------------------------------------------------------------------

class MyModel(nn.Module):
    """Exactly the seed's classifier over the autoencoder's first three children."""

    def __init__(self, ae_model):
        super().__init__()
        image_modules = list(ae_model.children())[:-2]
        self.modelA = nn.Sequential(*image_modules)
        self.fc1 = nn.Linear(4 * 16 * 16, 1024)
        self.fc2 = nn.Linear(1024, 512)
        self.out = nn.Linear(512, 10)
        self.drop = nn.Dropout(0.2)

    def forward(self, x):
        x = self.modelA(x)
        x = x.view(x.size(0), 4 * 16 * 16)
        x = torch.relu(self.fc1(x))
        x = self.drop(x)
        x = torch.relu(self.fc2(x))
        x = self.drop(x)
        x = self.out(x)
        return x


def default_bound(module):
    fan_in, _ = nn.init._calculate_fan_in_and_fan_out(module.weight)
    return 1 / math.sqrt(fan_in)


def det_params(model, first_seed, seeds=None):
    """Overwrite every parameter with det(shape, seed, bound of its layer); return their specs."""
    seeds = dict(seeds or {})
    specs = []
    modules = dict(model.named_modules())
    seed = first_seed
    with torch.no_grad():
        for name, p in model.named_parameters():
            owner = modules[name.rsplit(".", 1)[0]]
            scale = default_bound(owner)
            if name not in seeds:
                seeds[name] = seed
                seed += 1
            p.copy_(det(p.shape, seeds[name], scale))
            specs.append(dict(name=name, **spec(p.shape, seeds[name], scale)))
    return specs


def summary(name, t):
    """A large tensor as a few numbers: float64 sum (with the sum of |elements|, its scale),
    sum of squares, largest |element| and the first five elements."""
    d = t.detach().to(torch.float64)
    return {"name": name, "sum": float(d.sum()), "sum_abs": float(d.abs().sum()),
            "sum_sq": float((d * d).sum()), "abs_max": float(d.abs().max()), "first": flat(t.reshape(-1)[:5])}


def param_summary(model):
    out = []
    for name, p in model.named_parameters():
        out.append(summary(name, p))
    return out


def grad_summary(model):
    out = []
    for name, p in model.named_parameters():
        if p.grad is None:
            continue
        out.append(summary(name, p.grad))
    return out


STEPS = 20
BATCH = [32, 3, 32, 32]
AE_SEED_BASE, CLS_SEED_BASE = 1000, 2000
AE_PARAM_SEED, CLS_PARAM_SEED = 11, 31


def train_autoencoder():
    ae = ConvAutoencoder()
    params = det_params(ae, AE_PARAM_SEED)
    loss_function = nn.MSELoss()
    optimizer = torch.optim.Adam(ae.parameters(), lr=0.001)
    losses, grads0 = [], None
    for k in range(STEPS):
        images = det(BATCH, AE_SEED_BASE + k, 2.0)
        optimizer.zero_grad()
        outputs = ae(images)
        loss = loss_function(outputs, images)
        loss.backward()
        if k == 0:
            grads0 = grad_summary(ae)
        optimizer.step()
        losses.append(loss.item())
    return {
        "state_dict_keys": list(ae.state_dict().keys()),
        "params": params,
        "batch": {"shape": BATCH, "seed_base": AE_SEED_BASE, "scale": 2.0},
        "loss": "MSELoss(outputs, images), reduction mean",
        "optimizer": {"type": "Adam", "lr": 0.001, "betas": [0.9, 0.999], "eps": 1e-8,
                      "weight_decay": 0.0, "amsgrad": False},
        "steps": STEPS,
        "losses": losses,
        "grads_step0": grads0,
        "final": param_summary(ae),
    }


def classifier_run(train_mode):
    ae = ConvAutoencoder()
    det_params(ae, AE_PARAM_SEED)  # the autoencoder's initial det weights (not trained ones)
    model = MyModel(ae)
    ae_seeds = {"modelA.0.weight": AE_PARAM_SEED, "modelA.0.bias": AE_PARAM_SEED + 1,
                "modelA.1.weight": AE_PARAM_SEED + 2, "modelA.1.bias": AE_PARAM_SEED + 3}
    params = det_params(model, CLS_PARAM_SEED, ae_seeds)
    for child in model.children():
        for p in child.parameters():
            p.requires_grad = isinstance(child, nn.Linear)
    criterion = nn.CrossEntropyLoss()
    optimizer = torch.optim.SGD(model.parameters(), lr=0.001)
    model.train(train_mode)
    if train_mode:
        torch.manual_seed(0)
    losses, grads0 = [], None
    for k in range(STEPS):
        data = det(BATCH, CLS_SEED_BASE + k, 2.0)
        target = det_labels(BATCH[0], k, 10)
        optimizer.zero_grad()
        output = model(data)
        loss = criterion(output, target)
        loss.backward()
        if k == 0:
            grads0 = grad_summary(model)
        optimizer.step()
        losses.append(loss.item())
    frozen = [n for n, p in model.named_parameters() if not p.requires_grad]
    return model, params, frozen, {"losses": losses, "grads_step0": grads0, "final": param_summary(model)}


def train_classifier():
    model, params, frozen, ev = classifier_run(False)
    _, _, _, tr = classifier_run(True)
    return {
        "state_dict_keys": list(model.state_dict().keys()),
        "params": params,
        "frozen": frozen,
        "batch": {"shape": BATCH, "seed_base": CLS_SEED_BASE, "scale": 2.0},
        "labels": {"n": BATCH[0], "seed_base": 0, "classes": 10},
        "loss": "CrossEntropyLoss, reduction mean",
        "optimizer": {"type": "SGD", "lr": 0.001, "momentum": 0.0, "dampening": 0.0,
                      "weight_decay": 0.0, "nesterov": False},
        "steps": STEPS,
        "eval": dict(ev, mode="eval"),
        "train": dict(tr, mode="train", manual_seed=0),
    }


def gen_train():
    return {"torch_version": torch.__version__, "num_threads": torch.get_num_threads(),
            "autoencoder": train_autoencoder(), "classifier": train_classifier()}


# ---------------------------------------------------------------------------
# optim.json
# ---------------------------------------------------------------------------

OPTIM_CASES = [
    ("SGD", {"lr": 0.1}),
    ("SGD", {"lr": 0.1, "momentum": 0.9}),
    ("SGD", {"lr": 0.1, "momentum": 0.9, "dampening": 0.5}),
    ("SGD", {"lr": 0.1, "momentum": 0.9, "nesterov": True}),
    ("SGD", {"lr": 0.1, "momentum": 0.9, "weight_decay": 0.01}),
    ("Adam", {"lr": 0.01}),
    ("Adam", {"lr": 0.01, "betas": (0.8, 0.99), "eps": 1e-6}),
    ("Adam", {"weight_decay": 0.1}),
    ("Adam", {"amsgrad": True}),
    ("Adam", {"lr": 0.1, "amsgrad": True}),
    ("Adam", {"lr": 0.01, "foreach": True}),
    ("Adam", {"weight_decay": 0.1, "foreach": True}),
    ("Adam", {"lr": 0.1, "amsgrad": True, "foreach": True}),
]
OPTIM_STEPS = 10
OPTIM_SHAPE = [5, 4]


def full_options(opt):
    g = opt.param_groups[0]
    keep = ("lr", "momentum", "dampening", "weight_decay", "nesterov", "betas", "eps", "amsgrad", "maximize", "foreach")
    out = {}
    for k in keep:
        if k in g:
            v = g[k]
            out[k] = list(v) if isinstance(v, tuple) else v
    return out


def gen_optim():
    cases = []
    for typ, kwargs in OPTIM_CASES:
        p = det(OPTIM_SHAPE, 7, 1.0).requires_grad_()
        target = det(OPTIM_SHAPE, 8, 1.0)
        weight = det(OPTIM_SHAPE, 9, 1.0).abs()  # non-negative: a convex loss that every optimizer descends
        opt = getattr(torch.optim, typ)([p], **kwargs)
        losses, values = [], []
        for _ in range(OPTIM_STEPS):
            opt.zero_grad()
            loss = ((p - target) ** 2 * weight).sum()
            loss.backward()
            opt.step()
            losses.append(loss.item())
            values.append(flat(p))
        name = typ + "(" + ", ".join("%s=%r" % kv for kv in kwargs.items()) + ")"
        cases.append({"name": name, "type": typ, "args": {k: list(v) if isinstance(v, tuple) else v
                                                           for k, v in kwargs.items()},
                      "options": full_options(opt), "losses": losses, "params": values})
    return {
        "torch_version": torch.__version__,
        "param": spec(OPTIM_SHAPE, 7, 1.0),
        "target": spec(OPTIM_SHAPE, 8, 1.0),
        "weight": spec(OPTIM_SHAPE, 9, 1.0),
        "loss": "((p - target) ** 2 * weight.abs()).sum()",
        "steps": OPTIM_STEPS,
        "cases": cases,
    }


# ---------------------------------------------------------------------------
# plateau.json
# ---------------------------------------------------------------------------

def seq_noisy(n=30):
    out, v = [], 1.0
    for i in range(n):
        v *= 0.97
        out.append(round(v + 0.05 * (((i * 37 + 11) % 17) - 8) / 8, 6))
    return out


METRICS = {
    "decreasing": [round(1.0 * 0.9 ** i, 10) for i in range(30)],
    "increasing": [round(0.1 + 0.05 * i, 10) for i in range(30)],
    "constant": [0.5] * 30,
    "noisy": seq_noisy(),
    "plateaus": [1.0, 0.8, 0.6, 0.6, 0.6, 0.6, 0.6, 0.6, 0.5, 0.4, 0.4, 0.4, 0.41, 0.4, 0.39, 0.39, 0.39,
                 0.39, 0.39, 0.39, 0.3, 0.3, 0.3, 0.3, 0.3, 0.2, 0.2, 0.2, 0.2, 0.2],
    # improvements of 5e-5 relative (under the default rel threshold 1e-4), then of 2e-4 (over it)
    "tiny_steps": [round(1.0 - 5e-5 * i, 10) for i in range(15)] + [round(0.99925 - 2e-4 * i, 10) for i in range(15)],
    "rising_then_falling": [0.1, 0.3, 0.5, 0.7, 0.9, 0.95, 0.96, 0.96, 0.9, 0.95, 0.97, 0.97, 0.96, 0.99, 1.2,
                            1.2, 1.1, 1.0, 0.9, 0.8, 0.8, 0.8, 0.8, 0.85, 0.79, 0.78, 0.77, 0.77, 0.77, 0.77],
    # negative values: with rel thresholds best*(1-threshold) lies on the wrong side of best
    "negative": [-1.0, -1.05, -1.1, -1.08, -1.12, -1.2, -1.15, -1.19, -1.21, -1.3, -1.25, -1.2, -1.1, -1.0,
                 -0.95, -0.97, -1.0, -1.02, -1.04, -1.06, -1.05, -1.3, -1.4, -1.5, -1.45, -1.44, -1.43,
                 -1.42, -1.41, -1.4],
}

PLATEAU_CONFIGS = [
    # name, group lrs, scheduler kwargs, sequences
    ("seed", [0.001], dict(mode="min", factor=0.1, patience=3), None),
    ("defaults", [0.1], dict(), None),
    ("min_rel_p0", [0.1], dict(mode="min", patience=0), None),
    ("min_rel_thr0.1_p1", [0.1], dict(mode="min", threshold=0.1, patience=1), None),
    ("min_abs_thr0.01_p1", [0.1], dict(mode="min", threshold=0.01, threshold_mode="abs", patience=1), None),
    ("min_rel_p1_cooldown2", [1.0], dict(mode="min", factor=0.5, patience=1, cooldown=2), None),
    ("min_abs_p0_cooldown2_minlr", [1.0], dict(mode="min", factor=0.5, threshold=0.0, threshold_mode="abs",
                                               patience=0, cooldown=2, min_lr=1e-4), None),
    ("min_p0_minlr1e-4", [0.01], dict(mode="min", factor=0.3, patience=0, min_lr=1e-4), None),
    ("max_rel_p2", [0.1], dict(mode="max", factor=0.5, patience=2), None),
    ("max_rel_thr0.1_p1", [0.1], dict(mode="max", factor=0.5, threshold=0.1, patience=1), None),
    ("max_abs_thr0.05_p1_cooldown2", [0.1], dict(mode="max", factor=0.5, threshold=0.05, threshold_mode="abs",
                                                 patience=1, cooldown=2), None),
    ("eps_large", [1.0], dict(mode="min", factor=0.5, patience=0, eps=0.05), None),
    ("eps_default_tiny_lr", [1e-7], dict(mode="min", factor=0.5, patience=0), None),
    ("two_groups_list_min_lr", [0.1, 0.01], dict(mode="min", factor=0.1, patience=1, min_lr=[1e-3, 5e-3]), None),
    ("two_groups_scalar_min_lr", [0.1, 0.05], dict(mode="min", factor=0.2, patience=0, cooldown=1, min_lr=1e-4),
     None),
    ("max_p3_cooldown2_two_groups", [0.5, 0.02], dict(mode="max", factor=0.25, patience=3, cooldown=2,
                                                      threshold_mode="abs", threshold=0.0, min_lr=[0.0, 1e-3]),
     None),
]


def plateau_run(lrs, kwargs, metrics):
    dummy = [torch.zeros(1, requires_grad=True) for _ in lrs]
    opt = torch.optim.SGD([{"params": [d], "lr": lr} for d, lr in zip(dummy, lrs)], lr=lrs[0])
    with warnings.catch_warnings():  # torch 2.x deprecates verbose; 2.6 no longer prints its lines
        warnings.filterwarnings("ignore", message="The verbose parameter is deprecated")
        sched = torch.optim.lr_scheduler.ReduceLROnPlateau(opt, verbose=True, **kwargs)
    buf = io.StringIO()
    run = {"lrs": [[] for _ in lrs], "best": [], "num_bad_epochs": [], "cooldown_counter": []}
    for m in metrics:
        with contextlib.redirect_stdout(buf):
            sched.step(m)
        assert math.isfinite(sched.best)
        for g, group in enumerate(opt.param_groups):
            run["lrs"][g].append(float(group["lr"]))
        run["best"].append(float(sched.best))
        run["num_bad_epochs"].append(sched.num_bad_epochs)
        run["cooldown_counter"].append(sched.cooldown_counter)
    text = buf.getvalue()
    assert text == "" or text.endswith("\n")
    run["stdout"] = text.splitlines()
    return run


def gen_plateau():
    configs, runs = [], []
    for name, lrs, kwargs, seqs in PLATEAU_CONFIGS:
        full = dict(mode="min", factor=0.1, patience=10, threshold=1e-4, threshold_mode="rel", cooldown=0,
                    min_lr=0.0, eps=1e-8)
        full.update(kwargs)
        if not isinstance(full["min_lr"], list):
            full["min_lr"] = float(full["min_lr"])
        full = {k: float(v) if k in ("factor", "threshold", "eps") else v for k, v in full.items()}
        configs.append({"name": name, "lrs": [float(x) for x in lrs], "args": full})
        for seq in seqs or METRICS:
            run = {"config": name, "metrics": seq}
            run.update(plateau_run(lrs, kwargs, METRICS[seq]))
            runs.append(run)
    return {"torch_version": torch.__version__,
            "verbose_format": "'Epoch {}: reducing learning rate of group {} to {:.4e}.'"
                              ".format('%.5d' % epoch, group_index, new_lr)",
            "metrics": METRICS, "configs": configs, "runs": runs}


# ---------------------------------------------------------------------------
# writing and checking
# ---------------------------------------------------------------------------

def encode(v, indent=0):
    """JSON with objects indented and lists of scalars on one line (keeps the files small and diffable)."""
    pad = " " * indent
    if isinstance(v, dict):
        if not v:
            return "{}"
        items = [pad + " " + json.dumps(k) + ": " + encode(x, indent + 1) for k, x in v.items()]
        return "{\n" + ",\n".join(items) + "\n" + pad + "}"
    if isinstance(v, (list, tuple)):
        if all(not isinstance(x, (dict, list, tuple)) for x in v):
            return "[" + ",".join(encode(x) for x in v) + "]"
        items = [pad + " " + encode(x, indent + 1) for x in v]
        return "[\n" + ",\n".join(items) + "\n" + pad + "]"
    if isinstance(v, float):
        if not math.isfinite(v):
            raise ValueError("non-finite number %r cannot go into JSON" % v)
        return repr(v)
    return json.dumps(v)


GENERATORS = {
    "det.json": gen_det,
    "layers.json": gen_layers,
    "losses.json": gen_losses,
    "init.json": gen_init,
    "train.json": gen_train,
    "optim.json": gen_optim,
    "plateau.json": gen_plateau,
}


def is_number(v):
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def diff(want, got, path, out, tol, skip=(), key=None, scale=None, cross=False):
    """Appends to out the places where got (regenerated) differs from want (on disk): numbers
    beyond tol times their scale (see "Tolerances of --check"), anything else when unequal.
    Dict keys in skip are not compared. With cross (another torch wrote want), the floats of a
    dict holding "draws_version_dependent" (why its random draws depend on the version) are not
    compared either: tol is None below it."""
    if is_number(want) and is_number(got):
        if tol is None and not (isinstance(want, int) and isinstance(got, int)):
            return
        if isinstance(want, int) and isinstance(got, int):
            if want != got:
                out.append("%s: %r != %r" % (path, got, want))
            return
        s = scale if scale is not None else max(abs(want), abs(got))
        if not abs(want - got) <= tol * s:
            out.append("%s: %r != %r (difference %.3g, scale %.3g)" % (path, got, want, abs(want - got), s))
    elif isinstance(want, dict) and isinstance(got, dict):
        if list(want) != list(got):
            out.append("%s: keys %s != %s" % (path, list(got), list(want)))
            return
        if cross and want.get("draws_version_dependent"):
            tol = None
        for k in want:
            if k in skip:
                continue
            sk = SCALE_OF.get(k, k + "_abs")
            s = None
            if sk in want and is_number(want[sk]) and is_number(got[sk]):
                s = max(abs(want[sk]), abs(got[sk]))
            diff(want[k], got[k], path + "." + k, out, tol, skip, k, s, cross)
    elif isinstance(want, list) and isinstance(got, list):
        if len(want) != len(got):
            out.append("%s: length %d != %d" % (path, len(got), len(want)))
            return
        numbers = all(is_number(x) for x in want + got)
        if numbers and scale is None and key not in PER_ELEMENT and want:
            scale = max(abs(x) for x in want + got)
        for i, (a, b) in enumerate(zip(want, got)):
            diff(a, b, "%s[%d]" % (path, i), out, tol, skip, key, scale, cross)
    elif type(want) is not type(got) or want != got:
        out.append("%s: %r != %r" % (path, got, want))


def write_or_check(path, text, check, script, tol=F32_TOL, version_dependent=VERSION_DEPENDENT, adjust=None):
    """Writes a fixture's text to path or, with check, compares it with the file there within tol
    (CROSS_VERSION_TOL, and the keys in version_dependent skipped, when another torch wrote it),
    printing one line or the differences. Returns whether it matched (True when writing). The
    other fixture scripts (torch/nn, train/*) share it. A case whose random draws depend on the
    torch version holds "draws_version_dependent" (see diff). adjust, when given, turns the file's
    expectations (loaded JSON, changed in place) into this torch version's where a documented
    behaviour changed between versions."""
    name = os.path.basename(path)
    if not check:
        with open(path, "w") as f:
            f.write(text)
        print("wrote %s (%d bytes)" % (os.path.relpath(path), len(text)))
        return True
    try:
        with open(path) as f:
            want = json.load(f)
    except (OSError, ValueError) as e:
        print("%s: %s" % (os.path.relpath(path), e))
        return False
    if adjust is not None:
        adjust(want)
    out, skip, note, cross = [], (), "", False
    made_by = want.get("torch_version") if isinstance(want, dict) else None
    if made_by is not None and made_by != torch.__version__:
        tol, skip, cross = CROSS_VERSION_TOL, version_dependent, True
        note = " (written by torch %s, checked with %s: within %g, %s not compared%s)" % (
            made_by, torch.__version__, tol, ", ".join(skip),
            ", nor the values of cases whose draws depend on the version" if '"draws_version_dependent"' in text else "")
    diff(want, json.loads(text), name, out, tol, skip, cross=cross)
    if out:
        print("%s differs from a fresh run (regenerate with %s):" % (os.path.relpath(path), script))
        for line in out[:20]:
            print("  " + line)
        if len(out) > 20:
            # Where the rest are: each difference's path without its last element index.
            where = sorted({re.sub(r"\[\d+\](?=[^\[]*$)", "", line.split(":")[0]) for line in out})
            print("  ... %d differences in all, in %s" % (len(out), ", ".join(where[:20])))
        return False
    print("%s: ok%s" % (os.path.relpath(path), note))
    return True


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--check", action="store_true", help="regenerate in memory and compare with the files")
    ap.add_argument("--only", default="", help="comma-separated file names to (re)generate or check")
    a = ap.parse_args()
    self_test_det()
    names = [n for n in GENERATORS if not a.only or n in a.only.split(",")]
    ok = True
    for name in names:
        tol = EXACT_TOL if name in EXACT_FILES else F32_TOL
        ok &= write_or_check(os.path.join(HERE, name), encode(GENERATORS[name]()) + "\n", a.check, "gen.py", tol)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
