#!/usr/bin/env python3
"""Writes distributed_sampler.json: the indices PyTorch's DistributedSampler gives each rank.

    /usr/bin/python3 torch/utils/data/testdata/gen_distributed.py           # rewrite the file
    /usr/bin/python3 torch/utils/data/testdata/gen_distributed.py --check   # compare; writes nothing

"cases": one per sampler configuration, {"n", "num_replicas", "shuffle", "seed", "drop_last",
"len", "ranks": [[indices of epoch e for e in "epochs"] for each rank], "epochs"}: the sampler is
DistributedSampler(range(n), num_replicas, rank, shuffle, seed, drop_last), set_epoch(e) before each
epoch. The orders come from torch.randperm on a torch.Generator seeded with seed + epoch, so they
are integers compared exactly (distributed_sampler_test.go replays them with the Go sampler).
"""
import argparse
import importlib.util
import os
import sys

try:
    import torch
except ImportError:  # pragma: no cover - depends on the machine
    _system = "/usr/bin/python3"
    if (os.environ.get("DIST_GEN_REEXEC") is None and os.path.exists(_system)
            and os.path.realpath(sys.executable) != os.path.realpath(_system)):
        os.environ["DIST_GEN_REEXEC"] = "1"
        os.execv(_system, [_system] + sys.argv)
    sys.exit("gen_distributed.py: cannot import torch (install Debian's python3-torch)")
from torch.utils.data import DistributedSampler

HERE = os.path.dirname(os.path.abspath(__file__))
FILE = "distributed_sampler.json"

_spec = importlib.util.spec_from_file_location(
    "parity_gen", os.path.join(HERE, "..", "..", "..", "testdata", "parity", "gen.py"))
parity = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(parity)

EPOCHS = [0, 1, 7]


def generate():
    cases = []
    for n, replicas, shuffle, seed, drop_last in [
        (10, 2, True, 0, False),     # divides evenly
        (10, 3, True, 0, False),     # padded with the head of the order
        (10, 3, True, 0, True),      # the tail dropped
        (10, 4, False, 0, False),    # no shuffle: range(n), padded
        (10, 4, False, 0, True),
        (2, 5, True, 3, False),      # fewer samples than replicas: padded by repeating the whole order
        (2, 5, True, 3, True),       # ... or nothing at all
        (1, 3, False, 0, False),
        (257, 4, True, 42, False),
        (1000, 8, True, 2**40 + 1, True),
        (50000, 2, True, 0, False),  # CIFAR-10's train split on two ranks
    ]:
        ranks = []
        for rank in range(replicas):
            s = DistributedSampler(range(n), num_replicas=replicas, rank=rank, shuffle=shuffle, seed=seed,
                                   drop_last=drop_last)
            epochs = []
            for e in EPOCHS:
                s.set_epoch(e)
                epochs.append(list(s))
            ranks.append(epochs)
        if n > 1000:
            ranks = [[{"head": ix[:32], "sum": sum(ix), "sum_sq": sum(i * i for i in ix), "len": len(ix)}
                      for ix in epochs] for epochs in ranks]
        cases.append({"n": n, "num_replicas": replicas, "shuffle": shuffle, "seed": seed, "drop_last": drop_last,
                      "len": len(s), "epochs": EPOCHS, "ranks": ranks})
    return {"torch_version": torch.__version__, "cases": cases}


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--check", action="store_true", help="regenerate in memory and compare with the file")
    a = ap.parse_args()
    ok = parity.write_or_check(os.path.join(HERE, FILE), parity.encode(generate()) + "\n", a.check,
                               "gen_distributed.py", 0)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
