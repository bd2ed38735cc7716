#!/usr/bin/env python3
"""Writes mnist.json: what torchvision 0.14 says and does for MNIST, FashionMNIST and KMNIST.

Run with Debian's Python (torch 1.13.1, torchvision 0.14.1):

    MNIST_DIR=../shared/data/mnist/MNIST/raw /usr/bin/python3 gen_mnist.py          # rewrite mnist.json
    MNIST_DIR=... /usr/bin/python3 gen_mnist.py --check                              # compare; writes nothing

mnist.json holds:
  datasets   each dataset's folder, mirrors, resources (file, MD5) and classes, from torchvision
  download   what MNIST(download=True) prints on stdout when its first mirror answers 404 and the
             second serves the files (synthetic idx files on a local HTTP server; the servers'
             addresses, the root and the error text replaced by placeholders)
  mnist      from the original MNIST files in $MNIST_DIR (torchvision's raw/ layout, the .gz files;
             never copied here): each split's length, the SHA-256 of its pixels and labels, a few
             samples through ToTensor and Normalize((0.1307,), (0.3081,)) (SHA-256 of their
             float32 bytes), and the first batches of the MNIST example's loaders after
             torch.manual_seed(1)

Everything is exact (bytes, integers, float32 bits of the same operations). Without MNIST_DIR,
--check compares the first two parts and says the third was not checked; writing needs it.
"""
import contextlib
import gzip
import hashlib
import http.server
import io
import json
import os
import shutil
import sys
import tempfile
import threading

import numpy as np
import torch
import torchvision
from torchvision import datasets, transforms

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = "mnist.json"
CLASSES = [datasets.MNIST, datasets.FashionMNIST, datasets.KMNIST]


def sha(b):
    return hashlib.sha256(b).hexdigest()


def describe():
    return [{"name": c.__name__, "mirrors": c.mirrors, "resources": [list(r) for r in c.resources],
             "classes": c.classes} for c in CLASSES]


def idx(values, dims):
    """An idx file of uint8 values, gzip-compressed with a fixed mtime."""
    magic = (8 << 8) | len(dims)
    raw = magic.to_bytes(4, "big") + b"".join(d.to_bytes(4, "big") for d in dims) + bytes(values)
    buf = io.BytesIO()
    with gzip.GzipFile(fileobj=buf, mode="wb", mtime=0) as fp:
        fp.write(raw)
    return buf.getvalue()


def synthetic_files():
    """Tiny MNIST-format files: 3 training and 2 test images of 28x28, labels 0-9."""
    files = {}
    for split, n in [("train", 3), ("t10k", 2)]:
        files[f"{split}-images-idx3-ubyte.gz"] = idx([(i * 7 + k) % 256 for i in range(n) for k in range(784)], [n, 28, 28])
        files[f"{split}-labels-idx1-ubyte.gz"] = idx([(i * 3) % 10 for i in range(n)], [n])
    return files


def download_transcript():
    files = synthetic_files()

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            name = self.path.rsplit("/", 1)[-1]
            if self.path.startswith("/bad/") or name not in files:
                self.send_error(404)
                return
            self.send_response(200)
            self.send_header("Content-Length", str(len(files[name])))
            self.end_headers()
            self.wfile.write(files[name])

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = "http://127.0.0.1:%d" % server.server_address[1]
    mirrors, resources = datasets.MNIST.mirrors, datasets.MNIST.resources
    datasets.MNIST.mirrors = [base + "/bad/", base + "/good/"]
    datasets.MNIST.resources = [(name, hashlib.md5(files[name]).hexdigest()) for name, _ in resources]
    out = io.StringIO()
    try:
        with tempfile.TemporaryDirectory() as root, contextlib.redirect_stdout(out), \
                contextlib.redirect_stderr(io.StringIO()):  # tqdm's bar
            datasets.MNIST(root, train=True, download=True)
            text = out.getvalue().replace(root, "{ROOT}")
    finally:
        datasets.MNIST.mirrors, datasets.MNIST.resources = mirrors, resources
        server.shutdown()
    lines = text.replace(base + "/bad/", "{BAD}").replace(base + "/good/", "{GOOD}").split("\n")
    # The error's wording is Python's (urllib's); the Go test checks there is one line of it.
    return ["{ERROR}" if lines[i - 1] == "Failed to download (trying next):" else l for i, l in enumerate(lines)]


def from_mnist_dir(src):
    with tempfile.TemporaryDirectory() as root:
        raw = os.path.join(root, "MNIST", "raw")
        os.makedirs(raw)
        for name, _ in datasets.MNIST.resources:
            with gzip.open(os.path.join(src, name), "rb") as fp, open(os.path.join(raw, name[:-3]), "wb") as out:
                shutil.copyfileobj(fp, out)
        tf = transforms.Compose([transforms.ToTensor(), transforms.Normalize((0.1307,), (0.3081,))])
        splits = {}
        for train in [True, False]:
            ds = datasets.MNIST(root, train=train, transform=tf)
            n = len(ds)
            samples = []
            for i in [0, 1, 777, n - 1]:
                x, y = ds[i]
                arr = x.numpy().astype("<f4")
                samples.append({"index": i, "target": y, "shape": list(arr.shape), "sha256": sha(arr.tobytes()),
                                "first": [float(v) for v in arr.reshape(-1)[150:155]]})
            splits["train" if train else "test"] = {
                "len": n, "images_sha256": sha(ds.data.numpy().tobytes()),
                "targets_sha256": sha(ds.targets.numpy().astype(np.uint8).tobytes()),
                "first_targets": ds.targets[:20].tolist(), "samples": samples}
            if train:
                train_ds = ds
            else:
                test_ds = ds
        # The MNIST example: torch.manual_seed(1), batch 64 shuffled, test batch 1000 in order.
        torch.manual_seed(1)
        loaders = {"train": torch.utils.data.DataLoader(train_ds, batch_size=64, shuffle=True),
                   "test": torch.utils.data.DataLoader(test_ds, batch_size=1000)}
        batches = {}
        for name, loader in loaders.items():
            out = []
            for k, (x, y) in enumerate(loader):
                out.append({"targets": y.tolist()[:64], "shape": list(x.shape),
                            "sha256": sha(x.numpy().astype("<f4").tobytes())})
                if k == 1:
                    break
            batches[name] = out
        return {"splits": splits, "loader_batches": batches}


def versions():
    return {"torch": torch.__version__, "torchvision": torchvision.__version__}


def generate(mnist_dir):
    doc = {"versions": versions(), "datasets": describe(), "download": download_transcript()}
    if mnist_dir:
        doc["mnist"] = from_mnist_dir(mnist_dir)
    return doc


def dumps(doc):
    return json.dumps(doc, indent=1, sort_keys=True) + "\n"


def check():
    path = os.path.join(HERE, OUT)
    rel = os.path.relpath(path)
    with open(path) as fp:
        want = json.load(fp)
    mnist_dir = os.environ.get("MNIST_DIR")
    got = generate(mnist_dir)
    note = ""
    if not mnist_dir:
        want.pop("mnist", None)
        note = " (MNIST_DIR not set: the part from the MNIST files not checked)"
    if want["versions"] != versions():
        print("%s: written with %s, checked with %s: %s, not compared exactly%s" % (
            rel, want["versions"], versions(), "same" if dumps(got) == dumps(want) else "differs", note))
        return 0
    if dumps(got) != dumps(want):
        print("%s differs from a fresh run (regenerate with gen_mnist.py)%s" % (rel, note))
        return 1
    print("%s: ok%s" % (rel, note))
    return 0


def main():
    if sys.argv[1:] == ["--check"]:
        return check()
    mnist_dir = os.environ.get("MNIST_DIR")
    if not mnist_dir:
        sys.exit("set MNIST_DIR to the folder of the original MNIST .gz files (torchvision's MNIST/raw)")
    with open(os.path.join(HERE, OUT), "w") as fp:
        fp.write(dumps(generate(mnist_dir)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
