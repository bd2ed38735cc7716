#!/usr/bin/env python3
"""The Python side of train/blitz's state_dict interop test.

    interop.py load FILE   # torch.load FILE into the tutorial's Net with strict=True
    interop.py save FILE   # torch.save a fresh Net's state_dict (after torch.manual_seed(9)) to FILE

Either way it prints, as a JSON list, the Net's outputs for det([2, 3, 32, 32], 77, 1.0), which the
Go test compares with its own.
"""

import json
import sys

import torch

import gen  # this directory's gen.py: the tutorial's Net and parity's det()


def main(mode, path):
    net = gen.Net()
    if mode == "load":
        net.load_state_dict(torch.load(path), strict=True)
    elif mode == "save":
        torch.manual_seed(9)
        net = gen.Net()
        torch.save(net.state_dict(), path)
    else:
        sys.exit("interop.py: mode must be load or save, not %r" % mode)
    with torch.no_grad():
        out = net(gen.parity.det([2, 3, 32, 32], 77, 1.0))
    print(json.dumps([float(v) for v in out.reshape(-1)]))


if __name__ == "__main__":
    main(*sys.argv[1:])
