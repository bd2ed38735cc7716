#!/usr/bin/env python3
"""The seed's autoencoder step under DistributedDataParallel, one rank of a data-parallel job; timed
as steps.py times the seed's step. Rank 0 prints the JSON row (images per second of that rank).

  ae_step_ddp  zero_grad, DDP(ConvAutoencoder) forward, MSELoss(out, x), backward (the gradients
               averaged over the ranks by DDP's Reducer), Adam(lr=1e-3) step; --batch images per rank

The rank joins init_process_group("gloo") over env:// (RANK, WORLD_SIZE, MASTER_ADDR, MASTER_PORT, as
torchrun sets them; bench/harness.go starts the ranks the same way); one intra-op thread per rank
unless --threads says otherwise. CPU only (Gloo).

    torchrun --redirects 1 --tee 1 --nproc_per_node 2 bench/python/ddp.py --only ae_step_ddp --device cpu
"""

import os
import sys

import torch
import torch.distributed as dist
import torch.nn as nn
from torch.nn.parallel import DistributedDataParallel as DDP

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import seed  # noqa: E402  (the blog's ConvAutoencoder)
import steps  # noqa: E402  (the timer, the flags and the printed row)

NAMES = ['ae_step_ddp']


def ae_step_ddp(args, device):
    model = DDP(seed.ConvAutoencoder().to(device))
    loss_function = nn.MSELoss()
    optimizer = torch.optim.Adam(model.parameters(), lr=0.001)
    images = torch.randn(args.batch, 3, 32, 32, device=device)

    def step():
        optimizer.zero_grad()
        outputs = model(images)
        loss = loss_function(outputs, images)
        loss.backward()
        optimizer.step()

    return args.batch, args.iters, steps.time_iters(step, device, args.warmup, args.iters, args.repeat)


def main(argv=None):
    argv = sys.argv[1:] if argv is None else list(argv)
    args = steps.parse_args(argv, NAMES)
    if args.device not in ('cpu', 'auto'):
        sys.exit('ddp.py: Gloo runs on the CPU: give --device cpu')
    args.device = 'cpu'
    if args.threads is None:
        args.threads = 1
    dist.init_process_group('gloo')
    try:
        if dist.get_rank() != 0:
            sys.stdout = open(os.devnull, 'w')
        steps.run_one(args.names[0], args, {name: globals()[name] for name in NAMES})
        dist.barrier()
    finally:
        dist.destroy_process_group()


if __name__ == '__main__':
    main()
