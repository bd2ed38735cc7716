package datasets

import (
	"context"
	"encoding/binary"
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

// The mirrors and files of MNIST and of the datasets that share its format,
// as torchvision 0.14 lists them (MNIST.mirrors, MNIST.resources): a
// download tries each mirror in order. Tests point the mirrors at a local
// server; change them only before a download starts.
var (
	MNISTMirrors   = []string{"http://yann.lecun.com/exdb/mnist/", "https://ossci-datasets.s3.amazonaws.com/mnist/"}
	MNISTResources = []Resource{
		{"train-images-idx3-ubyte.gz", "f68b3c2dcbeaaa9fbdd348bbdeb94873"},
		{"train-labels-idx1-ubyte.gz", "d53e105ee54ea40749a09fcbcd1e9432"},
		{"t10k-images-idx3-ubyte.gz", "9fb629c4189551a2d022fa330f9573f3"},
		{"t10k-labels-idx1-ubyte.gz", "ec29112dd5afa0611ce80d1b7f02629c"},
	}

	FashionMNISTMirrors   = []string{"http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/"}
	FashionMNISTResources = []Resource{
		{"train-images-idx3-ubyte.gz", "8d4fb7e6c68d591d4c3dfef9ec88bf0d"},
		{"train-labels-idx1-ubyte.gz", "25c81989df183df01b3e8a0aad5dffbe"},
		{"t10k-images-idx3-ubyte.gz", "bef4ecab320f06d8554ea6380940ec79"},
		{"t10k-labels-idx1-ubyte.gz", "bb300cfdad3c16e7a12a480ee83cd310"},
	}

	KMNISTMirrors   = []string{"http://codh.rois.ac.jp/kmnist/dataset/kmnist/"}
	KMNISTResources = []Resource{
		{"train-images-idx3-ubyte.gz", "bdb82020997e1d708af4cf47b453dcf7"},
		{"train-labels-idx1-ubyte.gz", "e144d726b3acfaa3e44228e80efcd344"},
		{"t10k-images-idx3-ubyte.gz", "5c965bf0a639b31b8f53240b1b52f4d7"},
		{"t10k-labels-idx1-ubyte.gz", "7320c461ea6c1c855c0b718fb2a4b134"},
	}
)

// mnistSpec is one dataset of the MNIST family: its folder under root
// (torchvision's class name), where it comes from, its class names.
type mnistSpec struct {
	name      string
	mirrors   *[]string
	resources *[]Resource
	classes   []string
}

var (
	mnistDigits = &mnistSpec{"MNIST", &MNISTMirrors, &MNISTResources, []string{
		"0 - zero", "1 - one", "2 - two", "3 - three", "4 - four", "5 - five", "6 - six", "7 - seven", "8 - eight", "9 - nine"}}
	fashionMNISTSpec = &mnistSpec{"FashionMNIST", &FashionMNISTMirrors, &FashionMNISTResources, []string{
		"T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"}}
	kmnistSpec = &mnistSpec{"KMNIST", &KMNISTMirrors, &KMNISTResources, []string{
		"o", "ki", "su", "tsu", "na", "ha", "ma", "ya", "re", "wo"}}
)

// rawFolder is torchvision's raw_folder: root/<Name>/raw.
func (s *mnistSpec) rawFolder(root string) string { return filepath.Join(root, s.name, "raw") }

// MNIST mirrors torchvision.datasets.MNIST, and FashionMNIST and KMNIST,
// which share its files and format: the idx files in Root/<Name>/raw
// (train-images-idx3-ubyte and train-labels-idx1-ubyte for training,
// t10k-* for testing), read as torchvision reads them. Each sample is a mode
// L image, as torchvision's Image.fromarray(img, mode="L").
type MNIST struct {
	Root       string
	Train      bool
	Classes    []string
	ClassToIdx map[string]int
	Transform  transforms.Transform
	// TargetTransform maps each label (nil: the label itself).
	TargetTransform func(target int) int
	// Rows and Cols are each image's size (28×28 for the three datasets).
	Rows, Cols int

	name    string
	images  []byte // Len() images of Rows×Cols bytes
	targets []byte
}

// MNISTOptions are the keyword arguments of NewMNIST, NewFashionMNIST and
// NewKMNIST, torchvision's; Progress is this port's.
type MNISTOptions struct {
	// Train selects the training split; nil means true, torchvision's default.
	Train *bool
	// Transform is applied to each image in Get; nil means ToTensor (a Sample
	// holds float32 data, where torchvision would return the PIL image).
	Transform transforms.Transform
	// TargetTransform maps each label; nil leaves it.
	TargetTransform func(target int) int
	// Download fetches the four files from the mirrors when they are not all
	// there (default false).
	Download bool
	// Progress receives the download's lines, as DownloadOptions.Progress.
	Progress io.Writer
}

// NewMNIST is torchvision.datasets.MNIST(root, ...): the training split (or
// the test split with Train: new(false)) from root/MNIST/raw, downloaded
// first when Download is set and a file is missing.
func NewMNIST(root string, opts ...MNISTOptions) (*MNIST, error) {
	return newMNIST(mnistDigits, root, opts)
}

// NewFashionMNIST is torchvision.datasets.FashionMNIST(root, ...), from
// root/FashionMNIST/raw.
func NewFashionMNIST(root string, opts ...MNISTOptions) (*MNIST, error) {
	return newMNIST(fashionMNISTSpec, root, opts)
}

// NewKMNIST is torchvision.datasets.KMNIST(root, ...), from root/KMNIST/raw.
func NewKMNIST(root string, opts ...MNISTOptions) (*MNIST, error) {
	return newMNIST(kmnistSpec, root, opts)
}

func newMNIST(spec *mnistSpec, root string, opts []MNISTOptions) (*MNIST, error) {
	if len(opts) > 1 {
		return nil, fmt.Errorf("datasets: %s: %d MNISTOptions given, want at most one", spec.name, len(opts))
	}
	var o MNISTOptions
	if len(opts) == 1 {
		o = opts[0]
	}
	if o.Download {
		if err := downloadMNIST(context.Background(), spec, root, DownloadOptions{Progress: o.Progress}); err != nil {
			return nil, err
		}
	}
	if err := checkMNIST(spec, root); err != nil {
		return nil, fmt.Errorf("datasets: %s in %s: %w: %w", spec.name, root, ErrDatasetNotFound, err)
	}
	m := &MNIST{Root: root, Train: trainOrDefault(o.Train), Classes: spec.classes, Transform: o.Transform,
		TargetTransform: o.TargetTransform, name: spec.name, ClassToIdx: make(map[string]int, len(spec.classes))}
	for i, c := range spec.classes {
		m.ClassToIdx[c] = i
	}
	split := "t10k"
	if m.Train {
		split = "train"
	}
	raw := spec.rawFolder(root)
	images, dims, err := readIdx(filepath.Join(raw, split+"-images-idx3-ubyte"), 3)
	if err != nil {
		return nil, fmt.Errorf("datasets: %s: %w", spec.name, err)
	}
	targets, tdims, err := readIdx(filepath.Join(raw, split+"-labels-idx1-ubyte"), 1)
	if err != nil {
		return nil, fmt.Errorf("datasets: %s: %w", spec.name, err)
	}
	if tdims[0] != dims[0] {
		return nil, fmt.Errorf("datasets: %s: %d images but %d labels", spec.name, dims[0], tdims[0])
	}
	for i, t := range targets {
		if int(t) >= len(m.Classes) {
			return nil, fmt.Errorf("datasets: %s: label %d of sample %d is not one of the %d classes", spec.name, t, i, len(m.Classes))
		}
	}
	m.images, m.targets, m.Rows, m.Cols = images, targets, dims[1], dims[2]
	return m, nil
}

// checkMNIST is torchvision's _check_exists: the four decompressed files
// are there (torchvision checks no MD5 of them; readIdx checks their shape).
func checkMNIST(spec *mnistSpec, root string) error {
	for _, r := range *spec.resources {
		if name := filepath.Join(spec.rawFolder(root), strings.TrimSuffix(r.Filename, ".gz")); !checkIntegrity(name, "") {
			return fmt.Errorf("%s is missing", name)
		}
	}
	return nil
}

// idxTypeUint8 is the idx format's code for unsigned bytes, the only type
// torchvision's read_image_file and read_label_file accept.
const idxTypeUint8 = 8

// readIdx is torchvision's read_sn3_pascalvincent_tensor for a uint8 file of
// nd dimensions: a big-endian magic (type << 8 | nd), the dimensions, then
// the values. Unlike torchvision (strict=False) it rejects a file whose data
// does not match its dimensions.
func readIdx(name string, nd int) (values []byte, dims []int, err error) {
	b, err := os.ReadFile(name)
	if err != nil {
		return nil, nil, err
	}
	if len(b) < 4 {
		return nil, nil, fmt.Errorf("%s: %d bytes, too short for an idx file", name, len(b))
	}
	magic := binary.BigEndian.Uint32(b)
	if typ, n := magic>>8, int(magic&0xff); typ != idxTypeUint8 || n != nd {
		return nil, nil, fmt.Errorf("%s: an idx file of type %d and %d dimensions, want uint8 (8) with %d (x should be of dtype torch.uint8 with %d dimensions)", name, typ, n, nd, nd)
	}
	if len(b) < 4+4*nd {
		return nil, nil, fmt.Errorf("%s: truncated header", name)
	}
	size := 1
	for i := range nd {
		d := int(binary.BigEndian.Uint32(b[4+4*i:]))
		dims = append(dims, d)
		size *= d
	}
	values = b[4+4*nd:]
	if len(values) != size || size == 0 {
		return nil, nil, fmt.Errorf("%s: %d values for dimensions %v", name, len(values), dims)
	}
	return values, dims, nil
}

// DownloadMNIST makes root/MNIST/raw hold the four files, as MNIST's
// download does: nothing when they are all there; otherwise each .gz from
// the first mirror that gives it whole and with its MD5, kept beside its
// decompressed copy, both written atomically (see DownloadOptions for the
// lines printed).
func DownloadMNIST(ctx context.Context, root string, opts ...DownloadOptions) error {
	return downloadMNISTOpts(ctx, mnistDigits, root, opts)
}

// DownloadFashionMNIST is DownloadMNIST for FashionMNIST (root/FashionMNIST/raw).
func DownloadFashionMNIST(ctx context.Context, root string, opts ...DownloadOptions) error {
	return downloadMNISTOpts(ctx, fashionMNISTSpec, root, opts)
}

// DownloadKMNIST is DownloadMNIST for KMNIST (root/KMNIST/raw).
func DownloadKMNIST(ctx context.Context, root string, opts ...DownloadOptions) error {
	return downloadMNISTOpts(ctx, kmnistSpec, root, opts)
}

func downloadMNISTOpts(ctx context.Context, spec *mnistSpec, root string, opts []DownloadOptions) error {
	o, err := downloadOptions(opts)
	if err != nil {
		return fmt.Errorf("datasets: %s: %w", spec.name, err)
	}
	return downloadMNIST(ctx, spec, root, o)
}

func downloadMNIST(ctx context.Context, spec *mnistSpec, root string, o DownloadOptions) error {
	if checkMNIST(spec, root) == nil {
		return nil
	}
	raw := spec.rawFolder(root)
	if err := os.MkdirAll(raw, 0o755); err != nil {
		return fmt.Errorf("datasets: %s: %w", spec.name, err)
	}
	for _, r := range *spec.resources {
		extract := func(archive string) error { return decompressGzip(archive, o) }
		if err := downloadFromMirrors(ctx, *spec.mirrors, r, raw, o, extract); err != nil {
			return fmt.Errorf("datasets: %s: %w", spec.name, err)
		}
	}
	return nil
}

// Len implements data.Dataset.
func (m *MNIST) Len() int { return len(m.targets) }

// Targets returns every sample's label, like MNIST.targets.
func (m *MNIST) Targets() []int {
	t := make([]int, len(m.targets))
	for i, v := range m.targets {
		t[i] = int(v)
	}
	return t
}

// Image returns sample index as a mode L image, with its label (before
// TargetTransform).
func (m *MNIST) Image(index int) (*functional.Image, int, error) {
	if index < 0 || index >= m.Len() {
		return nil, 0, fmt.Errorf("datasets: %s index %d out of range [0, %d)", m.name, index, m.Len())
	}
	n := m.Rows * m.Cols
	img := functional.NewImageMode(functional.ModeL, m.Cols, m.Rows)
	copy(img.Pix, m.images[index*n:(index+1)*n])
	return img, int(m.targets[index]), nil
}

// Get implements data.Dataset.
func (m *MNIST) Get(index int, rng *rand.Rand) (data.Sample, error) {
	img, label, err := m.Image(index)
	if err != nil {
		return data.Sample{}, err
	}
	s, err := applyTransform(m.Transform, img, rng, true) // img is built for this call
	if err != nil {
		return data.Sample{}, fmt.Errorf("datasets: %s sample %d: %w", m.name, index, err)
	}
	s.Label = int64(targetTransform(m.TargetTransform, label))
	return s, nil
}

var _ data.Dataset = (*MNIST)(nil)
