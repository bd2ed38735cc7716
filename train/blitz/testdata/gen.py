#!/usr/bin/env python3
"""Writes fixture.json, what train/blitz's Go tests hold the blitz's Net to.

    python3 train/blitz/testdata/gen.py           # rewrite fixture.json beside this script
    python3 train/blitz/testdata/gen.py --check   # regenerate in memory; exit 1 if the file differs

The tutorial's Net (bench/python/blitz.py, copied here because that file runs the whole tutorial
when imported) is built after torch.manual_seed(0), so its weights are PyTorch's default
initialisation, which the Go port must draw the same way; only summaries of them are stored. It
then trains 20 steps as the tutorial's loop does (CrossEntropyLoss, SGD lr=0.001 momentum=0.9) on
batches of 4 made by det() (torch/testdata/parity/gen.py, mirrored by Go's parity.Det), so no
tensor is stored either. A second run uses lr=0.05 so that 20 steps move the weights far enough
for a wrong momentum to show. --check compares with the tolerances of torch/testdata/parity/gen.py
(each number against the magnitude of what made it, 1e-5), never writing.
"""

import argparse
import importlib.util
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
_spec = importlib.util.spec_from_file_location(
    "parity_gen", os.path.join(HERE, "..", "..", "..", "torch", "testdata", "parity", "gen.py"))
parity = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(parity)  # one thread, float32 default, torch (re-executing /usr/bin/python3 if needed)

import torch  # noqa: E402
import torch.nn as nn  # noqa: E402
import torch.nn.functional as F  # noqa: E402


class Net(nn.Module):
    """The tutorial's Net, verbatim."""

    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(3, 6, 5)
        self.pool = nn.MaxPool2d(2, 2)
        self.conv2 = nn.Conv2d(6, 16, 5)
        self.fc1 = nn.Linear(16 * 5 * 5, 120)
        self.fc2 = nn.Linear(120, 84)
        self.fc3 = nn.Linear(84, 10)

    def forward(self, x):
        x = self.pool(F.relu(self.conv1(x)))
        x = self.pool(F.relu(self.conv2(x)))
        x = torch.flatten(x, 1) # flatten all dimensions except batch
        x = F.relu(self.fc1(x))
        x = F.relu(self.fc2(x))
        x = self.fc3(x)
        return x


STEPS = 20
BATCH = [4, 3, 32, 32]
BATCH_SEED_BASE = 5000
INIT_SEED = 0


def run(lr):
    torch.manual_seed(INIT_SEED)
    net = Net()
    init = parity.param_summary(net)
    criterion = nn.CrossEntropyLoss()
    optimizer = torch.optim.SGD(net.parameters(), lr=lr, momentum=0.9)
    losses = []
    for k in range(STEPS):
        inputs = parity.det(BATCH, BATCH_SEED_BASE + k, 1.0)
        labels = parity.det_labels(BATCH[0], k, 10)
        optimizer.zero_grad()
        outputs = net(inputs)
        loss = criterion(outputs, labels)
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    return net, init, {"lr": lr, "momentum": 0.9, "losses": losses, "final": parity.param_summary(net)}


def generate():
    net, init, tutorial = run(0.001)
    _, _, fast = run(0.05)
    return {
        "torch_version": torch.__version__,
        "num_threads": torch.get_num_threads(),
        "state_dict_keys": list(net.state_dict().keys()),
        "init_seed": INIT_SEED,
        "init": init,
        "batch": {"shape": BATCH, "seed_base": BATCH_SEED_BASE, "scale": 1.0},
        "labels": {"n": BATCH[0], "seed_base": 0, "classes": 10},
        "steps": STEPS,
        "runs": [tutorial, fast],
    }


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--check", action="store_true", help="regenerate in memory and compare with fixture.json")
    a = ap.parse_args()
    ok = parity.write_or_check(os.path.join(HERE, "fixture.json"), parity.encode(generate()) + "\n", a.check, "gen.py")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
