#!/usr/bin/env python3
"""Writes index.json: Python's t[...] and t[...] = v on a fixed tensor, for torch's At and SetAt_.

    /usr/bin/python3 torch/testdata/index/gen.py           # rewrite index.json beside this script
    /usr/bin/python3 torch/testdata/index/gen.py --check   # compare a fresh run with it; writes nothing

The tensor is torch.arange(60.).reshape(3, 4, 5) (float32, exact); each index item is written as
{"int": i}, {"slice": [start, stop, step]} (null for an open end), {"ellipsis": true},
{"none": true} or {"tensor": values, "dtype": ..., "shape": ...}. Results are shapes and exact
values, compared exactly (under any torch version: only "torch_version" may differ); an index
PyTorch rejects is recorded with its error flag.
"""
import json
import os
import sys

import torch

HERE = os.path.dirname(os.path.abspath(__file__))


def I(i):
    return {"int": i}


def S(start=None, stop=None, step=None):
    return {"slice": [start, stop, step]}


E = {"ellipsis": True}
N = {"none": True}


def T(values, dtype="int64", shape=None):
    return {"tensor": values, "dtype": dtype, "shape": shape if shape is not None else [len(values)]}


GET = [
    [I(0)], [I(-1)], [I(2), I(3), I(4)], [S(), I(-1), S()], [S(1, 3)], [S(1)], [S(None, 2)],
    [S(None, None, 2)], [S(), S(1, None, 2)], [S(-2)], [S(1, 100)], [E, I(0)], [I(1), E], [E],
    [N], [S(), N, I(0)], [N, I(0), N], [T([0, 2])], [T([2, 0, 0])], [S(), T([3, 1])],
    [T([0, 1]), S(), I(0)], [I(0), T([1, 2])], [T([0, 2]), T([1, 3])], [T([1, 0, 1], "bool")],
    [S(), T([1, 0, 1, 1], "bool")], [T([1, 0, 1, 0] * 3, "bool", [3, 4])],
    [T([[0, 1], [2, 0]], "int64", [2, 2])], [E, T([4, 0])], [I(5)], [I(0), I(0), I(0), I(0)],
    [E, E], [T([3])],
]
SET = [
    ([I(0)], 0), ([S(), I(-1), S()], 7.5), ([T([1, 0, 1], "bool")], -1), ([S(), T([0, 3])], 2),
    ([E, S(None, None, 2)], "tensor"), ([T([0, 2]), T([1, 3])], 9),
]


def to_index(items):
    out = []
    for it in items:
        if "int" in it:
            out.append(it["int"])
        elif "slice" in it:
            out.append(slice(*it["slice"]))
        elif "ellipsis" in it:
            out.append(Ellipsis)
        elif "none" in it:
            out.append(None)
        else:
            dt = {"int64": torch.int64, "bool": torch.bool}[it["dtype"]]
            flat = torch.tensor(it["tensor"]).reshape(-1)
            out.append(flat.to(dt).reshape(it["shape"]))
    return tuple(out)


def base():
    return torch.arange(60.0).reshape(3, 4, 5)


def result(f):
    try:
        r = f()
    except (IndexError, RuntimeError, TypeError, ValueError):
        return {"error": True}
    return {"shape": list(r.shape), "values": [float(v) for v in r.reshape(-1).tolist()]}


def table():
    gets = [{"index": items, **result(lambda: base()[to_index(items)])} for items in GET]
    sets = []
    for items, value in SET:
        def run():
            t = base()
            if value == "tensor":
                t[to_index(items)] = torch.arange(30.0).reshape(3, 4, 1).expand(3, 4, 3) * -1
            else:
                t[to_index(items)] = value
            return t
        sets.append({"index": items, "value": value, **result(run)})
    return json.dumps({"torch_version": torch.__version__, "get": gets, "set": sets}, indent=1) + "\n"


def main():
    path = os.path.join(HERE, "index.json")
    text = table()
    if sys.argv[1:] == ["--check"]:
        with open(path) as f:
            want = json.load(f)
        got = json.loads(text)
        # Indexing results are exact under every torch version: only the version line may differ.
        made_by = want.pop("torch_version", None)
        got.pop("torch_version")
        bad = [(kind, w["index"]) for kind in ("get", "set") for w, g in zip(want[kind], got[kind]) if w != g]
        if bad or len(want["get"]) != len(got["get"]) or len(want["set"]) != len(got["set"]):
            print("%s differs from a fresh run (regenerate with gen.py):" % os.path.relpath(path))
            for kind, index in bad[:20]:
                print("  %s %s" % (kind, json.dumps(index)))
            return 1
        note = "" if made_by == torch.__version__ else " (written by torch %s, checked with %s)" % (made_by, torch.__version__)
        print("%s: ok%s" % (os.path.relpath(path), note))
        return 0
    with open(path, "w") as f:
        f.write(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
