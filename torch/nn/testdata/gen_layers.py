#!/usr/bin/env python3
"""Writes layers.json, what torch/nn's feed-forward layers and losses are tested against.

    python3 torch/nn/testdata/gen_layers.py           # rewrite layers.json beside this script
    python3 torch/nn/testdata/gen_layers.py --check   # regenerate in memory; exit 1 if the file differs

torch/testdata/parity/gen.py covers Conv2d, ConvTranspose2d, Linear, MaxPool2d, ReLU, Sigmoid,
Dropout, MSELoss and CrossEntropyLoss; gen_rnn.py the recurrent and attention layers (with
LayerNorm inside TransformerEncoder). This file covers every other layer and loss of torch/nn:
BatchNorm1d, BatchNorm2d, GroupNorm, LayerNorm, Embedding, Conv1d, AvgPool2d, AdaptiveAvgPool2d,
MaxPool1d (MaxPool2d too with return_indices), Flatten, Unflatten, Identity, Upsample (and
F.interpolate's antialias), LeakyReLU, Tanh, GELU, SiLU, ELU, Softmax,
LogSoftmax, and NLLLoss, BCELoss, BCEWithLogitsLoss, L1Loss, SmoothL1Loss, HuberLoss, KLDivLoss.

A det below is {"shape", "seed", "scale", "offset"?}: parity.det(shape, seed, scale) (Go's
parity.Det), plus offset added in float32 when given (to keep probabilities and weights positive).
Labels are {"shape", "seed", "classes"}: parity.det_labels(prod(shape), seed, classes) reshaped.

"cases": one layer each, one forward and backward pass:
    {"name", "type": the nn class, "args": {keyword arguments of the constructor; tuples as lists},
     "manual_seed": int            torch.manual_seed right before construction
     "repr": repr(module), "state_dict": [keys in order],
     "init": [{"name", "shape", "values"}]   state_dict right after construction: Go's default
                                             init must draw these exactly (same generator, same order)
     "pretrained"?: det + {"freeze": bool}   Embedding.from_pretrained(det, freeze, **args) instead
     "params": [{"name"} + det]              every parameter, in order, then set to its det
     "warmup": [det]                         inputs forwarded in training mode (under no_grad) first,
                                             to move BatchNorm's running statistics
     "training": bool                        the mode of the recorded forward
     "clone_input"?: true                    forward(input.clone()): an in-place layer on a non-leaf
     "input": det + {"grad": [number]}  |  "indices": labels (Embedding; no gradient)
     "output": {"shape", "values", "weight": det,
                "indices"?: [int]}           the maxima's indices (return_indices=True)
     "param_grads": [[number] | null]        d loss / d param in "params" order; null: no grad
                                             (a frozen from_pretrained weight)
     "state_after"?: [{"name", "shape", "values"}]}   state_dict after the forward (BatchNorm's
                                             buffers, Embedding's max_norm renormalised weight)
  with loss = (output * det(weight)).sum().

"losses": one loss each:
    {"name", "type", "args": {"reduction"?, "beta"?, "delta"?, "log_target"?, "ignore_index"?,
                              "weight"?: det, "pos_weight"?: det}   (tensors as dets)
     "repr", "state_dict": [keys],
     "input": det + {"grad"}, "target": det + {"grad"} | labels,
     "output": {"shape", "values"}, "grad_output"?: det}
  input and target grads are d output / d input for a reduced loss, d (output * det(grad_output)).sum()
  for reduction 'none'.

--check never writes: it compares with torch/testdata/parity/gen.py's tolerances (each number within
1e-5 of the largest magnitude in its list, integers and strings exactly).
"""

import argparse
import importlib.util
import math
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

FILE = "layers.json"
flat = parity.flat

# Constructor arguments PyTorch takes as tuples; JSON holds them as lists.
TUPLE_ARGS = ("kernel_size", "stride", "padding", "dilation", "output_size", "unflattened_size", "size",
              "scale_factor", "normalized_shape")


def dspec(shape, seed, scale, offset=None):
    s = parity.spec(shape, seed, scale)
    if offset is not None:
        s["offset"] = float(offset)
    return s


def make(s):
    t = parity.det(s["shape"], s["seed"], s["scale"])
    if "offset" in s:
        t = t + s["offset"]
    return t


def labels(shape, seed, classes):
    return {"shape": list(shape), "seed": seed, "classes": classes}


def make_labels(s):
    return parity.det_labels(math.prod(s["shape"]), s["seed"], s["classes"]).reshape(s["shape"])


def kwargs(args):
    out = {}
    for k, v in args.items():
        out[k] = tuple(v) if k in TUPLE_ARGS and isinstance(v, list) else v
    return out


def state(m):
    return [{"name": k, "shape": list(v.shape),
             "values": [int(x) for x in v.reshape(-1).tolist()] if v.dtype == torch.int64 else flat(v)}
            for k, v in m.state_dict().items()]


# ---------------------------------------------------------------------------
# Layers
# ---------------------------------------------------------------------------

def layer(name, kind, args, in_shape, seed, in_scale=1.0, training=False, warmup=(), clone_input=False,
          indices=None, pretrained=None):
    """One case. seed numbers everything: the manual seed, the input (seed), the parameters
    (seed + 1 + i), the warmup inputs (seed + 20 + j) and the output's weight (seed + 50)."""
    torch.manual_seed(seed)
    if pretrained is not None:
        emb = make(pretrained)
        m = nn.Embedding.from_pretrained(emb, freeze=pretrained["freeze"], **kwargs(args))
    elif kind.startswith("F."):
        m = Functional(getattr(nn.functional, kind[2:]), kwargs(args))
    else:
        m = getattr(nn, kind)(**kwargs(args))
    case = {"name": name, "type": kind, "args": args, "manual_seed": seed, "repr": "" if kind.startswith("F.") else repr(m),
            "state_dict": list(m.state_dict().keys()), "init": state(m)}
    if pretrained is not None:
        case["pretrained"] = pretrained
    params = []
    with torch.no_grad():
        for i, (pname, p) in enumerate(m.named_parameters()):
            if pretrained is not None:
                continue  # the weight is the pretrained det already
            s = dspec(p.shape, seed + 1 + i, 0.5)
            p.copy_(make(s))
            params.append(dict(name=pname, **s))
    case["params"] = params
    ws = [dspec(w, seed + 20 + j, 1.0) for j, w in enumerate(warmup)]
    if ws:
        m.train(True)
        with torch.no_grad():
            for w in ws:
                m(make(w))
    case["warmup"] = ws
    m.train(training)
    case["training"] = training
    if clone_input:
        case["clone_input"] = True
    if indices is not None:
        x = make_labels(indices)
        case["indices"] = indices
        out = m(x)
    else:
        s = dspec(in_shape, seed, in_scale)
        x = make(s).requires_grad_()
        with warnings.catch_warnings():  # padding='same' with an even kernel: "may require a zero-padded copy"
            warnings.filterwarnings("ignore", message="Using padding='same'")
            out = m(x.clone() if clone_input else x)
        case["input"] = s
    out_indices = None
    if isinstance(out, tuple):  # return_indices=True
        out, out_indices = out
    w = dspec(out.shape, seed + 50, 1.0)
    if out.requires_grad:  # not for a frozen from_pretrained Embedding
        (out * make(w)).sum().backward()
    if indices is None:
        case["input"]["grad"] = flat(x.grad)
    case["output"] = {"shape": list(out.shape), "values": flat(out), "weight": w}
    if out_indices is not None:
        case["output"]["indices"] = [int(i) for i in out_indices.reshape(-1).tolist()]
    case["param_grads"] = [None if p.grad is None else flat(p.grad) for _, p in m.named_parameters()]
    if list(m.buffers()) or args.get("max_norm") is not None:
        case["state_after"] = state(m)
    return case


class Functional(nn.Module):
    """An nn.functional function with fixed keyword arguments, as a layer (no parameters; its
    case records no repr)."""

    def __init__(self, fn, args):
        super().__init__()
        self.fn, self.args = fn, args

    def forward(self, x):
        return self.fn(x, **self.args)


def batchnorm_cases():
    c = []
    for kind, shapes in (("BatchNorm1d", ([4, 3], [4, 3, 5])), ("BatchNorm2d", ([4, 3, 2, 3],))):
        tag = kind[-2:]
        base = 1000 if tag == "1d" else 1100
        for k, shape in enumerate(shapes):
            c.append(layer("%s_train_%dd" % (kind, len(shape)), kind, {"num_features": 3}, shape, base + k, training=True))
        sh = shapes[-1]
        c.append(layer("%s_eval_after_warmup" % kind, kind, {"num_features": 3}, sh, base + 10,
                       warmup=[sh, sh]))
        c.append(layer("%s_train_after_warmup" % kind, kind, {"num_features": 3}, sh, base + 11, training=True,
                       warmup=[sh, sh]))
        c.append(layer("%s_momentum_none_train" % kind, kind, {"num_features": 3, "momentum": None}, sh, base + 12,
                       training=True, warmup=[sh, sh]))
        c.append(layer("%s_momentum_none_eval" % kind, kind, {"num_features": 3, "momentum": None}, sh, base + 13,
                       warmup=[sh, sh, sh]))
        c.append(layer("%s_eps_momentum" % kind, kind, {"num_features": 3, "eps": 1e-3, "momentum": 0.3}, sh,
                       base + 14, training=True, warmup=[sh]))
        c.append(layer("%s_no_affine_train" % kind, kind, {"num_features": 3, "affine": False}, sh, base + 15,
                       training=True))
        c.append(layer("%s_no_affine_eval" % kind, kind, {"num_features": 3, "affine": False}, sh, base + 16,
                       warmup=[sh]))
        c.append(layer("%s_no_running_stats_train" % kind, kind, {"num_features": 3, "track_running_stats": False},
                       sh, base + 17, training=True))
        c.append(layer("%s_no_running_stats_eval" % kind, kind, {"num_features": 3, "track_running_stats": False},
                       sh, base + 18, warmup=[sh]))
    return c


def norm_cases():
    return [
        layer("GroupNorm_2_4", "GroupNorm", {"num_groups": 2, "num_channels": 4}, [2, 4, 3, 3], 1200),
        layer("GroupNorm_1_4", "GroupNorm", {"num_groups": 1, "num_channels": 4}, [2, 4, 3, 3], 1201),
        layer("GroupNorm_4_4", "GroupNorm", {"num_groups": 4, "num_channels": 4}, [2, 4, 3, 3], 1202),
        layer("GroupNorm_3_6_3d_input", "GroupNorm", {"num_groups": 3, "num_channels": 6}, [2, 6, 5], 1203),
        layer("GroupNorm_eps", "GroupNorm", {"num_groups": 2, "num_channels": 4, "eps": 1e-3}, [2, 4, 3], 1204),
        layer("GroupNorm_no_affine", "GroupNorm", {"num_groups": 2, "num_channels": 4, "affine": False},
              [2, 4, 3, 3], 1205),
        layer("LayerNorm_5", "LayerNorm", {"normalized_shape": [5]}, [2, 3, 5], 1300),
        layer("LayerNorm_3x5", "LayerNorm", {"normalized_shape": [3, 5]}, [2, 3, 5], 1301),
        layer("LayerNorm_2x3x5", "LayerNorm", {"normalized_shape": [2, 3, 5]}, [2, 3, 5], 1302),
        layer("LayerNorm_3x5_no_affine", "LayerNorm", {"normalized_shape": [3, 5], "elementwise_affine": False},
              [2, 3, 5], 1303),
        layer("LayerNorm_eps", "LayerNorm", {"normalized_shape": [4], "eps": 1e-3}, [3, 4], 1304, in_scale=0.01,
              ),
    ]


def embedding_cases():
    idx = labels([3, 4], 7, 10)  # 12 indices in [0, 10): every class, some twice
    return [
        layer("Embedding_10_3", "Embedding", {"num_embeddings": 10, "embedding_dim": 3}, None, 1400, indices=idx),
        layer("Embedding_padding_idx", "Embedding", {"num_embeddings": 10, "embedding_dim": 3, "padding_idx": 2},
              None, 1401, indices=idx),
        layer("Embedding_padding_idx_negative", "Embedding",
              {"num_embeddings": 10, "embedding_dim": 3, "padding_idx": -1}, None, 1402, indices=idx),
        layer("Embedding_max_norm", "Embedding", {"num_embeddings": 10, "embedding_dim": 3, "max_norm": 1.0},
              None, 1403, indices=idx),
        layer("Embedding_max_norm_l1", "Embedding",
              {"num_embeddings": 10, "embedding_dim": 3, "max_norm": 0.8, "norm_type": 1.0}, None, 1404,
              indices=idx),
        layer("Embedding_scale_grad_by_freq", "Embedding",
              {"num_embeddings": 10, "embedding_dim": 3, "scale_grad_by_freq": True}, None, 1405, indices=idx),
        layer("Embedding_1d_indices", "Embedding", {"num_embeddings": 6, "embedding_dim": 4}, None, 1406,
              indices=labels([5], 3, 6)),
        layer("Embedding_from_pretrained_frozen", "Embedding", {}, None, 1407, indices=idx,
              pretrained=dict(dspec([10, 3], 1417, 1.0), freeze=True)),
        layer("Embedding_from_pretrained_trainable", "Embedding", {"padding_idx": 4}, None, 1408, indices=idx,
              pretrained=dict(dspec([10, 3], 1418, 1.0), freeze=False)),
        layer("Embedding_from_pretrained_max_norm", "Embedding", {"max_norm": 1.0}, None, 1409, indices=idx,
              pretrained=dict(dspec([10, 3], 1419, 1.0), freeze=False)),
    ]


def conv_cases():
    c = [
        layer("Conv1d_3_4_k3", "Conv1d", {"in_channels": 3, "out_channels": 4, "kernel_size": 3}, [2, 3, 8], 1500),
        layer("Conv1d_s2_p1_d2", "Conv1d", {"in_channels": 3, "out_channels": 4, "kernel_size": 3, "stride": 2,
                                            "padding": 1, "dilation": 2}, [2, 3, 9], 1501),
        layer("Conv1d_groups2_nobias", "Conv1d", {"in_channels": 4, "out_channels": 6, "kernel_size": 3,
                                                  "groups": 2, "bias": False}, [2, 4, 7], 1502),
        layer("Conv1d_same_k4", "Conv1d", {"in_channels": 3, "out_channels": 2, "kernel_size": 4, "padding": "same"},
              [2, 3, 7], 1503),
        layer("Conv1d_same_k3_d2", "Conv1d", {"in_channels": 3, "out_channels": 2, "kernel_size": 3,
                                              "padding": "same", "dilation": 2}, [2, 3, 7], 1504),
        layer("Conv1d_valid", "Conv1d", {"in_channels": 3, "out_channels": 2, "kernel_size": 3, "padding": "valid"},
              [2, 3, 7], 1505),
        layer("Conv1d_k1", "Conv1d", {"in_channels": 3, "out_channels": 5, "kernel_size": 1}, [2, 3, 4], 1506),
        layer("Conv1d_unbatched", "Conv1d", {"in_channels": 3, "out_channels": 4, "kernel_size": 3}, [3, 8], 1507),
    ]
    for k, mode in enumerate(("reflect", "replicate", "circular")):
        c.append(layer("Conv1d_p2_%s" % mode, "Conv1d", {"in_channels": 2, "out_channels": 3, "kernel_size": 3,
                                                         "padding": 2, "padding_mode": mode}, [2, 2, 6], 1510 + k))
    c.append(layer("Conv1d_same_k4_reflect", "Conv1d", {"in_channels": 2, "out_channels": 3, "kernel_size": 4,
                                                        "padding": "same", "padding_mode": "reflect"}, [2, 2, 6], 1515))
    return c


def pool_cases():
    x4 = [2, 2, 6, 6]
    return [
        layer("AvgPool2d_2", "AvgPool2d", {"kernel_size": 2}, x4, 1600),
        layer("AvgPool2d_3_s2_p1", "AvgPool2d", {"kernel_size": 3, "stride": 2, "padding": 1}, x4, 1601),
        layer("AvgPool2d_3_s2_p1_no_count_pad", "AvgPool2d",
              {"kernel_size": 3, "stride": 2, "padding": 1, "count_include_pad": False}, x4, 1602),
        layer("AvgPool2d_3_s2_ceil", "AvgPool2d", {"kernel_size": 3, "stride": 2, "ceil_mode": True}, [2, 2, 7, 7],
              1603),
        layer("AvgPool2d_2_divisor3", "AvgPool2d", {"kernel_size": 2, "divisor_override": 3}, x4, 1604),
        layer("AvgPool2d_2x3_s1x2_p1", "AvgPool2d", {"kernel_size": [2, 3], "stride": [1, 2], "padding": [1, 1]},
              x4, 1605),
        layer("AvgPool2d_unbatched", "AvgPool2d", {"kernel_size": 2}, [3, 4, 4], 1606),
        layer("AdaptiveAvgPool2d_1", "AdaptiveAvgPool2d", {"output_size": 1}, x4, 1700),
        layer("AdaptiveAvgPool2d_2x3", "AdaptiveAvgPool2d", {"output_size": [2, 3]}, x4, 1701),
        layer("AdaptiveAvgPool2d_4_of_7", "AdaptiveAvgPool2d", {"output_size": 4}, [2, 2, 7, 7], 1702),
        layer("AdaptiveAvgPool2d_None_2", "AdaptiveAvgPool2d", {"output_size": [None, 2]}, [2, 3, 5, 5], 1703),
        layer("MaxPool1d_2", "MaxPool1d", {"kernel_size": 2}, [2, 3, 8], 1800),
        layer("MaxPool1d_3_s2_p1", "MaxPool1d", {"kernel_size": 3, "stride": 2, "padding": 1}, [2, 3, 9], 1801),
        layer("MaxPool1d_3_d2", "MaxPool1d", {"kernel_size": 3, "dilation": 2, "stride": 1}, [2, 3, 9], 1802),
        layer("MaxPool1d_2_ceil", "MaxPool1d", {"kernel_size": 2, "ceil_mode": True}, [2, 3, 9], 1803),
        layer("MaxPool1d_unbatched", "MaxPool1d", {"kernel_size": 2}, [3, 8], 1804),
        layer("MaxPool1d_3_s2_indices", "MaxPool1d", {"kernel_size": 3, "stride": 2, "return_indices": True},
              [2, 3, 9], 1805),
        layer("MaxPool1d_unbatched_indices", "MaxPool1d", {"kernel_size": 2, "return_indices": True}, [3, 8], 1806),
        layer("MaxPool2d_2_indices", "MaxPool2d", {"kernel_size": 2, "return_indices": True}, x4, 1810),
        layer("MaxPool2d_3_s2_p1_ceil_indices", "MaxPool2d",
              {"kernel_size": 3, "stride": 2, "padding": 1, "ceil_mode": True, "return_indices": True}, [2, 2, 7, 7], 1811),
    ]


def shape_cases():
    return [
        layer("Flatten_default", "Flatten", {}, [2, 3, 4], 1900),
        layer("Flatten_0", "Flatten", {"start_dim": 0}, [2, 3, 4], 1901),
        layer("Flatten_1_2", "Flatten", {"start_dim": 1, "end_dim": 2}, [2, 3, 4, 5], 1902),
        layer("Flatten_end_-2", "Flatten", {"end_dim": -2}, [2, 3, 4, 5], 1903),
        layer("Unflatten_1_2x3", "Unflatten", {"dim": 1, "unflattened_size": [2, 3]}, [2, 6, 4], 1910),
        layer("Unflatten_-1_2x-1", "Unflatten", {"dim": -1, "unflattened_size": [2, -1]}, [2, 3, 8], 1911),
        layer("Identity", "Identity", {}, [2, 3, 4], 1920),
    ]


def upsample_cases():
    x = [1, 2, 3, 3]
    return [
        layer("Upsample_nearest_x2", "Upsample", {"scale_factor": 2.0}, x, 2000),
        layer("Upsample_nearest_size_5x4", "Upsample", {"size": [5, 4]}, x, 2001),
        layer("Upsample_nearest_x2x3", "Upsample", {"scale_factor": [2.0, 3.0]}, x, 2002),
        layer("Upsample_nearest_1d_x1.5", "Upsample", {"scale_factor": 1.5}, [1, 2, 5], 2003),
        layer("Upsample_linear_1d_x2", "Upsample", {"scale_factor": 2.0, "mode": "linear"}, [1, 2, 5], 2004),
        layer("Upsample_linear_1d_size7_align", "Upsample", {"size": 7, "mode": "linear", "align_corners": True},
              [1, 2, 5], 2005),
        layer("Upsample_bilinear_x2", "Upsample", {"scale_factor": 2.0, "mode": "bilinear"}, x, 2006),
        layer("Upsample_bilinear_align", "Upsample", {"size": [5, 7], "mode": "bilinear", "align_corners": True},
              x, 2007),
        layer("Upsample_bilinear_x1.7_recompute", "Upsample",
              {"scale_factor": 1.7, "mode": "bilinear", "recompute_scale_factor": True}, x, 2008),
        layer("Upsample_bilinear_x1.7", "Upsample", {"scale_factor": 1.7, "mode": "bilinear"}, x, 2009),
        layer("Upsample_bicubic_x2", "Upsample", {"scale_factor": 2.0, "mode": "bicubic"}, x, 2010),
        layer("Upsample_bicubic_align", "Upsample", {"size": 5, "mode": "bicubic", "align_corners": True}, x, 2011),
        layer("Upsample_trilinear_x2", "Upsample", {"scale_factor": 2.0, "mode": "trilinear"}, [1, 1, 2, 2, 3], 2012),
        layer("Upsample_nearest-exact_1d_x1.5", "Upsample", {"scale_factor": 1.5, "mode": "nearest-exact"},
              [1, 2, 5], 2013),
        layer("Upsample_nearest-exact_x1.7", "Upsample", {"scale_factor": 1.7, "mode": "nearest-exact"}, x, 2014),
        layer("Upsample_nearest-exact_size_2x5", "Upsample", {"size": [2, 5], "mode": "nearest-exact"}, x, 2015),
        layer("Upsample_nearest-exact_3d_x2", "Upsample", {"scale_factor": 2.0, "mode": "nearest-exact"},
              [1, 1, 2, 2, 3], 2016),
        layer("Upsample_area_size_2x2", "Upsample", {"size": [2, 2], "mode": "area"}, [1, 2, 5, 4], 2017),
        layer("Upsample_area_x0.5", "Upsample", {"scale_factor": 0.5, "mode": "area"}, [1, 2, 5, 4], 2018),
        layer("Upsample_area_1d_x0.6", "Upsample", {"scale_factor": 0.6, "mode": "area"}, [1, 2, 5], 2019),
        # F.interpolate's antialias (not an nn.Upsample argument).
        layer("interpolate_bilinear_aa_x0.4", "F.interpolate",
              {"scale_factor": 0.4, "mode": "bilinear", "antialias": True}, [1, 2, 7, 6], 2020),
        layer("interpolate_bicubic_aa_size_3x2", "F.interpolate",
              {"size": [3, 2], "mode": "bicubic", "antialias": True}, [1, 2, 7, 6], 2021),
        layer("interpolate_bilinear_aa_up_align", "F.interpolate",
              {"size": [5, 4], "mode": "bilinear", "antialias": True, "align_corners": True}, x, 2022),
    ]


def activation_cases():
    x, s = [2, 3, 4], 3.0
    return [
        layer("LeakyReLU", "LeakyReLU", {}, x, 2100, in_scale=s),
        layer("LeakyReLU_0.2", "LeakyReLU", {"negative_slope": 0.2}, x, 2101, in_scale=s),
        layer("LeakyReLU_inplace", "LeakyReLU", {"negative_slope": 0.2, "inplace": True}, x, 2102, in_scale=s,
              clone_input=True),
        layer("Tanh", "Tanh", {}, x, 2110, in_scale=s),
        layer("GELU", "GELU", {}, x, 2120, in_scale=s),
        layer("GELU_tanh", "GELU", {"approximate": "tanh"}, x, 2121, in_scale=s),
        layer("SiLU", "SiLU", {}, x, 2130, in_scale=s),
        layer("SiLU_inplace", "SiLU", {"inplace": True}, x, 2131, in_scale=s, clone_input=True),
        layer("ELU", "ELU", {}, x, 2140, in_scale=s),
        layer("ELU_0.5", "ELU", {"alpha": 0.5}, x, 2141, in_scale=s),
        layer("ELU_inplace", "ELU", {"alpha": 1.5, "inplace": True}, x, 2142, in_scale=s, clone_input=True),
        layer("Softmax_1", "Softmax", {"dim": 1}, x, 2150, in_scale=s),
        layer("Softmax_-1", "Softmax", {"dim": -1}, x, 2151, in_scale=s),
        layer("Softmax_0", "Softmax", {"dim": 0}, x, 2152, in_scale=s),
        layer("LogSoftmax_1", "LogSoftmax", {"dim": 1}, x, 2160, in_scale=s),
        layer("LogSoftmax_-1", "LogSoftmax", {"dim": -1}, x, 2161, in_scale=s),
        layer("LogSoftmax_0", "LogSoftmax", {"dim": 0}, x, 2162, in_scale=s),
    ]


# ---------------------------------------------------------------------------
# Losses
# ---------------------------------------------------------------------------

TENSOR_ARGS = ("weight", "pos_weight")


def loss(name, kind, args, inp, target):
    """inp and target are dets (target: labels for NLLLoss); tensor arguments in args are dets."""
    kw = {k: make(v) if k in TENSOR_ARGS else v for k, v in args.items()}
    m = getattr(nn, kind)(**kw)
    x = make(inp).requires_grad_()
    if "classes" in target:
        t = make_labels(target)
    else:
        t = make(target).requires_grad_()
    with warnings.catch_warnings():  # KLDivLoss's reduction='mean' warns that it is not batchmean
        warnings.simplefilter("ignore", UserWarning)
        out = m(x, t)
    case = {"name": name, "type": kind, "args": args, "repr": repr(m), "state_dict": list(m.state_dict().keys()),
            "input": dict(inp), "target": dict(target), "output": {"shape": list(out.shape), "values": flat(out)}}
    if args.get("reduction") == "none":
        g = dspec(out.shape, inp["seed"] + 50, 1.0)
        (out * make(g)).sum().backward()
        case["grad_output"] = g
    else:
        out.backward()
    case["input"]["grad"] = flat(x.grad)
    if t.requires_grad:
        case["target"]["grad"] = flat(t.grad)
    return case


def reductions(name, kind, args, inp, target, which=(None, "mean", "sum", "none")):
    out = []
    for r in which:
        a = dict(args)
        if r is not None:
            a["reduction"] = r
        out.append(loss("%s_%s" % (name, r or "default"), kind, a, inp, target))
    return out


def loss_cases():
    c = []
    x, y = dspec([3, 4], 3000, 2.0), dspec([3, 4], 3001, 2.0)
    c += reductions("L1Loss", "L1Loss", {}, x, y)
    c += reductions("SmoothL1Loss", "SmoothL1Loss", {}, x, y)
    c += reductions("SmoothL1Loss_beta0.5", "SmoothL1Loss", {"beta": 0.5}, x, y, ("sum", "none"))
    c += reductions("SmoothL1Loss_beta0", "SmoothL1Loss", {"beta": 0.0}, x, y, ("mean", "none"))
    c += reductions("SmoothL1Loss_beta3", "SmoothL1Loss", {"beta": 3.0}, x, y, ("mean",))
    c += reductions("HuberLoss", "HuberLoss", {}, x, y)
    c += reductions("HuberLoss_delta0.5", "HuberLoss", {"delta": 0.5}, x, y, ("sum", "none"))
    c += reductions("HuberLoss_delta2", "HuberLoss", {"delta": 2.0}, x, y, ("mean", "none"))

    logp, lab = dspec([5, 4], 3100, 2.0), labels([5], 1, 4)
    w4 = dspec([4], 3102, 0.45, 0.5)
    c += reductions("NLLLoss", "NLLLoss", {}, logp, lab)
    c += reductions("NLLLoss_weight", "NLLLoss", {"weight": w4}, logp, lab)
    ignore = int(make_labels(lab)[1])
    c += reductions("NLLLoss_ignore_index", "NLLLoss", {"ignore_index": ignore}, logp, lab, ("mean", "sum", "none"))
    c += reductions("NLLLoss_weight_ignore_index", "NLLLoss", {"weight": w4, "ignore_index": ignore}, logp, lab,
                    ("mean", "none"))
    c += reductions("NLLLoss_3d", "NLLLoss", {}, dspec([3, 4, 2], 3103, 2.0), labels([3, 2], 2, 4),
                    ("mean", "none"))
    c += reductions("NLLLoss_3d_weight_ignore_index", "NLLLoss", {"weight": w4, "ignore_index": 1},
                    dspec([3, 4, 2], 3104, 2.0), labels([3, 2], 2, 4), ("mean",))

    p, q = dspec([3, 4], 3200, 0.45, 0.5), dspec([3, 4], 3201, 0.5, 0.5)
    c += reductions("BCELoss", "BCELoss", {}, p, q)
    c += reductions("BCELoss_weight", "BCELoss", {"weight": w4}, p, q, ("mean", "sum", "none"))
    c += reductions("BCELoss_weight_full", "BCELoss", {"weight": dspec([3, 4], 3202, 0.45, 0.5)}, p, q, ("mean",))
    z = dspec([3, 4], 3300, 3.0)
    c += reductions("BCEWithLogitsLoss", "BCEWithLogitsLoss", {}, z, q)
    c += reductions("BCEWithLogitsLoss_weight", "BCEWithLogitsLoss", {"weight": w4}, z, q, ("mean", "none"))
    pw = dspec([4], 3301, 1.0, 1.5)
    c += reductions("BCEWithLogitsLoss_pos_weight", "BCEWithLogitsLoss", {"pos_weight": pw}, z, q)
    c += reductions("BCEWithLogitsLoss_weight_pos_weight", "BCEWithLogitsLoss", {"weight": w4, "pos_weight": pw},
                    z, q, ("mean", "sum", "none"))

    lp, tp, tl = dspec([3, 4], 3400, 1.0), dspec([3, 4], 3401, 0.45, 0.5), dspec([3, 4], 3402, 1.0)
    kl = (None, "mean", "sum", "none", "batchmean")
    c += reductions("KLDivLoss", "KLDivLoss", {}, lp, tp, kl)
    c += reductions("KLDivLoss_log_target", "KLDivLoss", {"log_target": True}, lp, tl, kl)
    return c


def generate():
    cases = (batchnorm_cases() + norm_cases() + embedding_cases() + conv_cases() + pool_cases() + shape_cases()
             + upsample_cases() + activation_cases())
    names = [c["name"] for c in cases]
    assert len(set(names)) == len(names), "duplicate case names"
    losses = loss_cases()
    names = [c["name"] for c in losses]
    assert len(set(names)) == len(names), "duplicate loss names"
    return {"torch_version": torch.__version__, "cases": cases, "losses": losses}


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--check", action="store_true", help="regenerate in memory and compare with the file")
    a = ap.parse_args()
    # Under a torch other than the fixture's, the reprs are not compared either: they are the Go
    # side's target as 1.13 prints them, and 2.x prints some differently (Upsample quotes its mode).
    ok = parity.write_or_check(os.path.join(HERE, FILE), parity.encode(generate()) + "\n", a.check, "gen_layers.py",
                               version_dependent=parity.VERSION_DEPENDENT + ("repr",))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
