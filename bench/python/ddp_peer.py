#!/usr/bin/env python3
"""A Python rank for torch/nn/parallel's DistributedDataParallel tests: PyTorch's own DDP on the Go
worker's problem (torch/nn/parallel/distributed_test.go, workerTrain), in one job with Go ranks.

The model is fc2(relu(fc1(x) * scale)) with Linear(6, 16), Linear(16, 3) and a buffer scale = [1],
each rank initialised from manual_seed(rank + 1) (DDP broadcasts rank 0's). Five SGD(lr=0.1)
steps of MSELoss on this rank's rows of a global batch of 8 computed from a formula
(x[i, j] = sin(step*31 + i*7 + j), y[i, j] = cos(step*17 + i*5 + j)); before each of the first
four forwards the rank adds its rank to the buffer (DDP broadcasts rank 0's again); the last step
accumulates two micro-batches, the first under no_sync(). Prints "params: " and the parameters as
JSON, or "error: ...".

    RANK=1 WORLD_SIZE=2 MASTER_ADDR=127.0.0.1 MASTER_PORT=29500 GLOO_SOCKET_IFNAME=lo \\
        /usr/bin/python3 bench/python/ddp_peer.py

Run it from outside the repository: there `import torch` finds the Go package torch/.
"""

import json
import math
import sys
from datetime import timedelta

import torch
import torch.distributed as dist
import torch.nn as nn

BATCH, STEPS = 8, 5


class MLP(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(6, 16)
        self.fc2 = nn.Linear(16, 3)
        self.register_buffer("scale", torch.ones(1))

    def forward(self, x):
        return self.fc2(torch.relu(self.fc1(x) * self.scale))


def batch_of(step):
    x = torch.tensor([[math.sin(step * 31 + i * 7 + j) for j in range(6)] for i in range(BATCH)], dtype=torch.float32)
    y = torch.tensor([[math.cos(step * 17 + i * 5 + j) for j in range(3)] for i in range(BATCH)], dtype=torch.float32)
    return x, y


def main():
    torch.set_num_threads(1)
    dist.init_process_group("gloo", timeout=timedelta(seconds=30))
    rank, world = dist.get_rank(), dist.get_world_size()
    torch.manual_seed(rank + 1)
    m = MLP()
    ddp = nn.parallel.DistributedDataParallel(m)
    opt = torch.optim.SGD(ddp.parameters(), lr=0.1)
    loss_fn = nn.MSELoss()
    local = BATCH // world

    def step(x, y, rows, start):
        loss_fn(ddp(x[start:start + rows]), y[start:start + rows]).backward()

    for k in range(STEPS):
        opt.zero_grad()
        x, y = batch_of(k)
        if k < STEPS - 1:
            with torch.no_grad():
                m.scale.add_(rank)
            step(x, y, local, rank * local)
        else:
            half = local // 2
            with ddp.no_sync():
                step(x, y, half, rank * local)
            step(x, y, local - half, rank * local + half)
        opt.step()
    print("params: " + json.dumps([p.detach().reshape(-1).tolist() for p in ddp.parameters()]))
    dist.destroy_process_group()


if __name__ == "__main__":
    try:
        main()
    except Exception as e:  # one line for the Go test to read
        print("error: %s" % str(e).splitlines()[0] if str(e) else "error: %r" % e)
        sys.exit(1)
