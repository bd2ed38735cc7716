#!/usr/bin/env python3
"""PyTorch's 60-minute blitz "Training a Classifier", made runnable here (the Python that cmd/blitz
ports; see train/blitz).

Source: pytorch/tutorials, beginner_source/blitz/cifar10_tutorial.py at commit
c53e7d4efc0e39e455c531d21ec7db28ba220214 (BSD licence). The tutorial's code is kept as it is, in
its order; its prose is cut to the section titles. What this file changes, each marked "NOT IN THE
TUTORIAL" where it happens:
  - the data root is --data (default './data', the tutorial's); a root holding train/ and test/
    folders (an ImageFolder tree, e.g. ../shared/data's CIFAR-10 JPEGs) is read with ImageFolder and
    the same transform, since the binary release cannot be downloaded on the project's machines;
  - imshow draws nothing when matplotlib is missing (Debian's python3-torch does not pull it in);
  - optional flags that default to the tutorial's behaviour: --path (PATH), --seed (the tutorial
    never seeds), --max-batches / --max-test-batches / --print-every for short runs, --results FILE
    (the printed result lines and wall times as JSON).
Nothing inside the training loop changes, but for the optional batch cap (an itertools.islice only
when --max-batches is given) and a perf_counter call before and after the loops.

    /usr/bin/python3 bench/python/blitz.py --data /tmp/cifar10 --path /tmp/py/cifar_net.pth
"""

import argparse
import itertools
import json
import time

import torch
import torchvision
import torchvision.transforms as transforms

# NOT IN THE TUTORIAL: its knobs as optional flags, defaults the tutorial's.
parser = argparse.ArgumentParser(description='PyTorch blitz: Training a Classifier (CIFAR-10)')
parser.add_argument('--data', default='./data', help="CIFAR10 root (the tutorial's './data'), or an ImageFolder "
                    'tree with train/ and test/')
parser.add_argument('--path', default='./cifar_net.pth', help="where to save the state_dict (the tutorial's PATH)")
parser.add_argument('--seed', type=int, default=None, help='torch.manual_seed first (default: unseeded, as the tutorial)')
parser.add_argument('--max-batches', type=int, default=None, help='cap each training epoch (default: none)')
parser.add_argument('--max-test-batches', type=int, default=None, help='cap each test pass (default: none)')
parser.add_argument('--print-every', type=int, default=2000, help='mini-batches per printed loss (2000)')
parser.add_argument('--results', default=None, help='write the result lines and wall times to this JSON file')
args = parser.parse_args()
if args.seed is not None:
    torch.manual_seed(args.seed)


def capped(loader, n):
    return loader if n is None else itertools.islice(loader, n)


########################################################################
# 1. Load and normalize CIFAR10

transform = transforms.Compose(
    [transforms.ToTensor(),
     transforms.Normalize((0.5, 0.5, 0.5), (0.5, 0.5, 0.5))])

batch_size = 4

import os  # noqa: E402  (NOT IN THE TUTORIAL: the ImageFolder alternative below)
if os.path.isdir(os.path.join(args.data, 'train')) and os.path.isdir(os.path.join(args.data, 'test')):
    trainset = torchvision.datasets.ImageFolder(os.path.join(args.data, 'train'), transform=transform)
    testset = torchvision.datasets.ImageFolder(os.path.join(args.data, 'test'), transform=transform)
else:
    trainset = torchvision.datasets.CIFAR10(root=args.data, train=True,
                                            download=True, transform=transform)
    testset = torchvision.datasets.CIFAR10(root=args.data, train=False,
                                           download=True, transform=transform)
trainloader = torch.utils.data.DataLoader(trainset, batch_size=batch_size,
                                          shuffle=True, num_workers=2)

testloader = torch.utils.data.DataLoader(testset, batch_size=batch_size,
                                         shuffle=False, num_workers=2)

classes = ('plane', 'car', 'bird', 'cat',
           'deer', 'dog', 'frog', 'horse', 'ship', 'truck')

########################################################################
# Let us show some of the training images, for fun.

try:
    import matplotlib.pyplot as plt
except ImportError:  # NOT IN THE TUTORIAL: no matplotlib, no pictures
    plt = None
import numpy as np

# functions to show an image


def imshow(img):
    img = img / 2 + 0.5     # unnormalize
    npimg = img.numpy()
    if plt is None:
        return
    plt.imshow(np.transpose(npimg, (1, 2, 0)))
    plt.show()


# get some random training images
dataiter = iter(trainloader)
images, labels = next(dataiter)

# show images
imshow(torchvision.utils.make_grid(images))
# print labels
print(' '.join(f'{classes[labels[j]]:5s}' for j in range(batch_size)))


########################################################################
# 2. Define a Convolutional Neural Network

import torch.nn as nn  # noqa: E402
import torch.nn.functional as F  # noqa: E402


class Net(nn.Module):
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


net = Net()

########################################################################
# 3. Define a Loss function and optimizer

import torch.optim as optim  # noqa: E402

criterion = nn.CrossEntropyLoss()
optimizer = optim.SGD(net.parameters(), lr=0.001, momentum=0.9)

########################################################################
# 4. Train the network

t0 = time.perf_counter()  # NOT IN THE TUTORIAL
for epoch in range(2):  # loop over the dataset multiple times

    running_loss = 0.0
    for i, data in enumerate(capped(trainloader, args.max_batches), 0):
        # get the inputs; data is a list of [inputs, labels]
        inputs, labels = data

        # zero the parameter gradients
        optimizer.zero_grad()

        # forward + backward + optimize
        outputs = net(inputs)
        loss = criterion(outputs, labels)
        loss.backward()
        optimizer.step()

        # print statistics
        running_loss += loss.item()
        if i % args.print_every == args.print_every - 1:    # print every 2000 mini-batches
            print(f'[{epoch + 1}, {i + 1:5d}] loss: {running_loss / args.print_every:.3f}')
            running_loss = 0.0

print('Finished Training')
train_seconds = time.perf_counter() - t0  # NOT IN THE TUTORIAL

########################################################################
# Let's quickly save our trained model:

PATH = args.path
torch.save(net.state_dict(), PATH)

########################################################################
# 5. Test the network on the test data

t0 = time.perf_counter()  # NOT IN THE TUTORIAL
dataiter = iter(testloader)
images, labels = next(dataiter)

# print images
imshow(torchvision.utils.make_grid(images))
print('GroundTruth: ', ' '.join(f'{classes[labels[j]]:5s}' for j in range(4)))

net = Net()
net.load_state_dict(torch.load(PATH))

outputs = net(images)

_, predicted = torch.max(outputs, 1)

print('Predicted: ', ' '.join(f'{classes[predicted[j]]:5s}'
                              for j in range(4)))

correct = 0
total = 0
# since we're not training, we don't need to calculate the gradients for our outputs
with torch.no_grad():
    for data in capped(testloader, args.max_test_batches):
        images, labels = data
        # calculate outputs by running images through the network
        outputs = net(images)
        # the class with the highest energy is what we choose as prediction
        _, predicted = torch.max(outputs.data, 1)
        total += labels.size(0)
        correct += (predicted == labels).sum().item()

print(f'Accuracy of the network on the 10000 test images: {100 * correct // total} %')
lines = [f'Accuracy of the network on the 10000 test images: {100 * correct // total} %']  # NOT IN THE TUTORIAL

# prepare to count predictions for each class
correct_pred = {classname: 0 for classname in classes}
total_pred = {classname: 0 for classname in classes}

# again no gradients needed
with torch.no_grad():
    for data in capped(testloader, args.max_test_batches):
        images, labels = data
        outputs = net(images)
        _, predictions = torch.max(outputs, 1)
        # collect the correct predictions for each class
        for label, prediction in zip(labels, predictions):
            if label == prediction:
                correct_pred[classes[label]] += 1
            total_pred[classes[label]] += 1


# print accuracy for each class
for classname, correct_count in correct_pred.items():
    if total_pred[classname] == 0:  # NOT IN THE TUTORIAL: a capped test pass may see no example of a class
        lines.append(f'Accuracy for class: {classname:5s} is N/A (no test images)')
        print(lines[-1])
        continue
    accuracy = 100 * float(correct_count) / total_pred[classname]
    print(f'Accuracy for class: {classname:5s} is {accuracy:.1f} %')
    lines.append(f'Accuracy for class: {classname:5s} is {accuracy:.1f} %')  # NOT IN THE TUTORIAL
test_seconds = time.perf_counter() - t0  # NOT IN THE TUTORIAL

########################################################################
# Training on GPU

device = torch.device('cuda:0' if torch.cuda.is_available() else 'cpu')

# Assuming that we are on a CUDA machine, this should print a CUDA device:

print(device)

# %%%%%%INVISIBLE_CODE_BLOCK%%%%%%
del dataiter
# %%%%%%INVISIBLE_CODE_BLOCK%%%%%%

if args.results:  # NOT IN THE TUTORIAL
    with open(args.results, 'w') as f:
        json.dump({'tutorial': 'blitz', 'side': 'python', 'correct': correct, 'total': total, 'lines': lines,
                   'per_class': [{'class': c, 'correct': correct_pred[c], 'total': total_pred[c]} for c in classes],
                   'seconds': {'train': train_seconds, 'test': test_seconds}, 'torch': torch.__version__,
                   'threads': torch.get_num_threads(), 'seed': args.seed}, f, indent=2)
