#!/usr/bin/env python3
"""pytorch/examples mnist_rnn/main.py, made runnable here (the Python that cmd/mnist_rnn ports; see
train/mnist). The example's code (BSD licence, ../shared/tutorials/LICENSE-pytorch-examples) is kept
as it is; what this file changes is marked "NOT IN THE EXAMPLE":
  - --data, the datasets root (the example's '../data'), so that it reads the MNIST files where
    they are;
  - torch.accelerator is torch 2.6's: on an older torch (Debian 12's 1.13) a stand-in answers for
    CUDA, which is what torch.accelerator does on a machine with CUDA and nothing else;
  - --results FILE (optional): the printed test lines and wall times as JSON.
Nothing inside Net, train() or test() changes. Under torch 1.13 Dropout2d warns (once, on stderr)
that it was given 2-D input; the example gets that warning too.

    cd /tmp/run && /usr/bin/python3 /path/to/bench/python/mnist_rnn.py --data /tmp/mnist --dry-run
"""
from __future__ import print_function

import argparse
import json  # NOT IN THE EXAMPLE
import time  # NOT IN THE EXAMPLE

import torch
import torch.nn as nn
import torch.nn.functional as F
import torch.optim as optim
from torch.optim.lr_scheduler import StepLR
from torchvision import datasets, transforms


if not hasattr(torch, 'accelerator'):  # NOT IN THE EXAMPLE: torch < 2.6 has no torch.accelerator
    class _Accelerator:
        @staticmethod
        def is_available():
            return torch.cuda.is_available()

        @staticmethod
        def current_accelerator():
            return torch.device('cuda')
    torch.accelerator = _Accelerator()


class Net(nn.Module):
    def __init__(self):
        super(Net, self).__init__()
        self.rnn = nn.LSTM(input_size=28, hidden_size=64, batch_first=True)
        self.batchnorm = nn.BatchNorm1d(64)
        self.dropout1 = nn.Dropout2d(0.25)
        self.dropout2 = nn.Dropout2d(0.5)
        self.fc1 = nn.Linear(64, 32)
        self.fc2 = nn.Linear(32, 10)

    def forward(self, input):
        # Shape of input is (batch_size,1, 28, 28)
        # converting shape of input to (batch_size, 28, 28)
        # as required by RNN when batch_first is set True
        input = input.reshape(-1, 28, 28)
        output, hidden = self.rnn(input)

        # RNN output shape is (seq_len, batch, input_size)
        # Get last output of RNN
        output = output[:, -1, :]
        output = self.batchnorm(output)
        output = self.dropout1(output)
        output = self.fc1(output)
        output = F.relu(output)
        output = self.dropout2(output)
        output = self.fc2(output)
        output = F.log_softmax(output, dim=1)
        return output


def train(args, model, device, train_loader, optimizer, epoch):
    model.train()
    for batch_idx, (data, target) in enumerate(train_loader):
        data, target = data.to(device), target.to(device)
        optimizer.zero_grad()
        output = model(data)
        loss = F.nll_loss(output, target)
        loss.backward()
        optimizer.step()
        if batch_idx % args.log_interval == 0:
            print('Train Epoch: {} [{}/{} ({:.0f}%)]\tLoss: {:.6f}'.format(
                epoch, batch_idx * len(data), len(train_loader.dataset),
                       100. * batch_idx / len(train_loader), loss.item()))
            if args.dry_run:
                break


def test(args, model, device, test_loader):
    model.eval()
    test_loss = 0
    correct = 0
    with torch.no_grad():
        for data, target in test_loader:
            data, target = data.to(device), target.to(device)
            output = model(data)
            test_loss += F.nll_loss(output, target, reduction='sum').item()  # sum up batch loss
            pred = output.argmax(dim=1, keepdim=True)  # get the index of the max log-probability
            correct += pred.eq(target.view_as(pred)).sum().item()
            if args.dry_run:
                break

    test_loss /= len(test_loader.dataset)

    print('\nTest set: Average loss: {:.4f}, Accuracy: {}/{} ({:.0f}%)\n'.format(
        test_loss, correct, len(test_loader.dataset),
        100. * correct / len(test_loader.dataset)))


def main():
    # Training settings
    parser = argparse.ArgumentParser(description='PyTorch MNIST Example using RNN')
    parser.add_argument('--batch-size', type=int, default=64, metavar='N',
                        help='input batch size for training (default: 64)')
    parser.add_argument('--test-batch-size', type=int, default=1000, metavar='N',
                        help='input batch size for testing (default: 1000)')
    parser.add_argument('--epochs', type=int, default=14, metavar='N',
                        help='number of epochs to train (default: 14)')
    parser.add_argument('--lr', type=float, default=0.1, metavar='LR',
                        help='learning rate (default: 0.1)')
    parser.add_argument('--gamma', type=float, default=0.7, metavar='M',
                        help='learning rate step gamma (default: 0.7)')
    parser.add_argument('--accel', action='store_true',
                        help='enables accelerator')
    parser.add_argument('--dry-run', action='store_true',
                        help='quickly check a single pass')
    parser.add_argument('--seed', type=int, default=1, metavar='S',
                        help='random seed (default: 1)')
    parser.add_argument('--log-interval', type=int, default=10, metavar='N',
                        help='how many batches to wait before logging training status')
    parser.add_argument('--save-model', action='store_true',
                        help='for Saving the current Model')
    parser.add_argument('--data', default='../data',  # NOT IN THE EXAMPLE
                        help="datasets root, holding MNIST/raw (default: the example's '../data')")
    parser.add_argument('--results', default=None,  # NOT IN THE EXAMPLE
                        help='write the test lines and wall times to this JSON file')
    args = parser.parse_args()

    if args.accel:
        device = torch.accelerator.current_accelerator()
    else:
        device = torch.device("cpu")

    torch.manual_seed(args.seed)

    kwargs = {'num_workers': 1, 'pin_memory': True} if args.accel else {}
    train_loader = torch.utils.data.DataLoader(
        datasets.MNIST(args.data, train=True, download=True,  # NOT IN THE EXAMPLE: args.data, not '../data'
                       transform=transforms.Compose([
                           transforms.ToTensor(),
                           transforms.Normalize((0.1307,), (0.3081,))
                       ])),
        batch_size=args.batch_size, shuffle=True, **kwargs)
    test_loader = torch.utils.data.DataLoader(
        datasets.MNIST(args.data, train=False, transform=transforms.Compose([  # NOT IN THE EXAMPLE: args.data
            transforms.ToTensor(),
            transforms.Normalize((0.1307,), (0.3081,))
        ])),
        batch_size=args.test_batch_size, shuffle=True, **kwargs)

    model = Net().to(device)
    optimizer = optim.Adadelta(model.parameters(), lr=args.lr)

    scheduler = StepLR(optimizer, step_size=1, gamma=args.gamma)
    seconds = {'train': 0.0, 'test': 0.0}  # NOT IN THE EXAMPLE
    for epoch in range(1, args.epochs + 1):
        t0 = time.perf_counter()  # NOT IN THE EXAMPLE
        train(args, model, device, train_loader, optimizer, epoch)
        t1 = time.perf_counter()  # NOT IN THE EXAMPLE
        test(args, model, device, test_loader)
        seconds['train'] += t1 - t0  # NOT IN THE EXAMPLE
        seconds['test'] += time.perf_counter() - t1  # NOT IN THE EXAMPLE
        scheduler.step()

    if args.save_model:
        torch.save(model.state_dict(), "mnist_rnn.pt")

    if args.results:  # NOT IN THE EXAMPLE
        with open(args.results, 'w') as f:
            json.dump({'tutorial': 'mnist_rnn', 'side': 'python', 'seconds': seconds, 'torch': torch.__version__,
                       'threads': torch.get_num_threads(), 'device': str(device), 'epochs': args.epochs}, f, indent=2)


if __name__ == '__main__':
    main()
