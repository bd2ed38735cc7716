"""Generates lines.json: the blog's test report, printed by Python exactly as the blog does.

    /usr/bin/python3 train/report/testdata/gen_lines.py           # rewrite lines.json beside it
    /usr/bin/python3 train/report/testdata/gen_lines.py --check   # compare a fresh table with it

(needs numpy; `make test` runs --check, and results_test.go's TestLinesTableIsCurrent does too when
it can). The lines are strings Python prints, so the comparison is exact; --check writes nothing.

Each case is a list of (class, correct, total); the expected lines are what the blog's loop prints
(with the PyTorch CIFAR-10 tutorial's branch for a class with no examples), split on newlines.
"""
import contextlib
import io
import json
import os
import sys

import numpy as np

CASES = {
    # The blog's own numbers (its text shows them with the spaces collapsed).
    "blog": [("airplane", 231, 504), ("automobile", 312, 504), ("bird", 91, 496), ("cat", 55, 496),
             ("deer", 139, 504), ("dog", 181, 504), ("frog", 315, 496), ("horse", 244, 496),
             ("ship", 298, 504), ("truck", 234, 504)],
    # %2d of a float truncates toward zero; 100 * 29 / 100 is 29.0 but 100 * (29 / 100) is not.
    "truncation": [("a", 2, 3), ("b", 1, 3), ("c", 29, 100), ("d", 57, 100), ("e", 1, 1000),
                   ("f", 999, 1000), ("g", 7, 7), ("h", 0, 5), ("i", 1, 6), ("j", 5, 6)],
    # %5s right-aligns short names and leaves long ones; %2d pads one digit and leaves more.
    "width": [("", 1, 2), ("ab", 5, 9), ("cat", 9, 9), ("horse", 3, 4), ("automobile", 12345, 20000),
              ("été", 1, 4), ("x", 0, 1)],
    # A class without examples takes the tutorial's N/A branch; the overall line still prints.
    "zero_total": [("plane", 3, 4), ("car", 0, 0), ("bird", 0, 2)],
    # Overall percentages that truncate: 1/3 overall.
    "overall_truncation": [("a", 1, 1), ("b", 0, 2)],
}


def report(rows):
    classes = [r[0] for r in rows]
    class_correct = [float(r[1]) for r in rows]  # the blog's list(0. for i in range(10))
    class_total = [float(r[2]) for r in rows]
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        for i in range(len(classes)):
            if class_total[i] > 0:
                print('Test Accuracy of %5s: %2d%% (%2d/%2d)' % (
                    classes[i], 100 * class_correct[i] / class_total[i],
                    np.sum(class_correct[i]), np.sum(class_total[i])))
            else:
                print('Test Accuracy of %5s: N/A (no training examples)' % (classes[i]))
        print('\nTest Accuracy (Overall): %2d%% (%2d/%2d)' % (
            100. * np.sum(class_correct) / np.sum(class_total),
            np.sum(class_correct), np.sum(class_total)))
    return out.getvalue().rstrip('\n').split('\n')


def table():
    cases = []
    for name, rows in CASES.items():
        cases.append({
            "name": name,
            "classes": [r[0] for r in rows],
            "correct": [r[1] for r in rows],
            "total": [r[2] for r in rows],
            "lines": report(rows),
        })
    return json.dumps(cases, indent=1, ensure_ascii=False) + "\n"


def main():
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "lines.json")
    text = table()
    if sys.argv[1:] == ["--check"]:
        with open(path, encoding="utf-8") as f:
            if f.read() != text:
                print("%s differs from a fresh run (regenerate with gen_lines.py)" % os.path.relpath(path))
                return 1
        print("%s: ok" % os.path.relpath(path))
        return 0
    with open(path, "w", encoding="utf-8") as f:
        f.write(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
