#!/usr/bin/env python3
"""Writes orders.json: the orders in which PyTorch's DataLoader and RandomSampler visit indices.

Run with Debian's Python (torch 1.13.1):

    /usr/bin/python3 gen.py           # rewrite orders.json
    /usr/bin/python3 gen.py --check   # regenerate in memory and compare; writes nothing

Every value is an integer drawn from torch's mt19937 generators, so the comparison is exact. Under
another torch than the one that wrote the file (its "versions" entry), the draws may differ; --check
then reports the difference without failing, and says so.

Cases (data_test.go replays each with the Go loader):
  loader       torch.manual_seed(seed), then DataLoader(range(n), batch_size, shuffle=True,
               drop_last) for a few epochs: each epoch's order (long ones as a head and a SHA-256)
  interleaved  a shuffled train loader and an unshuffled test loader per epoch, with torch.rand
               draws in between (a model's dropout, say): the orders, and the draws, which show
               the default generator's stream is where PyTorch's is
  generator    DataLoader(..., generator=torch.Generator().manual_seed(seed))
  sampler      RandomSampler with replacement and/or num_samples
  randperm     torch.randperm(n, generator=torch.Generator().manual_seed(seed)) and random_() draws
"""
import hashlib
import json
import os
import sys

import torch
from torch.utils.data import DataLoader, RandomSampler

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = "orders.json"
FULL = 1000  # orders up to this length are stored whole; longer ones as a head and a digest


def order(indices):
    indices = [int(i) for i in indices]
    if len(indices) <= FULL:
        return {"order": indices}
    digest = hashlib.sha256(",".join(map(str, indices)).encode()).hexdigest()
    return {"head": indices[:64], "len": len(indices), "sha256": digest}


def epoch(loader):
    batches = [b.tolist() for b in loader]
    return dict(order(sum(batches, [])), batch_sizes=sorted(set(len(b) for b in batches)), batches=len(batches))


def generate():
    cases = []
    for seed, n, batch, drop_last in [(0, 10, 3, False), (1, 100, 8, True), (42, 257, 32, False),
                                      (2**40 + 5, 50, 7, False), (1, 60000, 64, False), (7, 50000, 4, False)]:
        torch.manual_seed(seed)
        loader = DataLoader(range(n), batch_size=batch, shuffle=True, drop_last=drop_last)
        cases.append({"kind": "loader", "seed": seed, "n": n, "batch_size": batch, "drop_last": drop_last,
                      "epochs": [epoch(loader) for _ in range(3)]})

    torch.manual_seed(3)
    train = DataLoader(range(50), batch_size=8, shuffle=True, drop_last=True)
    test = DataLoader(range(20), batch_size=5)
    epochs = []
    for _ in range(3):
        e = {"train": epoch(train)}
        e["rand"] = torch.rand(13).tolist()  # dropout between epochs, say
        e["test"] = epoch(test)
        epochs.append(e)
    cases.append({"kind": "interleaved", "seed": 3, "epochs": epochs, "after": torch.rand(3).tolist()})

    g = torch.Generator().manual_seed(5)
    loader = DataLoader(range(30), batch_size=4, shuffle=True, generator=g)
    cases.append({"kind": "generator", "seed": 5, "n": 30, "batch_size": 4,
                  "epochs": [epoch(loader) for _ in range(3)]})

    for seed, n, replacement, num_samples, use_generator in [(11, 37, True, 70, True), (12, 37, True, None, False),
                                                               (13, 10, False, 25, False), (14, 10, False, 7, True)]:
        torch.manual_seed(seed)
        g = torch.Generator().manual_seed(seed + 100) if use_generator else None
        sampler = RandomSampler(range(n), replacement=replacement, num_samples=num_samples, generator=g)
        cases.append({"kind": "sampler", "seed": seed, "n": n, "replacement": replacement,
                      "num_samples": num_samples or 0, "generator_seed": seed + 100 if use_generator else None,
                      "epochs": [order(list(sampler)) for _ in range(2)]})

    for seed, n in [(0, 10), (1, 1), (2, 2), (123, 1000), (2**33 + 9, 17), (99, 5000)]:
        g = torch.Generator().manual_seed(seed)
        perm = torch.randperm(n, generator=g).tolist()
        draws = [int(torch.empty((), dtype=torch.int64).random_(generator=g)) for _ in range(3)]
        cases.append({"kind": "randperm", "seed": seed, "n": n, "initial_seed": g.initial_seed(),
                      "perm": order(perm), "random_int64": draws})
    return {"versions": versions(), "cases": cases}


def versions():
    return {"torch": torch.__version__}


def dumps(doc):
    return json.dumps(doc, indent=0, sort_keys=True) + "\n"


def check():
    path = os.path.join(HERE, OUT)
    with open(path) as fp:
        want = fp.read()
    made_by = json.loads(want)["versions"]
    got = dumps(generate())
    rel = os.path.relpath(path)
    if made_by != versions():
        print("%s: written with %s, checked with %s: %s, not compared exactly" % (
            rel, made_by, versions(), "same" if got == want else "differs"))
        return 0
    if got != want:
        print("%s differs from a fresh run (regenerate with gen.py)" % rel)
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
