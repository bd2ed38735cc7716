"""Self-test of seed.py and steps.py on a tiny random ImageFolder tree.

    /usr/bin/python3 -m unittest discover bench/python

Needs an interpreter that imports torch and torchvision (on Debian 12: /usr/bin/python3 with python3-torch
and python3-torchvision); under one that does not, every test is skipped with that reason.
"""

import contextlib
import io
import json
import os
import re
import subprocess
import sys
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
CLASSES = ['airplane', 'automobile', 'bird', 'cat', 'deer', 'dog', 'frog', 'horse', 'ship', 'truck']

try:
    import numpy as np
    import torch
    import torchvision  # noqa: F401
    from PIL import Image
    MISSING = None
except ImportError as e:  # pragma: no cover
    MISSING = '%s cannot import %s; run with an interpreter that has torch and torchvision' % (
        sys.executable, e.name)

CLASS_LINE = re.compile(r'^Test Accuracy of +(\S+): +\d+% \( *\d+/ *\d+\)$')
OVERALL_LINE = re.compile(r'^Test Accuracy \(Overall\): +\d+% \( *(\d+)/ *(\d+)\)$')


def make_tree(root, train_per_class=4, test_per_class=2):
    """train/ and test/ with 10 CIFAR class folders of random RGB JPEGs (not 32x32, so Resize matters)."""
    rng = np.random.RandomState(0)
    for split, n in (('train', train_per_class), ('test', test_per_class)):
        for c in CLASSES:
            d = os.path.join(root, split, c)
            os.makedirs(d)
            for i in range(n):
                pixels = rng.randint(0, 256, size=(36, 40, 3), dtype=np.uint8)
                Image.fromarray(pixels).save(os.path.join(d, '%04d.jpg' % i))


@unittest.skipIf(MISSING, MISSING)
class SeedEndToEnd(unittest.TestCase):

    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory()
        cls.data = os.path.join(cls.tmp.name, 'data')
        make_tree(cls.data)

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    def seed_py(self, out, *extra):
        cmd = [sys.executable, os.path.join(HERE, 'seed.py'), '--data', self.data, '--out', out,
               '--device', 'cpu', '--ae-epochs', '1', '--clf-epochs', '1', '--max-batches', '2',
               '--workers', '0', '--batch-size', '8', '--seed', '0'] + list(extra)
        p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, universal_newlines=True,
                           timeout=300)
        self.assertEqual(p.returncode, 0, p.stderr)
        return p.stdout

    def check_test_lines(self, stdout):
        lines = stdout.splitlines()
        per_class = [l for l in lines if l.startswith('Test Accuracy of ')]
        self.assertEqual(len(per_class), 10, stdout)
        for l, c in zip(per_class, CLASSES):
            m = CLASS_LINE.match(l)
            self.assertIsNotNone(m, l)
            self.assertEqual(m.group(1), c)
        overall = [l for l in lines if l.startswith('Test Accuracy (Overall)')]
        self.assertEqual(len(overall), 1, stdout)
        m = OVERALL_LINE.match(overall[0])
        self.assertIsNotNone(m, overall[0])
        self.assertEqual(int(m.group(2)), 20)  # the whole test tree: the test loop is never capped
        return int(m.group(1))

    def test_all_stages(self):
        out = os.path.join(self.tmp.name, 'all')
        stdout = self.seed_py(out)
        self.assertRegex(stdout, r'(?m)^Epoch: 1 \tTraining Loss: \d+\.\d{6}$')
        self.assertRegex(stdout, r'(?m)^Validation loss decreased \(inf --> \d+\.\d{6}\)\. Saving model \.\.\.$')
        self.assertRegex(stdout, r'(?m)^Setting Layer Linear\(in_features=512, out_features=10, bias=True\) '
                                 r'to be trainable$')
        self.assertRegex(stdout, r'(?m)^Epoch: 1 \tTraining Loss: \d+\.\d{6} \tValidation Loss: \d+\.\d{6}'
                                 r'\tValidation Accuracy: \d+\.\d{6}$')
        correct = self.check_test_lines(stdout)

        for f in ('cifar_autoencoder.pt', 'model_cifar10.pt', 'results.json', 'history.json'):
            self.assertTrue(os.path.isfile(os.path.join(out, f)), f)
        with open(os.path.join(out, 'results.json')) as f:
            res = json.load(f)
        self.assertEqual(res['seed'], 0)
        self.assertEqual(res['device'], 'cpu')
        self.assertEqual(res['torch'], torch.__version__)
        for stage in ('ae', 'clf', 'test', 'total'):
            self.assertGreater(res['seconds'][stage], 0)
        self.assertEqual(sorted(res['test']['per_class']), sorted(CLASSES))
        for c in CLASSES:
            self.assertEqual(res['test']['per_class'][c]['total'], 2)
        self.assertEqual(res['test']['total'], 20)
        self.assertEqual(res['test']['correct'], correct)
        self.assertEqual(sum(v['correct'] for v in res['test']['per_class'].values()), correct)

        with open(os.path.join(out, 'history.json')) as f:
            hist = json.load(f)
        self.assertEqual([(h['stage'], h['epoch']) for h in hist], [('ae', 1), ('clf', 1)])
        for h in hist:
            for k in ('train_loss', 'valid_loss', 'val_acc', 'lr', 'seconds', 'images_per_s'):
                self.assertIn(k, h)
            self.assertEqual(h['lr'], 0.001)
            self.assertEqual(h['images'], 16)  # 2 capped batches of 8
        self.assertIsNotNone(hist[1]['valid_loss'])

        # later stages alone load the checkpoints the earlier ones saved
        stdout = self.seed_py(out, '--stages', 'test')
        self.assertEqual(self.check_test_lines(stdout), correct)
        stdout = self.seed_py(out, '--stages', 'clf,test')
        self.check_test_lines(stdout)

    def test_steps(self):
        p = subprocess.run([sys.executable, os.path.join(HERE, 'steps.py'), '--device', 'cpu', '--warmup', '1',
                            '--iters', '2', '--data', self.data, '--workers', '0', '--max-batches', '2',
                            '--only', 'ae_step,clf_step,ae_epoch'],
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, universal_newlines=True, timeout=300)
        self.assertEqual(p.returncode, 0, p.stderr)
        rows = [json.loads(l) for l in p.stdout.splitlines()]
        self.assertEqual([r['name'] for r in rows], ['ae_step', 'clf_step', 'ae_epoch'])
        for r in rows:
            for k in ('side', 'device', 'batch', 'iters', 'images', 'seconds', 'images_per_s', 'ms_per_step',
                      'torch', 'threads', 'blas', 'peak_rss_mb', 'peak_device_mb'):
                self.assertIn(k, r)
            self.assertEqual(r['side'], 'python')
            self.assertGreater(r['images_per_s'], 0)
        self.assertEqual(rows[0]['images'], 64)
        self.assertEqual(rows[2]['iters'], 2)


@unittest.skipIf(MISSING, MISSING)
class SeedPieces(unittest.TestCase):

    def test_calc_accuracy_is_batch_fraction(self):
        import seed
        output = torch.tensor([[0.0, 1.0], [1.0, 0.0], [0.0, 1.0], [0.0, 1.0]])
        target = torch.tensor([1, 0, 0, 0])
        self.assertAlmostEqual(seed.calc_accuracy(output, target), 0.5)

    def test_classifier_shape_and_trainable(self):
        import seed
        seed.ae_model = seed.ConvAutoencoder()
        model = seed.MyModel()
        self.assertEqual([type(m).__name__ for m in model.modelA], ['Conv2d', 'Conv2d', 'MaxPool2d'])
        with contextlib.redirect_stdout(io.StringIO()) as buf:
            seed.set_trainable(model)
        self.assertEqual(buf.getvalue().count('to be trainable'), 3)
        trainable = sorted(n for n, p in model.named_parameters() if p.requires_grad)
        self.assertEqual(trainable, ['fc1.bias', 'fc1.weight', 'fc2.bias', 'fc2.weight', 'out.bias', 'out.weight'])
        self.assertEqual(tuple(model(torch.zeros(2, 3, 32, 32)).shape), (2, 10))

    def test_plateau_message_matches_verbose(self):
        """The scheduler used on torch >= 2.2 prints what verbose=True printed in torch 1.x."""
        import seed

        def messages(make):
            opt = torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=0.001)
            sched = make(opt)
            with contextlib.redirect_stdout(io.StringIO()) as buf:
                for loss in [1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0]:
                    sched.step(loss)
            return buf.getvalue(), opt.param_groups[0]['lr']

        ours, lr = messages(lambda o: seed._PrintingReduceLROnPlateau(
            optimizer=o, mode='min', factor=0.1, patience=3))
        self.assertEqual(ours, 'Epoch 00005: reducing learning rate of group 0 to 1.0000e-04.\n'
                               'Epoch 00009: reducing learning rate of group 0 to 1.0000e-05.\n')
        self.assertAlmostEqual(lr, 1e-5)
        if seed._torch_version() < (2, 2):
            self.assertEqual(messages(seed.plateau_scheduler), (ours, lr))


if __name__ == '__main__':
    unittest.main()
