#!/usr/bin/env python3
"""The cost of one small op through PyTorch's Python binding, to set beside package torch's
BenchmarkOverhead* (torch/overhead_bench_test.go): the same ops on the same one-element tensors.

    /usr/bin/python3 bench/python/op_overhead.py            # one JSON line per op: ns/op

Each figure is the median of 7 repeats of a timed loop of 200,000 calls, on one intra-op thread.
"""
import json
import statistics
import timeit

import torch

torch.set_num_threads(1)


def chain(x, y):
    # BenchmarkOverheadScopedChain's four ops; Python frees the intermediates by reference counting.
    (x * y + y).relu().sum()


def main():
    x, y = torch.tensor([1.0]), torch.tensor([2.0])
    x4, y4 = torch.tensor([1.0, 2.0, 3.0, 4.0]), torch.tensor([2.0, 2.0, 2.0, 2.0])
    neg, three = torch.tensor([-1.0]), torch.tensor([3.0])
    cases = {
        "Add": lambda: x.add(y),
        "Relu": lambda: neg.relu(),
        "MulScalar": lambda: three.mul(2.5),
        "ScopedChain": lambda: chain(x4, y4),
    }
    n = 200_000
    for name, f in cases.items():
        runs = timeit.repeat(f, number=n, repeat=7)
        print(json.dumps({"op": name, "ns_per_op": round(statistics.median(runs) / n * 1e9, 1),
                          "torch": torch.__version__}))


if __name__ == "__main__":
    main()
