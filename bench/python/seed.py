#!/usr/bin/env python3
"""The seed blog's code (ユニファ blog, Matthew Millar: a CIFAR-10 convolutional autoencoder whose frozen
encoder feeds a 3-layer MLP classifier), reconstructed faithfully and made runnable.

Everything the blog shows is kept as it is: transforms, datasets, the numpy-shuffled 85/15 split with
SubsetRandomSampler (the validation loader reads the *augmented* train dataset), both models, losses,
optimizers, ReduceLROnPlateau schedulers, loops, print messages and formats, and the checkpoint filenames.
What the blog does not show, and what this file adds, is marked "NOT IN THE BLOG" where it happens:
  - the glue the blog leaves out: device selection (`use_gpu`), creating `ae_model` and `model`, the imports;
  - `calc_accuracy` and the test loop (both used or reported by the blog but not shown);
  - command-line flags, optional seeding, a batch cap for smoke runs, timing, and results.json/history.json.
Nothing is added inside the timed loops beyond a perf_counter call per epoch, an image counter, and the
optional batch cap (itertools.islice, only when --max-batches is given).

Runs on torch 1.13 (Debian 12) and torch 2.x: see plateau_scheduler() for ReduceLROnPlateau's `verbose`,
and np.inf for the blog's np.Inf (removed in numpy 2.0; the same value).

    python3 bench/python/seed.py --data /tmp/cifar --out /tmp/seed-run
"""

import argparse
import itertools
import json
import os
import platform
import random
import re
import sys
import time

import numpy as np
import torch
import torch.nn as nn
import torchvision
from torch.utils.data import DataLoader
from torch.utils.data.sampler import SubsetRandomSampler
from torchvision import datasets, transforms

# ---------------------------------------------------------------------------------------------------------
# Data Processing (blog)
# ---------------------------------------------------------------------------------------------------------

#Basic Transforms
SIZE = (32,32) # Resize the image to this shape
# Test and basic transform. This will reshape and then transform the raw image into a tensor for pytorch
basic = transforms.Compose([transforms.Resize(SIZE), transforms.ToTensor()])
# Normalized transforms (0.4914, 0.4822, 0.4465), (0.247, 0.243, 0.261) retrived from here https://github.com/kuangliu/pytorch-cifar/issues/19
mean = (0.4914, 0.4822, 0.4465) # Mean
std = (0.247, 0.243, 0.261) # Standard deviation
# This will transform the image to the Size and then normalize the image
norm_tran = transforms.Compose([transforms.Resize(SIZE), transforms.ToTensor(), transforms.Normalize(mean=mean, std=std)])
#Simple Data Augmentation
# Data augmentations
'''
Randomly flip the images both virtically and horizontally this will cover and orientation for images
Randomly rotate the image by 15. This will give images even more orientation than before but with limiting the black board issue of rotations
Random Resie and crop this will resize the image and remove any excess to act like a zoom feature
Normalize each image and make it a tensor
'''
aug_tran = transforms.Compose([transforms.RandomHorizontalFlip(),
                               transforms.RandomRotation(15),
                               transforms.RandomResizedCrop(SIZE, scale=(0.08, 1.0), ratio=(0.75, 1.3333333333333333), interpolation=3),
                               transforms.ToTensor(),
                               transforms.Normalize(mean=mean, std=std)])

# Data loaders
# Parameters for setting up data loaders
BATCH_SIZE = 32
NUM_WORKERS = 4
VALIDATION_SIZE = 0.15 # Validatiaon split


def make_data(TRAIN_DIR, TEST_DIR, BATCH_SIZE=BATCH_SIZE, NUM_WORKERS=NUM_WORKERS):
    """The blog's dataset/split/loader code, verbatim but for being a function (the blog runs it at top
    level with TRAIN_DIR and TEST_DIR set elsewhere). steps.py uses it too."""
    # Create Dataset
    train_dataset = datasets.ImageFolder(TRAIN_DIR, transform=aug_tran)
    test_dataset = datasets.ImageFolder(TEST_DIR, transform=norm_tran) #No augmentation for testing sets

    num_train = len(train_dataset) # Number of training samples
    indices = list(range(num_train)) # Create indices for each set
    np.random.shuffle(indices) # Randomlly sample each of these by shuffling
    split = int(np.floor(VALIDATION_SIZE * num_train)) # Create the split for validation
    train_idx , val_idx = indices[split:], indices[:split] # Create the train and validation sets
    train_sampler = SubsetRandomSampler(train_idx) # Subsample using pytroch
    validation_sampler = SubsetRandomSampler(val_idx) # same here but for validation
    # Create the data loaders
    train_loader = DataLoader(train_dataset, batch_size=BATCH_SIZE, sampler=train_sampler, num_workers=NUM_WORKERS)
    validation_loader = DataLoader(train_dataset, batch_size=BATCH_SIZE, sampler=validation_sampler, num_workers=NUM_WORKERS)
    test_loader = DataLoader(test_dataset, batch_size=BATCH_SIZE, shuffle=False, num_workers=NUM_WORKERS)
    return train_dataset, test_dataset, train_loader, validation_loader, test_loader


# ---------------------------------------------------------------------------------------------------------
# Autoencoder (blog)
# ---------------------------------------------------------------------------------------------------------

# define the NN architecture
class ConvAutoencoder(nn.Module):
    def __init__(self):
        super(ConvAutoencoder, self).__init__()
        ## encoder layers ##
        # conv layer (depth from 1 --> 16), 3x3 kernels
        self.conv1 = nn.Conv2d(3, 16, 3, padding=1)
        # conv layer (depth from 16 --> 4), 3x3 kernels
        self.conv2 = nn.Conv2d(16, 4, 3, padding=1)
        # pooling layer to reduce x-y dims by two; kernel and stride of 2
        self.pool = nn.MaxPool2d(2, 2)

        ## decoder layers ##
        ## a kernel of 2 and a stride of 2 will increase the spatial dims by 2
        self.t_conv1 = nn.ConvTranspose2d(4, 16, 2, stride=2)
        self.t_conv2 = nn.ConvTranspose2d(16, 3, 2, stride=2)

    def forward(self, x):
        ## encode ##
        # add hidden layers with relu activation function
        # and maxpooling after
        x = torch.relu(self.conv1(x))
        x = self.pool(x)
        # add second hidden layer
        x = torch.relu(self.conv2(x))
        x = self.pool(x)  # compressed representation

        ## decode ##
        # add transpose conv layers, with relu activation function
        x = torch.relu(self.t_conv1(x))
        # output layer (with sigmoid for scaling from 0 to 1)
        x = torch.sigmoid(self.t_conv2(x))

        return x


# ---------------------------------------------------------------------------------------------------------
# Neural Network (blog)
# ---------------------------------------------------------------------------------------------------------

# MyModel reads the module-level ae_model, as the blog's does; main() (and steps.py) set it.
ae_model = None


class MyModel(nn.Module):
    def __init__(self):
        super(MyModel, self).__init__()
        # children()[:-2] drops t_conv1 and t_conv2, leaving Sequential(conv1, conv2, pool): no ReLU and a
        # single pool, so the features are 4x16x16 (the blog's comment below says 112; fc1's 4*16*16 is right).
        image_modules = list(ae_model.children())[:-2] #get only the encoder layers
        self.modelA = nn.Sequential(*image_modules)
        # Shape of max pool = 4, 112, 112
        self.fc1 = nn.Linear(4*16*16, 1024)
        self.fc2 = nn.Linear(1024,512)
        self.out = nn.Linear(512, 10)

        self.drop = nn.Dropout(0.2)

    def forward(self, x):
        x = self.modelA(x)
        x = x.view(x.size(0),4*16*16)
        x = torch.relu(self.fc1(x))
        x = self.drop(x)
        x = torch.relu(self.fc2(x))
        x = self.drop(x)
        x = self.out(x)
        return x


def set_trainable(model, log=print):
    """The blog's freezing loop (log=print as in the blog; steps.py passes a quiet one)."""
    #Freze the autoencoder layers so they do not train. We did that already
    # Train only the linear layers
    for child in model.children():
        if isinstance(child, nn.Linear):
            log("Setting Layer {} to be trainable".format(child))
            for param in child.parameters():
                param.requires_grad = True
        else:
            for param in child.parameters():
                param.requires_grad = False


def calc_accuracy(output, target):
    """NOT IN THE BLOG. The blog calls `val_acc += calc_accuracy(output, target)` per validation batch and
    prints val_acc with {:.6f} without dividing it afterwards, and never shows calc_accuracy. The obvious
    definition is used: the fraction of the batch predicted right (argmax over the 10 logits), as a Python
    float. So the printed "Validation Accuracy" is the SUM of per-batch accuracies (at most the number of
    validation batches, 235 for CIFAR-10's 7500 validation images), not a mean: kept as the blog has it."""
    _, pred = torch.max(output, 1)
    return (pred == target).float().mean().item()


def _torch_version():
    return tuple(int(v) for v in re.findall(r"\d+", torch.__version__)[:2])


class _PrintingReduceLROnPlateau(torch.optim.lr_scheduler.ReduceLROnPlateau):
    """ReduceLROnPlateau without the deprecated `verbose`, printing the message verbose=True printed in
    torch 1.x (same text and format), so the output does not depend on the torch version."""

    def step(self, metrics, *args, **kwargs):
        before = [float(g['lr']) for g in self.optimizer.param_groups]
        super().step(metrics, *args, **kwargs)
        for i, g in enumerate(self.optimizer.param_groups):
            if float(g['lr']) != before[i]:
                print('Epoch {}: reducing learning rate of group {} to {:.4e}.'.format(
                    '%.5d' % self.last_epoch, i, float(g['lr'])))


def plateau_scheduler(optimizer):
    """The blog's scheduler: ReduceLROnPlateau(optimizer=optimizer, mode='min', factor=0.1, patience=3,
    verbose=True). torch < 2.2 gets exactly that; torch >= 2.2 deprecates `verbose` (and later releases
    drop it), so there the same scheduler is built without it and prints the same message itself."""
    if _torch_version() < (2, 2):
        return torch.optim.lr_scheduler.ReduceLROnPlateau(optimizer=optimizer, mode='min', factor=0.1, patience=3, verbose=True)
    return _PrintingReduceLROnPlateau(optimizer=optimizer, mode='min', factor=0.1, patience=3)


# ---------------------------------------------------------------------------------------------------------
# Training and test (blog loops; NOT IN THE BLOG: function wrappers, the batch cap, timing and history)
# ---------------------------------------------------------------------------------------------------------

class Run:
    """What the loops need besides the blog's variables: the batch cap, the output dir and the records."""

    def __init__(self, out, max_batches):
        self.out = out
        self.max_batches = max_batches
        self.history = []

    def capped(self, loader):
        """The loader itself, or its first max_batches batches for a smoke run."""
        if self.max_batches is None:
            return loader
        return itertools.islice(loader, self.max_batches)

    def record(self, **row):
        self.history.append(row)
        write_json(os.path.join(self.out, 'history.json'), self.history)


def train_autoencoder(run, train_loader, use_gpu, n_epochs=35):
    # Loss and optimizers
    loss_function = nn.MSELoss()
    optimizer = torch.optim.Adam(ae_model.parameters(), lr=0.001)
    scheduler = plateau_scheduler(optimizer) # Automatically reduce learning rate on plateau

    # number of epochs to train the model
    ae_model_filename = os.path.join(run.out, 'cifar_autoencoder.pt')
    train_loss_min = np.inf # track change in training loss
    ae_train_loss_matrix = []
    for epoch in range(1, n_epochs+1):
        t0 = time.perf_counter()
        lr = optimizer.param_groups[0]['lr']
        n_batches = n_images = 0
        # monitor training loss
        train_loss = 0.0

        ###################
        # train the model #
        ###################
        for data in run.capped(train_loader):
            # _ stands in for labels, here
            # no need to flatten images
            images, _ = data
            if use_gpu:
                images = images.cuda()
            # clear the gradients of all optimized variables
            optimizer.zero_grad()
            # forward pass: compute predicted outputs by passing inputs to the model
            outputs = ae_model(images)
            # calculate the loss
            loss = loss_function(outputs, images)
            # backward pass: compute gradient of the loss with respect to model parameters
            loss.backward()
            # perform a single optimization step (parameter update)
            optimizer.step()
            # update running training loss
            train_loss += loss.item()*images.size(0)
            n_batches += 1
            n_images += images.size(0)
        t_train = time.perf_counter() - t0

        # print avg training statistics
        # (the blog divides by len(train_loader), the number of batches, although the sum is weighted by
        # batch size; a capped smoke run divides by the batches it ran)
        train_loss = train_loss/(len(train_loader) if run.max_batches is None else n_batches)
        scheduler.step(train_loss)
        ae_train_loss_matrix.append([train_loss, epoch])
        print('Epoch: {} \tTraining Loss: {:.6f}'.format(
            epoch,
            train_loss
            ))
        # save model if validation loss has decreased
        if train_loss <= train_loss_min:
            print('Validation loss decreased ({:.6f} --> {:.6f}). Saving model ...'.format(
            train_loss_min,
            train_loss))
            torch.save(ae_model.state_dict(), ae_model_filename)
            train_loss_min = train_loss
        seconds = time.perf_counter() - t0
        run.record(stage='ae', epoch=epoch, train_loss=train_loss, valid_loss=None, val_acc=None, lr=lr,
                   seconds=seconds, train_seconds=t_train, images=n_images, batches=n_batches,
                   images_per_s=n_images / t_train)
    return ae_train_loss_matrix


def train_classifier(run, model, train_loader, validation_loader, use_gpu, n_epochs=40):
    set_trainable(model)

    # Optimizer and Loss function
    criterion = nn.CrossEntropyLoss()
    optimizer = torch.optim.SGD(model.parameters(), lr= 0.001)
    # Decay LR by a factor of 0.1 every 7 epochs
    scheduler = plateau_scheduler(optimizer)

    model_filename = os.path.join(run.out, 'model_cifar10.pt')
    valid_loss_min = np.inf # track change in validation loss
    train_loss_matrix = []
    val_loss_matrix = []
    val_acc_matrix = []

    for epoch in range(1, n_epochs+1):
        t0 = time.perf_counter()
        lr = optimizer.param_groups[0]['lr']
        n_images = n_val_images = 0

        # keep track of training and validation loss
        train_loss = 0.0
        valid_loss = 0.0
        train_correct = 0
        train_total = 0
        val_correct = 0
        val_total = 0
        ###################
        # train the model #
        ###################
        model.train()
        for batch_idx, (data, target) in enumerate(run.capped(train_loader)):
            # move tensors to GPU if CUDA is available
            if use_gpu:
                data, target = data.cuda(), target.cuda()
            # clear the gradients of all optimized variables
            optimizer.zero_grad()
            # forward pass: compute predicted outputs by passing inputs to the model
            output = model(data)
            # calculate the batch loss
            loss = criterion(output, target)
            # backward pass: compute gradient of the loss with respect to model parameters
            loss.backward()
            # perform a single optimization step (parameter update)
            optimizer.step()
            # update training loss
            train_loss += loss.item()*data.size(0)
            n_images += data.size(0)
        t_train = time.perf_counter() - t0

        ######################
        # validate the model #
        ######################
        model.eval()
        val_acc = 0.0
        for batch_idx, (data, target) in enumerate(run.capped(validation_loader)):
            # move tensors to GPU if CUDA is available
            if use_gpu:
                data, target = data.cuda(), target.cuda()
            # forward pass: compute predicted outputs by passing inputs to the model
            output = model(data)
            # calculate the batch loss
            loss = criterion(output, target)
            # update average validation loss
            valid_loss += loss.item()*data.size(0)
            val_acc += calc_accuracy(output, target)
            n_val_images += data.size(0)

        # calculate average losses
        # (a capped smoke run divides by the samples it ran instead of len(sampler))
        train_loss = train_loss/(len(train_loader.sampler) if run.max_batches is None else n_images)
        valid_loss = valid_loss/(len(validation_loader.sampler) if run.max_batches is None else n_val_images)
        #exp_lr_scheduler.step()
        scheduler.step(valid_loss)

        # Add losses and acc to plot latter
        train_loss_matrix.append([train_loss, epoch])
        val_loss_matrix.append([valid_loss, epoch])
        val_acc_matrix.append([val_acc, epoch])

        # print training/validation statistics
        print('Epoch: {} \tTraining Loss: {:.6f} \tValidation Loss: {:.6f}\tValidation Accuracy: {:.6f}'.format(
            epoch, train_loss, valid_loss, val_acc))

        # save model if validation loss has decreased
        if valid_loss <= valid_loss_min:
            print('Validation loss decreased ({:.6f} --> {:.6f}). Saving model ...'.format(
                valid_loss_min,valid_loss))
            torch.save(model.state_dict(), model_filename)
            valid_loss_min = valid_loss
        seconds = time.perf_counter() - t0
        run.record(stage='clf', epoch=epoch, train_loss=train_loss, valid_loss=valid_loss, val_acc=val_acc,
                   lr=lr, seconds=seconds, train_seconds=t_train, images=n_images, val_images=n_val_images,
                   images_per_s=n_images / t_train)
    return train_loss_matrix, val_loss_matrix, val_acc_matrix


def test_classifier(model, test_loader, classes, use_gpu):
    """NOT IN THE BLOG: the blog prints only the results. This is the standard per-class test loop of the
    PyTorch/Udacity CIFAR-10 tutorials that prints exactly the blog's lines, with one change: it counts
    target.size(0) samples per batch (the tutorial's range(batch_size) fails on CIFAR-10's short last test
    batch). It keeps the tutorial's formats, %5s class names and a blank line before the overall line (the
    blog's page collapsed its whitespace, so its lines cannot tell). Like the blog's validation loop it runs without torch.no_grad(). The test loader is
    never capped by --max-batches."""
    criterion = nn.CrossEntropyLoss()
    n_classes = len(classes)
    # track test loss
    test_loss = 0.0
    class_correct = list(0 for i in range(n_classes))
    class_total = list(0 for i in range(n_classes))

    model.eval()
    # iterate over test data
    for data, target in test_loader:
        # move tensors to GPU if CUDA is available
        if use_gpu:
            data, target = data.cuda(), target.cuda()
        # forward pass: compute predicted outputs by passing inputs to the model
        output = model(data)
        # calculate the batch loss
        loss = criterion(output, target)
        # update test loss
        test_loss += loss.item()*data.size(0)
        # convert output probabilities to predicted class
        _, pred = torch.max(output, 1)
        # compare predictions to true label
        correct = pred.eq(target.data.view_as(pred)).cpu().numpy()
        labels = target.cpu().numpy()
        # calculate test accuracy for each object class
        for i in range(target.size(0)):
            label = int(labels[i])
            class_correct[label] += int(correct[i])
            class_total[label] += 1

    # average test loss
    test_loss = test_loss/len(test_loader.dataset)
    print('Test Loss: {:.6f}\n'.format(test_loss))

    for i in range(n_classes):
        if class_total[i] > 0:
            print('Test Accuracy of %5s: %2d%% (%2d/%2d)' % (
                classes[i], 100 * class_correct[i] / class_total[i],
                class_correct[i], class_total[i]))
        else:
            print('Test Accuracy of %5s: N/A (no training examples)' % (classes[i]))

    print('\nTest Accuracy (Overall): %2d%% (%2d/%2d)' % (
        100. * np.sum(class_correct) / np.sum(class_total),
        np.sum(class_correct), np.sum(class_total)))
    return test_loss, class_correct, class_total


# ---------------------------------------------------------------------------------------------------------
# NOT IN THE BLOG: command line, seeding, results
# ---------------------------------------------------------------------------------------------------------

def write_json(path, obj):
    tmp = path + '.tmp'
    with open(tmp, 'w') as f:
        json.dump(obj, f, indent=1)
        f.write('\n')
    os.replace(tmp, path)


def blas_name():
    """OpenBLAS, MKL or other. torch.__config__.show() names the BLAS torch was built for; Debian's build
    says BLAS_INFO=generic (libblas.so.3, chosen at run time by update-alternatives), so for 'generic'
    the library actually mapped into this process decides."""
    info = torch.__config__.show()
    m = re.search(r'BLAS_INFO=([^,\s]+)', info)
    built = m.group(1) if m else ''
    if 'mkl' in built.lower():
        return 'MKL'
    if 'open' in built.lower():
        return 'OpenBLAS'
    try:
        with open('/proc/self/maps') as f:
            maps = f.read()
    except OSError:
        return 'other'
    if 'openblas' in maps:
        return 'OpenBLAS'
    if 'libmkl' in maps:
        return 'MKL'
    return 'other'


def device_name(device):
    """The GPU's name, or the CPU model from /proc/cpuinfo."""
    if str(device).startswith('cuda'):
        return torch.cuda.get_device_name(0)
    try:
        with open('/proc/cpuinfo') as f:
            for line in f:
                if line.startswith('model name'):
                    return line.split(':', 1)[1].strip()
    except OSError:
        pass
    return platform.machine()


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split('\n\n')[0],
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('--data', required=True, help='directory holding train/ and test/ ImageFolder trees')
    p.add_argument('--device', choices=['auto', 'cpu', 'cuda'], default='auto')
    p.add_argument('--ae-epochs', type=int, default=35)
    p.add_argument('--clf-epochs', type=int, default=40)
    p.add_argument('--workers', type=int, default=NUM_WORKERS, help='DataLoader workers (blog: 4)')
    p.add_argument('--batch-size', type=int, default=BATCH_SIZE, help='blog: 32')
    p.add_argument('--seed', type=int, default=None,
                   help='seed numpy, torch and random; default: unseeded, like the blog')
    p.add_argument('--out', default='.', help='directory for checkpoints, results.json and history.json')
    p.add_argument('--max-batches', type=int, default=None,
                   help='cap train and validation batches per epoch (smoke runs); default: all')
    p.add_argument('--stages', default='ae,clf,test',
                   help='comma-separated subset of ae,clf,test; a stage without the one before it '
                        'loads that stage\'s checkpoint from --out')
    args = p.parse_args(argv)
    args.stages = [s for s in args.stages.split(',') if s]
    bad = [s for s in args.stages if s not in ('ae', 'clf', 'test')]
    if bad:
        p.error('unknown stage(s): %s (choose from ae,clf,test)' % ','.join(bad))
    if args.max_batches is not None and args.max_batches < 1:
        p.error('--max-batches must be at least 1')
    for sub in ('train', 'test'):
        if not os.path.isdir(os.path.join(args.data, sub)):
            p.error('%s has no %s/ directory (expected an ImageFolder tree)' % (args.data, sub))
    return args


def main(argv=None):
    global ae_model
    args = parse_args(argv)
    t_start = time.perf_counter()
    if args.device == 'auto':
        device = 'cuda' if torch.cuda.is_available() else 'cpu'
    else:
        device = args.device
    if device == 'cuda' and not torch.cuda.is_available():
        sys.exit('seed.py: --device cuda, but torch %s sees no CUDA device' % torch.__version__)
    use_gpu = device == 'cuda'
    if args.seed is not None:
        random.seed(args.seed)
        np.random.seed(args.seed)
        torch.manual_seed(args.seed)
    os.makedirs(args.out, exist_ok=True)
    run = Run(args.out, args.max_batches)
    results = {
        'side': 'python', 'script': 'seed.py', 'argv': sys.argv[1:] if argv is None else list(argv),
        'seed': args.seed, 'device': device,
        'device_name': device_name(device), 'cpus': len(os.sched_getaffinity(0)),
        'torch': torch.__version__, 'torchvision': torchvision.__version__, 'numpy': np.__version__,
        'python': platform.python_version(), 'threads': torch.get_num_threads(), 'blas': blas_name(),
        'batch_size': args.batch_size, 'workers': args.workers, 'max_batches': args.max_batches,
        'stages': args.stages, 'seconds': {},
    }

    t0 = time.perf_counter()
    train_dataset, test_dataset, train_loader, validation_loader, test_loader = make_data(
        os.path.join(args.data, 'train'), os.path.join(args.data, 'test'), args.batch_size, args.workers)
    results['seconds']['data'] = time.perf_counter() - t0
    results['train_images'] = len(train_loader.sampler)
    results['validation_images'] = len(validation_loader.sampler)
    results['test_images'] = len(test_dataset)
    print('Train: {} images, validation: {}, test: {}; device: {}, torch {}'.format(
        len(train_loader.sampler), len(validation_loader.sampler), len(test_dataset), device, torch.__version__),
        file=sys.stderr)

    ae_model = ConvAutoencoder()
    if use_gpu:
        ae_model.cuda()
    if 'ae' in args.stages:
        t0 = time.perf_counter()
        ae_losses = train_autoencoder(run, train_loader, use_gpu, n_epochs=args.ae_epochs)
        results['seconds']['ae'] = time.perf_counter() - t0
        results['ae_train_loss'] = [l for l, _ in ae_losses]
        # The classifier is built on ae_model as it is after the last epoch, like the blog's notebook
        # (not on the best checkpoint).
        results['encoder'] = 'in memory after the last autoencoder epoch'
    elif 'clf' in args.stages:
        path = os.path.join(args.out, 'cifar_autoencoder.pt')
        ae_model.load_state_dict(torch.load(path, map_location=device))
        results['encoder'] = path

    model = MyModel()
    if use_gpu:
        model.cuda()
    if 'clf' in args.stages:
        t0 = time.perf_counter()
        tl, vl, va = train_classifier(run, model, train_loader, validation_loader, use_gpu,
                                      n_epochs=args.clf_epochs)
        results['seconds']['clf'] = time.perf_counter() - t0
        results['clf_train_loss'] = [l for l, _ in tl]
        results['clf_valid_loss'] = [l for l, _ in vl]
        results['clf_val_acc'] = [a for a, _ in va]

    if 'test' in args.stages:
        t0 = time.perf_counter()
        # the best saved classifier (lowest validation loss), as the blog's saving implies
        model_filename = os.path.join(args.out, 'model_cifar10.pt')
        model.load_state_dict(torch.load(model_filename, map_location=device))
        test_loss, class_correct, class_total = test_classifier(model, test_loader, test_dataset.classes, use_gpu)
        results['seconds']['test'] = time.perf_counter() - t0
        results['test_loss'] = test_loss
        results['test'] = {
            'per_class': {c: {'correct': class_correct[i], 'total': class_total[i],
                              'accuracy': class_correct[i] / class_total[i] if class_total[i] else None}
                          for i, c in enumerate(test_dataset.classes)},
            'correct': int(sum(class_correct)), 'total': int(sum(class_total)),
            'accuracy': sum(class_correct) / sum(class_total) if sum(class_total) else None,
        }
    results['seconds']['total'] = time.perf_counter() - t_start
    write_json(os.path.join(args.out, 'results.json'), results)
    write_json(os.path.join(args.out, 'history.json'), run.history)


if __name__ == '__main__':
    main()
