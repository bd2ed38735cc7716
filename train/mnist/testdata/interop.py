#!/usr/bin/env python3
"""The Python side of train/mnist's state_dict interop test.

    interop.py MODEL load FILE   # torch.load FILE into the example's Net with strict=True
    interop.py MODEL save FILE   # torch.save a fresh Net's state_dict (after torch.manual_seed(9)) to FILE

MODEL is cnn (mnist/main.py's Net) or rnn (mnist_rnn/main.py's). Either way it prints, as a JSON
list, the Net's eval-mode outputs for det([4, 1, 28, 28], 77, 1.0), which the Go test compares with
its own.
"""

import json
import sys

import torch

import gen  # this directory's gen.py: both examples' Nets and parity's det()


def main(model, mode, path):
    make = {"cnn": gen.Net, "rnn": gen.RNNNet}[model]
    net = make()
    if mode == "load":
        net.load_state_dict(torch.load(path), strict=True)
    elif mode == "save":
        torch.manual_seed(9)
        net = make()
        if model == "rnn":  # give BatchNorm's buffers values of their own, as training would
            with torch.no_grad():
                net.batchnorm.running_mean.copy_(gen.parity.det([64], 3, 0.5))
                net.batchnorm.running_var.copy_(gen.parity.det([64], 4, 0.5).abs() + 0.5)
                net.batchnorm.num_batches_tracked.fill_(7)
        torch.save(net.state_dict(), path)
    else:
        sys.exit("interop.py: mode must be load or save, not %r" % mode)
    net.eval()
    with torch.no_grad():
        out = net(gen.parity.det([4, 1, 28, 28], 77, 1.0))
    print(json.dumps([float(v) for v in out.reshape(-1)]))


if __name__ == "__main__":
    main(*sys.argv[1:])
