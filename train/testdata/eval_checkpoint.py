#!/usr/bin/env python3
"""Evaluates a classifier checkpoint with the Python original (bench/python/seed.py) for train's tests.

    eval_checkpoint.py DATA_DIR CHECKPOINT [--save-new SEED]

With --save-new it first writes a freshly initialised classifier (torch.manual_seed(SEED)) to
CHECKPOINT with torch.save, as a checkpoint made in Python. It then runs the seed's per-class test
loop over DATA_DIR/test (batch 32, unshuffled) and prints one JSON line:
{"class_correct": [...], "class_total": [...]}.
"""
import argparse
import contextlib
import io
import json
import os
import sys

import torch
from torch.utils.data import DataLoader
from torchvision import datasets

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, '..', '..', 'bench', 'python'))
import seed  # noqa: E402


def main():
    p = argparse.ArgumentParser()
    p.add_argument('data')
    p.add_argument('checkpoint')
    p.add_argument('--save-new', type=int, default=None)
    a = p.parse_args()
    torch.set_num_threads(1)
    if a.save_new is not None:
        torch.manual_seed(a.save_new)
        seed.ae_model = seed.ConvAutoencoder()
        model = seed.MyModel()
        torch.save(model.state_dict(), a.checkpoint)
    seed.ae_model = seed.ConvAutoencoder()
    model = seed.MyModel()
    model.load_state_dict(torch.load(a.checkpoint), strict=True)
    test = datasets.ImageFolder(os.path.join(a.data, 'test'), transform=seed.norm_tran)
    loader = DataLoader(test, batch_size=32, shuffle=False, num_workers=0)
    with contextlib.redirect_stdout(io.StringIO()):
        _, correct, total = seed.test_classifier(model, loader, test.classes, False)
    print(json.dumps({'class_correct': [int(c) for c in correct], 'class_total': [int(t) for t in total]}))


if __name__ == '__main__':
    main()
