#!/usr/bin/env python3
"""Checks a .pt file written by Go's ptfile.Write, then re-saves it with torch.

    roundtrip.py IN.pt EXPECT.json OUT.pt [--model autoencoder]

EXPECT.json is a list of {name, dtype, shape, requires_grad, hex, shares}
(hex: contiguous little-endian bytes; shares: the name of an earlier tensor
whose storage this one must share, or ""). The file must load with
torch.load both plainly and with weights_only=True, be an OrderedDict with
_metadata, and hold exactly those tensors in that order. With --model, the
dict must load into that nn.Module with strict=True, and OUT.pt is the
module's own state_dict; without it OUT.pt is the loaded dict saved again.
Exits non-zero with a message on any difference.
"""
import collections
import json
import os
import sys

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from gen import ConvAutoencoder, dtype_name, le_bytes  # noqa: E402

MODELS = {"autoencoder": ConvAutoencoder}


def storage_ptr(t):
    s = t.untyped_storage() if hasattr(t, "untyped_storage") else t.storage()
    return s.data_ptr()


def fail(msg):
    raise SystemExit(f"roundtrip.py: {msg}")


def main(argv):
    args = [a for a in argv if not a.startswith("--")]
    model = None
    if "--model" in argv:
        model = argv[argv.index("--model") + 1]
        args.remove(model)
    src, expect_path, dst = args
    with open(expect_path) as f:
        expect = json.load(f)

    sd = torch.load(src)
    safe = torch.load(src, weights_only=True)
    if type(sd) is not collections.OrderedDict:
        fail(f"loaded a {type(sd).__name__}, want OrderedDict")
    if not isinstance(getattr(sd, "_metadata", None), collections.OrderedDict):
        fail("no OrderedDict _metadata attribute")
    if sd._metadata.get("") != {"version": 1}:
        fail(f"_metadata[''] is {sd._metadata.get('')!r}")
    if list(sd.keys()) != [e["name"] for e in expect]:
        fail(f"keys {list(sd.keys())} differ from {[e['name'] for e in expect]}")
    if list(safe.keys()) != list(sd.keys()):
        fail("weights_only=True load gives different keys")

    for e in expect:
        t = sd[e["name"]]
        name = e["name"]
        if dtype_name(t.dtype) != e["dtype"]:
            fail(f"{name}: dtype {t.dtype}, want {e['dtype']}")
        if list(t.shape) != e["shape"]:
            fail(f"{name}: shape {list(t.shape)}, want {e['shape']}")
        if t.requires_grad != e["requires_grad"]:
            fail(f"{name}: requires_grad {t.requires_grad}")
        if not t.is_contiguous() or t.storage_offset() != 0:
            fail(f"{name}: not a contiguous tensor at offset 0")
        if le_bytes(t).hex() != e["hex"]:
            fail(f"{name}: data differs")
        if not torch.equal(safe[name], t) and not (t.is_floating_point() and torch.isnan(t).any()):
            fail(f"{name}: weights_only=True load differs")
        if e.get("shares"):
            other = sd[e["shares"]]
            if storage_ptr(t) != storage_ptr(other):
                fail(f"{name}: does not share storage with {e['shares']}")
        elif t.numel() and any(storage_ptr(t) == storage_ptr(sd[o["name"]])
                               for o in expect if o["name"] != name and not o.get("shares") and sd[o["name"]].numel()):
            fail(f"{name}: shares a storage it should not")

    if model:
        m = MODELS[model]()
        m.load_state_dict(sd, strict=True)
        out = m.state_dict()
        for k, v in out.items():
            if not torch.equal(v, sd[k]):
                fail(f"{k}: differs after load_state_dict")
        torch.save(out, dst)
    else:
        torch.save(sd, dst)
    print(f"roundtrip.py: {len(expect)} tensors ok")


if __name__ == "__main__":
    main(sys.argv[1:])
