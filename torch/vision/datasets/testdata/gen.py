#!/usr/bin/env python3
"""Writes the expected values the datasets tests compare against.

Run with Debian's Python (torchvision 0.14.1, Pillow 9.4):

    /usr/bin/python3 gen.py [CIFAR10_DIR]   # rewrite the files below
    /usr/bin/python3 gen.py --check         # regenerate in a temporary directory and compare

--check writes nothing here: it regenerates every file in a temporary directory (from the same
cifar/ JPEGs) and compares them byte for byte with the checked-in ones. Under another Pillow
or torchvision than the ones that wrote them (versions.json), encoders and decoders may differ,
so it then reports the differences without failing, and says so.

CIFAR10_DIR (an ImageFolder root with train/ and test/) is read only to copy
the four CIFAR-10 JPEGs in cifar/ when they are missing. Everything else is
synthetic and written from scratch:

  modes/        small images in the modes and formats the loader decodes
  decode.json   for every image in cifar/ and modes/: size and the byte offset
  decode.bin      of PIL's Image.open(path).convert("RGB") pixels in decode.bin
  tree/         an ImageFolder tree with awkward names (case, nesting, '-' vs
                '/', hidden folder, non-image files, a .gif torchvision skips)
  tree.json     torchvision's classes, class_to_idx and samples for tree/
  tree_empty/   a tree whose class "empty" holds no image, and in
  tree_empty.json  the FileNotFoundError message torchvision raises for it
"""
import filecmp
import json
import os
import shutil
import sys
import tempfile

import PIL
import torchvision

import numpy as np
from PIL import Image
from torchvision import datasets

HERE = os.path.dirname(os.path.abspath(__file__))
CIFAR = ["train/airplane/0000.jpg", "train/cat/0001.jpg", "train/frog/0002.jpg", "test/ship/0003.jpg"]


def copy_cifar(src_root):
    os.makedirs("cifar", exist_ok=True)
    for rel in CIFAR:
        dst = os.path.join("cifar", rel.replace("/", "_"))
        if not os.path.exists(dst):
            if not src_root:
                sys.exit(f"{dst} is missing: pass the CIFAR-10 ImageFolder root")
            shutil.copyfile(os.path.join(src_root, rel), dst)


def smooth_rgb(w, h, seed):
    """A deterministic image with edges and gradients (not flat colors)."""
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0:h, 0:w].astype(np.float64)
    r = 127 + 120 * np.sin(x / 3.1 + seed) * np.cos(y / 4.3)
    g = 255 * (x + y) / (w + h)
    b = np.where((x // 4 + y // 5) % 2 == 0, 230, 20) + rng.integers(-20, 20, (h, w))
    return np.clip(np.stack([r, g, b], -1), 0, 255).astype(np.uint8)


def write_modes():
    os.makedirs("modes", exist_ok=True)
    rgb = Image.fromarray(smooth_rgb(37, 29, 1))
    gray = rgb.convert("L")
    gray.save("modes/gray.png")
    gray.save("modes/gray.jpg", quality=90)
    gray.save("modes/gray.pgm")
    rgb.save("modes/rgb.ppm")
    rgb.save("modes/rgb.bmp")
    rgb.save("modes/rgb.tiff")
    rgb.save("modes/rgb444.jpg", quality=90, subsampling=0)
    rgb.save("modes/rgb422.jpg", quality=90, subsampling=1)
    rgb.save("modes/rgb420.jpg", quality=90, subsampling=2)
    Image.fromarray(smooth_rgb(33, 27, 2)).save("modes/odd420.jpg", quality=75, subsampling=2)
    Image.fromarray(smooth_rgb(4, 6, 3)).save("modes/tiny420.jpg", quality=95, subsampling=2)
    Image.fromarray(smooth_rgb(40, 24, 4)).save("modes/progressive.jpg", quality=80, progressive=True)
    rgb.save("modes/lossless.webp", lossless=True)
    rgb.save("modes/lossy.webp", quality=90)
    # RGBA with every kind of alpha, including 0 over a non-black color:
    # convert("RGB") drops alpha without compositing.
    a = smooth_rgb(17, 9, 5)
    alpha = (np.arange(17 * 9).reshape(9, 17) * 37 % 256).astype(np.uint8)
    alpha[0, :4] = 0
    Image.fromarray(np.dstack([a, alpha]), "RGBA").save("modes/rgba.png")
    Image.fromarray(np.dstack([gray.resize((17, 9)), alpha[:, :]]).astype(np.uint8)[:, :, [0, 1]], "LA").save("modes/la.png")
    pal = rgb.quantize(colors=23)
    pal.save("modes/palette.png")
    pal.save("modes/palette.gif")
    trns = pal.copy()
    trns.info["transparency"] = 3
    trns.save("modes/palette_trns.png", transparency=3)
    Image.fromarray(smooth_rgb(12, 10, 6)).convert("CMYK").save("modes/cmyk.jpg", quality=95)


def write_decode():
    files = [os.path.join("cifar", f) for f in sorted(os.listdir("cifar"))]
    files += [os.path.join("modes", f) for f in sorted(os.listdir("modes"))]
    index, blob = [], bytearray()
    for f in files:
        with Image.open(f) as im:
            mode = im.mode
            arr = np.asarray(im.convert("RGB"), dtype=np.uint8)
        index.append({"file": f, "mode": mode, "w": arr.shape[1], "h": arr.shape[0], "offset": len(blob)})
        blob += arr.tobytes()
    with open("decode.json", "w") as fp:
        json.dump(index, fp, indent=1)
    with open("decode.bin", "wb") as fp:
        fp.write(blob)


def tiny(path):
    """A 2x2 image in the format the extension names (GIF for .gif)."""
    os.makedirs(os.path.dirname(path), exist_ok=True)
    ext = os.path.splitext(path)[1].lower()
    im = Image.fromarray(smooth_rgb(2, 2, len(path)))
    if ext in (".jpg", ".jpeg"):
        im.save(path, "JPEG")
    elif ext == ".pgm":
        im.convert("L").save(path, "PPM")
    elif ext == ".txt" or ext == ".md" or ext == "":
        with open(path, "w") as fp:
            fp.write("not an image\n")
    else:
        fmt = {".png": "PNG", ".gif": "GIF", ".bmp": "BMP", ".ppm": "PPM", ".tif": "TIFF",
               ".tiff": "TIFF", ".webp": "WEBP"}[ext]
        im.save(path, fmt)


TREE = [
    "cat/b.png", "cat/a.PNG", "cat/10.jpg", "cat/9.jpg", "cat/notes.txt", "cat/anim.gif",
    "cat/sub/z.png", "cat/sub-dir/y.png", "cat/sub/deeper/x.jpeg", "cat/sub/deeper/w.JPEG",
    "dog/Z.webp", "dog/a.bmp", "dog/c.tif", "dog/d.tiff", "dog/e.ppm", "dog/f.pgm",
    "Bird/x.png", ".hidden/h.png", "README.md",
]


def write_tree():
    shutil.rmtree("tree", ignore_errors=True)
    for rel in TREE:
        tiny(os.path.join("tree", rel))
    ds = datasets.ImageFolder("tree")
    samples = [[os.path.relpath(p, "tree").replace(os.sep, "/"), t] for p, t in ds.samples]
    with open("tree.json", "w") as fp:
        json.dump({"classes": ds.classes, "class_to_idx": ds.class_to_idx, "samples": samples}, fp, indent=1)

    shutil.rmtree("tree_empty", ignore_errors=True)
    tiny("tree_empty/full/a.png")
    tiny("tree_empty/empty/notes.txt")
    tiny("tree_empty/also_empty/anim.gif")
    try:
        datasets.ImageFolder("tree_empty")
        sys.exit("tree_empty should fail")
    except FileNotFoundError as e:
        with open("tree_empty.json", "w") as fp:
            json.dump({"error": str(e)}, fp, indent=1)


# What the generators write, relative to their directory: compared by --check.
GENERATED = ["modes", "decode.json", "decode.bin", "tree", "tree.json", "tree_empty", "tree_empty.json",
             "versions.json"]


def versions():
    return {"pillow": PIL.__version__, "torchvision": torchvision.__version__}


def generate():
    """Writes every generated file into the current directory, which holds cifar/."""
    write_modes()
    write_decode()
    write_tree()
    with open("versions.json", "w") as fp:
        json.dump(versions(), fp, indent=1, sort_keys=True)
        fp.write("\n")


def files_under(root, names):
    out = set()
    for name in names:
        path = os.path.join(root, name)
        if os.path.isdir(path):
            for d, _, fs in os.walk(path):
                out.update(os.path.relpath(os.path.join(d, f), root) for f in fs)
        elif os.path.exists(path):
            out.add(name)
    return out


def check():
    """Regenerates into a temporary directory and compares it with HERE; returns the exit code."""
    with open(os.path.join(HERE, "versions.json")) as fp:
        made_by = json.load(fp)
    with tempfile.TemporaryDirectory() as tmp:
        shutil.copytree(os.path.join(HERE, "cifar"), os.path.join(tmp, "cifar"))
        cwd = os.getcwd()
        os.chdir(tmp)
        try:
            generate()
        finally:
            os.chdir(cwd)
        want, got = files_under(HERE, GENERATED), files_under(tmp, GENERATED)
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
    copy_cifar(sys.argv[1] if len(sys.argv) > 1 else os.environ.get("CIFAR10_DIR"))
    generate()
    return 0


if __name__ == "__main__":
    sys.exit(main())
