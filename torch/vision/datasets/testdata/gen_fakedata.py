#!/usr/bin/env python3
"""Writes fakedata.json: torchvision's FakeData images and labels, as SHA-256 digests.

Run with Debian's Python (torch 1.13.1, torchvision 0.14.1):

    /usr/bin/python3 gen_fakedata.py           # rewrite fakedata.json
    /usr/bin/python3 gen_fakedata.py --check   # regenerate in memory and compare; writes nothing

FakeData draws torch.randn, whose values depend on the kernel libtorch picks: with AVX2 (or
AVX-512) its vectorised Box-Muller, which the Go port reproduces; without, the C library's log and
cos. The file records the capability it was made with; --check under another capability or torch
reports the comparison without failing, and says so.
"""
import hashlib
import json
import os
import sys

import numpy as np
import torch
import torchvision
from torchvision import datasets

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = "fakedata.json"
CASES = [
    {"size": 3},                                                   # the defaults: 3x224x224, 10 classes
    {"size": 4, "image_size": [1, 28, 28], "num_classes": 7, "random_offset": 1000},
    {"size": 3, "image_size": [3, 5, 7], "random_offset": 2},      # 105 values: the last 16 redrawn
    {"size": 3, "image_size": [1, 3, 4], "num_classes": 3},        # 12 values: the double path
]


def capability():
    # torch 1.13 has no public query; the kernels split at AVX2 (AVX-512 gives the same values).
    flags = open("/proc/cpuinfo").read() if os.path.exists("/proc/cpuinfo") else ""
    forced = os.environ.get("ATEN_CPU_CAPABILITY", "")
    return "avx2" if (" avx2" in flags and forced not in ("default",)) else "default"


def generate():
    cases = []
    for kw in CASES:
        ds = datasets.FakeData(**kw)
        samples = []
        for i in range(len(ds)):
            img, target = ds[i]
            arr = np.asarray(img)
            samples.append({"target": target, "mode": img.mode, "sha256": hashlib.sha256(arr.tobytes()).hexdigest(),
                            "first": arr.reshape(-1)[:6].tolist()})
        cases.append({"options": kw, "samples": samples})
    return {"versions": versions(), "cases": cases}


def versions():
    return {"torch": torch.__version__, "torchvision": torchvision.__version__, "cpu_capability": capability()}


def dumps(doc):
    return json.dumps(doc, indent=1, sort_keys=True) + "\n"


def check():
    path = os.path.join(HERE, OUT)
    rel = os.path.relpath(path)
    with open(path) as fp:
        want = fp.read()
    made_by = json.loads(want)["versions"]
    got = dumps(generate())
    if made_by != versions():
        print("%s: written with %s, checked with %s: %s, not compared exactly" % (
            rel, made_by, versions(), "same" if got == want else "differs"))
        return 0
    if got != want:
        print("%s differs from a fresh run (regenerate with gen_fakedata.py)" % rel)
        return 1
    print("%s: ok" % rel)
    return 0


def main():
    if sys.argv[1:] == ["--check"]:
        return check()
    with open(os.path.join(HERE, OUT), "w") as fp:
        fp.write(dumps(generate()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
