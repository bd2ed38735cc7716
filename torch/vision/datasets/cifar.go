package datasets

import (
	"archive/tar"
	"compress/gzip"
	"context"
	"crypto/md5"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math/rand/v2"
	"net/http"
	"os"
	"path"
	"path/filepath"
	"strings"
	"time"

	"github.com/aecifar/aecifar/internal/atomicfile"
	"github.com/aecifar/aecifar/torch/utils/data"
	"github.com/aecifar/aecifar/torch/vision/transforms"
	"github.com/aecifar/aecifar/torch/vision/transforms/functional"
)

// Where CIFAR-10's binary release comes from. Tests point these at a local
// server; change them only before calling NewCIFAR10.
var (
	CIFAR10URL = "https://www.cs.toronto.edu/~kriz/cifar-10-binary.tar.gz"
	CIFAR10MD5 = "c32a1d4ab5d03f1284b67883e8d87530"
	// HTTPClient downloads the archive (the timeout bounds the whole transfer).
	HTTPClient = &http.Client{Timeout: 30 * time.Minute}
)

const (
	cifarArchive  = "cifar-10-binary.tar.gz"
	cifarDir      = "cifar-10-batches-bin"
	cifarSide     = 32
	cifarRecord   = 1 + 3*cifarSide*cifarSide // label byte, then R, G and B planes
	cifarMetaFile = "batches.meta.txt"
)

var (
	cifarTrainFiles = []string{"data_batch_1.bin", "data_batch_2.bin", "data_batch_3.bin", "data_batch_4.bin", "data_batch_5.bin"}
	cifarTestFiles  = []string{"test_batch.bin"}
)

// CIFAR10 mirrors torchvision.datasets.CIFAR10, reading the official binary
// release from Root/cifar-10-batches-bin: 3073-byte records (a label byte,
// then 1024 red, 1024 green and 1024 blue bytes, row-major 32×32), the five
// data batches in order for training, test_batch.bin for testing, and the
// class names from batches.meta.txt.
type CIFAR10 struct {
	Root       string
	Train      bool
	Classes    []string
	ClassToIdx map[string]int
	Transform  transforms.Transform

	records []byte // Len() records of cifarRecord bytes
}

// ErrDatasetNotFound is returned (wrapped) when the data is missing and
// download is false.
var ErrDatasetNotFound = errors.New("dataset not found or corrupted; you can use download=true to download it")

// NewCIFAR10 loads the training (train) or test split from root, first
// downloading and extracting the archive when download is true and the data
// is not already there. transform is applied in Get; nil means ToTensor.
func NewCIFAR10(root string, train, download bool, transform transforms.Transform) (*CIFAR10, error) {
	if download {
		if err := DownloadCIFAR10(context.Background(), root); err != nil {
			return nil, err
		}
	}
	if err := checkCIFAR10(root); err != nil {
		return nil, fmt.Errorf("datasets: CIFAR10 in %s: %w: %w", root, ErrDatasetNotFound, err)
	}
	dir := filepath.Join(root, cifarDir)
	c := &CIFAR10{Root: root, Train: train, Transform: transform, ClassToIdx: map[string]int{}}
	meta, err := os.ReadFile(filepath.Join(dir, cifarMetaFile))
	if err != nil {
		return nil, fmt.Errorf("datasets: CIFAR10: %w", err)
	}
	for _, line := range strings.Split(string(meta), "\n") {
		if name := strings.TrimSpace(line); name != "" {
			c.ClassToIdx[name] = len(c.Classes)
			c.Classes = append(c.Classes, name)
		}
	}
	files := cifarTestFiles
	if train {
		files = cifarTrainFiles
	}
	for _, name := range files {
		b, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			return nil, fmt.Errorf("datasets: CIFAR10: %w", err)
		}
		c.records = append(c.records, b...)
	}
	for i := range c.Len() {
		if label := int(c.records[i*cifarRecord]); label >= len(c.Classes) {
			return nil, fmt.Errorf("datasets: CIFAR10: record %d has label %d but %s lists %d classes", i, label, cifarMetaFile, len(c.Classes))
		}
	}
	return c, nil
}

// checkCIFAR10 is the integrity check: every file present, every batch a
// whole, non-zero number of records. (The release publishes no per-file
// checksums; the archive's MD5 is checked at download.)
func checkCIFAR10(root string) error {
	dir := filepath.Join(root, cifarDir)
	if _, err := os.Stat(filepath.Join(dir, cifarMetaFile)); err != nil {
		return err
	}
	for _, name := range append(append([]string{}, cifarTrainFiles...), cifarTestFiles...) {
		info, err := os.Stat(filepath.Join(dir, name))
		if err != nil {
			return err
		}
		if info.Size() == 0 || info.Size()%cifarRecord != 0 {
			return fmt.Errorf("%s has %d bytes, not a whole number of %d-byte records", name, info.Size(), cifarRecord)
		}
	}
	return nil
}

// DownloadOptions are the keyword arguments of the download functions.
type DownloadOptions struct {
	// Progress receives torchvision's "Downloading URL to FILE" and "Extracting FILE to DIR"
	// lines and, when it is a terminal, a progress bar of the transfer. nil prints nothing.
	Progress io.Writer
}

// DownloadCIFAR10 makes root/cifar-10-batches-bin exist and be complete:
// it downloads CIFAR10URL to root/cifar-10-binary.tar.gz unless a copy with
// the right MD5 is there, checks CIFAR10MD5, and extracts into a temporary
// folder that is renamed into place only once complete, so an interrupted
// run never leaves a half-written dataset. Data already present and complete
// is left alone.
func DownloadCIFAR10(ctx context.Context, root string, opts ...DownloadOptions) error {
	if checkCIFAR10(root) == nil {
		return nil
	}
	var o DownloadOptions
	if len(opts) > 0 {
		o = opts[0]
	}
	if err := os.MkdirAll(root, 0o755); err != nil {
		return fmt.Errorf("datasets: CIFAR10: %w", err)
	}
	archive := filepath.Join(root, cifarArchive)
	if sum, err := fileMD5(archive); err != nil || sum != CIFAR10MD5 {
		if err := download(ctx, CIFAR10URL, archive, CIFAR10MD5, o.Progress); err != nil {
			return fmt.Errorf("datasets: CIFAR10: %w", err)
		}
	}
	if o.Progress != nil {
		fmt.Fprintf(o.Progress, "Extracting %s to %s\n", archive, root)
	}
	if err := extractCIFAR10(archive, root); err != nil {
		return fmt.Errorf("datasets: CIFAR10: extracting %s: %w", archive, err)
	}
	return nil
}

func fileMD5(name string) (string, error) {
	f, err := os.Open(name)
	if err != nil {
		return "", err
	}
	defer f.Close()
	h := md5.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// download fetches url into dst with atomicfile.Write, so dst is replaced only by a complete file
// whose MD5 is wantMD5. progress, when not nil, gets torchvision's line and a progress bar.
func download(ctx context.Context, url, dst, wantMD5 string, progress io.Writer) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return err
	}
	resp, err := HTTPClient.Do(req)
	if err != nil {
		return fmt.Errorf("downloading %s failed (is the network reachable? otherwise put %s in %s by hand): %w",
			url, cifarArchive, filepath.Dir(dst), err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("downloading %s: server answered %s", url, resp.Status)
	}
	if progress != nil {
		fmt.Fprintf(progress, "Downloading %s to %s\n", url, dst)
	}
	bar := newByteBar(progress, resp.ContentLength, filepath.Base(dst))
	defer bar.finish()
	return atomicfile.Write(dst, func(w io.Writer) error {
		h := md5.New()
		if _, err := io.Copy(io.MultiWriter(w, h, bar), resp.Body); err != nil {
			return fmt.Errorf("downloading %s: %w", url, err)
		}
		if got := hex.EncodeToString(h.Sum(nil)); got != wantMD5 {
			return fmt.Errorf("downloaded %s has MD5 %s, want %s (corrupted download?)", url, got, wantMD5)
		}
		return nil
	})
}

// extractCIFAR10 unpacks the regular files under cifar-10-batches-bin/ into a
// temporary folder in root, checks them, and renames the folder into place,
// replacing an incomplete one.
func extractCIFAR10(archive, root string) (err error) {
	f, err := os.Open(archive)
	if err != nil {
		return err
	}
	defer f.Close()
	gz, err := gzip.NewReader(f)
	if err != nil {
		return err
	}
	tmp, err := os.MkdirTemp(root, ".cifar-10-extract-*")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp) // after a successful rename only the empty shell remains
	tr := tar.NewReader(gz)
	for {
		hdr, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return err
		}
		name := path.Clean(strings.TrimPrefix(hdr.Name, "./"))
		if hdr.Typeflag != tar.TypeReg || !strings.HasPrefix(name, cifarDir+"/") || strings.Contains(name, "..") {
			continue // folders are made as needed; nothing else is trusted
		}
		dst := filepath.Join(tmp, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
			return err
		}
		out, err := os.OpenFile(dst, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o644)
		if err != nil {
			return err
		}
		if _, err := io.Copy(out, tr); err != nil {
			out.Close()
			return err
		}
		if err := out.Close(); err != nil {
			return err
		}
	}
	if err := checkCIFAR10(tmp); err != nil {
		return fmt.Errorf("archive is incomplete: %w", err)
	}
	final := filepath.Join(root, cifarDir)
	if _, err := os.Stat(final); err == nil {
		// An incomplete copy: move it aside first, as rename will not replace a folder.
		old := filepath.Join(tmp, "old")
		if err := os.Rename(final, old); err != nil {
			return err
		}
	} else if !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	return os.Rename(filepath.Join(tmp, cifarDir), final)
}

// Len implements data.Dataset.
func (c *CIFAR10) Len() int { return len(c.records) / cifarRecord }

// Targets returns every sample's label, like CIFAR10.targets.
func (c *CIFAR10) Targets() []int {
	t := make([]int, c.Len())
	for i := range t {
		t[i] = int(c.records[i*cifarRecord])
	}
	return t
}

// Image returns sample index as an RGB image, with its label.
func (c *CIFAR10) Image(index int) (*functional.Image, int, error) {
	if index < 0 || index >= c.Len() {
		return nil, 0, fmt.Errorf("datasets: CIFAR10 index %d out of range [0, %d)", index, c.Len())
	}
	rec := c.records[index*cifarRecord : (index+1)*cifarRecord]
	const plane = cifarSide * cifarSide
	img := functional.NewImage(cifarSide, cifarSide)
	r, g, b := rec[1:1+plane], rec[1+plane:1+2*plane], rec[1+2*plane:]
	for i := range plane {
		img.Pix[3*i], img.Pix[3*i+1], img.Pix[3*i+2] = r[i], g[i], b[i]
	}
	return img, int(rec[0]), nil
}

// Get implements data.Dataset.
func (c *CIFAR10) Get(index int, rng *rand.Rand) (data.Sample, error) {
	img, label, err := c.Image(index)
	if err != nil {
		return data.Sample{}, err
	}
	s, err := applyTransform(c.Transform, img, rng, true) // img is built for this call
	if err != nil {
		return data.Sample{}, fmt.Errorf("datasets: CIFAR10 sample %d: %w", index, err)
	}
	s.Label = int64(label)
	return s, nil
}

var _ data.Dataset = (*CIFAR10)(nil)
