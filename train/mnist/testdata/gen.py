#!/usr/bin/env python3
"""Writes fixture.json, what train/mnist's Go tests hold the two MNIST examples' models to.

    python3 train/mnist/testdata/gen.py           # rewrite fixture.json beside this script
    python3 train/mnist/testdata/gen.py --check   # regenerate in memory; exit 1 if the file differs

For each example's Net (pytorch/examples mnist/main.py and mnist_rnn/main.py, taken from their
runnable copies bench/python/mnist.py and mnist_rnn.py), as its main() does: torch.manual_seed(1),
Net(), Adadelta(lr) and StepLR(step_size=1, gamma=0.7); then 20 steps of its train() loop in
training mode, dropout active, on batches of 16 made by det() (torch/testdata/parity/gen.py,
mirrored by Go's parity.Det), with scheduler.step() after every 5 steps (an "epoch"). Dropout draws
its masks from torch's default generator, right after the initialisation drew the weights, and the
Go port draws the same masks from the same libtorch generator, so nothing needs switching off.
Stored: summaries of the initial and final state_dict (BatchNorm's buffers included), the 20 losses
and learning rates, and the eval-mode output and summed NLL of one more batch. --check compares with
the tolerances of torch/testdata/parity/gen.py (each number against the magnitude of what made it,
1e-5), never writing.
"""

import argparse
import importlib.util
import os
import sys
import warnings

HERE = os.path.dirname(os.path.abspath(__file__))
_spec = importlib.util.spec_from_file_location(
    "parity_gen", os.path.join(HERE, "..", "..", "..", "torch", "testdata", "parity", "gen.py"))
parity = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(parity)  # one thread, float32 default, torch (re-executing /usr/bin/python3 if needed)

import torch  # noqa: E402
import torch.nn.functional as F  # noqa: E402
import torch.optim as optim  # noqa: E402
from torch.optim.lr_scheduler import StepLR  # noqa: E402


# mnist/main.py's Net, from the runnable copy of the example that the Go port sits beside.
_spec = importlib.util.spec_from_file_location(
    "mnist_example", os.path.join(HERE, "..", "..", "..", "bench", "python", "mnist.py"))
mnist_example = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(mnist_example)
Net = mnist_example.Net


# mnist_rnn/main.py's Net, from the runnable copy of that example.
_spec = importlib.util.spec_from_file_location(
    "mnist_rnn_example", os.path.join(HERE, "..", "..", "..", "bench", "python", "mnist_rnn.py"))
mnist_rnn_example = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(mnist_rnn_example)
RNNNet = mnist_rnn_example.Net


STEPS = 20
STEPS_PER_EPOCH = 5
BATCH = [16, 1, 28, 28]
SEED = 1
GAMMA = 0.7


def state_summary(model):
    """Every state_dict entry: floating tensors summarised, integer ones (num_batches_tracked) exact."""
    out = []
    for name, t in model.state_dict().items():
        if t.is_floating_point():
            out.append(parity.summary(name, t))
        else:
            out.append({"name": name, "int": [int(v) for v in t.reshape(-1).tolist()]})
    return out


def run(make, lr, seed_base):
    torch.manual_seed(SEED)
    model = make()
    init = state_summary(model)
    optimizer = optim.Adadelta(model.parameters(), lr=lr)
    scheduler = StepLR(optimizer, step_size=1, gamma=GAMMA)
    model.train()
    losses, lrs = [], []
    for k in range(STEPS):
        data = parity.det(BATCH, seed_base + k, 1.0)
        target = parity.det_labels(BATCH[0], k, 10)
        lrs.append(optimizer.param_groups[0]["lr"])
        optimizer.zero_grad()
        output = model(data)
        loss = F.nll_loss(output, target)
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
        if k % STEPS_PER_EPOCH == STEPS_PER_EPOCH - 1:
            scheduler.step()
    model.eval()
    with torch.no_grad():
        data = parity.det(BATCH, seed_base + STEPS, 1.0)
        target = parity.det_labels(BATCH[0], STEPS, 10)
        output = model(data)
        test_loss = F.nll_loss(output, target, reduction='sum').item()
        pred = output.argmax(dim=1, keepdim=True)
        correct = pred.eq(target.view_as(pred)).sum().item()
    return {
        "state_dict_keys": list(model.state_dict().keys()),
        "lr": lr,
        "batch": {"shape": BATCH, "seed_base": seed_base, "scale": 1.0},
        "labels": {"n": BATCH[0], "seed_base": 0, "classes": 10},
        "init": init,
        "losses": losses,
        "lrs": lrs,
        "final": state_summary(model),
        "eval_output": parity.summary("output", output),
        "eval_loss_sum": test_loss,
        "eval_correct": correct,
    }


def generate():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # dropout2d's warning about 2-D input, which the example gets too
        rnn = run(RNNNet, 0.1, 7100)
    return {
        "torch_version": torch.__version__,
        "num_threads": torch.get_num_threads(),
        "seed": SEED,
        "gamma": GAMMA,
        "steps": STEPS,
        "steps_per_epoch": STEPS_PER_EPOCH,
        "cnn": run(Net, 1.0, 7000),
        "rnn": rnn,
    }


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--check", action="store_true", help="regenerate in memory and compare with fixture.json")
    a = ap.parse_args()
    ok = parity.write_or_check(os.path.join(HERE, "fixture.json"), parity.encode(generate()) + "\n", a.check, "gen.py")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
