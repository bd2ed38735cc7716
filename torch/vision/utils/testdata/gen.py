#!/usr/bin/env python3
"""Writes what torchvision.utils.make_grid and save_image give on fixed tensors.

Run with Debian's Python (torch 1.13.1, torchvision 0.14.1, Pillow 9.4):

    /usr/bin/python3 gen.py           # rewrite cases.json and tensors.bin.gz
    /usr/bin/python3 gen.py --check   # regenerate in memory and compare; writes nothing

cases.json lists each case: its input (shape, offset in floats in tensors.bin.gz), make_grid's
arguments, and where make_grid's result (float32, shape) and save_image's pixels (the PNG Pillow
wrote, decoded: uint8 HWC bytes, shape) lie in tensors.bin.gz (the pixels as one float per byte).
The Go test compares every float32 bit for bit and every pixel exactly: the same float32 operations
in the same order. Under another torch, torchvision or Pillow than the ones recorded, --check
reports the comparison without failing, and says so.
"""
import gzip
import io
import json
import os
import sys

import numpy as np
import PIL
import torch
import torchvision
from PIL import Image
from torchvision.utils import make_grid, save_image

HERE = os.path.dirname(os.path.abspath(__file__))


def inputs():
    g = torch.Generator().manual_seed(0)
    unit = torch.rand(5, 3, 8, 6, generator=g)
    wide = torch.randn(7, 3, 5, 4, generator=g) * 3          # beyond [0, 1] and (-1, 1)
    gray = torch.rand(4, 1, 5, 5, generator=g)
    halves = (torch.arange(2 * 3 * 4 * 4, dtype=torch.float32).reshape(2, 3, 4, 4) % 9) / 8 - 0.0625
    flat = torch.full((3, 3, 4, 4), 0.25)
    flat[1] = 0.75
    return {"unit": unit, "wide": wide, "gray": gray, "halves": halves, "flat": flat,
            "single": unit[2].clone(), "single_gray": gray[0].clone(), "hw": gray[1, 0].clone(),
            "one": wide[:1].clone()}


CASES = [
    ("unit", {}), ("unit", {"nrow": 2}), ("unit", {"nrow": 3, "padding": 0}), ("unit", {"padding": 3, "pad_value": 0.5}),
    ("wide", {}), ("wide", {"normalize": True}), ("wide", {"normalize": True, "value_range": [-1, 1]}),
    ("wide", {"normalize": True, "scale_each": True, "nrow": 4}),
    ("wide", {"normalize": True, "scale_each": True, "value_range": [-2.5, 0.5], "padding": 1}),
    ("gray", {"nrow": 2}), ("gray", {"normalize": True, "pad_value": 1.0}),
    ("halves", {}), ("flat", {"normalize": True}), ("flat", {"normalize": True, "scale_each": True}),
    ("single", {}), ("single_gray", {}), ("hw", {"normalize": True}), ("one", {"normalize": True}),
]


def generate():
    floats = []
    offset = 0

    def put(arr):
        nonlocal offset
        arr = np.ascontiguousarray(arr, dtype="<f4")
        floats.append(arr.tobytes())
        at = offset
        offset += arr.size
        return {"offset": at, "shape": list(arr.shape)}

    tensors = inputs()
    placed = {name: put(t.numpy()) for name, t in tensors.items()}
    cases = []
    for name, kw in CASES:
        args = dict(kw)
        if "value_range" in args:
            args["value_range"] = tuple(args["value_range"])
        grid = make_grid(tensors[name], **args)
        buf = io.BytesIO()
        save_image(tensors[name], buf, format="png", **args)
        pixels = np.asarray(Image.open(io.BytesIO(buf.getvalue())))
        cases.append({"input": name, "input_at": placed[name], "args": kw, "grid": put(grid.numpy()),
                      "png": put(pixels.astype(np.float32)), "png_mode": Image.open(io.BytesIO(buf.getvalue())).mode})
    blob = io.BytesIO()
    with gzip.GzipFile(fileobj=blob, mode="wb", mtime=0) as fp:
        fp.write(b"".join(floats))
    doc = {"versions": versions(), "cases": cases}
    return json.dumps(doc, indent=1, sort_keys=True) + "\n", blob.getvalue()


def versions():
    return {"pillow": PIL.__version__, "torch": torch.__version__, "torchvision": torchvision.__version__}


def check():
    with open(os.path.join(HERE, "cases.json")) as fp:
        want_json = fp.read()
    with open(os.path.join(HERE, "tensors.bin.gz"), "rb") as fp:
        want_bin = gzip.decompress(fp.read())
    got_json, got_bin = generate()
    same = got_json == want_json and gzip.decompress(got_bin) == want_bin
    rel = os.path.relpath(HERE)
    made_by = json.loads(want_json)["versions"]
    if made_by != versions():
        print("%s: written with %s, checked with %s: %s, not compared exactly" % (
            rel, made_by, versions(), "same" if same else "differs"))
        return 0
    if not same:
        print("%s differs from a fresh run (regenerate with gen.py)" % rel)
        return 1
    print("%s: ok" % rel)
    return 0


def main():
    if sys.argv[1:] == ["--check"]:
        return check()
    js, blob = generate()
    with open(os.path.join(HERE, "cases.json"), "w") as fp:
        fp.write(js)
    with open(os.path.join(HERE, "tensors.bin.gz"), "wb") as fp:
        fp.write(blob)
    return 0


if __name__ == "__main__":
    sys.exit(main())
