#!/usr/bin/env python3
"""A Python rank for torch/distributed's tests: it joins a group with Go ranks through PyTorch's own
init_process_group("gloo") (env://: RANK, WORLD_SIZE, MASTER_ADDR, MASTER_PORT; GLOO_SOCKET_IFNAME
picks the interface) and runs the collectives of the Go worker "collectives"
(torch/distributed/distributed_test.go), in the same order, checking the same results. Its last line
is "ok" or "error: ..."; the exit status says the same.

AECIFAR_DIST_TIMEOUT_MS sets the group's timeout (default: PyTorch's 30 minutes).

    RANK=0 WORLD_SIZE=1 MASTER_ADDR=127.0.0.1 MASTER_PORT=29500 GLOO_SOCKET_IFNAME=lo \\
        /usr/bin/python3 bench/python/dist_peer.py

Run it from outside the repository: there `import torch` finds the Go package torch/.
"""

import math
import os
import sys
from datetime import timedelta

import torch
import torch.distributed as dist


def expect(name, got, want):
    got = got.tolist()
    if len(got) != len(want) or any(abs(g - w) > 1e-6 * max(1, abs(w)) for g, w in zip(got, want)):
        raise RuntimeError(f"{name}: got {got}, want {want}")


def collectives():
    r, w = dist.get_rank(), dist.get_world_size()
    if r != int(os.environ["RANK"]):
        raise RuntimeError(f"get_rank {r}, want {os.environ['RANK']}")
    total = w * (w + 1) / 2

    def step(name, op, values, want):
        t = torch.tensor(values, dtype=torch.float32)
        dist.all_reduce(t, op=op)
        if name == "avg":
            t /= w  # Gloo has no ReduceOp.AVG in torch 1.13: the Go ranks' Avg is this sum, divided
        expect(name, t, want)

    R = dist.ReduceOp
    step("sum", R.SUM, [r + 1, 2 * (r + 1)], [total, 2 * total])
    step("avg", R.SUM, [r + 1, -(r + 1)], [total / w, -total / w])
    step("max", R.MAX, [r + 1], [w])
    step("min", R.MIN, [r + 1], [1])
    step("product", R.PRODUCT, [r + 1], [math.factorial(w)])

    b = torch.tensor([10 * r, 10 * r + 1, 10 * r + 2], dtype=torch.float32)
    dist.broadcast(b, w - 1)
    expect("broadcast", b, [10 * (w - 1), 10 * (w - 1) + 1, 10 * (w - 1) + 2])

    outs = [torch.zeros(2, dtype=torch.int64) for _ in range(w)]
    dist.all_gather(outs, torch.tensor([r, 100 * r]))
    for i, o in enumerate(outs):
        if o.tolist() != [i, 100 * i]:
            raise RuntimeError(f"all_gather[{i}]: got {o.tolist()}")

    dist.barrier()

    rs = torch.zeros(1)
    try:
        dist.reduce_scatter(rs, [torch.tensor([float(r)]) for _ in range(w)])
        expect("reduce_scatter", rs, [total - w])
    except RuntimeError as e:
        if "does not support reduce_scatter" not in str(e):
            raise
    step("sum after reduce_scatter", R.SUM, [1], [w])
    dist.barrier()


def main():
    ms = int(os.environ.get("AECIFAR_DIST_TIMEOUT_MS", "0"))
    timeout = timedelta(milliseconds=ms) if ms > 0 else timedelta(minutes=30)
    dist.init_process_group("gloo", timeout=timeout)
    try:
        collectives()
    finally:
        dist.destroy_process_group()


if __name__ == "__main__":
    try:
        main()
    except Exception as e:  # one line for the Go test to read
        print("error:", str(e).splitlines()[0] if str(e) else repr(e), flush=True)
        sys.exit(1)
    print("ok", flush=True)
