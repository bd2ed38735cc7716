#!/usr/bin/env python3
"""The tutorials' training steps, timed as steps.py times the seed's; one JSON object per line on stdout.

  blitz_step      the 60-minute blitz's loop body (blitz.py's Net): zero_grad, forward,
                  CrossEntropyLoss, backward, SGD(lr=0.001, momentum=0.9) step, running_loss +=
                  loss.item(); batch 4, the tutorial's, whatever --batch says
  mnist_step      pytorch/examples mnist's loop body (mnist.py's Net, model.train()): zero_grad,
                  forward, F.nll_loss, backward, Adadelta(lr=1.0) step; batch 64, the example's
  mnist_rnn_step  pytorch/examples mnist_rnn's loop body (mnist_rnn.py's LSTM Net, model.train()):
                  the same with Adadelta(lr=0.1), the example's; batch 64
  blitz_epoch     the blitz's training loop over its trainloader: ImageFolder(--data/train) with the
                  tutorial's transform, batch 4, shuffle=True, --workers workers (the tutorial's 2)
  mnist_epoch     mnist.py's train() for one epoch over MNIST (--mnist: a root holding MNIST/raw)
                  through the example's CPU train_loader (batch 64, no workers, not shuffled)
  mnist_rnn_epoch mnist_rnn.py's train() likewise (its loader shuffled)

The epochs train on as many images as --max-batches batches of 32 (the seed's ae_epoch measure;
the first n of MNIST, as Subset(dataset1, range(n))), after --warmup steps on a synthetic batch;
the loader's start-up is timed, its shutdown not.

Synthetic input (torch.randn) and labels (i % 10) already on the device; the device synchronized once
before and once after the timed iterations, as in steps.py, whose flags this script takes.

    /usr/bin/python3 bench/python/tutorials.py --only blitz_step --device cpu
"""

import argparse
import ast
import contextlib
import io
import os
import sys

import torch
import torch.nn as nn
import torch.nn.functional as F
import torch.optim as optim
import torchvision
from torchvision import datasets, transforms

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import mnist  # noqa: E402  (the example's Net; its main() runs only as a script)
import mnist_rnn  # noqa: E402  (the LSTM example's Net, likewise)
import steps  # noqa: E402  (the timer, the flags and the printed row)

NAMES = ['blitz_step', 'mnist_step', 'mnist_rnn_step', 'blitz_epoch', 'mnist_epoch', 'mnist_rnn_epoch']


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


def epoch_images(args):
    """How many images an epoch measurement trains on: --max-batches batches of 32; None is all."""
    return args.max_batches * 32 if args.max_batches else None


def warm(step, device, shape, warmup):
    data, target = synthetic(device, shape)
    for _ in range(warmup):
        step(data, target)


def blitz_epoch(args, device):
    if args.data is None:
        sys.exit('tutorials.py: blitz_epoch needs --data DIR (an ImageFolder root with train/)')
    batch = 4
    transform = transforms.Compose(  # blitz.py's
        [transforms.ToTensor(),
         transforms.Normalize((0.5, 0.5, 0.5), (0.5, 0.5, 0.5))])
    trainset = torchvision.datasets.ImageFolder(os.path.join(args.data, 'train'), transform=transform)
    trainloader = torch.utils.data.DataLoader(trainset, batch_size=batch, shuffle=True, num_workers=args.workers)
    net = blitz_net_class()().to(device)
    criterion = nn.CrossEntropyLoss()
    optimizer = optim.SGD(net.parameters(), lr=0.001, momentum=0.9)

    def step(inputs, labels):
        optimizer.zero_grad()
        outputs = net(inputs)
        loss = criterion(outputs, labels)
        loss.backward()
        optimizer.step()
        return loss.item()

    warm(step, device, (batch, 3, 32, 32), args.warmup)
    n = epoch_images(args)
    batches = len(trainloader) if n is None else min(len(trainloader), n // batch)
    running_loss = 0.0
    images = 0
    with steps.Timer(device) as t:
        it = iter(trainloader)
        for _ in range(batches):
            inputs, labels = next(it)
            inputs, labels = inputs.to(device), labels.to(device)
            running_loss += step(inputs, labels)
            images += inputs.size(0)
    del it  # the workers' shutdown, after the timer
    return batch, batches, t, images


def mnist_epoch(args, device, example=mnist, shuffle=False, lr=1.0):
    if args.mnist is None:
        sys.exit('tutorials.py: the mnist epochs need --mnist DIR (a root holding MNIST/raw)')
    transform = transforms.Compose([  # the examples'
        transforms.ToTensor(),
        transforms.Normalize((0.1307,), (0.3081,))
        ])
    dataset1 = datasets.MNIST(args.mnist, train=True, download=False, transform=transform)
    n = epoch_images(args)
    n = len(dataset1) if n is None else min(len(dataset1), n)
    train_loader = torch.utils.data.DataLoader(torch.utils.data.Subset(dataset1, range(n)), batch_size=64, shuffle=shuffle)
    model = example.Net().to(device)
    optimizer = optim.Adadelta(model.parameters(), lr=lr)

    def step(data, target):
        optimizer.zero_grad()
        F.nll_loss(model(data), target).backward()
        optimizer.step()

    model.train()
    warm(step, device, (64, 1, 28, 28), args.warmup)
    example_args = argparse.Namespace(log_interval=10, dry_run=False)  # the example's defaults
    with contextlib.redirect_stdout(io.StringIO()), steps.Timer(device) as t:
        example.train(example_args, model, device, train_loader, optimizer, 1)
    return 64, len(train_loader), t, n


def mnist_rnn_epoch(args, device):
    return mnist_epoch(args, device, mnist_rnn, shuffle=True, lr=0.1)


def main(argv=None):
    argv = sys.argv[1:] if argv is None else list(argv)
    args = steps.parse_args(argv, NAMES)
    benchmarks = {name: globals()[name] for name in NAMES}
    for name in args.names:
        steps.run_one(name, args, benchmarks)


if __name__ == '__main__':
    main()
