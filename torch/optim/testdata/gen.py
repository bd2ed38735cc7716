#!/usr/bin/env python3
"""Writes the PyTorch reference numbers that torch/optim and torch/optim/lr_scheduler are tested against.

    python3 torch/optim/testdata/gen.py           # rewrite optimizers.json, differentiable.json, schedulers.json
    python3 torch/optim/testdata/gen.py --check   # regenerate in memory; exit 1 if the files differ

optimizers.json: each optimizer (SGD, Adam, AdamW, RMSprop, Adagrad, Adadelta) with several option
sets runs 10 steps on one problem: four parameters, the fourth outside the loss (so it never has a
gradient), in one group or in two groups with different options. The loss is
sign * sum_k sum(|w_k| * (p_k - t_k)**2) over the first three (sign -1 for the maximize cases, so
that they ascend -loss). Recorded per step: the loss and every parameter's values after the step;
after step 5, the optimizer's state_dict() flattened as the Go package names it
("state.<i>.<key>", "param_groups.<g>.<key>"; None values left out).

differentiable.json: SGD, Adam and RMSprop with differentiable=True, on the same problem's first
three parameters, each the clone of a leaf w_k (a leaf that requires grad cannot be updated in
place with autograd on). Each step sets p.grad to torch.autograd.grad(loss, p, create_graph=True)
and steps; then meta = sum_k sum(p_k * m_k) is differentiated back through every step to the w_k.
Recorded: the parameters after each step and the w_k's gradients. Three steps where PyTorch can
differentiate through them; one for Adam and centered RMSprop, whose next step's in-place state
updates (exp_avg.mul_, grad_avg.mul_) overwrite tensors that autograd saved for the step before, so
that PyTorch itself refuses the backward ("modified by an inplace operation"). A first step of
Adam or RMSprop moves each element by about lr * sign(grad), whose derivative is near zero unless
eps is large against the gradient: hence the large eps of most of those cases, without which the
w_k's gradients would not tell a differentiable step from one that autograd did not record.

schedulers.json: each scheduler's learning rates (every group's lr, and get_last_lr()) after
construction and after each step, OneCycleLR's momentum or beta1 too, verbose output where
recorded (the resumed run's too), and the scheduler's state_dict() at one step mid-schedule, as JSON ("inf" for
infinities; a Counter as an object; OneCycleLR's anneal_func, a bound method, left out). Each run
is also resumed in Python from that state dict (a new optimizer and scheduler, then both
load_state_dict calls, as a training script resumes) and must continue identically; the script
asserts it.

No tensor is stored: every one comes from det() below, which Go's parity.Det reproduces bit for bit.

--check never writes. The scheduler numbers are Python float arithmetic and are compared exactly
under the torch that wrote the file. The optimizer numbers are float32 tensor arithmetic: each
value is compared within F32_TOL of the largest magnitude in its tensor (losses each against
itself), since other CPUs run other kernels (see torch/testdata/parity/gen.py for the measured
differences). Under another torch version, numbers are compared within CROSS_VERSION_TOL and the
keys in VERSION_DEPENDENT are skipped (verbose output and state dicts changed in 2.x), and it says
so. Runs on one CPU thread; re-executes itself with Debian's /usr/bin/python3 when the python3 on
PATH lacks torch.
"""

import argparse
import collections
import contextlib
import io
import json
import math
import os
import sys
import warnings

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_var] = "1"

try:
    import torch
except ImportError:  # pragma: no cover - depends on the machine
    _system = "/usr/bin/python3"
    if (os.environ.get("OPTIM_GEN_REEXEC") is None and os.path.exists(_system)
            and os.path.realpath(sys.executable) != os.path.realpath(_system)):
        os.environ["OPTIM_GEN_REEXEC"] = "1"
        os.execv(_system, [_system] + sys.argv)
    sys.exit("gen.py: cannot import torch (install Debian's python3-torch)")

from torch.optim import lr_scheduler as lrs

HERE = os.path.dirname(os.path.abspath(__file__))

F32_TOL = 1e-5
CROSS_VERSION_TOL = 1e-5
VERSION_DEPENDENT = ("torch_version", "stdout", "resumed_stdout", "state_dict")
PER_ELEMENT = ("losses",)

torch.set_num_threads(1)
torch.set_default_dtype(torch.float32)


def det(shape, seed, scale):
    """float32 tensor: det(n, seed, scale)[i] = f32(f64(((i*7919 + seed*104729) mod 2001) - 1000) / 1000 * scale)."""
    n = math.prod(shape)
    i = torch.arange(n, dtype=torch.int64)
    k = torch.remainder(i * 7919 + seed * 104729, 2001) - 1000
    return (k.to(torch.float64) / 1000.0 * scale).to(torch.float32).reshape(shape)


def spec(shape, seed, scale):
    return {"shape": list(shape), "seed": seed, "scale": scale}


def flat(t):
    return [float(x) for x in t.detach().reshape(-1).to(torch.float64).tolist()]


# ---------------------------------------------------------------------------
# optimizers.json
# ---------------------------------------------------------------------------

PARAMS = [spec([4, 3], 11, 1.0), spec([3], 12, 2.0), spec([2, 2], 13, 0.5), spec([2], 14, 1.0)]
TARGETS = [spec([4, 3], 21, 1.0), spec([3], 22, 1.0), spec([2, 2], 23, 1.0)]
WEIGHTS = [spec([4, 3], 31, 1.0), spec([3], 32, 1.0), spec([2, 2], 33, 1.0)]  # used as |w|
STEPS = 10
SNAPSHOT = 5  # state_dict after this many steps
ONE_GROUP = [{"params": [0, 1, 2, 3]}]
TWO_GROUPS = [[0, 1, 3], [2]]  # the second group's options come with each case

# (type, constructor kwargs, second group's options or None for one group)
OPTIM_CASES = [
    ("SGD", {"lr": 0.1, "momentum": 0.9, "nesterov": True, "maximize": True}, None),
    ("SGD", {"lr": 0.1, "momentum": 0.9, "dampening": 0.5, "weight_decay": 0.01, "foreach": True}, None),
    ("SGD", {"lr": 0.1, "momentum": 0.9, "nesterov": True, "foreach": True, "maximize": True}, None),
    ("SGD", {"lr": 0.1, "foreach": True}, None),
    ("SGD", {"lr": 0.1}, {"lr": 0.05, "momentum": 0.9}),
    ("Adam", {"lr": 0.01, "maximize": True}, None),
    ("Adam", {"lr": 0.05, "weight_decay": 0.1, "amsgrad": True, "maximize": True, "foreach": True}, None),
    ("Adam", {"lr": 0.01}, {"lr": 0.1, "betas": (0.8, 0.99), "amsgrad": True}),
    ("AdamW", {"lr": 0.01}, None),
    ("AdamW", {"lr": 0.05, "weight_decay": 0.1, "amsgrad": True}, None),
    ("AdamW", {"lr": 0.02, "betas": (0.8, 0.99), "eps": 1e-6, "weight_decay": 0.0, "maximize": True}, None),
    ("AdamW", {"lr": 0.05, "weight_decay": 0.1, "amsgrad": True, "foreach": True}, None),
    ("AdamW", {"lr": 0.02, "maximize": True, "foreach": True}, None),
    ("AdamW", {"lr": 0.01, "weight_decay": 0.05}, {"lr": 0.1, "weight_decay": 0.0, "amsgrad": True}),
    ("RMSprop", {"lr": 0.01}, None),
    ("RMSprop", {"lr": 0.01, "momentum": 0.9}, None),
    ("RMSprop", {"lr": 0.01, "centered": True}, None),
    ("RMSprop", {"lr": 0.01, "momentum": 0.9, "centered": True, "weight_decay": 0.1, "alpha": 0.9, "eps": 1e-6}, None),
    ("RMSprop", {"lr": 0.01, "maximize": True, "momentum": 0.5}, None),
    ("RMSprop", {"lr": 0.01, "momentum": 0.9, "foreach": True}, None),
    ("RMSprop", {"lr": 0.01, "momentum": 0.9, "centered": True, "weight_decay": 0.1, "alpha": 0.9, "eps": 1e-6,
                 "foreach": True}, None),
    ("RMSprop", {"lr": 0.01, "maximize": True, "momentum": 0.5, "foreach": True}, None),
    ("RMSprop", {"lr": 0.01}, {"lr": 0.005, "momentum": 0.9, "centered": True}),
    ("Adagrad", {"lr": 0.1}, None),
    ("Adagrad", {"lr": 0.1, "lr_decay": 0.05, "weight_decay": 0.1}, None),
    ("Adagrad", {"lr": 0.1, "initial_accumulator_value": 0.5, "eps": 1e-6, "maximize": True}, None),
    ("Adagrad", {"lr": 0.1, "lr_decay": 0.05, "weight_decay": 0.1, "foreach": True}, None),
    ("Adagrad", {"lr": 0.1, "initial_accumulator_value": 0.5, "eps": 1e-6, "maximize": True, "foreach": True}, None),
    ("Adagrad", {"lr": 0.1}, {"lr": 0.05, "lr_decay": 0.1, "initial_accumulator_value": 0.1}),
    ("Adadelta", {}, None),
    ("Adadelta", {"lr": 0.5, "rho": 0.8, "eps": 1e-5, "weight_decay": 0.1}, None),
    ("Adadelta", {"maximize": True, "rho": 0.95}, None),
    ("Adadelta", {"lr": 0.5, "rho": 0.8, "eps": 1e-5, "weight_decay": 0.1, "foreach": True}, None),
    ("Adadelta", {"maximize": True, "rho": 0.95, "foreach": True}, None),
    ("Adadelta", {}, {"lr": 0.1, "rho": 0.5}),
]


def jsonable(v):
    return list(v) if isinstance(v, tuple) else v


def flat_state_dict(opt):
    """optimizer.state_dict() as the Go package flattens it: [{name, dtype, shape, values}]."""
    sd = opt.state_dict()
    out = []
    for i, st in sd["state"].items():
        for k, v in st.items():
            if v is None:
                continue
            if torch.is_tensor(v):
                out.append({"name": "state.%d.%s" % (i, k), "dtype": str(v.dtype)[len("torch."):],
                            "shape": list(v.shape), "values": flat(v)})
            else:  # a Python int step
                out.append({"name": "state.%d.%s" % (i, k), "dtype": "int64", "shape": [], "values": [float(v)]})
    for g, grp in enumerate(sd["param_groups"]):
        for k, v in grp.items():
            if v is None:
                continue
            vals = [float(x) for x in v] if isinstance(v, (list, tuple)) else [float(v)]
            out.append({"name": "param_groups.%d.%s" % (g, k), "values": vals})
    return out


def optim_case(typ, kwargs, second):
    ps = [det(s["shape"], s["seed"], s["scale"]).requires_grad_() for s in PARAMS]
    ts = [det(s["shape"], s["seed"], s["scale"]) for s in TARGETS]
    ws = [det(s["shape"], s["seed"], s["scale"]).abs() for s in WEIGHTS]
    if second is None:
        groups = [{"params": [0, 1, 2, 3]}]
    else:
        groups = [{"params": TWO_GROUPS[0]}, {"params": TWO_GROUPS[1], "options": second}]
    py_groups = [dict({"params": [ps[i] for i in g["params"]]}, **g.get("options", {})) for g in groups]
    opt = getattr(torch.optim, typ)(py_groups, **kwargs)
    sign = -1.0 if kwargs.get("maximize") else 1.0
    losses, values, snapshot = [], [], None
    for step in range(STEPS):
        opt.zero_grad()
        loss = sign * sum(((p - t) ** 2 * w).sum() for p, t, w in zip(ps, ts, ws))
        loss.backward()
        opt.step()
        losses.append(loss.item())
        values.append([flat(p) for p in ps])
        if step + 1 == SNAPSHOT:
            snapshot = flat_state_dict(opt)
    assert ps[3].grad is None
    name = typ + "(" + ", ".join("%s=%r" % kv for kv in kwargs.items()) + ")"
    if second is not None:
        name += " + group(" + ", ".join("%s=%r" % kv for kv in second.items()) + ")"
    return {"name": name, "type": typ, "args": {k: jsonable(v) for k, v in kwargs.items()},
            "groups": [{"params": g["params"], "options": {k: jsonable(v) for k, v in g.get("options", {}).items()}}
                       for g in groups],
            "sign": sign, "losses": losses, "params": values, "state_dict": snapshot}


def gen_optimizers():
    return {
        "torch_version": torch.__version__,
        "params": PARAMS, "targets": TARGETS, "weights": WEIGHTS,
        "loss": "sign * sum_k ((p_k - t_k) ** 2 * |w_k|).sum() over params 0..2; param 3 gets no gradient",
        "steps": STEPS, "snapshot_after": SNAPSHOT,
        "cases": [optim_case(*c) for c in OPTIM_CASES],
    }


# ---------------------------------------------------------------------------
# differentiable.json
# ---------------------------------------------------------------------------

META = [spec([4, 3], 41, 1.0), spec([3], 42, 1.0), spec([2, 2], 43, 1.0)]
DIFF_CASES = [
    ("SGD", {"lr": 0.1}, 3),
    ("SGD", {"lr": 0.1, "momentum": 0.9, "weight_decay": 0.01}, 3),
    ("SGD", {"lr": 0.1, "momentum": 0.9, "dampening": 0.5}, 3),
    ("SGD", {"lr": 0.1, "momentum": 0.9, "nesterov": True, "maximize": True}, 3),
    ("Adam", {"lr": 0.01}, 1),
    ("Adam", {"lr": 0.1, "eps": 0.5}, 1),
    ("Adam", {"lr": 0.05, "eps": 0.2, "weight_decay": 0.1, "amsgrad": True}, 1),
    ("Adam", {"lr": 0.1, "eps": 1.0, "betas": (0.8, 0.99), "maximize": True}, 1),
    ("RMSprop", {"lr": 0.01}, 3),
    ("RMSprop", {"lr": 0.01, "momentum": 0.9, "centered": True, "weight_decay": 0.1, "eps": 0.1}, 1),
    ("RMSprop", {"lr": 0.01, "maximize": True, "momentum": 0.5}, 3),
]


def diff_case(typ, kwargs, steps):
    ws = [det(s["shape"], s["seed"], s["scale"]).requires_grad_() for s in PARAMS[:3]]
    ts = [det(s["shape"], s["seed"], s["scale"]) for s in TARGETS]
    weights = [det(s["shape"], s["seed"], s["scale"]).abs() for s in WEIGHTS]
    ms = [det(s["shape"], s["seed"], s["scale"]) for s in META]
    ps = [w.clone() for w in ws]
    opt = getattr(torch.optim, typ)(ps, differentiable=True, **kwargs)
    sign = -1.0 if kwargs.get("maximize") else 1.0
    values = []
    for _ in range(steps):
        loss = sign * sum(((p - t) ** 2 * w).sum() for p, t, w in zip(ps, ts, weights))
        for p, g in zip(ps, torch.autograd.grad(loss, ps, create_graph=True)):
            p.grad = g
        opt.step()
        values.append([flat(p) for p in ps])
    meta = sum((p * m).sum() for p, m in zip(ps, ms))
    meta.backward()
    name = typ + "(" + ", ".join("%s=%r" % kv for kv in kwargs.items()) + ", differentiable=True)"
    return {"name": name, "type": typ, "args": {k: jsonable(v) for k, v in kwargs.items()}, "sign": sign,
            "steps": steps, "params": values, "w_grads": [flat(w.grad) for w in ws]}


def gen_differentiable():
    return {
        "torch_version": torch.__version__,
        "params": PARAMS[:3], "targets": TARGETS, "weights": WEIGHTS, "meta": META,
        "loss": "sign * sum_k ((p_k - t_k) ** 2 * |w_k|).sum(); meta = sum_k (p_k * m_k).sum()",
        "cases": [diff_case(*c) for c in DIFF_CASES],
    }


# ---------------------------------------------------------------------------
# schedulers.json
# ---------------------------------------------------------------------------

# LambdaLR's functions, by name; Go's test defines the same ones. Each is exact float arithmetic
# (a division, a power of two, a min), so that Go and Python agree to the bit.
LAMBDAS = {
    "warmup5": lambda e: min(1.0, (e + 1) / 5),
    "halve_every3": lambda e: 0.5 ** (e // 3),
    "inverse": lambda e: 1.0 / (e + 1),
}

# Each case: name, optimizer ("sgd": SGD momentum 0.9; "adam"), group lrs, scheduler spec,
# steps (an int: that many step() calls; a list: step(epoch) with each), snapshot step, verbose.
# A spec is (type, kwargs); SequentialLR's "schedulers" holds specs; "chain" steps several
# schedulers on one optimizer each epoch, as ChainedScheduler does.
SCHED_CASES = [
    ("StepLR_3", "sgd", [0.1, 0.05], ("StepLR", {"step_size": 3}), 20, 7, True),
    ("StepLR_2_gamma0.5", "sgd", [0.1], ("StepLR", {"step_size": 2, "gamma": 0.5}), 20, 5, False),
    ("MultiStepLR_repeated", "sgd", [0.1, 0.3], ("MultiStepLR", {"milestones": [2, 5, 5, 9], "gamma": 0.3}), 15, 6, True),
    ("ExponentialLR_0.9", "sgd", [0.1, 0.05], ("ExponentialLR", {"gamma": 0.9}), 30, 11, False),
    ("CosineAnnealingLR_10", "sgd", [0.1, 0.05], ("CosineAnnealingLR", {"T_max": 10}), 45, 13, True),
    ("CosineAnnealingLR_7_eta", "sgd", [0.1], ("CosineAnnealingLR", {"T_max": 7, "eta_min": 0.001}), 30, 9, False),
    ("CosineAnnealingWarmRestarts_5", "sgd", [0.1, 0.05], ("CosineAnnealingWarmRestarts", {"T_0": 5}), 22, 7, True),
    ("CosineAnnealingWarmRestarts_3_mult2", "sgd", [0.1],
     ("CosineAnnealingWarmRestarts", {"T_0": 3, "T_mult": 2, "eta_min": 0.01}), 30, 10, False),
    ("OneCycleLR_sgd", "sgd", [0.1, 0.05], ("OneCycleLR", {"max_lr": [1.0, 0.5], "total_steps": 30}), 29, 12, False),
    ("OneCycleLR_adam_three_phase_linear", "adam", [0.001],
     ("OneCycleLR", {"max_lr": 0.1, "epochs": 4, "steps_per_epoch": 5, "anneal_strategy": "linear",
                     "three_phase": True, "pct_start": 0.25, "div_factor": 10.0, "final_div_factor": 100.0,
                     "base_momentum": 0.8, "max_momentum": 0.9}), 19, 8, True),
    ("OneCycleLR_no_momentum", "sgd", [0.1],
     ("OneCycleLR", {"max_lr": 0.2, "total_steps": 17, "cycle_momentum": False, "pct_start": 0.4}), 16, 4, False),
    ("LambdaLR_warmup", "sgd", [0.1, 0.05], ("LambdaLR", {"lr_lambda": "warmup5"}), 12, 3, True),
    ("LambdaLR_per_group", "sgd", [0.1, 0.05], ("LambdaLR", {"lr_lambda": ["halve_every3", "inverse"]}), 12, 5, False),
    ("LinearLR_defaults", "sgd", [0.1, 0.05], ("LinearLR", {}), 10, 3, True),
    ("LinearLR_0.25_0.75_8", "sgd", [0.1], ("LinearLR", {"start_factor": 0.25, "end_factor": 0.75, "total_iters": 8}),
     12, 4, False),
    ("LinearLR_to_zero", "sgd", [0.1], ("LinearLR", {"start_factor": 1.0, "end_factor": 0.0, "total_iters": 10}),
     12, 6, False),
    ("SequentialLR_linear_cosine", "sgd", [0.1, 0.05],
     ("SequentialLR", {"schedulers": [("LinearLR", {"start_factor": 0.1, "total_iters": 4}),
                                      ("CosineAnnealingLR", {"T_max": 10})], "milestones": [5]}), 20, 7, False),
    ("SequentialLR_three", "sgd", [0.1],
     ("SequentialLR", {"schedulers": [("StepLR", {"step_size": 2, "gamma": 0.5}), ("ExponentialLR", {"gamma": 0.9}),
                                      ("CosineAnnealingWarmRestarts", {"T_0": 3})], "milestones": [4, 9]}), 20, 10,
     False),
    ("SequentialLR_exp_lambda", "sgd", [0.1, 0.05],
     ("SequentialLR", {"schedulers": [("ExponentialLR", {"gamma": 0.8}), ("LambdaLR", {"lr_lambda": "inverse"})],
                       "milestones": [4]}), 12, 6, False),
    ("chain_exponential_step", "sgd", [0.1, 0.05],
     ("chain", {"schedulers": [("ExponentialLR", {"gamma": 0.9}), ("StepLR", {"step_size": 3, "gamma": 0.5})]}), 15, 5,
     False),
    ("StepLR_epochs", "sgd", [0.1], ("StepLR", {"step_size": 3}), [1, 2, 3, 7, 4, 10, 0, 12], 4, True),
    ("MultiStepLR_epochs", "sgd", [0.1], ("MultiStepLR", {"milestones": [2, 5, 5], "gamma": 0.5}),
     [1, 3, 6, 2, 5, 4, 9], 3, False),
    ("ExponentialLR_epochs", "sgd", [0.1], ("ExponentialLR", {"gamma": 0.7}), [1, 5, 2, 9], 2, False),
    ("CosineAnnealingLR_epochs", "sgd", [0.1], ("CosineAnnealingLR", {"T_max": 6, "eta_min": 0.01}),
     [1, 3, 6, 8, 2, 13], 3, False),
    ("LinearLR_epochs", "sgd", [0.1], ("LinearLR", {"start_factor": 0.5, "total_iters": 4}), [1, 3, 6, 2], 2, False),
    ("CosineAnnealingWarmRestarts_float_epochs", "sgd", [0.1, 0.05],
     ("CosineAnnealingWarmRestarts", {"T_0": 4, "T_mult": 2}), [0.5, 1.25, 3.99, 4.0, 7.5, 12.0, 13.7, 30.2, 2.0],
     4, True),
    ("CosineAnnealingWarmRestarts_int_epochs", "sgd", [0.1],
     ("CosineAnnealingWarmRestarts", {"T_0": 4, "T_mult": 3}), [1, 4, 5, 16, 17, 52, 3], 3, False),
]
# A scheduler made with last_epoch: the groups already hold initial_lr (as after a resumed optimizer).
RESUME_CASES = [
    ("StepLR_last_epoch4", [0.1, 0.05], [0.2, 0.1], ("StepLR", {"step_size": 3, "last_epoch": 4}), 10),
    ("CosineAnnealingLR_last_epoch3", [0.07], [0.1], ("CosineAnnealingLR", {"T_max": 8, "last_epoch": 3}), 12),
]
PLATEAU_CASES = [
    ("plateau_min", [0.1, 0.05], {"mode": "min", "factor": 0.5, "patience": 1, "cooldown": 1, "min_lr": [0.0, 0.01]},
     [1.0, 0.9, 0.95, 0.95, 0.96, 0.8, 0.85, 0.9, 0.91, 0.92, 0.93, 0.94], 6),
    ("plateau_max_abs", [0.1], {"mode": "max", "threshold_mode": "abs", "threshold": 0.01, "patience": 0},
     [0.1, 0.2, 0.205, 0.3, 0.29, 0.28, 0.4], 3),
    ("plateau_fresh", [0.1], {}, [1.0, 2.0], 0),
]


def make_optimizer(kind, lrs):
    params = [torch.zeros(1, requires_grad=True) for _ in lrs]
    groups = [{"params": [p], "lr": lr} for p, lr in zip(params, lrs)]
    if kind == "adam":
        return torch.optim.Adam(groups, lr=lrs[0])
    return torch.optim.SGD(groups, lr=lrs[0], momentum=0.9)


def build(spec_, opt, verbose):
    typ, kwargs = spec_
    kwargs = dict(kwargs)
    if typ == "SequentialLR":
        kids = [build(s, opt, False) for s in kwargs.pop("schedulers")]
        return lrs.SequentialLR(opt, kids, **kwargs)
    if typ == "chain":
        return [build(s, opt, verbose) for s in kwargs["schedulers"]]
    if typ == "LambdaLR":
        f = kwargs["lr_lambda"]
        kwargs["lr_lambda"] = [LAMBDAS[x] for x in f] if isinstance(f, list) else LAMBDAS[f]
    return getattr(lrs, typ)(opt, verbose=verbose, **kwargs)


def spec_json(spec_):
    typ, kwargs = spec_
    out = {}
    for k, v in kwargs.items():
        out[k] = [spec_json(s) for s in v] if k == "schedulers" else jsonable(v)
    return {"type": typ, "args": out}


def state_json(v):
    """A scheduler's state_dict value as JSON: inf as a string, Counters as objects."""
    if isinstance(v, dict):
        return {str(k): state_json(x) for k, x in v.items() if k != "anneal_func"}
    if isinstance(v, (list, tuple)):
        return [state_json(x) for x in v]
    if isinstance(v, float) and not math.isfinite(v):
        return repr(v)  # 'inf', '-inf', 'nan'
    return v


def momentum_of(opt):
    return [g["betas"][0] if "betas" in g else g["momentum"] for g in opt.param_groups]


class Recorder:
    def __init__(self, opt, sched):
        self.opt, self.sched = opt, sched
        self.run = {"lrs": [], "last_lr": [], "momentum": []}

    def record(self):
        self.run["lrs"].append([float(g["lr"]) for g in self.opt.param_groups])
        last = self.sched[-1] if isinstance(self.sched, list) else self.sched
        self.run["last_lr"].append([float(x) for x in last.get_last_lr()])
        self.run["momentum"].append([float(x) for x in momentum_of(self.opt)])


def step(sched, epoch):
    if isinstance(sched, list):
        for s in sched:
            s.step()
    elif epoch is None:
        sched.step()
    else:
        sched.step(epoch)


def sched_state(sched):
    if isinstance(sched, list):
        return [state_json(s.state_dict()) for s in sched]
    return state_json(sched.state_dict())


def load_sched(sched, sd):
    if isinstance(sched, list):
        for s, d in zip(sched, sd):
            s.load_state_dict(d)
    else:
        sched.load_state_dict(sd)


def sched_case(name, kind, group_lrs, spec_, steps, snapshot, verbose):
    epochs = steps if isinstance(steps, list) else [None] * steps
    buf = io.StringIO()
    with warnings.catch_warnings(), contextlib.redirect_stdout(buf):
        warnings.simplefilter("ignore")  # the epoch argument's and verbose's deprecation warnings
        opt = make_optimizer(kind, group_lrs)
        sched = build(spec_, opt, verbose)
        rec = Recorder(opt, sched)
        rec.record()
        state, resumed = None, None
        for k, e in enumerate(epochs):
            step(sched, e)
            rec.record()
            if k + 1 == snapshot:
                state = sched_state(sched)
                opt_sd = opt.state_dict()
                sched_sd = [s.state_dict() for s in sched] if isinstance(sched, list) else sched.state_dict()
                # Resume as a training script does: new optimizer and scheduler, then load both.
                opt2 = make_optimizer(kind, [1.0] * len(group_lrs))
                sched2 = build(spec_, opt2, False)
                opt2.load_state_dict(opt_sd)
                load_sched(sched2, sched_sd)
                resumed = Recorder(opt2, sched2)
    resumed_buf = io.StringIO()
    with warnings.catch_warnings(), contextlib.redirect_stdout(resumed_buf):
        warnings.simplefilter("ignore")
        for e in epochs[snapshot:]:
            step(resumed.sched, e)
            resumed.record()
        for key in ("lrs", "last_lr", "momentum"):
            assert resumed.run[key] == rec.run[key][snapshot + 1:], (name, key)
    text = buf.getvalue()
    run = {"name": name, "optimizer": kind, "group_lrs": group_lrs, "scheduler": spec_json(spec_),
           "epochs": steps if isinstance(steps, list) else None, "steps": len(epochs), "verbose": verbose,
           "snapshot_after": snapshot, "state_dict": state}
    run.update(rec.run)
    if kind != "adam" and not (spec_[0] == "OneCycleLR" and spec_[1].get("cycle_momentum", True)):
        del run["momentum"]  # constant 0.9
    run["stdout"] = text.splitlines() if verbose else []
    run["resumed_stdout"] = resumed_buf.getvalue().splitlines()  # verbose comes back with the state dict
    return run


def resume_case(name, group_lrs, initial_lrs, spec_, steps):
    opt = make_optimizer("sgd", group_lrs)
    for g, lr in zip(opt.param_groups, initial_lrs):
        g["initial_lr"] = lr
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        sched = build(spec_, opt, False)
        rec = Recorder(opt, sched)
        rec.record()
        for _ in range(steps):
            sched.step()
            rec.record()
    run = {"name": name, "group_lrs": group_lrs, "initial_lrs": initial_lrs, "scheduler": spec_json(spec_),
           "steps": steps, "state_dict": state_json(sched.state_dict())}
    run.update(rec.run)
    del run["momentum"]
    return run


def plateau_case(name, group_lrs, kwargs, metrics, snapshot):
    opt = make_optimizer("sgd", group_lrs)
    sched = lrs.ReduceLROnPlateau(opt, **kwargs)
    out = {"name": name, "group_lrs": group_lrs, "args": kwargs, "metrics": metrics, "snapshot_after": snapshot,
           "lrs": []}
    if snapshot == 0:
        out["state_dict"] = state_json(sched.state_dict())
    for k, m in enumerate(metrics):
        sched.step(m)
        out["lrs"].append([float(g["lr"]) for g in opt.param_groups])
        if k + 1 == snapshot:
            out["state_dict"] = state_json(sched.state_dict())
    return out


def gen_schedulers():
    return {
        "torch_version": torch.__version__,
        "lambdas": {"warmup5": "min(1.0, (e + 1) / 5)", "halve_every3": "0.5 ** (e // 3)", "inverse": "1.0 / (e + 1)"},
        "optimizers": {"sgd": "SGD(groups, momentum=0.9)", "adam": "Adam(groups)"},
        "cases": [sched_case(*c) for c in SCHED_CASES],
        "resume": [resume_case(*c) for c in RESUME_CASES],
        "plateau": [plateau_case(*c) for c in PLATEAU_CASES],
    }


# ---------------------------------------------------------------------------
# writing and checking
# ---------------------------------------------------------------------------

def encode(v, indent=0):
    """JSON with objects indented and lists of scalars on one line."""
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


GENERATORS = {"optimizers.json": gen_optimizers, "differentiable.json": gen_differentiable,
              "schedulers.json": gen_schedulers}
EXACT_FILES = ("schedulers.json",)


def is_number(v):
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def diff(want, got, path, out, tol, skip=(), key=None, scale=None):
    """Appends to out where got (regenerated) differs from want (on disk): numbers beyond tol times
    their scale (the largest magnitude of their list, or their own), anything else when unequal."""
    if len(out) > 20:
        return
    if is_number(want) and is_number(got):
        s = scale if scale is not None else max(abs(want), abs(got))
        if not abs(want - got) <= tol * s:
            out.append("%s: %r != %r (difference %.3g, scale %.3g)" % (path, got, want, abs(want - got), s))
    elif isinstance(want, dict) and isinstance(got, dict):
        if list(want) != list(got):
            out.append("%s: keys %s != %s" % (path, list(got), list(want)))
            return
        for k in want:
            if k not in skip:
                diff(want[k], got[k], path + "." + k, out, tol, skip, k)
    elif isinstance(want, list) and isinstance(got, list):
        if len(want) != len(got):
            out.append("%s: length %d != %d" % (path, len(got), len(want)))
            return
        if want and all(is_number(x) for x in want + got) and scale is None and key not in PER_ELEMENT:
            scale = max(abs(x) for x in want + got)
        for i, (a, b) in enumerate(zip(want, got)):
            diff(a, b, "%s[%d]" % (path, i), out, tol, skip, key, scale)
    elif type(want) is not type(got) or want != got:
        out.append("%s: %r != %r" % (path, got, want))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--check", action="store_true", help="regenerate in memory and compare with the files")
    a = ap.parse_args()
    failed = False
    for name, gen in GENERATORS.items():
        text = encode(gen()) + "\n"
        path = os.path.join(HERE, name)
        if not a.check:
            with open(path, "w") as f:
                f.write(text)
            print("wrote %s (%d bytes)" % (os.path.relpath(path), len(text)))
            continue
        try:
            with open(path) as f:
                want = json.load(f)
        except (OSError, ValueError) as e:
            print("%s: %s" % (name, e))
            failed = True
            continue
        out, skip, note = [], (), ""
        tol = 0.0 if name in EXACT_FILES else F32_TOL
        made_by = want.get("torch_version")
        if made_by != torch.__version__:
            tol, skip = CROSS_VERSION_TOL, VERSION_DEPENDENT
            note = " (written by torch %s, checked with %s: within %g, %s not compared)" % (
                made_by, torch.__version__, tol, ", ".join(skip))
        diff(want, json.loads(text), name, out, tol, skip)
        if out:
            failed = True
            print("%s differs from a fresh run (regenerate with gen.py):" % name)
            for line in out[:20]:
                print("  " + line)
        else:
            print("%s: ok%s" % (name, note))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
