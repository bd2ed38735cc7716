"""Self-test of tutorials.py: each benchmark runs and prints one row with steps.py's fields.

    /usr/bin/python3 -m unittest discover bench/python
"""

import json
import os
import subprocess
import sys
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))

try:
    import torch  # noqa: F401
    import torchvision  # noqa: F401
    MISSING = None
except ImportError as e:  # pragma: no cover
    MISSING = '%s cannot import %s; run with an interpreter that has torch and torchvision' % (
        sys.executable, e.name)


@unittest.skipIf(MISSING, MISSING)
class TutorialsTest(unittest.TestCase):
    def run_one(self, name):
        out = subprocess.run([sys.executable, os.path.join(HERE, 'tutorials.py'), '--only', name, '--device', 'cpu',
                              '--iters', '2', '--warmup', '1', '--batch', '7'],
                             capture_output=True, text=True, timeout=120, check=True)
        return json.loads(out.stdout.strip().splitlines()[-1])

    def test_rows(self):
        for name, batch in (('blitz_step', 4), ('mnist_step', 64), ('mnist_rnn_step', 64)):
            with self.subTest(name=name):
                row = self.run_one(name)
                self.assertEqual((row['side'], row['name'], row['device']), ('python', name, 'cpu'))
                self.assertEqual(row['batch'], batch, 'the tutorial\'s batch, not --batch')
                self.assertEqual((row['iters'], row['images']), (2, 2 * batch))
                self.assertGreater(row['images_per_s'], 0)

    def test_blitz_net_is_the_tutorials(self):
        sys.path.insert(0, HERE)
        import tutorials
        net = tutorials.blitz_net_class()()
        self.assertEqual([k for k in net.state_dict()], ['conv1.weight', 'conv1.bias', 'conv2.weight', 'conv2.bias',
                                                         'fc1.weight', 'fc1.bias', 'fc2.weight', 'fc2.bias',
                                                         'fc3.weight', 'fc3.bias'])
        self.assertEqual(tuple(net(torch.zeros(2, 3, 32, 32)).shape), (2, 10))

    def test_unknown_name(self):
        out = subprocess.run([sys.executable, os.path.join(HERE, 'tutorials.py'), '--only', 'nope'],
                             capture_output=True, text=True, timeout=60)
        self.assertNotEqual(out.returncode, 0)
        self.assertIn('unknown benchmark', out.stderr)


if __name__ == '__main__':
    unittest.main()
