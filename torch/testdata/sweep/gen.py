#!/usr/bin/env python3
"""Writes cases.json: ATen ops called through PyTorch, for the sweep over torch's generated ops.

    /usr/bin/python3 torch/testdata/sweep/gen.py           # rewrite cases.json beside this script
    /usr/bin/python3 torch/testdata/sweep/gen.py --check   # regenerate in memory and compare; writes nothing

Every case is one call of an ATen overload by its schema name (torch.ops.aten.add.Tensor) with
keyword arguments by their schema names, and what it returned. torch/sweep_test.go makes the same
call through the Go API (torch/gen_sweep_test.go maps schema names to it) and compares.

Where the cases come from:
  - every public, deterministic ATen overload whose arguments this script can fill (a tensor, a
    number, a dim, a bool, a dtype, a list of tensors): tried on a float32 [2, 3] tensor with
    values in [0.1, 0.9], then an int64 one, then a bool one; kept when PyTorch accepts it and two
    calls agree;
  - for each binary op, broadcasting ([2, 3] with [3] and with [2, 1]) and type promotion (float32
    with int64, int64 with bool, float32 with a float64 scalar tensor);
  - for each op with keepdim or dtype keywords, keepdim=True and dtype=float64;
  - the hand-written CASES below: shape, indexing, reduction, loss, convolution and linear
    algebra ops whose arguments need values an automatic filler cannot guess.

Tolerances of --check (and of the Go test): integers, bools, shapes and dtypes exactly; float
results within F32_TOL times the largest magnitude of the same result tensor (float32 kernels
differ by CPU, see torch/testdata/parity/gen.py), NaN equal to NaN.
"""
import json
import math
import os
import re
import sys

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_var] = "1"

import torch

torch.set_num_threads(1)
HERE = os.path.dirname(os.path.abspath(__file__))
F32_TOL = 1e-5

DTYPES = {torch.float32: "float32", torch.float64: "float64", torch.int64: "int64", torch.int32: "int32",
          torch.bool: "bool", torch.uint8: "uint8", torch.int8: "int8", torch.int16: "int16",
          torch.float16: "float16", torch.bfloat16: "bfloat16"}

# Ops the automatic filler skips: random, nondeterministic or environment-dependent, backends,
# and ops whose results depend on uninitialised memory. histc is among them because its default
# bins put one of the filler's evenly spaced values on a bin edge, which libtorch 1.13 and 2.x
# round into different bins; a hand-written case keeps its values off the edges.
SKIP = re.compile(r"^(_|.*backward|.*_out$|cudnn|miopen|mkldnn|fbgemm|quantize|q_|int_repr|sparse|to_sparse|"
                  r"rand|normal|bernoulli|dropout|alpha_dropout|feature_|multinomial|poisson|uniform|random|"
                  r"cauchy|exponential|geometric|log_normal|empty|new_empty|resize|set_|data_ptr|is_|"
                  r"lift|detach_copy|alias|fake_|fused_|native_|segment_reduce|record_stream|copy_sparse|"
                  r"nonzero_static|can_cast|promote_types|result_type|output_nr|retains_grad|requires_grad_|"
                  r"item|numpy_T|unfold_copy|view_copy|as_strided|stride|size|sym_|nested|align|refine|"
                  r"rename|names|from_file|pin_memory|mps|vulkan|xpu|cpu|cuda|to_mkldnn|to_padded|"
                  r"coalesce|indices|values|crow|col_|ccol|row_|dense_dim|sparse_dim|nnz|has_|unsafe_|"
                  r"lstm|gru|rnn|quantized|histogram|ctc|embedding_renorm|put_|index_put|sort|argsort|"
                  r"unique|bincount|nanmedian|median|mode|kthvalue|topk|msort|clone|contiguous|"
                  r"linalg_lstsq|histc)")  # lstsq: on the filler's rank-deficient input two calls may differ


def det(shape, seed, scale):
    """torch/testdata/parity/gen.py's det(): exact float32 values in [-scale, scale]."""
    n = math.prod(shape)
    i = torch.arange(n, dtype=torch.int64)
    k = torch.remainder(i * 7919 + seed * 104729, 2001) - 1000
    return (k.to(torch.float64) / 1000.0 * scale).to(torch.float32).reshape(shape)


def positive(shape, seed):
    return det(shape, seed, 1.0).abs() * 0.8 + 0.1


def ints(shape, seed):
    return (det(shape, seed, 5.0)).round().to(torch.int64)


def bools(shape, seed):
    return det(shape, seed, 1.0) > 0


# ---- encoding ----

def enc_tensor(t):
    t = t.detach()
    vals = t.reshape(-1).tolist()
    if t.dtype.is_floating_point:
        vals = [enc_float(v) for v in vals]
    elif t.dtype == torch.bool:
        vals = [int(v) for v in vals]
    return {"tensor": vals, "shape": list(t.shape), "dtype": DTYPES[t.dtype]}


def enc_float(v):
    if math.isnan(v):
        return "nan"
    if math.isinf(v):
        return "inf" if v > 0 else "-inf"
    return v


def enc(v):
    if isinstance(v, torch.Tensor):
        return enc_tensor(v)
    if isinstance(v, torch.dtype):
        return {"dtype": DTYPES[v]}
    if isinstance(v, (list, tuple)) and v and all(isinstance(x, torch.Tensor) for x in v):
        return {"tensors": [enc_tensor(x) for x in v]}
    if isinstance(v, bool):
        return {"bool": v}
    if isinstance(v, int):
        return {"int": v}
    if isinstance(v, float):
        return {"float": enc_float(v)}
    if isinstance(v, str):
        return {"str": v}
    if isinstance(v, (list, tuple)):
        if all(isinstance(x, int) for x in v):
            return {"ints": list(v)}
        if all(isinstance(x, (int, float)) for x in v):
            return {"floats": [float(x) for x in v]}
    if v is None:
        return {"none": True}
    raise TypeError(type(v))


def enc_result(r):
    if isinstance(r, torch.Tensor):
        return enc_tensor(r)
    if isinstance(r, (tuple, list)):
        if all(isinstance(x, torch.Tensor) for x in r):
            return {"tensors": [enc_tensor(x) for x in r]}
    if isinstance(r, bool):
        return {"bool": r}
    if isinstance(r, int):
        return {"int": r}
    if isinstance(r, float):
        return {"float": enc_float(r)}
    raise TypeError(type(r))


def same(a, b):
    if isinstance(a, torch.Tensor):
        return isinstance(b, torch.Tensor) and a.shape == b.shape and a.dtype == b.dtype and (
            torch.equal(a, b) or bool(torch.all((a == b) | (a != a) & (b != b))))
    if isinstance(a, (tuple, list)):
        return isinstance(b, (tuple, list)) and len(a) == len(b) and all(same(x, y) for x, y in zip(a, b))
    return a == b


# ---- calling ----

def op_of(name):
    base, _, overload = name.partition(".")
    return getattr(getattr(torch.ops.aten, base), overload or "default")


def invoke(name, kwargs):
    """Calls the overload with kwargs by schema name: OpOverload takes the positional arguments
    positionally (its own self would clash with an argument named self), defaults filling gaps."""
    op = op_of(name)
    pos, kw = [], {}
    positional = [a for a in op._schema.arguments if not a.kwarg_only]
    last = max([i for i, a in enumerate(positional) if a.name in kwargs], default=-1)
    for i, a in enumerate(positional[:last + 1]):
        if a.name in kwargs:
            pos.append(kwargs[a.name])
        elif a.default_value is not None or str(a.type).startswith("Optional["):
            pos.append(a.default_value)
        else:
            raise TypeError("missing " + a.name)
    for k, v in kwargs.items():
        if k not in [a.name for a in positional]:
            kw[k] = v
    return op(*pos, **kw)


def call(name, kwargs):
    """Calls the overload twice; returns its result, or None if PyTorch rejects or it varies."""
    try:
        r1 = invoke(name, clone(kwargs))
        r2 = invoke(name, clone(kwargs))
    except Exception:  # noqa: BLE001 - the filler's guesses fail in many ways
        return None
    if not same(r1, r2):
        return None
    try:
        enc_result(r1)
    except (TypeError, KeyError):  # complex, quantized and other dtypes Go does not cover
        return None
    return r1


def clone(kwargs):
    return {k: (v.clone() if isinstance(v, torch.Tensor) else [x.clone() for x in v]
                if isinstance(v, list) and v and isinstance(v[0], torch.Tensor) else v)
            for k, v in kwargs.items()}


# ---- the automatic filler ----

INT_GUESS = {"dim": 1, "dim0": 0, "dim1": 1, "dim2": 1, "k": 1, "diagonal": 0, "chunks": 2, "sections": 2,
             "split_size": 2, "start": 0, "length": 1, "index": 1, "offset": 0, "n": 2, "source": 0,
             "destination": 1, "groups": 1, "num_classes": 4, "decimals": 1, "shifts": 1, "repeats": 2,
             "step": 1, "size": 2, "end": 2, "dimension": 1, "ndim": 2, "p": 2, "ord": 2, "upper": 0,
             "N": 3, "window_length": 4, "steps": 4, "high": 5, "low": 0}
LIST_GUESS = {"dim": [1], "dims": [1, 0], "size": [3, 2], "shape": [3, 2], "repeats": [2, 1], "shifts": [1],
              "perm": [1, 0], "sizes": [3, 2], "split_sizes": [1, 2], "split_size": [1, 1],
              "indices": [1], "padding": [1, 1], "pad": [1, 1], "output_size": [2, 2], "kernel_size": [2],
              "source": [0], "destination": [1], "stride": [1], "dilation": [1]}


def declared_types(schema):
    """The argument types as the schema string declares them ("ScalarType?", "int[1]?", "Tensor(a!)"),
    by name: the JIT's own types merge ScalarType into int."""
    text = str(schema)
    inner = text[text.index("(") + 1:text.rindex(") ->")]
    parts, depth, cur = [], 0, ""
    for ch in inner:
        if ch in "([":
            depth += 1
        elif ch in ")]":
            depth -= 1
        if ch == "," and depth == 0:
            parts.append(cur.strip())
            cur = ""
        else:
            cur += ch
    if cur.strip():
        parts.append(cur.strip())
    out = {}
    for p in parts:
        if p == "*":
            continue
        decl = p.split("=")[0].strip()
        typ, _, name = decl.rpartition(" ")
        out[name] = re.sub(r"\([a-z]!?\)", "", typ)
    return out


def fill(schema, tensor):
    """Keyword arguments for the schema's required arguments, or None if one cannot be guessed."""
    kwargs = {}
    types = declared_types(schema)
    for a in schema.arguments:
        if a.default_value is not None or (a.kwarg_only and a.name == "out"):
            continue
        t = types[a.name]
        n = a.name
        if a.alias_info is not None and a.alias_info.is_write and n != "self":
            return None  # out= and friends
        if t == "Tensor":
            kwargs[n] = tensor if n in ("self", "input") else tensor + 0.25 if tensor.dtype.is_floating_point \
                else tensor
        elif t == "Tensor[]":
            kwargs[n] = [tensor, tensor]
        elif t == "Tensor?":
            kwargs[n] = None
        elif t in ("Scalar",):
            kwargs[n] = 2 if tensor.dtype in (torch.int64, torch.bool) else 0.5
        elif t == "Scalar?":
            kwargs[n] = None
        elif t in ("int", "SymInt"):
            kwargs[n] = INT_GUESS.get(n, 1)
        elif t in ("int?", "SymInt?"):
            kwargs[n] = None
        elif t in ("int[]", "SymInt[]", "int[1]", "int[2]") or t.startswith("int[") or t.startswith("SymInt["):
            if n not in LIST_GUESS:
                return None
            kwargs[n] = LIST_GUESS[n]
        elif t.startswith("int[") and t.endswith("?"):
            kwargs[n] = None
        elif t == "float":
            kwargs[n] = 0.5
        elif t == "float?":
            kwargs[n] = None
        elif t == "bool":
            kwargs[n] = False
        elif t == "bool?":
            kwargs[n] = None
        elif t == "ScalarType":
            kwargs[n] = torch.float64
        elif t == "ScalarType?":
            kwargs[n] = None
        elif t == "str?":
            kwargs[n] = None
        else:
            return None
    return kwargs


def schema_key(s):
    return s.name[len("aten::"):] + ("." + s.overload_name if s.overload_name else "")


def automatic():
    cases = []
    inputs = [positive([2, 3], 1), ints([2, 3], 2), bools([2, 3], 3)]
    for s in sorted(torch._C._jit_get_all_schemas(), key=schema_key):
        if not s.name.startswith("aten::"):
            continue
        key = schema_key(s)
        base = key.split(".")[0]
        if SKIP.match(base) or s.overload_name.endswith("out") or "out" in s.overload_name.split("_"):
            continue
        if any(t.startswith(("Generator", "Dimname", "Layout", "MemoryFormat", "Device", "Storage", "Stream"))
               for t in declared_types(s).values()):
            continue
        if len(s.returns) == 0:
            continue
        if not any("Tensor" in str(a.type) for a in list(s.arguments) + list(s.returns)):
            continue  # TorchScript's scalar arithmetic (add.int, eq.float): not tensor ops
        for x in inputs:
            kwargs = fill(s, x)
            if kwargs is None:
                break
            r = call(key, kwargs)
            if r is not None:
                cases.append((key, kwargs, r))
                cases.extend(variants(s, key, kwargs))
                break
    return cases


def variants(s, key, kwargs):
    """Broadcasting, type promotion, keepdim and dtype variants of an accepted call."""
    out = []
    names = {a.name: a for a in s.arguments}
    tensors = [n for n, v in kwargs.items() if isinstance(v, torch.Tensor)]
    if len(tensors) == 2 and tensors[0] in ("self", "input"):
        a, b = tensors
        x = kwargs[a]
        for other in ([x[0].clone() + 0.5, x[:, :1].clone() + 0.5] if x.dtype.is_floating_point else [x[0].clone()]):
            out.append(dict(kwargs, **{b: other}))
        if x.dtype.is_floating_point:
            out.append(dict(kwargs, **{b: ints([2, 3], 5)}))
            out.append(dict(kwargs, **{b: torch.tensor(0.75, dtype=torch.float64)}))
        elif x.dtype == torch.int64:
            out.append(dict(kwargs, **{b: bools([2, 3], 6)}))
    if "keepdim" in names and names["keepdim"].default_value is not None:
        out.append(dict(kwargs, keepdim=True))
    if "dtype" in names and declared_types(s)["dtype"] == "ScalarType?":
        out.append(dict(kwargs, dtype=torch.float64))
    if "alpha" in names and names["alpha"].default_value is not None:
        out.append(dict(kwargs, alpha=2))
    kept = []
    for kw in out:
        r = call(key, kw)
        if r is not None:
            kept.append((key, kw, r))
    return kept


# ---- hand-written cases ----

def hand():
    x, m = positive([2, 3], 11), positive([3, 4], 12)
    img, w = det([2, 3, 6, 6], 13, 1.0), det([4, 3, 3, 3], 14, 0.3)
    logits, target = det([4, 5], 15, 2.0), torch.tensor([1, 0, 4, 2])
    spd = torch.tensor([[4.0, 1.0, 0.5], [1.0, 3.0, 0.2], [0.5, 0.2, 2.0]])
    c = [
        ("cat", dict(tensors=[x, x], dim=1)), ("stack", dict(tensors=[x, x], dim=0)),
        ("transpose.int", dict(self=x, dim0=0, dim1=1)), ("permute", dict(self=img, dims=[0, 2, 3, 1])),
        ("reshape", dict(self=x, shape=[3, 2])), ("view", dict(self=x, size=[-1])),
        ("squeeze.dim", dict(self=x[:1], dim=0)), ("unsqueeze", dict(self=x, dim=-1)),
        ("flatten.using_ints", dict(self=img, start_dim=1)), ("narrow", dict(self=x, dim=1, start=1, length=2)),
        ("select.int", dict(self=x, dim=1, index=-1)), ("index_select", dict(self=x, dim=1, index=torch.tensor([2, 0]))),
        ("gather", dict(self=x, dim=1, index=torch.tensor([[0, 0], [2, 1]]))),
        ("scatter.src", dict(self=torch.zeros(2, 3), dim=1, index=torch.tensor([[0, 1], [2, 0]]), src=x)),
        ("scatter_add", dict(self=torch.zeros(2, 3), dim=1, index=torch.tensor([[0, 0], [2, 2]]), src=x)),
        ("index.Tensor", dict(self=x, indices=[torch.tensor([1, 0])])),
        ("masked_fill.Scalar", dict(self=x, mask=x > 0.5, value=0)), ("masked_select", dict(self=x, mask=x > 0.5)),
        ("where.self", dict(condition=x > 0.5, self=x, other=-x)), ("roll", dict(self=x, shifts=[1], dims=[1])),
        ("flip", dict(self=x, dims=[0])), ("repeat", dict(self=x, repeats=[2, 1])),
        ("expand", dict(self=x[:1], size=[4, 3])), ("tril", dict(self=m)), ("triu", dict(self=m, diagonal=1)),
        ("split.Tensor", dict(self=m, split_size=3, dim=1)), ("chunk", dict(self=m, chunks=2, dim=1)),
        ("unbind.int", dict(self=x)), ("movedim.int", dict(self=img, source=1, destination=3)),
        ("sum", dict(self=x)), ("sum", dict(self=x > 0.5)), ("sum.dim_IntList", dict(self=img, dim=[1, 2], keepdim=True)),
        ("mean.dim", dict(self=img, dim=[0])), ("prod.dim_int", dict(self=x, dim=1)),
        ("max.dim", dict(self=x, dim=1)), ("min.dim", dict(self=x, dim=0, keepdim=True)),
        ("amax", dict(self=img, dim=[2, 3])), ("argmax", dict(self=logits, dim=1)), ("argmin", dict(self=logits)),
        ("std.correction", dict(self=img, dim=[1], correction=0)), ("var.dim", dict(self=img, dim=[0], unbiased=False)),
        ("logsumexp", dict(self=logits, dim=[1])), ("cumsum", dict(self=x, dim=1)), ("cumprod", dict(self=x, dim=0)),
        ("norm.Scalar", dict(self=x)), ("norm.ScalarOpt_dim", dict(self=x, p=1, dim=[1])),
        ("softmax.int", dict(self=logits, dim=1)), ("log_softmax.int", dict(self=logits, dim=-1)),
        ("cross_entropy_loss", dict(self=logits, target=target)),
        ("cross_entropy_loss", dict(self=logits, target=target, reduction=0, label_smoothing=0.1)),
        ("nll_loss", dict(self=torch.log_softmax(logits, 1), target=target, ignore_index=0)),
        ("mse_loss", dict(self=x, target=x.flip(0), reduction=2)),
        ("binary_cross_entropy", dict(self=x, target=x.flip(1))),
        ("binary_cross_entropy_with_logits", dict(self=logits, target=(logits > 0).float())),
        ("smooth_l1_loss", dict(self=logits, target=logits.flip(1), beta=0.5)),
        ("huber_loss", dict(self=logits, target=logits.flip(0), delta=0.7)),
        ("kl_div", dict(self=torch.log_softmax(logits, 1), target=torch.softmax(logits.flip(1), 1))),
        ("conv2d", dict(input=img, weight=w, padding=[1, 1])),
        ("conv2d", dict(input=img, weight=w, bias=det([4], 16, 0.1), stride=[2, 2])),
        ("conv_transpose2d.input", dict(input=img, weight=det([3, 2, 2, 2], 17, 0.3), stride=[2, 2])),
        ("max_pool2d", dict(self=img, kernel_size=[2, 2])),
        ("max_pool2d", dict(self=img, kernel_size=[3, 3], stride=[2, 2], padding=[1, 1], ceil_mode=True)),
        ("avg_pool2d", dict(self=img, kernel_size=[2, 2], count_include_pad=False)),
        ("adaptive_avg_pool2d", dict(self=img, output_size=[2, 3])),
        ("linear", dict(input=x, weight=m.t())), ("linear", dict(input=x, weight=m.t(), bias=det([4], 18, 0.1))),
        ("batch_norm", dict(input=img, weight=None, bias=None, running_mean=None, running_var=None, training=True,
                            momentum=0.1, eps=1e-5, cudnn_enabled=False)),
        ("layer_norm", dict(input=img, normalized_shape=[6, 6])),
        ("group_norm", dict(input=img, num_groups=3)), ("embedding", dict(weight=m, indices=torch.tensor([[0, 2], [1, 1]]))),
        ("leaky_relu", dict(self=logits)), ("leaky_relu", dict(self=logits, negative_slope=0.2)),
        ("gelu", dict(self=logits)), ("gelu", dict(self=logits, approximate="tanh")), ("elu", dict(self=logits, alpha=0.5)),
        ("hardtanh", dict(self=logits, min_val=-0.5, max_val=0.5)), ("softplus", dict(self=logits, beta=2)),
        ("clamp", dict(self=logits, min=0)), ("clamp", dict(self=logits, max=0.5)), ("clamp", dict(self=logits, min=-1, max=1)),
        ("add.Tensor", dict(self=x, other=x, alpha=3)), ("sub.Tensor", dict(self=x, other=x.flip(1), alpha=0.5)),
        ("div.Tensor_mode", dict(self=logits, other=x[:1, :1], rounding_mode="floor")),
        ("pow.Tensor_Scalar", dict(self=x, exponent=2)), ("pow.Scalar", dict(self=2, exponent=x)),
        ("mm", dict(self=x, mat2=m)), ("matmul", dict(self=img, other=det([6, 2], 19, 1.0))),
        ("bmm", dict(self=det([2, 2, 3], 20, 1.0), mat2=det([2, 3, 2], 21, 1.0))),
        ("addmm", dict(self=det([4], 22, 1.0), mat1=x, mat2=m, beta=0.5, alpha=2)),
        ("einsum", dict(equation="ij,jk->ik", tensors=[x, m])), ("outer", dict(self=x[0], vec2=x[1])),
        ("linalg_inv", dict(A=spd)), ("linalg_det", dict(A=spd)), ("linalg_solve", dict(A=spd, B=x.t())),
        ("linalg_cholesky", dict(self=spd)),
        ("linalg_norm", dict(self=spd, ord=2)), ("trace", dict(self=spd)), ("diag", dict(self=x)),
        ("linalg_eigvalsh", dict(self=spd)), ("linalg_slogdet", dict(A=spd)),
        ("arange", dict(end=5)), ("arange.start_step", dict(start=1, end=2.5, step=0.5)),
        ("full", dict(size=[2, 2], fill_value=7)), ("full", dict(size=[2], fill_value=2.5)),
        ("zeros", dict(size=[2, 3], dtype=torch.int64)), ("ones", dict(size=[3])), ("eye", dict(n=3)),
        ("linspace", dict(start=0, end=1, steps=5)), ("zeros_like", dict(self=x, dtype=torch.float64)),
        ("full_like", dict(self=x, fill_value=3)), ("one_hot", dict(self=target, num_classes=5)),
        ("eq.Tensor", dict(self=target, other=torch.tensor([1, 1, 4, 0]))), ("eq.Scalar", dict(self=target, other=1)),
        ("isclose", dict(self=x, other=x + 1e-9)), ("allclose", dict(self=x, other=x)), ("equal", dict(self=x, other=x)),
        ("add_.Tensor", dict(self=x.clone(), other=x)), ("mul_.Scalar", dict(self=x.clone(), other=3)),
        ("zero_", dict(self=x.clone())), ("fill_.Scalar", dict(self=x.clone(), value=2)),
        ("relu_", dict(self=logits.clone())), ("clamp_", dict(self=logits.clone(), min=0)),
        ("histc", dict(self=x, bins=4, min=0, max=1)), ("histc", dict(self=x, bins=7)),
        ("histc", dict(self=x, bins=3, min=0.4, max=0.65)),
    ]
    out, bad = [], []
    for key, kw in c:
        r = call(key, kw)
        if r is None:
            bad.append("%s %s" % (key, list(kw)))
        out.append((key, kw, r))
    if bad:
        raise SystemExit("hand-written cases PyTorch rejects, or whose results vary:\n  " + "\n  ".join(bad))
    return out


def quiet(f):
    """Runs f with file descriptor 2 closed to libtorch's deprecation warnings (the filler tries
    every op, deprecated ones included), restoring it after."""
    sys.stderr.flush()
    saved = os.dup(2)
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 2)
    try:
        return f()
    finally:
        os.dup2(saved, 2)
        os.close(devnull)
        os.close(saved)


def table():
    rows = []
    for key, kw, r in quiet(lambda: hand() + automatic()):
        rows.append({"op": key, "args": {k: enc(v) for k, v in kw.items()}, "result": enc_result(r)})
    return {"torch_version": torch.__version__, "tolerance": F32_TOL, "cases": rows}


# ---- checking ----

def diff(want, got, path, out):
    if len(out) > 20:
        return
    if isinstance(want, dict) and "tensor" in want and isinstance(got, dict) and "tensor" in got:
        if want["shape"] != got["shape"] or want["dtype"] != got["dtype"] or len(want["tensor"]) != len(got["tensor"]):
            out.append("%s: shape or dtype %s %s != %s %s" % (path, got["shape"], got["dtype"], want["shape"], want["dtype"]))
            return
        if want["dtype"] in ("float32", "float64", "float16", "bfloat16"):
            fin = [abs(v) for v in want["tensor"] + got["tensor"] if not isinstance(v, str)]
            scale = max(fin) if fin else 0.0
            for i, (a, b) in enumerate(zip(want["tensor"], got["tensor"])):
                if isinstance(a, str) or isinstance(b, str):
                    if a != b:
                        out.append("%s[%d]: %r != %r" % (path, i, b, a))
                elif abs(a - b) > F32_TOL * scale:
                    out.append("%s[%d]: %r != %r" % (path, i, b, a))
        elif want["tensor"] != got["tensor"]:
            out.append("%s: %s != %s" % (path, got["tensor"], want["tensor"]))
    elif isinstance(want, dict) and isinstance(got, dict):
        if list(want) != list(got):
            out.append("%s: keys %s != %s" % (path, list(got), list(want)))
            return
        for k in want:
            diff(want[k], got[k], path + "." + k, out)
    elif isinstance(want, list) and isinstance(got, list):
        if len(want) != len(got):
            out.append("%s: %d entries != %d" % (path, len(got), len(want)))
            return
        for i, (a, b) in enumerate(zip(want, got)):
            diff(a, b, "%s[%d]" % (path, i), out)
    elif isinstance(want, float) and isinstance(got, float):
        if abs(want - got) > F32_TOL * max(abs(want), abs(got)):
            out.append("%s: %r != %r" % (path, got, want))
    elif want != got:
        out.append("%s: %r != %r" % (path, got, want))


def main():
    path = os.path.join(HERE, "cases.json")
    got = table()
    if sys.argv[1:] == ["--check"]:
        with open(path) as f:
            want = json.load(f)
        if want["torch_version"] != got["torch_version"]:
            print("%s: written by torch %s, checked with %s: the op set differs, not compared" % (
                os.path.relpath(path), want["torch_version"], got["torch_version"]))
            return 0
        out = []
        diff(want, got, "cases.json", out)
        if out:
            print("%s differs from a fresh run (regenerate with gen.py):" % os.path.relpath(path))
            for line in out[:20]:
                print("  " + line)
            return 1
        print("%s: ok (%d cases)" % (os.path.relpath(path), len(got["cases"])))
        return 0
    with open(path, "w") as f:
        json.dump(got, f, separators=(",", ":"))
        f.write("\n")
    print("wrote %s: %d cases, %d ops" % (os.path.relpath(path), len(got["cases"]),
                                          len({c["op"] for c in got["cases"]})))
    return 0


if __name__ == "__main__":
    sys.exit(main())
