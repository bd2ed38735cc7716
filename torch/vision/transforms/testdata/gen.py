#!/usr/bin/env python3
"""Writes the expected values the transforms tests compare against.

Run with Debian's Python (torchvision 0.14.1, Pillow 9.4):

    /usr/bin/python3 gen.py           # rewrite the files below
    /usr/bin/python3 gen.py --check   # regenerate in a temporary directory and compare

--check writes nothing here: it regenerates every file in a temporary directory and compares
them byte for byte with the checked-in ones. Under another Pillow, torchvision or torch than the
ones that wrote them (versions.json), resampling may differ, so it then reports the differences
without failing, and says so.

Inputs (written here so that Go reads exactly PIL's pixels, isolating the
transforms from JPEG decoding):
  input_*.png      the four CIFAR-10 JPEGs of ../../datasets/testdata/cifar,
                   as PIL decodes them, and two synthetic non-32x32 images
  input_gray_*.png mode L images (MNIST's mode): two of them converted by PIL,
                   and a synthetic one
Outputs:
  cases.json       one entry per case: op, input, parameters, and where its
                   output lies: uint8 images (HWC, "channels" 3 or 1) at
                   "offset" in images.bin.gz, float32 CHW tensors at "offset"
                   (in floats) in tensors.bin.gz
  fallback.json    RandomResizedCrop.get_params boxes when no attempt fits
  versions.json    the Pillow, torchvision and torch that wrote them
"""
import filecmp
import gzip
import json
import os
import sys
import tempfile

import PIL
import torchvision

import numpy as np
import torch
from PIL import Image
from torchvision.transforms import InterpolationMode, RandomResizedCrop
from torchvision.transforms import functional as F

HERE = os.path.dirname(os.path.abspath(__file__))
CIFAR = os.path.join(HERE, "..", "..", "datasets", "testdata", "cifar")
MEAN = (0.4914, 0.4822, 0.4465)
STD = (0.247, 0.243, 0.261)
MODES = {
    "nearest": InterpolationMode.NEAREST,
    "bilinear": InterpolationMode.BILINEAR,
    "bicubic": InterpolationMode.BICUBIC,
    "box": InterpolationMode.BOX,
    "hamming": InterpolationMode.HAMMING,
    "lanczos": InterpolationMode.LANCZOS,
}


def synthetic(w, h, seed):
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0:h, 0:w].astype(np.float64)
    r = 127 + 120 * np.sin(x / 2.3 + seed) * np.cos(y / 3.1)
    g = 255 * ((x * 7 + y * 3) % 23) / 22
    b = np.where((x // 3 + y // 4) % 2 == 0, 235, 15) + rng.integers(-15, 15, (h, w))
    return Image.fromarray(np.clip(np.stack([r, g, b], -1), 0, 255).astype(np.uint8))


def write_inputs():
    names = []
    for f in sorted(os.listdir(CIFAR)):
        name = "input_" + f.replace(".jpg", ".png")
        with Image.open(os.path.join(CIFAR, f)) as im:
            im.convert("RGB").save(name)
        names.append(name)
    synthetic(29, 21, 1).save("input_synthetic_29x21.png")
    synthetic(14, 25, 2).save("input_synthetic_14x25.png")
    return names, ["input_synthetic_29x21.png", "input_synthetic_14x25.png"]


def write_gray_inputs(cifar):
    """Mode L inputs (MNIST's mode): two CIFAR-10 images as PIL converts them, and a synthetic one."""
    names = []
    for name in cifar[:2]:
        gray = "input_gray_" + name[len("input_"):]
        Image.open(name).convert("L").save(gray)
        names.append(gray)
    synthetic(23, 17, 3).convert("L").save("input_gray_synthetic_23x17.png")
    return names + ["input_gray_synthetic_23x17.png"]


class Writer:
    def __init__(self):
        self.cases, self.images, self.tensors = [], bytearray(), []
        self.ntensor = 0

    def image(self, case, img):
        arr = np.asarray(img, dtype=np.uint8)
        channels = 1 if arr.ndim == 2 else arr.shape[2]
        case.update(w=arr.shape[1], h=arr.shape[0], channels=channels, offset=len(self.images), kind="image")
        self.images += arr.tobytes()
        self.cases.append(case)

    def tensor(self, case, t):
        arr = t.detach().numpy().astype("<f4")
        case.update(shape=list(arr.shape), offset=self.ntensor, kind="tensor")
        self.tensors.append(arr.tobytes())
        self.ntensor += arr.size
        self.cases.append(case)

    def save(self):
        with open("cases.json", "w") as fp:
            json.dump(self.cases, fp, indent=0)
        with gzip.GzipFile("images.bin.gz", "wb", mtime=0) as fp:
            fp.write(bytes(self.images))
        with gzip.GzipFile("tensors.bin.gz", "wb", mtime=0) as fp:
            fp.write(b"".join(self.tensors))


def generate():
    """Writes every file into the current directory."""
    torch.manual_seed(0)
    with open("versions.json", "w") as fp:
        json.dump(versions(), fp, indent=1, sort_keys=True)
        fp.write("\n")
    cifar, synth = write_inputs()
    gray = write_gray_inputs(cifar)
    load = lambda name: Image.open(name).convert("L" if name.startswith("input_gray_") else "RGB")
    w = Writer()

    for name in cifar + synth:
        img = load(name)
        w.image({"op": "hflip", "input": name}, F.hflip(img))
        if name in (cifar[0], cifar[1], synth[0], synth[1]):
            t = F.normalize(F.to_tensor(img), MEAN, STD)
            w.tensor({"op": "to_tensor_normalize", "input": name, "mean": MEAN, "std": STD}, t)
        if name in (cifar[0], synth[0]):
            w.tensor({"op": "to_tensor", "input": name}, F.to_tensor(img))

    # Resize: every filter, down and up, square and not.
    for mode in MODES:
        for name in [cifar[0], synth[0]]:
            sizes = [[16, 16], [47, 19], [32, 32] if name in synth else [24, 24]]
            if mode in ("nearest", "bilinear", "bicubic"):
                sizes.append([40, 36])
            for size in sizes:
                out = F.resize(load(name), size, MODES[mode])
                w.image({"op": "resize", "input": name, "size": size, "interp": mode}, out)
    for name in cifar[1:]:
        for size in [[24, 24], [32, 17]]:
            w.image({"op": "resize", "input": name, "size": size, "interp": "bicubic"},
                    F.resize(load(name), size, InterpolationMode.BICUBIC))
    for name in synth:
        for size in [[20], [37]]:
            w.image({"op": "resize", "input": name, "size": size, "interp": "bilinear"},
                    F.resize(load(name), size, InterpolationMode.BILINEAR))

    # Rotation by fixed angles; the seed's is nearest, no expand, fill 0.
    for name, angles in [(n, [15, -7.3, 90, 180, 0.5, -14.999]) for n in cifar[:2]] + \
            [(n, [15, -7.3, 359.9]) for n in cifar[2:]] + \
            [(n, [15, -7.3, 45, 90, 180, 270, 12.25]) for n in synth]:
        for a in angles:
            w.image({"op": "rotate", "input": name, "angle": a, "interp": "nearest"},
                    F.rotate(load(name), a, InterpolationMode.NEAREST))
    for name in [cifar[2], synth[0]]:
        for mode, angles in [("bilinear", [15, -7.3, 33]), ("bicubic", [15, -7.3])]:
            for a in angles:
                w.image({"op": "rotate", "input": name, "angle": a, "interp": mode},
                        F.rotate(load(name), a, MODES[mode]))
        for a, mode in [(15, "nearest"), (-7.3, "nearest"), (90, "nearest"), (33, "bilinear")]:
            w.image({"op": "rotate", "input": name, "angle": a, "interp": mode, "expand": True},
                    F.rotate(load(name), a, MODES[mode], expand=True))
        for a, center in [(20, [3, 5]), (0, [0, 0]), (180, [10, 7]), (-11, [31, 0])]:
            w.image({"op": "rotate", "input": name, "angle": a, "interp": "nearest", "center": center},
                    F.rotate(load(name), a, InterpolationMode.NEAREST, center=center))
        w.image({"op": "rotate", "input": name, "angle": 25, "interp": "nearest", "fill": [10, 20, 30]},
                F.rotate(load(name), 25, InterpolationMode.NEAREST, fill=[10, 20, 30]))

    # Resized crops of fixed boxes to 32x32, as RandomResizedCrop does.
    boxes = [[0, 0, 32, 32], [5, 3, 20, 17], [10, 10, 8, 12], [2, 7, 25, 21], [0, 0, 3, 3],
             [1, 1, 31, 30], [20, 0, 12, 32], [0, 29, 32, 3]]
    for name in cifar[:2]:
        for top, left, h, wd in boxes:
            out = F.resized_crop(load(name), top, left, h, wd, [32, 32], InterpolationMode.BICUBIC)
            w.image({"op": "resized_crop", "input": name, "box": [top, left, h, wd], "size": [32, 32],
                     "interp": "bicubic"}, out)
    for name in [cifar[1], synth[0]]:
        for mode in ["nearest", "bilinear"]:
            for top, left, h, wd in [[5, 3, 20, 17], [2, 7, 25, 21]]:
                out = F.resized_crop(load(name), top, left, h, wd, [32, 32], MODES[mode])
                w.image({"op": "resized_crop", "input": name, "box": [top, left, h, wd], "size": [32, 32],
                         "interp": mode}, out)
    w.image({"op": "resized_crop", "input": synth[0], "box": [3, 5, 15, 20], "size": [32, 32], "interp": "bicubic"},
            F.resized_crop(load(synth[0]), 3, 5, 15, 20, [32, 32], InterpolationMode.BICUBIC))

    # The seed's training chain with its random draws fixed.
    chain = [(True, 12.5, [3, 2, 22, 27]), (False, -9.75, [0, 5, 30, 24]), (True, -14.2, [8, 8, 10, 9])]
    for i, name in enumerate(cifar):
        for flip, angle, (top, left, h, wd) in [chain[i % len(chain)]]:
            img = load(name)
            if flip:
                img = F.hflip(img)
            img = F.rotate(img, angle, InterpolationMode.NEAREST)
            img = F.resized_crop(img, top, left, h, wd, [32, 32], InterpolationMode.BICUBIC)
            t = F.normalize(F.to_tensor(img), MEAN, STD)
            w.tensor({"op": "seed_chain", "input": name, "flip": flip, "angle": angle,
                      "box": [top, left, h, wd], "mean": MEAN, "std": STD}, t)
    tutorial_transforms(w, load, cifar, synth, gray)
    w.save()

    # get_params' fallback: scales too large for any attempt to fit leave the
    # centred crop clamped to the ratio range (deterministic).
    fallback = []
    for width, height, ratio in [(32, 32, (3 / 4, 4 / 3)), (100, 20, (3 / 4, 4 / 3)), (20, 100, (3 / 4, 4 / 3)),
                                 (57, 41, (3 / 4, 4 / 3)), (10, 100, (0.8, 1.25)), (101, 10, (0.5, 2.05)),
                                 (7, 9, (1.0, 1.0))]:
        box = RandomResizedCrop.get_params(Image.new("RGB", (width, height)), [5.0, 6.0], list(ratio))
        fallback.append({"width": width, "height": height, "ratio": list(ratio), "box": list(box)})
    with open("fallback.json", "w") as fp:
        json.dump(fallback, fp, indent=0)


def tutorial_transforms(w, load, cifar, synth, gray):
    """The transforms the tutorials and their common variants use, on RGB and mode L images."""
    rgb_inputs = [cifar[0], cifar[3], synth[0], synth[1]]
    every = rgb_inputs + gray

    # ToTensor and Normalize on mode L (MNIST's pipeline), and a one-value Normalize broadcast over RGB.
    for name in gray:
        w.tensor({"op": "to_tensor", "input": name}, F.to_tensor(load(name)))
        w.tensor({"op": "to_tensor_normalize", "input": name, "mean": [0.1307], "std": [0.3081]},
                 F.normalize(F.to_tensor(load(name)), (0.1307,), (0.3081,)))
    w.tensor({"op": "to_tensor_normalize", "input": cifar[1], "mean": [0.5], "std": [0.5]},
             F.normalize(F.to_tensor(load(cifar[1])), (0.5,), (0.5,)))

    # Pad: every mode, every form of padding, negative widths, widths beyond the image's size.
    paddings = [[4], [2, 5], [1, 0, 3, 7], [-2, 3, 1, -1], [17, 2], [0]]
    for name in [cifar[0], synth[1], gray[0], gray[2]]:
        img = load(name)
        fills = [[0], [200]] + ([[10, 20, 30]] if img.mode == "RGB" else [])
        for mode in ["constant", "edge", "reflect", "symmetric"]:
            for padding in paddings:
                for fill in (fills if mode == "constant" else [[0]]):
                    f = fill[0] if len(fill) == 1 else tuple(fill)
                    w.image({"op": "pad", "input": name, "padding": padding, "padding_mode": mode, "fill": fill},
                            F.pad(img, padding if len(padding) > 1 else padding[0], f, mode))

    # CenterCrop: smaller and larger than the image (padding), odd and even differences; Crop beyond the edges.
    for name in every:
        for size in [[28, 28], [20, 13], [17, 30], [40, 40], [33, 21], [1, 1]]:
            w.image({"op": "center_crop", "input": name, "size": size}, F.center_crop(load(name), size))
        for box in [[-3, 4, 20, 25], [10, -6, 30, 9]]:
            w.image({"op": "crop", "input": name, "box": box}, F.crop(load(name), *box))

    # Flips, grayscale, and the geometry of the seed on mode L (through RGB in Go).
    for name in every:
        w.image({"op": "vflip", "input": name}, F.vflip(load(name)))
        for channels in [1, 3]:
            w.image({"op": "grayscale", "input": name, "channels": channels}, F.rgb_to_grayscale(load(name), channels))
    for name in gray:
        w.image({"op": "hflip", "input": name}, F.hflip(load(name)))
        for mode, size in [("bilinear", [32, 32]), ("bicubic", [14, 20]), ("nearest", [40, 36]), ("lanczos", [9, 9])]:
            w.image({"op": "resize", "input": name, "size": size, "interp": mode}, F.resize(load(name), size, MODES[mode]))
        for a, mode in [(15, "nearest"), (-7.3, "bilinear"), (33, "bicubic"), (90, "nearest")]:
            w.image({"op": "rotate", "input": name, "angle": a, "interp": mode}, F.rotate(load(name), a, MODES[mode]))
        w.image({"op": "rotate", "input": name, "angle": 20, "interp": "nearest", "fill": [77]},
                F.rotate(load(name), 20, InterpolationMode.NEAREST, fill=[77]))
        w.image({"op": "resized_crop", "input": name, "box": [2, 3, 15, 12], "size": [28, 28], "interp": "bicubic"},
                F.resized_crop(load(name), 2, 3, 15, 12, [28, 28], InterpolationMode.BICUBIC))

    # Color: each adjustment inside [0, 1] (interpolation), beyond 1 (extrapolation, clipped), and hue shifts.
    factors = {"brightness": [0, 0.37, 1, 1.6], "contrast": [0, 0.55, 1.4, 2.3], "saturation": [0, 0.5, 1.7],
               "hue": [-0.5, -0.23, -0.05, 0, 0.01, 0.31, 0.5]}
    adjust = {"brightness": F.adjust_brightness, "contrast": F.adjust_contrast, "saturation": F.adjust_saturation,
              "hue": F.adjust_hue}
    for name in [cifar[0], cifar[3], synth[0], gray[0], gray[2]]:
        for fn, values in factors.items():
            for v in values:
                w.image({"op": "adjust", "input": name, "fn": fn, "factor": v}, adjust[fn](load(name), v))
    # ColorJitter with its draws fixed: the order and the factors, applied as its forward does.
    jitters = [([3, 0, 2, 1], [1.3, 0.71, 1.22, -0.08]), ([1, 2, 0, 3], [0.66, 1.37, 0.9, 0.21]),
               ([2, 3, 1, 0], [None, 1.1, None, -0.4]), ([0, 1, 3, 2], [0.85, None, 1.5, None])]
    for name in every:
        for order, (b, c, sat, h) in jitters:
            img = load(name)
            for fn_id in order:
                if fn_id == 0 and b is not None:
                    img = F.adjust_brightness(img, b)
                elif fn_id == 1 and c is not None:
                    img = F.adjust_contrast(img, c)
                elif fn_id == 2 and sat is not None:
                    img = F.adjust_saturation(img, sat)
                elif fn_id == 3 and h is not None:
                    img = F.adjust_hue(img, h)
            w.image({"op": "jitter", "input": name, "order": order, "factors": [b, c, sat, h]}, img)

    # RandomCrop's padding steps (padding, then pad_if_needed per side): the padded image it crops from.
    for name in every:
        for size, padding, if_needed, fill, mode in [([32, 32], [4], False, [0], "constant"),
                                                     ([28, 28], [2], False, [0], "reflect"),
                                                     ([40, 30], None, True, [9], "constant"),
                                                     ([30, 40], [1, 2], True, [0], "edge"),
                                                     ([12, 12], None, True, [0], "symmetric")]:
            img = load(name)
            if padding is not None:
                img = F.pad(img, padding if len(padding) > 1 else padding[0], fill[0], mode)
            if if_needed and img.width < size[1]:
                img = F.pad(img, [size[1] - img.width, 0], fill[0], mode)
            if if_needed and img.height < size[0]:
                img = F.pad(img, [0, size[0] - img.height], fill[0], mode)
            if img.width < size[1] or img.height < size[0]:
                continue  # RandomCrop raises; not a parity case
            w.image({"op": "random_crop_padded", "input": name, "size": size, "padding": padding,
                     "pad_if_needed": if_needed, "fill": fill, "padding_mode": mode}, img)


def versions():
    return {"pillow": PIL.__version__, "torch": torch.__version__, "torchvision": torchvision.__version__}


def generated(root):
    names = ["cases.json", "fallback.json", "images.bin.gz", "tensors.bin.gz", "versions.json"]
    return set(names + [f for f in os.listdir(root) if f.startswith("input_") and f.endswith(".png")])


def check():
    """Regenerates into a temporary directory and compares it with HERE; returns the exit code."""
    with open(os.path.join(HERE, "versions.json")) as fp:
        made_by = json.load(fp)
    with tempfile.TemporaryDirectory() as tmp:
        cwd = os.getcwd()
        os.chdir(tmp)
        try:
            generate()
        finally:
            os.chdir(cwd)
        want, got = generated(HERE), generated(tmp)
        bad = sorted(want ^ got) + sorted(f for f in want & got if f != "versions.json" and
                                          not filecmp.cmp(os.path.join(HERE, f), os.path.join(tmp, f), shallow=False))
    rel = os.path.relpath(HERE)
    if made_by != versions():
        print("%s: written with %s, checked with %s: %d of %d files differ, not compared exactly" % (
            rel, made_by, versions(), len(bad), len(want)))
        return 0
    if bad:
        print("%s differs from a fresh run (regenerate with gen.py): %s" % (rel, ", ".join(bad[:20])))
        return 1
    print("%s: ok (%d files)" % (rel, len(want)))
    return 0


def main():
    if sys.argv[1:] == ["--check"]:
        return check()
    os.chdir(HERE)
    generate()
    return 0


if __name__ == "__main__":
    sys.exit(main())
