"""Self-test of tutorials.py: each benchmark runs and prints one row with steps.py's fields.

    /usr/bin/python3 -m unittest discover bench/python
"""

import json
import os
import struct
import subprocess
import sys
import tempfile
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
    def run_one(self, name, *extra):
        out = subprocess.run([sys.executable, os.path.join(HERE, 'tutorials.py'), '--only', name, '--device', 'cpu',
                              '--iters', '2', '--warmup', '1', '--batch', '7'] + list(extra),
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

    def test_epochs(self):
        """The epochs on tiny data sets: the tutorial's batches, as many images as --max-batches
        batches of 32."""
        from PIL import Image
        with tempfile.TemporaryDirectory() as d:
            cifar = os.path.join(d, 'cifar')
            for c in range(10):
                os.makedirs(os.path.join(cifar, 'train', str(c)))
                for i in range(4):
                    Image.new('RGB', (32, 32), (25 * c, i, 0)).save(os.path.join(cifar, 'train', str(c), '%d.png' % i))
            raw = os.path.join(d, 'MNIST', 'raw')
            os.makedirs(raw)
            for split, n in (('train', 100), ('t10k', 10)):
                with open(os.path.join(raw, split + '-images-idx3-ubyte'), 'wb') as f:
                    f.write(struct.pack('>4I', 0x803, n, 28, 28) + bytes((i * 7 + p) % 256 for i in range(n) for p in range(784)))
                with open(os.path.join(raw, split + '-labels-idx1-ubyte'), 'wb') as f:
                    f.write(struct.pack('>2I', 0x801, n) + bytes(i % 10 for i in range(n)))
            for name, extra, batch, iters, images in (
                    ('blitz_epoch', ('--data', cifar, '--workers', '2', '--max-batches', '1'), 4, 8, 32),
                    ('blitz_epoch', ('--data', cifar, '--workers', '0'), 4, 10, 40),
                    ('mnist_epoch', ('--mnist', d, '--max-batches', '2'), 64, 1, 64),
                    ('mnist_rnn_epoch', ('--mnist', d, '--max-batches', '10'), 64, 2, 100)):
                with self.subTest(name=name, extra=extra):
                    row = self.run_one(name, *extra)
                    self.assertEqual((row['name'], row['batch'], row['iters'], row['images']), (name, batch, iters, images))
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
