#!/usr/bin/env python3
"""Microbenchmarks of the seed's models (seed.py), one JSON object per line on stdout.

  ae_step         zero_grad, forward, MSELoss(out, x), backward, Adam(lr=1e-3) step; batch --batch (32),
                  synthetic input already on the device (torch.randn, like normalized images)
  clf_step        the seed classifier (MyModel over the autoencoder's children()[:-2], only Linear layers
                  trainable, dropout active): zero_grad, forward, CrossEntropyLoss, backward, SGD(lr=1e-3)
                  over all parameters; synthetic input and labels on the device
  ae_infer_1024   autoencoder forward under torch.no_grad(), batch 1024
  clf_infer_1024  classifier forward in eval mode under torch.no_grad(), batch 1024
  ae_epoch        one real autoencoder epoch: the seed's ImageFolder train split, augmenting transform and
                  DataLoader (seed.make_data) at --workers, capped by --max-batches; the seed's loop with
                  images moved to the device and loss.item() every step, as the blog does. Needs --data.

The *_step and *_infer benchmarks do not call loss.item() per step: the device is synchronized once before
and once after the timed iterations. Timing: time.perf_counter(), torch.cuda.synchronize() on CUDA.
Unless --only names a single benchmark, each runs in a fresh child process, so peak_rss_mb (the process's
ru_maxrss) and peak_device_mb (torch.cuda.max_memory_allocated) belong to that benchmark alone.

    python3 bench/python/steps.py --device cpu
    python3 bench/python/steps.py --data /tmp/cifar --only ae_epoch --workers 2
"""

import argparse
import json
import os
import resource
import subprocess
import sys
import time

import numpy as np
import torch
import torch.nn as nn

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import seed  # noqa: E402  (the seed's models, loaders and freezing loop)

NAMES = ['ae_step', 'clf_step', 'ae_infer_1024', 'clf_infer_1024', 'ae_epoch']


def sync(device):
    if device.type == 'cuda':
        torch.cuda.synchronize()


class Timer:
    """Wall time (perf_counter) of a block, the device synchronized at both ends, and what this process
    (all its threads, not loader workers) spent meanwhile: CPU seconds, system seconds and minor page
    faults. CPU time well below wall time x threads means the benchmark waited (for the loader, or for a
    CPU another process held); system time with many faults means memory pages handed out and back."""

    def __init__(self, device):
        self.device = device

    def __enter__(self):
        sync(self.device)
        self.r0 = resource.getrusage(resource.RUSAGE_SELF)
        self.t0 = time.perf_counter()
        return self

    def __exit__(self, *exc):
        sync(self.device)
        self.seconds = time.perf_counter() - self.t0
        r1 = resource.getrusage(resource.RUSAGE_SELF)
        self.sys_seconds = r1.ru_stime - self.r0.ru_stime
        self.cpu_seconds = r1.ru_utime - self.r0.ru_utime + self.sys_seconds
        self.minor_faults = r1.ru_minflt - self.r0.ru_minflt


def time_iters(fn, device, warmup, iters, repeat=1):
    """The fastest of `repeat` timed runs of `iters` calls (timeit's rule: on a shared machine the
    minimum is the figure least disturbed by other processes); every run's seconds kept in .all."""
    for _ in range(warmup):
        fn()
    runs = []
    for _ in range(repeat):
        with Timer(device) as t:
            for _ in range(iters):
                fn()
        runs.append(t)
    best = min(runs, key=lambda r: r.seconds)
    best.all = [r.seconds for r in runs]
    return best


def autoencoder(device):
    return seed.ConvAutoencoder().to(device)


def classifier(device):
    seed.ae_model = autoencoder(device)
    model = seed.MyModel().to(device)
    seed.set_trainable(model, log=lambda msg: None)
    return model


def ae_step(args, device):
    model = autoencoder(device)
    loss_function = nn.MSELoss()
    optimizer = torch.optim.Adam(model.parameters(), lr=0.001)
    images = torch.randn(args.batch, 3, 32, 32, device=device)

    def step():
        optimizer.zero_grad()
        outputs = model(images)
        loss = loss_function(outputs, images)
        loss.backward()
        optimizer.step()

    return args.batch, args.iters, time_iters(step, device, args.warmup, args.iters, args.repeat)


def clf_step(args, device):
    model = classifier(device)
    model.train()
    criterion = nn.CrossEntropyLoss()
    optimizer = torch.optim.SGD(model.parameters(), lr=0.001)
    data = torch.randn(args.batch, 3, 32, 32, device=device)
    target = torch.randint(0, 10, (args.batch,), device=device)

    def step():
        optimizer.zero_grad()
        output = model(data)
        loss = criterion(output, target)
        loss.backward()
        optimizer.step()

    return args.batch, args.iters, time_iters(step, device, args.warmup, args.iters, args.repeat)


def infer(model, args, device, batch=1024):
    model.eval()
    data = torch.randn(batch, 3, 32, 32, device=device)

    def step():
        with torch.no_grad():
            model(data)

    return batch, args.iters, time_iters(step, device, args.warmup, args.iters, args.repeat)


def ae_infer_1024(args, device):
    return infer(autoencoder(device), args, device)


def clf_infer_1024(args, device):
    return infer(classifier(device), args, device)


def ae_epoch(args, device):
    _, _, train_loader, _, _ = seed.make_data(os.path.join(args.data, 'train'), os.path.join(args.data, 'test'),
                                              args.batch, args.workers)
    model = autoencoder(device)
    loss_function = nn.MSELoss()
    optimizer = torch.optim.Adam(model.parameters(), lr=0.001)
    # warm the model and optimizer on synthetic batches; the epoch itself starts cold (worker start-up
    # included), as every epoch of the seed does
    warm = torch.randn(args.batch, 3, 32, 32, device=device)
    for _ in range(args.warmup):
        optimizer.zero_grad()
        loss_function(model(warm), warm).backward()
        optimizer.step()
    run = seed.Run(out=None, max_batches=args.max_batches)
    use_gpu = device.type == 'cuda'
    batches = images_seen = 0
    train_loss = 0.0  # accumulated as the blog does: its loss.item() syncs with the device every step
    with Timer(device) as t:
        for data in run.capped(train_loader):
            images, _ = data
            if use_gpu:
                images = images.cuda()
            optimizer.zero_grad()
            outputs = model(images)
            loss = loss_function(outputs, images)
            loss.backward()
            optimizer.step()
            train_loss += loss.item()*images.size(0)
            batches += 1
            images_seen += images.size(0)
    return args.batch, batches, t, images_seen


def run_one(name, args, benchmarks=None):
    """Runs benchmark name (a function of this module, or of benchmarks, a dict of them: other scripts'
    benchmarks) and prints its JSON row."""
    if args.threads:
        torch.set_num_threads(args.threads)
    if args.device == 'auto':
        device = torch.device('cuda' if torch.cuda.is_available() else 'cpu')
    else:
        device = torch.device(args.device)
    if device.type == 'cuda':
        torch.cuda.reset_peak_memory_stats()
    if args.seed is not None:
        torch.manual_seed(args.seed)
        np.random.seed(args.seed)
    result = (benchmarks or globals())[name](args, device)
    batch, iters, timer = result[:3]
    seconds = timer.seconds
    images = result[3] if len(result) > 3 else batch * iters
    row = {
        'side': 'python', 'name': name, 'device': device.type,
        'device_name': seed.device_name(device.type),
        'batch': batch, 'iters': iters, 'warmup': args.warmup, 'images': images, 'seconds': seconds,
        'cpu_seconds': timer.cpu_seconds, 'sys_seconds': timer.sys_seconds,
        'minor_faults_per_step': timer.minor_faults / iters, 'repeat_seconds': getattr(timer, 'all', [seconds]),
        'images_per_s': images / seconds, 'ms_per_step': 1000.0 * seconds / iters,
        'torch': torch.__version__, 'threads': torch.get_num_threads(), 'blas': seed.blas_name(),
        'peak_rss_mb': resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0,
        'peak_device_mb': (torch.cuda.max_memory_allocated(device) / 2**20) if device.type == 'cuda' else None,
    }
    if name == 'ae_epoch':
        row['workers'] = args.workers
        row['max_batches'] = args.max_batches
        # the loader workers' own memory: the largest child's peak
        row['peak_rss_workers_mb'] = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024.0
    print(json.dumps(row), flush=True)


def parse_args(argv=None, known=None):
    """The flags; known are the benchmarks --only may name (default this script's NAMES)."""
    known = NAMES if known is None else known
    p = argparse.ArgumentParser(description=__doc__.split('\n\n')[0],
                                formatter_class=argparse.RawDescriptionHelpFormatter, epilog=__doc__)
    p.add_argument('--device', choices=['auto', 'cpu', 'cuda'], default='auto')
    p.add_argument('--warmup', type=int, default=20, help='untimed iterations before timing (default 20)')
    p.add_argument('--iters', type=int, default=200, help='timed iterations (default 200)')
    p.add_argument('--repeat', type=int, default=1,
                   help='time --iters iterations this many times and report the fastest (default 1; '
                        'not ae_epoch)')
    p.add_argument('--batch', type=int, default=seed.BATCH_SIZE, help='batch of the *_step benchmarks (32)')
    p.add_argument('--data', default=None, help='ImageFolder root with train/ (ae_epoch only)')
    p.add_argument('--mnist', default=None, help='datasets root holding MNIST/raw (tutorials.py\'s mnist epochs only)')
    p.add_argument('--workers', type=int, default=seed.NUM_WORKERS, help='loader workers for ae_epoch (4)')
    p.add_argument('--max-batches', type=int, default=None, help='cap ae_epoch at N batches (default: all)')
    p.add_argument('--only', default=None, help='comma-separated subset of ' + ','.join(known))
    p.add_argument('--threads', type=int, default=None, help='torch.set_num_threads (default: torch\'s own)')
    p.add_argument('--seed', type=int, default=None, help='seed torch and numpy (default: unseeded)')
    args = p.parse_args(argv)
    names = args.only.split(',') if args.only else list(known)
    bad = [n for n in names if n not in known]
    if bad:
        p.error('unknown benchmark(s): %s (choose from %s)' % (','.join(bad), ','.join(known)))
    if args.device == 'cuda' and not torch.cuda.is_available():
        p.error('--device cuda, but torch %s sees no CUDA device' % torch.__version__)
    if 'ae_epoch' in names and args.data is None:
        if args.only:
            p.error('ae_epoch needs --data DIR (an ImageFolder root with train/)')
        names.remove('ae_epoch')
        print('steps.py: no --data, skipping ae_epoch', file=sys.stderr)
    args.names = names
    return args


def main(argv=None):
    argv = sys.argv[1:] if argv is None else list(argv)
    args = parse_args(argv)
    if len(args.names) == 1:
        run_one(args.names[0], args)
        return
    # one child process per benchmark: clean peak memory figures, no state carried between benchmarks
    base = list(argv)
    if '--only' in base:
        i = base.index('--only')
        del base[i:i + 2]
    base = [a for a in base if not a.startswith('--only=')]
    failed = []
    for name in args.names:
        rc = subprocess.call([sys.executable, os.path.abspath(__file__)] + base + ['--only', name])
        if rc != 0:
            failed.append(name)
    if failed:
        sys.exit('steps.py: failed: ' + ','.join(failed))


if __name__ == '__main__':
    main()
