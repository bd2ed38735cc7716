package datasets

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"

	"github.com/aecifar/aecifar/torch/utils/data"
	"github.com/aecifar/aecifar/torch/vision/transforms"
	"github.com/aecifar/aecifar/torch/vision/transforms/functional"
)

// Where CIFAR-10's and CIFAR-100's binary releases come from, with their
// MD5s. Tests point these at a local server; change them only before a
// download starts.
var (
	CIFAR10URL  = "https://www.cs.toronto.edu/~kriz/cifar-10-binary.tar.gz"
	CIFAR10MD5  = "c32a1d4ab5d03f1284b67883e8d87530"
	CIFAR100URL = "https://www.cs.toronto.edu/~kriz/cifar-100-binary.tar.gz"
	CIFAR100MD5 = "03b5dce01913d631647c71ecec9e9cb8"
)

const cifarSide = 32

// cifarSpec describes one binary release: its archive and folder, its
// files, and its records (label bytes, then R, G and B planes of 32×32).
type cifarSpec struct {
	name        string
	url, md5    *string
	archive     string
	dir         string
	train, test []string
	meta        string // the class names, one a line
	coarseMeta  string // CIFAR-100's coarse class names
	labelBytes  int    // 1, or 2 (coarse, fine) for CIFAR-100
}

func (s *cifarSpec) record() int { return s.labelBytes + 3*cifarSide*cifarSide }

var (
	cifar10Spec = &cifarSpec{
		name: "CIFAR10", url: &CIFAR10URL, md5: &CIFAR10MD5,
		archive: "cifar-10-binary.tar.gz", dir: "cifar-10-batches-bin",
		train: []string{"data_batch_1.bin", "data_batch_2.bin", "data_batch_3.bin", "data_batch_4.bin", "data_batch_5.bin"},
		test:  []string{"test_batch.bin"}, meta: "batches.meta.txt", labelBytes: 1,
	}
	cifar100Spec = &cifarSpec{
		name: "CIFAR100", url: &CIFAR100URL, md5: &CIFAR100MD5,
		archive: "cifar-100-binary.tar.gz", dir: "cifar-100-binary",
		train: []string{"train.bin"}, test: []string{"test.bin"},
		meta: "fine_label_names.txt", coarseMeta: "coarse_label_names.txt", labelBytes: 2,
	}
)

// CIFAR10 mirrors torchvision.datasets.CIFAR10, reading the official binary
// release from Root/cifar-10-batches-bin: 3073-byte records (a label byte,
// then 1024 red, 1024 green and 1024 blue bytes, row-major 32×32), the five
// data batches in order for training, test_batch.bin for testing, and the
// class names from batches.meta.txt. (torchvision reads the Python release,
// whose images and labels are the same in the same order.)
type CIFAR10 struct {
	Root       string
	Train      bool
	Classes    []string
	ClassToIdx map[string]int
	Transform  transforms.Transform
	// TargetTransform maps each label (nil: the label itself).
	TargetTransform func(target int) int

	spec    *cifarSpec
	records []byte // Len() records of spec.record() bytes
}

// CIFAR10Options are the keyword arguments of NewCIFAR10 (and NewCIFAR100),
// torchvision's; Progress is this port's.
type CIFAR10Options struct {
	// Train selects the training split; nil means true, torchvision's default.
	Train *bool
	// Transform is applied to each image in Get; nil means ToTensor (a Sample
	// holds float32 data, where torchvision would return the PIL image).
	Transform transforms.Transform
	// TargetTransform maps each label; nil leaves it.
	TargetTransform func(target int) int
	// Download fetches and extracts the release when it is not already there
	// (default false).
	Download bool
	// Progress receives the download's lines, as DownloadOptions.Progress.
	Progress io.Writer
}

// CIFAR100Options are NewCIFAR100's keyword arguments, CIFAR10's.
type CIFAR100Options = CIFAR10Options

// ErrDatasetNotFound is returned (wrapped) when the data is missing and
// download is false.
var ErrDatasetNotFound = errors.New("dataset not found or corrupted; you can use download=true to download it")

func trainOrDefault(train *bool) bool { return train == nil || *train }

// NewCIFAR10 is torchvision.datasets.CIFAR10(root, ...): the training split
// (or the test split with Train: new(false)) from root, downloaded and
// extracted first when Download is set and the data is not complete there.
func NewCIFAR10(root string, opts ...CIFAR10Options) (*CIFAR10, error) {
	return newCIFAR(cifar10Spec, root, opts)
}

func newCIFAR(spec *cifarSpec, root string, opts []CIFAR10Options) (*CIFAR10, error) {
	if len(opts) > 1 {
		return nil, fmt.Errorf("datasets: %s: %d options given, want at most one", spec.name, len(opts))
	}
	var o CIFAR10Options
	if len(opts) == 1 {
		o = opts[0]
	}
	if o.Download {
		if err := downloadCIFAR(context.Background(), spec, root, DownloadOptions{Progress: o.Progress}); err != nil {
			return nil, err
		}
	}
	dir := filepath.Join(root, spec.dir)
	if err := checkCIFAR(spec, dir); err != nil {
		return nil, fmt.Errorf("datasets: %s in %s: %w: %w", spec.name, root, ErrDatasetNotFound, err)
	}
	c := &CIFAR10{Root: root, Train: trainOrDefault(o.Train), Transform: o.Transform, TargetTransform: o.TargetTransform, spec: spec}
	var err error
	if c.Classes, err = readLines(filepath.Join(dir, spec.meta)); err != nil {
		return nil, fmt.Errorf("datasets: %s: %w", spec.name, err)
	}
	c.ClassToIdx = make(map[string]int, len(c.Classes))
	for i, name := range c.Classes {
		c.ClassToIdx[name] = i
	}
	files := spec.test
	if c.Train {
		files = spec.train
	}
	for _, name := range files {
		b, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			return nil, fmt.Errorf("datasets: %s: %w", spec.name, err)
		}
		c.records = append(c.records, b...)
	}
	for i := range c.Len() {
		if label := c.label(i); label >= len(c.Classes) {
			return nil, fmt.Errorf("datasets: %s: record %d has label %d but %s lists %d classes", spec.name, i, label, spec.meta, len(c.Classes))
		}
	}
	return c, nil
}

// readLines returns the non-empty lines of a class-name file, trimmed.
func readLines(name string) ([]string, error) {
	b, err := os.ReadFile(name)
	if err != nil {
		return nil, err
	}
	var out []string
	for _, line := range strings.Split(string(b), "\n") {
		if s := strings.TrimSpace(line); s != "" {
			out = append(out, s)
		}
	}
	return out, nil
}

// checkCIFAR is the integrity check of dir: every file present, every batch
// a whole, non-zero number of records. (The binary releases publish no
// per-file checksums; the archive's MD5 is checked at download.)
func checkCIFAR(spec *cifarSpec, dir string) error {
	for _, meta := range []string{spec.meta, spec.coarseMeta} {
		if meta == "" {
			continue
		}
		if _, err := os.Stat(filepath.Join(dir, meta)); err != nil {
			return err
		}
	}
	for _, name := range append(append([]string{}, spec.train...), spec.test...) {
		info, err := os.Stat(filepath.Join(dir, name))
		if err != nil {
			return err
		}
		if info.Size() == 0 || info.Size()%int64(spec.record()) != 0 {
			return fmt.Errorf("%s has %d bytes, not a whole number of %d-byte records", name, info.Size(), spec.record())
		}
	}
	return nil
}

// DownloadCIFAR10 makes root/cifar-10-batches-bin exist and be complete, as
// CIFAR10(download=True) does: it downloads CIFAR10URL to
// root/cifar-10-binary.tar.gz unless a copy with the right MD5 is there,
// checks CIFAR10MD5, and extracts into a temporary folder that is renamed
// into place only once complete, so an interrupted run never leaves a
// half-written dataset. Data already present and complete is left alone
// ("Files already downloaded and verified").
func DownloadCIFAR10(ctx context.Context, root string, opts ...DownloadOptions) error {
	o, err := downloadOptions(opts)
	if err != nil {
		return fmt.Errorf("datasets: CIFAR10: %w", err)
	}
	return downloadCIFAR(ctx, cifar10Spec, root, o)
}

func downloadCIFAR(ctx context.Context, spec *cifarSpec, root string, o DownloadOptions) error {
	if checkCIFAR(spec, filepath.Join(root, spec.dir)) == nil {
		o.printf("Files already downloaded and verified\n")
		return nil
	}
	if err := os.MkdirAll(root, 0o755); err != nil {
		return fmt.Errorf("datasets: %s: %w", spec.name, err)
	}
	if err := downloadURL(ctx, *spec.url, root, spec.archive, *spec.md5, o); err != nil {
		return fmt.Errorf("datasets: %s: %w", spec.name, err)
	}
	archive := filepath.Join(root, spec.archive)
	o.printf("Extracting %s to %s\n", archive, root)
	check := func(dir string) error { return checkCIFAR(spec, dir) }
	if err := extractTarDir(archive, root, spec.dir, check); err != nil {
		return fmt.Errorf("datasets: %s: extracting %s: %w", spec.name, archive, err)
	}
	return nil
}

// Len implements data.Dataset.
func (c *CIFAR10) Len() int { return len(c.records) / c.spec.record() }

// label is record i's label (CIFAR-100's fine one), unchecked.
func (c *CIFAR10) label(i int) int {
	return int(c.records[i*c.spec.record()+c.spec.labelBytes-1])
}

// Targets returns every sample's label, like CIFAR10.targets.
func (c *CIFAR10) Targets() []int {
	t := make([]int, c.Len())
	for i := range t {
		t[i] = c.label(i)
	}
	return t
}

// Image returns sample index as an RGB image, with its label (before
// TargetTransform).
func (c *CIFAR10) Image(index int) (*functional.Image, int, error) {
	if index < 0 || index >= c.Len() {
		return nil, 0, fmt.Errorf("datasets: %s index %d out of range [0, %d)", c.spec.name, index, c.Len())
	}
	n := c.spec.record()
	rec := c.records[index*n+c.spec.labelBytes : (index+1)*n]
	const plane = cifarSide * cifarSide
	img := functional.NewImage(cifarSide, cifarSide)
	r, g, b := rec[:plane], rec[plane:2*plane], rec[2*plane:]
	for i := range plane {
		img.Pix[3*i], img.Pix[3*i+1], img.Pix[3*i+2] = r[i], g[i], b[i]
	}
	return img, c.label(index), nil
}

// Get implements data.Dataset.
func (c *CIFAR10) Get(index int, rng *rand.Rand) (data.Sample, error) {
	img, label, err := c.Image(index)
	if err != nil {
		return data.Sample{}, err
	}
	s, err := applyTransform(c.Transform, img, rng, true) // img is built for this call
	if err != nil {
		return data.Sample{}, fmt.Errorf("datasets: %s sample %d: %w", c.spec.name, index, err)
	}
	s.Label = int64(targetTransform(c.TargetTransform, label))
	return s, nil
}

func targetTransform(f func(int) int, label int) int {
	if f == nil {
		return label
	}
	return f(label)
}

// CIFAR100 mirrors torchvision.datasets.CIFAR100 (a CIFAR10 of another
// release), reading the binary release from Root/cifar-100-binary: 3074-byte
// records (the coarse label, the fine label, then the R, G and B planes),
// train.bin or test.bin. Classes and Targets are the 100 fine classes, as
// torchvision's; the 20 coarse ones, which torchvision 0.14 does not expose,
// are CoarseClasses and CoarseTargets.
type CIFAR100 struct {
	CIFAR10
	CoarseClasses []string
}

// NewCIFAR100 is torchvision.datasets.CIFAR100(root, ...), as NewCIFAR10.
func NewCIFAR100(root string, opts ...CIFAR100Options) (*CIFAR100, error) {
	c, err := newCIFAR(cifar100Spec, root, opts)
	if err != nil {
		return nil, err
	}
	coarse, err := readLines(filepath.Join(root, cifar100Spec.dir, cifar100Spec.coarseMeta))
	if err != nil {
		return nil, fmt.Errorf("datasets: CIFAR100: %w", err)
	}
	out := &CIFAR100{CIFAR10: *c, CoarseClasses: coarse}
	for i := range out.Len() {
		if label := int(out.records[i*out.spec.record()]); label >= len(coarse) {
			return nil, fmt.Errorf("datasets: CIFAR100: record %d has coarse label %d but %s lists %d classes", i, label, cifar100Spec.coarseMeta, len(coarse))
		}
	}
	return out, nil
}

// CoarseTargets returns every sample's coarse label (its superclass).
func (c *CIFAR100) CoarseTargets() []int {
	t := make([]int, c.Len())
	for i := range t {
		t[i] = int(c.records[i*c.spec.record()])
	}
	return t
}

// DownloadCIFAR100 is DownloadCIFAR10 for CIFAR-100's binary release
// (CIFAR100URL, CIFAR100MD5) into root/cifar-100-binary.
func DownloadCIFAR100(ctx context.Context, root string, opts ...DownloadOptions) error {
	o, err := downloadOptions(opts)
	if err != nil {
		return fmt.Errorf("datasets: CIFAR100: %w", err)
	}
	return downloadCIFAR(ctx, cifar100Spec, root, o)
}

var (
	_ data.Dataset = (*CIFAR10)(nil)
	_ data.Dataset = (*CIFAR100)(nil)
)
