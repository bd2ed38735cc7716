#!/usr/bin/env python3
"""Writes the .pt fixtures of package ptfile and what Go must read from them.

Run from anywhere with a Python that has torch (Debian's python3-torch 1.13.1
made the checked-in files):

    python3 torch/internal/ptfile/testdata/gen.py          # regenerate
    python3 torch/internal/ptfile/testdata/gen.py --check  # validate only

Every fixture is saved by torch.save except two that emulate writers this
machine does not have, by re-packing a torch.save archive record by record:
torch2.pt has the extra records torch >= 2.1 writes (byteorder,
.data/serialization_id, .format_version, .storage_alignment) in a zip made by
Python's zipfile (no 64-byte alignment), and bigendian.pt is what a
big-endian machine would write (byteorder "big", storages byte-swapped).

expected.json holds, per fixture, each tensor's name, dtype, shape,
requires_grad and its contiguous little-endian bytes in hex (exact values),
plus the sum as a readable cross-check. fuzz/FuzzRead/ gets the small
fixtures as Go fuzz seeds.
"""
import collections
import io
import json
import os
import sys
import warnings
import zipfile

import torch
import torch.nn as nn

HERE = os.path.dirname(os.path.abspath(__file__))

# The seed tutorial's autoencoder (state_dict keys must match it): the blog's code, defined once in
# bench/python/seed.py.
sys.path.insert(0, os.path.join(HERE, "..", "..", "..", "..", "bench", "python"))
with warnings.catch_warnings():
    # seed.py's aug_tran passes interpolation=3, as the blog does, which torchvision 0.14 warns of.
    warnings.simplefilter("ignore", UserWarning)
    from seed import ConvAutoencoder  # noqa: E402


def dtype_name(dt):
    return str(dt).removeprefix("torch.")


def le_bytes(t):
    """Contiguous little-endian bytes of t, for any dtype (x86 is LE)."""
    flat = t.detach().contiguous().reshape(-1)
    return bytes(flat.view(torch.uint8).tolist())


def describe(sd):
    out = []
    for name, t in sd.items():
        out.append({
            "name": name,
            "dtype": dtype_name(t.dtype),
            "shape": list(t.shape),
            "requires_grad": bool(t.requires_grad),
            "hex": le_bytes(t).hex(),
            "sum": float(t.detach().double().sum()) if t.numel() else 0.0,
        })
    return out


def autoencoder():
    torch.manual_seed(0)
    return ConvAutoencoder().state_dict()


def dtypes():
    g = torch.Generator().manual_seed(1)
    f = torch.randn(2, 3, generator=g)
    return {
        "f32": f,
        "f64": torch.randn(3, 2, generator=g, dtype=torch.float64),
        "f16": f.half(),
        "bf16": f.bfloat16(),
        "i64": torch.tensor([-(2**62), -1, 0, 1, 2**62 + 12345], dtype=torch.int64),
        "i32": torch.tensor([[-(2**31), 7], [2**31 - 1, -7]], dtype=torch.int32),
        "i16": torch.tensor([-32768, 0, 32767], dtype=torch.int16),
        "i8": torch.tensor([-128, -1, 0, 127], dtype=torch.int8),
        "u8": torch.arange(0, 300, dtype=torch.int64).remainder(256).to(torch.uint8),
        "bool": torch.tensor([True, False, True]),
        "scalar": torch.tensor(3.5),
        "empty": torch.zeros(0, 4),
    }


def views():
    base = torch.arange(24, dtype=torch.float32).reshape(4, 6)
    p = nn.Parameter(torch.tensor([[1.0, -2.0], [0.5, 4.0]]))
    return {
        "base": base,
        "transposed": base.t(),  # shares base's storage, strides (1, 6)
        "slice": base[1:, 2:],  # offset 8, non-contiguous
        "row": base[2],  # offset 12, contiguous
        "step": base[::2, ::3],  # strides (12, 3)
        "expanded": torch.arange(3, dtype=torch.int64).expand(4, 3),  # stride 0
        "grad": torch.ones(2, requires_grad=True),
        "param": p,  # saved through torch._utils._rebuild_parameter
    }


def tiny():
    return {"w": torch.tensor([1.0, 2.0, 3.0])}


def proto4():
    return collections.OrderedDict(a=torch.arange(6, dtype=torch.int32).reshape(2, 3).t(), b=torch.tensor([0.25]))


def repack(src, dst, rename_dir, extra_records=(), transform=None):
    """Copies a torch.save archive record by record into a new zip."""
    zin = zipfile.ZipFile(src)
    names = zin.namelist()
    root = names[0].split("/")[0]
    with zipfile.ZipFile(dst, "w", compression=zipfile.ZIP_STORED) as zout:
        for n in names:
            rel = n[len(root) + 1:]
            data = zin.read(n)
            if transform:
                data = transform(rel, data)
            if rel == "version":
                for k, v in extra_records:
                    zout.writestr(f"{rename_dir}/{k}", v)
            zout.writestr(f"{rename_dir}/{rel}", data)


def fuzz_seed(data):
    """Go's fuzz corpus file format, with a []byte literal."""
    lit = []
    for b in data:
        c = chr(b)
        if 0x20 <= b < 0x7F and c not in '"\\':
            lit.append(c)
        else:
            lit.append(f"\\x{b:02x}")
    return 'go test fuzz v1\n[]byte("' + "".join(lit) + '")\n'


def generate():
    expected = {}

    def save(name, obj, **kw):
        path = os.path.join(HERE, name)
        torch.save(obj, path, **kw)
        return path

    for name, make in [("autoencoder.pt", autoencoder), ("dtypes.pt", dtypes), ("views.pt", views), ("tiny.pt", tiny)]:
        obj = make()
        save(name, obj)
        expected[name] = describe(obj)

    obj = proto4()
    save("proto4.pt", obj, pickle_protocol=4)
    expected["proto4.pt"] = describe(obj)

    # torch >= 2.1 layout, emulated.
    tmp = os.path.join(HERE, "_tmp.pt")
    obj = dtypes()
    torch.save(obj, tmp)
    repack(tmp, os.path.join(HERE, "torch2.pt"), "torch2", extra_records=[
        (".format_version", "1"),
        (".storage_alignment", "64"),
        ("byteorder", "little"),
        (".data/serialization_id", "1234567890123456789012345678901234567890"),
    ])
    expected["torch2.pt"] = describe(obj)

    # A big-endian writer, emulated: each tensor has its own storage, keyed
    # in dict order, so storage i holds tensor i.
    obj = {"f32": torch.tensor([1.0, -2.5, 1e-3]), "i16": torch.tensor([1, -2, 300], dtype=torch.int16),
           "f64": torch.tensor([[3.25]], dtype=torch.float64), "u8": torch.tensor([1, 2], dtype=torch.uint8)}
    sizes = [t.element_size() for t in obj.values()]
    torch.save(obj, tmp)

    def swap(rel, data):
        if not rel.startswith("data/"):
            return data
        k = sizes[int(rel[5:])]
        return b"".join(data[i:i + k][::-1] for i in range(0, len(data), k))

    repack(tmp, os.path.join(HERE, "bigendian.pt"), "bigendian", extra_records=[("byteorder", "big")], transform=swap)
    expected["bigendian.pt"] = describe(obj)
    os.remove(tmp)

    # The pre-1.6 format, which ptfile rejects.
    save("legacy.pt", tiny(), _use_new_zipfile_serialization=False)

    with open(os.path.join(HERE, "expected.json"), "w") as f:
        json.dump({"torch_version": torch.__version__, "fixtures": expected}, f, indent=1, sort_keys=True)
        f.write("\n")

    seeds = os.path.join(HERE, "fuzz", "FuzzRead")
    os.makedirs(seeds, exist_ok=True)
    for name in ["tiny.pt", "views.pt", "proto4.pt", "bigendian.pt", "legacy.pt"]:
        with open(os.path.join(HERE, name), "rb") as f:
            data = f.read()
        with open(os.path.join(seeds, "seed-" + name.removesuffix(".pt")), "w") as f:
            f.write(fuzz_seed(data))
    with open(os.path.join(seeds, "seed-notzip"), "w") as f:
        f.write(fuzz_seed(b"this is not a checkpoint\n"))


def load_fixture(path):
    """torch.load of a fixture this script wrote, so trusted: torch >= 2.6 loads with weights_only=True
    by default, whose unpickler stops at proto4.pt's protocol-4 FRAME opcode. (Checkpoints written by
    Go use protocol 2, and roundtrip.py loads them with weights_only=True.)"""
    return torch.load(path, weights_only=False)


def check():
    """torch.load every torch-readable fixture and compare with expected.json."""
    with open(os.path.join(HERE, "expected.json")) as f:
        expected = json.load(f)["fixtures"]
    for name, tensors in expected.items():
        if name == "bigendian.pt" and tuple(int(x) for x in torch.__version__.split(".")[:2]) < (2, 1):
            continue  # torch < 2.1 ignores the byteorder record
        sd = load_fixture(os.path.join(HERE, name))
        got = describe(sd)
        for g, e in zip(got, tensors):
            if g != e:
                raise SystemExit(f"{name}: {g['name']} differs from expected.json")
        if len(got) != len(tensors):
            raise SystemExit(f"{name}: {len(got)} tensors, expected {len(tensors)}")
        size = os.path.getsize(os.path.join(HERE, name))
        if size > 50_000:
            raise SystemExit(f"{name}: {size} bytes, keep fixtures under 50 KB")
    sd = load_fixture(os.path.join(HERE, "autoencoder.pt"))
    ConvAutoencoder().load_state_dict(sd, strict=True)
    print(f"ok: {len(expected)} fixtures match expected.json")


if __name__ == "__main__":
    if "--check" not in sys.argv[1:]:
        generate()
    check()
