#!/usr/bin/env python3
"""The Python original's input pipeline, timed: the seed's ImageFolder with
its augmenting transform (aug_tran), decoded and augmented in one process
(per-core cost), and through a DataLoader with given num_workers (throughput),
as the seed builds them (batch 32, SubsetRandomSampler over the 85% split).

    python3 bench/python/pipeline_bench.py --data /tmp/cifar [--workers 0 2 4] [--images 20000] [--only train loader]

(python3 with torch and torchvision: on Debian 12, /usr/bin/python3 with
python3-torch and python3-torchvision.)

--data is an ImageFolder root with train/ and test/ (CIFAR-10 as JPEGs,
../shared/data/cifar10-jpg.tar.xz unpacked). Prints one JSON object per
measurement: name, images, seconds, images_per_s, workers.
The Go side: CIFAR10_DIR=... go test -run '^$' -bench . ./torch/vision/datasets/
(per core: add -cpu 1, so that Go's garbage collector shares the one core).
"""
import argparse
import json
import os
import time

import numpy as np
import torch
from torch.utils.data import DataLoader
from torch.utils.data.sampler import SubsetRandomSampler
from torchvision import datasets, transforms

SIZE = (32, 32)
MEAN = (0.4914, 0.4822, 0.4465)
STD = (0.247, 0.243, 0.261)

aug_tran = transforms.Compose([
    transforms.RandomHorizontalFlip(),
    transforms.RandomRotation(15),
    transforms.RandomResizedCrop(SIZE, scale=(0.08, 1.0), ratio=(0.75, 1.3333333333333333), interpolation=3),
    transforms.ToTensor(),
    transforms.Normalize(mean=MEAN, std=STD),
])
norm_tran = transforms.Compose([transforms.Resize(SIZE), transforms.ToTensor(), transforms.Normalize(mean=MEAN, std=STD)])


def report(name, images, seconds, workers):
    print(json.dumps({"name": name, "images": images, "seconds": round(seconds, 4),
                      "images_per_s": round(images / seconds, 1), "workers": workers}), flush=True)


def per_sample(dataset, name, images):
    """Decode + transform in this process, one sample at a time."""
    n = len(dataset)
    for i in range(200):  # warm the page cache and the interpreter
        dataset[(i * 7919) % n]
    start = time.perf_counter()
    for i in range(images):
        dataset[(i * 7919) % n]
    report(name, images, time.perf_counter() - start, 0)


def loader(dataset, workers, images, batch_size=32, validation_size=0.15):
    num_train = len(dataset)
    indices = list(range(num_train))
    np.random.shuffle(indices)
    split = int(np.floor(validation_size * num_train))
    train_loader = DataLoader(dataset, batch_size=batch_size, sampler=SubsetRandomSampler(indices[split:]),
                              num_workers=workers)
    seen = 0
    start = None
    for data, _ in train_loader:
        if start is None:  # exclude worker start-up, as the Go benchmark does
            start = time.perf_counter()
            continue
        seen += data.shape[0]
        if seen >= images:
            break
    report("dataloader_train_aug", seen, time.perf_counter() - start, workers)


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--data", default=os.environ.get("CIFAR10_DIR", "/tmp/cifar"))
    p.add_argument("--workers", type=int, nargs="*", default=[0, 2, 4])
    p.add_argument("--images", type=int, default=10000, help="images per measurement")
    p.add_argument("--only", nargs="*", default=["train", "test", "decode", "loader"],
                   choices=["train", "test", "decode", "loader"], help="measurements to run")
    args = p.parse_args()
    torch.set_num_threads(1)
    train = datasets.ImageFolder(os.path.join(args.data, "train"), transform=aug_tran)
    test = datasets.ImageFolder(os.path.join(args.data, "test"), transform=norm_tran)
    if "train" in args.only:
        per_sample(train, "decode_augment_train", args.images)
    if "test" in args.only:
        per_sample(test, "decode_transform_test", args.images)
    if "decode" in args.only:
        per_sample(datasets.ImageFolder(os.path.join(args.data, "train"), transform=transforms.ToTensor()),
                   "decode_only", args.images)
    if "loader" in args.only:
        for w in args.workers:
            loader(train, w, args.images)


if __name__ == "__main__":
    main()
