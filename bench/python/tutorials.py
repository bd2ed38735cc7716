#!/usr/bin/env python3
"""The tutorials' training steps, timed as steps.py times the seed's; one JSON object per line on stdout.

  blitz_step      the 60-minute blitz's loop body (blitz.py's Net): zero_grad, forward,
                  CrossEntropyLoss, backward, SGD(lr=0.001, momentum=0.9) step, running_loss +=
                  loss.item(); batch 4, the tutorial's, whatever --batch says
  mnist_step      pytorch/examples mnist's loop body (mnist.py's Net, model.train()): zero_grad,
                  forward, F.nll_loss, backward, Adadelta(lr=1.0) step; batch 64, the example's
  mnist_rnn_step  pytorch/examples mnist_rnn's loop body (mnist_rnn.py's LSTM Net, model.train()):
                  the same with Adadelta(lr=0.1), the example's; batch 64

Synthetic input (torch.randn) and labels (i % 10) already on the device; the device synchronized once
before and once after the timed iterations, as in steps.py, whose flags this script takes.

    /usr/bin/python3 bench/python/tutorials.py --only blitz_step --device cpu
"""

import ast
import os
import sys

import torch
import torch.nn as nn
import torch.nn.functional as F
import torch.optim as optim

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import mnist  # noqa: E402  (the example's Net; its main() runs only as a script)
import mnist_rnn  # noqa: E402  (the LSTM example's Net, likewise)
import steps  # noqa: E402  (the timer, the flags and the printed row)

NAMES = ['blitz_step', 'mnist_step', 'mnist_rnn_step']


def blitz_net_class():
    """The Net class of blitz.py, which runs the whole tutorial when imported: its definition is
    compiled from that file's source, so there is one Net, the tutorial's."""
    path = os.path.join(HERE, 'blitz.py')
    with open(path) as f:
        tree = ast.parse(f.read(), path)
    net = [n for n in tree.body if isinstance(n, ast.ClassDef) and n.name == 'Net']
    if len(net) != 1:
        sys.exit('tutorials.py: %s has no single class Net' % path)
    scope = {'torch': torch, 'nn': nn, 'F': F}
    exec(compile(ast.Module(body=net, type_ignores=[]), path, 'exec'), scope)
    return scope['Net']


def synthetic(device, shape):
    data = torch.randn(*shape, device=device)
    target = (torch.arange(shape[0]) % 10).to(device)
    return data, target


def blitz_step(args, device):
    batch = 4
    net = blitz_net_class()().to(device)
    criterion = nn.CrossEntropyLoss()
    optimizer = optim.SGD(net.parameters(), lr=0.001, momentum=0.9)
    inputs, labels = synthetic(device, (batch, 3, 32, 32))
    running = [0.0]

    def step():
        optimizer.zero_grad()
        outputs = net(inputs)
        loss = criterion(outputs, labels)
        loss.backward()
        optimizer.step()
        running[0] += loss.item()

    return batch, args.iters, steps.time_iters(step, device, args.warmup, args.iters, args.repeat)


def mnist_step(args, device, net=mnist.Net, lr=1.0):
    batch = 64
    model = net().to(device)
    model.train()
    optimizer = optim.Adadelta(model.parameters(), lr=lr)
    data, target = synthetic(device, (batch, 1, 28, 28))

    def step():
        optimizer.zero_grad()
        output = model(data)
        loss = F.nll_loss(output, target)
        loss.backward()
        optimizer.step()

    return batch, args.iters, steps.time_iters(step, device, args.warmup, args.iters, args.repeat)


def mnist_rnn_step(args, device):
    return mnist_step(args, device, mnist_rnn.Net, 0.1)


def main(argv=None):
    argv = sys.argv[1:] if argv is None else list(argv)
    args = steps.parse_args(argv, NAMES)
    benchmarks = {name: globals()[name] for name in NAMES}
    for name in args.names:
        steps.run_one(name, args, benchmarks)


if __name__ == '__main__':
    main()
