// Package datasets mirrors torchvision.datasets: ImageFolder (a
// class-per-folder tree of image files), CIFAR10 and CIFAR100 (the official
// binary releases), MNIST, FashionMNIST and KMNIST (the idx files), and
// FakeData. Each implements data.Dataset: Get makes one image (RGB, or mode
// L for the MNIST family), applies the transform with the generator it is
// given, and returns a float32 CHW sample with its label. Constructors take
// torchvision's positional arguments and one optional options struct of its
// keyword arguments (NewMNIST(root, MNISTOptions{Train: new(false)})).
//
// # Downloads
//
// With Download set (or through DownloadCIFAR10, DownloadMNIST, ...) a
// dataset missing from root is fetched as torchvision fetches it: CIFAR's
// single archive, the MNIST family's four files from each mirror in turn
// (MNISTMirrors, ...), every file checked against torchvision's MD5, written
// with atomicfile so an interrupted download never leaves a half-written
// file, archives extracted into a temporary folder renamed into place. The
// lines torchvision prints go to DownloadOptions.Progress (or the datasets'
// Progress field), with a progress bar when it is a terminal. A copy already
// verified is not fetched again.
//
// # Order
//
// ImageFolder lists its samples exactly as torchvision 0.14 does, so that an
// index (and hence a train/validation split) means the same image in both:
// class folders sorted by name (hidden ones included), every folder below a
// class walked with symbolic links followed, folders visited in the sorted
// order of their paths (so "a-b" comes before "a/x"), files sorted by name
// within each folder. Sorting is by Unicode code point, as Python's is.
//
// # Formats
//
// IMGExtensions is torchvision's list: .jpg .jpeg .png .ppm .bmp .pgm .tif
// .tiff .webp (case-insensitive). LoadImage also decodes GIF (first frame),
// which torchvision's ImageFolder skips; add ".gif" to
// ImageFolderOptions.Extensions to include it. Formats are recognised by
// content. Decoding follows PIL's convert("RGB"): see functional.FromImage
// for modes and for how close JPEG pixels come to libjpeg-turbo's.
//
// # Errors
//
// A missing root, a root with no class folders and a class folder with no
// valid file are errors at construction, worded like torchvision's and
// matching errors.Is(err, fs.ErrNotExist). A file that cannot be read or
// decoded is an error from Get that names its path; nothing panics on bad
// data. Get is safe for concurrent use.
package datasets

import (
	"errors"
	"fmt"
	"io/fs"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/aecifar/aecifar/torch/utils/data"
	"github.com/aecifar/aecifar/torch/vision/transforms"
	"github.com/aecifar/aecifar/torch/vision/transforms/functional"
)

// IMGExtensions are the file extensions ImageFolder accepts by default,
// torchvision's IMG_EXTENSIONS in its order.
var IMGExtensions = []string{".jpg", ".jpeg", ".png", ".ppm", ".bmp", ".pgm", ".tif", ".tiff", ".webp"}

// LabeledPath is one ImageFolder sample: a file and its class index.
type LabeledPath struct {
	Path  string
	Label int
}

// ImageFolder mirrors torchvision.datasets.ImageFolder.
type ImageFolder struct {
	Root       string
	Classes    []string       // sorted class folder names
	ClassToIdx map[string]int // class name → label
	Samples    []LabeledPath  // in torchvision's order
	Transform  transforms.Transform
	// TargetTransform maps each label (nil: the label itself).
	TargetTransform func(target int) int
	// Loader reads one file; nil means LoadImage. (With LoadImage every
	// image is fresh, so its memory is recycled once transformed.)
	Loader func(path string) (*functional.Image, error)
}

// ImageFolderOptions are the keyword arguments of NewImageFolder:
// torchvision's ImageFolder(root, transform=None, target_transform=None,
// loader=default_loader, is_valid_file=None), and DatasetFolder's extensions.
type ImageFolderOptions struct {
	// Transform is applied to every image; nil means ToTensor only (a Sample
	// needs float32 data, where torchvision would return the PIL image).
	Transform transforms.Transform
	// TargetTransform maps each label; nil leaves it.
	TargetTransform func(target int) int
	// Loader reads one file; nil means LoadImage, torchvision's default_loader.
	Loader func(path string) (*functional.Image, error)
	// IsValidFile decides which files are samples, given each file's path;
	// nil means the Extensions check. It cannot be combined with Extensions.
	IsValidFile func(path string) bool
	// Extensions are the accepted file extensions (lower-cased names ending
	// with one); nil means IMGExtensions.
	Extensions []string
}

// NewImageFolder is torchvision.datasets.ImageFolder(root, ...): it lists
// the samples under root (root/<class>/.../<file>) and returns the dataset.
func NewImageFolder(root string, opts ...ImageFolderOptions) (*ImageFolder, error) {
	if len(opts) > 1 {
		return nil, fmt.Errorf("datasets: ImageFolder: %d ImageFolderOptions given, want at most one", len(opts))
	}
	var o ImageFolderOptions
	if len(opts) == 1 {
		o = opts[0]
	}
	if o.IsValidFile != nil && o.Extensions != nil {
		return nil, errors.New("datasets: ImageFolder: Both extensions and is_valid_file cannot be None or not None at the same time")
	}
	valid := o.IsValidFile
	if valid == nil {
		exts := o.Extensions
		if exts == nil {
			exts = IMGExtensions
		}
		valid = func(p string) bool { return hasExtension(p, exts) }
	}
	classes, err := findClasses(root)
	if err != nil {
		return nil, fmt.Errorf("datasets: ImageFolder: %w", err)
	}
	f := &ImageFolder{
		Root:            root,
		Classes:         classes,
		ClassToIdx:      make(map[string]int, len(classes)),
		Transform:       o.Transform,
		TargetTransform: o.TargetTransform,
		Loader:          o.Loader,
	}
	var empty []string
	for i, c := range classes {
		f.ClassToIdx[c] = i
		files, err := walkSorted(filepath.Join(root, c))
		if err != nil {
			return nil, fmt.Errorf("datasets: ImageFolder: %w", err)
		}
		n := 0
		for _, p := range files {
			if valid(p) {
				f.Samples = append(f.Samples, LabeledPath{Path: p, Label: i})
				n++
			}
		}
		if n == 0 {
			empty = append(empty, c)
		}
	}
	if len(empty) > 0 {
		exts := o.Extensions
		if exts == nil && o.IsValidFile == nil {
			exts = IMGExtensions
		}
		return nil, fmt.Errorf("datasets: ImageFolder(%s): %w", root, &noValidFileError{empty, exts})
	}
	return f, nil
}

// noValidFileError is torchvision's FileNotFoundError for empty classes.
type noValidFileError struct {
	classes, extensions []string
}

func (e *noValidFileError) Error() string {
	msg := "Found no valid file for the classes " + strings.Join(e.classes, ", ") + ". "
	if e.extensions != nil {
		msg += "Supported extensions are: " + strings.Join(e.extensions, ", ")
	}
	return msg
}

func (e *noValidFileError) Unwrap() error { return fs.ErrNotExist }

func hasExtension(path string, exts []string) bool {
	lower := strings.ToLower(path)
	for _, e := range exts {
		if strings.HasSuffix(lower, e) {
			return true
		}
	}
	return false
}

// findClasses is torchvision's find_classes: the sorted names of root's
// entries that are directories, symbolic links to them included.
func findClasses(root string) ([]string, error) {
	entries, err := os.ReadDir(root)
	if err != nil {
		return nil, err
	}
	var classes []string
	for _, e := range entries {
		if isDir(filepath.Join(root, e.Name()), e) {
			classes = append(classes, e.Name())
		}
	}
	if len(classes) == 0 {
		//lint:ignore ST1005 torchvision's own message, capitalised as it is
		return nil, fmt.Errorf("Couldn't find any class folder in %s: %w", root, fs.ErrNotExist)
	}
	slices.Sort(classes)
	return classes, nil
}

// isDir reports whether the entry is a directory, following a symbolic link
// as Python's DirEntry.is_dir() does; a broken link is not a directory.
func isDir(path string, e fs.DirEntry) bool {
	if e.Type()&fs.ModeSymlink == 0 {
		return e.IsDir()
	}
	info, err := os.Stat(path)
	return err == nil && info.IsDir()
}

// walkSorted lists the non-directory entries under dir in the order of
// Python's `for root, _, files in sorted(os.walk(dir, followlinks=True)):
// for f in sorted(files)`: folders sorted by their full path, files by name.
// A link back to a folder being walked is not followed again (os.walk
// would loop until the path grows too long).
func walkSorted(dir string) ([]string, error) {
	type folder struct {
		path  string
		files []string
	}
	var folders []folder
	var visit func(path string, ancestors []os.FileInfo) error
	visit = func(path string, ancestors []os.FileInfo) error {
		info, err := os.Stat(path)
		if err != nil {
			return err
		}
		for _, a := range ancestors {
			if os.SameFile(a, info) {
				return nil
			}
		}
		ancestors = append(ancestors, info)
		entries, err := os.ReadDir(path)
		if err != nil {
			return err
		}
		f := folder{path: path}
		var sub []string
		for _, e := range entries {
			p := path + string(filepath.Separator) + e.Name()
			if isDir(p, e) {
				sub = append(sub, p)
			} else {
				f.files = append(f.files, e.Name())
			}
		}
		folders = append(folders, f)
		for _, s := range sub {
			if err := visit(s, ancestors); err != nil {
				return err
			}
		}
		return nil
	}
	if err := visit(dir, nil); err != nil {
		return nil, err
	}
	slices.SortFunc(folders, func(a, b folder) int { return strings.Compare(a.path, b.path) })
	var out []string
	for _, f := range folders {
		slices.Sort(f.files)
		for _, name := range f.files {
			out = append(out, f.path+string(filepath.Separator)+name)
		}
	}
	return out, nil
}

// Len implements data.Dataset.
func (f *ImageFolder) Len() int { return len(f.Samples) }

// Targets returns every sample's label, like ImageFolder.targets.
func (f *ImageFolder) Targets() []int {
	t := make([]int, len(f.Samples))
	for i, s := range f.Samples {
		t[i] = s.Label
	}
	return t
}

// Get implements data.Dataset: it loads sample index and applies the
// transform with rng.
func (f *ImageFolder) Get(index int, rng *rand.Rand) (data.Sample, error) {
	if index < 0 || index >= len(f.Samples) {
		return data.Sample{}, fmt.Errorf("datasets: ImageFolder index %d out of range [0, %d)", index, len(f.Samples))
	}
	s := f.Samples[index]
	load, fresh := f.Loader, f.Loader == nil
	if fresh {
		load = LoadImage
	}
	img, err := load(s.Path)
	if err != nil {
		return data.Sample{}, fmt.Errorf("datasets: ImageFolder: %w", err)
	}
	out, err := applyTransform(f.Transform, img, rng, fresh)
	if err != nil {
		return data.Sample{}, fmt.Errorf("datasets: ImageFolder: %s: %w", s.Path, err)
	}
	out.Label = int64(targetTransform(f.TargetTransform, s.Label))
	return out, nil
}

// applyTransform runs t (ToTensor when nil) and checks that it ends in a
// tensor. owned says img was made for this call alone, so its memory may be
// recycled.
func applyTransform(t transforms.Transform, img *functional.Image, rng *rand.Rand, owned bool) (data.Sample, error) {
	if t == nil {
		t = transforms.ToTensor{}
	}
	var x any
	var err error
	if owned {
		x, err = transforms.ApplyOwned(t, img, rng)
	} else {
		x, err = t.Apply(img, rng)
	}
	if err != nil {
		return data.Sample{}, err
	}
	switch v := x.(type) {
	case functional.Tensor:
		return data.Sample{Data: v.Data, Shape: v.Shape}, nil
	case *functional.Tensor:
		if v != nil {
			return data.Sample{Data: v.Data, Shape: v.Shape}, nil
		}
	}
	return data.Sample{}, errors.New("transform must end with a Tensor (add transforms.ToTensor{}), got " + fmt.Sprintf("%T", x))
}

var _ data.Dataset = (*ImageFolder)(nil)
