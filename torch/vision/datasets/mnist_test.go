package datasets_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"math"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/aecifar/aecifar/torch"
	"github.com/aecifar/aecifar/torch/utils/data"
	"github.com/aecifar/aecifar/torch/vision/datasets"
	"github.com/aecifar/aecifar/torch/vision/transforms"
)

// testdata/mnist.json is torchvision's (testdata/gen_mnist.py).
type mnistJSON struct {
	Datasets []struct {
		Name      string     `json:"name"`
		Mirrors   []string   `json:"mirrors"`
		Resources [][]string `json:"resources"`
		Classes   []string   `json:"classes"`
	} `json:"datasets"`
	Download []string `json:"download"`
	MNIST    *struct {
		Splits map[string]struct {
			Len           int    `json:"len"`
			ImagesSHA256  string `json:"images_sha256"`
			TargetsSHA256 string `json:"targets_sha256"`
			FirstTargets  []int  `json:"first_targets"`
			Samples       []struct {
				Index  int       `json:"index"`
				Target int       `json:"target"`
				Shape  []int64   `json:"shape"`
				SHA256 string    `json:"sha256"`
				First  []float32 `json:"first"`
			} `json:"samples"`
		} `json:"splits"`
		LoaderBatches map[string][]struct {
			Targets []int64 `json:"targets"`
			Shape   []int64 `json:"shape"`
			SHA256  string  `json:"sha256"`
		} `json:"loader_batches"`
	} `json:"mnist"`
}

func loadMNISTJSON(t *testing.T) mnistJSON {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join("testdata", "mnist.json"))
	if err != nil {
		t.Fatal(err)
	}
	var doc mnistJSON
	if err := json.Unmarshal(raw, &doc); err != nil {
		t.Fatal(err)
	}
	return doc
}

// idxGz is an idx file of uint8 values, gzip-compressed.
func idxGz(t *testing.T, values []byte, dims ...int) []byte {
	t.Helper()
	var raw bytes.Buffer
	binary.Write(&raw, binary.BigEndian, uint32(8<<8|len(dims)))
	for _, d := range dims {
		binary.Write(&raw, binary.BigEndian, uint32(d))
	}
	raw.Write(values)
	var buf bytes.Buffer
	gz := gzip.NewWriter(&buf)
	if _, err := gz.Write(raw.Bytes()); err != nil {
		t.Fatal(err)
	}
	if err := gz.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// syntheticMNIST is gen_mnist.py's tiny release: 3 training and 2 test
// images of 28×28, image i's pixel k = (7i + k) mod 256, label 3i mod 10.
func syntheticMNIST(t *testing.T) map[string][]byte {
	t.Helper()
	files := map[string][]byte{}
	for _, split := range []struct {
		name string
		n    int
	}{{"train", 3}, {"t10k", 2}} {
		var pix, labels []byte
		for i := range split.n {
			for k := range 784 {
				pix = append(pix, byte((i*7+k)%256))
			}
			labels = append(labels, byte((i*3)%10))
		}
		files[split.name+"-images-idx3-ubyte.gz"] = idxGz(t, pix, split.n, 28, 28)
		files[split.name+"-labels-idx1-ubyte.gz"] = idxGz(t, labels, split.n)
	}
	return files
}

// mirrorServer serves files under /good/, and under /bad/ answers 404,
// /truncated/ sends half a file with the whole length announced, /corrupt/
// sends a file with a byte changed. It counts requests.
func mirrorServer(t *testing.T, files map[string][]byte) (*httptest.Server, *atomic.Int64) {
	t.Helper()
	var hits atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		if r.Header.Get("User-Agent") != "pytorch/vision" {
			http.Error(w, "no torchvision user agent", http.StatusForbidden)
			return
		}
		dir, name := filepath.Split(r.URL.Path)
		body, ok := files[name]
		if !ok || dir == "/bad/" {
			http.NotFound(w, r)
			return
		}
		switch dir {
		case "/truncated/":
			w.Header().Set("Content-Length", strconv.Itoa(len(body)))
			w.Write(body[:len(body)/2])
		case "/corrupt/":
			b := slices.Clone(body)
			b[len(b)/2] ^= 1
			w.Write(b)
		default:
			w.Write(body)
		}
	}))
	t.Cleanup(srv.Close)
	return srv, &hits
}

// useMNIST points MNIST's download at mirrors (under base) with the MD5s of
// files, for the test's duration.
func useMNIST(t *testing.T, base string, dirs []string, files map[string][]byte) {
	t.Helper()
	oldM, oldR := datasets.MNISTMirrors, datasets.MNISTResources
	t.Cleanup(func() { datasets.MNISTMirrors, datasets.MNISTResources = oldM, oldR })
	datasets.MNISTMirrors = nil
	for _, d := range dirs {
		datasets.MNISTMirrors = append(datasets.MNISTMirrors, base+"/"+d+"/")
	}
	datasets.MNISTResources = nil
	for _, r := range oldR {
		datasets.MNISTResources = append(datasets.MNISTResources, datasets.Resource{Filename: r.Filename, MD5: md5Hex(files[r.Filename])})
	}
}

// rawFiles lists root/MNIST/raw.
func rawFiles(t *testing.T, root string) []string {
	t.Helper()
	return leftovers(t, filepath.Join(root, "MNIST", "raw"))
}

var mnistRawFiles = []string{
	"t10k-images-idx3-ubyte", "t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte", "t10k-labels-idx1-ubyte.gz",
	"train-images-idx3-ubyte", "train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte", "train-labels-idx1-ubyte.gz",
}

// The lines a download prints are torchvision's, mirror by mirror, and the
// data it leaves reads back as written.
func TestMNISTDownloadPrintsTorchvisionLines(t *testing.T) {
	files := syntheticMNIST(t)
	srv, hits := mirrorServer(t, files)
	useMNIST(t, srv.URL, []string{"bad", "good"}, files)
	root := t.TempDir()
	var out bytes.Buffer
	train, err := datasets.NewMNIST(root, datasets.MNISTOptions{Download: true, Progress: &out})
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(out.String(), "\n")
	for i := range lines {
		lines[i] = strings.NewReplacer(srv.URL+"/bad/", "{BAD}", srv.URL+"/good/", "{GOOD}", root, "{ROOT}").Replace(lines[i])
		if i > 0 && lines[i-1] == "Failed to download (trying next):" {
			lines[i] = "{ERROR}"
		}
	}
	if want := loadMNISTJSON(t).Download; !slices.Equal(lines, want) {
		t.Errorf("printed:\n%s\ntorchvision prints:\n%s", strings.Join(lines, "\n"), strings.Join(want, "\n"))
	}
	if got := rawFiles(t, root); !slices.Equal(got, mnistRawFiles) {
		t.Errorf("raw/ holds %v, want the four files and their .gz only", got)
	}
	if train.Len() != 3 || train.Rows != 28 || train.Cols != 28 || !slices.Equal(train.Targets(), []int{0, 3, 6}) {
		t.Fatalf("train: %d samples of %dx%d, targets %v", train.Len(), train.Rows, train.Cols, train.Targets())
	}
	img, label, err := train.Image(2)
	if err != nil {
		t.Fatal(err)
	}
	if !img.Gray() || label != 6 || img.Pix[5] != byte(2*7+5) || img.Pix[783] != byte((14+783)%256) {
		t.Errorf("image 2: mode %v label %d pixels %d %d", img.Mode, label, img.Pix[5], img.Pix[783])
	}
	s, err := train.Get(1, nil)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(s.Shape, []int64{1, 28, 28}) || s.Label != 3 || s.Data[10] != float32(17)/255 {
		t.Errorf("sample 1: shape %v label %d value %v", s.Shape, s.Label, s.Data[10])
	}
	before := hits.Load()
	test, err := datasets.NewMNIST(root, datasets.MNISTOptions{Train: new(false), Download: true,
		TargetTransform: func(y int) int { return y + 100 }})
	if err != nil {
		t.Fatal(err)
	}
	if hits.Load() != before {
		t.Error("a second download fetched files already there")
	}
	if s, _ := test.Get(1, nil); test.Len() != 2 || s.Label != 103 {
		t.Errorf("test: %d samples, sample 1 label %d (want 2 and 3+100)", test.Len(), s.Label)
	}
	if _, err := train.Get(3, nil); err == nil {
		t.Error("index 3 of 3: no error")
	}
}

func TestMNISTDownloadFailures(t *testing.T) {
	files := syntheticMNIST(t)
	tests := []struct {
		name    string
		mirrors []string
		closed  bool
		want    []string // in the error (or, when ok, in the printed lines)
		ok      bool
	}{
		{"truncated, then good", []string{"truncated", "good"}, false, []string{"unexpected EOF"}, true},
		{"corrupt, then good", []string{"corrupt", "good"}, false, []string{"has MD5"}, true},
		{"every mirror fails", []string{"bad", "corrupt", "truncated"}, false,
			[]string{"Error downloading train-images-idx3-ubyte.gz", "404", "has MD5", "unexpected EOF"}, false},
		{"unreachable", []string{"good"}, true, []string{"is the network reachable"}, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			srv, _ := mirrorServer(t, files)
			useMNIST(t, srv.URL, tc.mirrors, files)
			if tc.closed {
				srv.Close()
			}
			root := t.TempDir()
			var out bytes.Buffer
			_, err := datasets.NewMNIST(root, datasets.MNISTOptions{Download: true, Progress: &out})
			text := out.String()
			if err != nil {
				text = err.Error()
			}
			if tc.ok != (err == nil) {
				t.Fatalf("error %v, want ok=%v", err, tc.ok)
			}
			for _, w := range tc.want {
				if !strings.Contains(text, w) {
					t.Errorf("%q not in %s", w, text)
				}
			}
			got := rawFiles(t, root)
			if tc.ok && !slices.Equal(got, mnistRawFiles) || !tc.ok && len(got) != 0 {
				t.Errorf("raw/ holds %v", got)
			}
		})
	}
}

// A verified .gz already there is extracted without a request, as
// torchvision's "Using downloaded and verified file".
func TestMNISTUsesVerifiedArchive(t *testing.T) {
	files := syntheticMNIST(t)
	srv, hits := mirrorServer(t, files)
	useMNIST(t, srv.URL, []string{"good"}, files)
	root := t.TempDir()
	raw := filepath.Join(root, "MNIST", "raw")
	if err := os.MkdirAll(raw, 0o755); err != nil {
		t.Fatal(err)
	}
	for name, b := range files {
		if err := os.WriteFile(filepath.Join(raw, name), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	var out bytes.Buffer
	if err := datasets.DownloadMNIST(context.Background(), root, datasets.DownloadOptions{Progress: &out}); err != nil {
		t.Fatal(err)
	}
	if hits.Load() != 0 || strings.Count(out.String(), "Using downloaded and verified file: ") != 4 {
		t.Errorf("%d requests; printed:\n%s", hits.Load(), out.String())
	}
	if _, err := datasets.NewMNIST(t.TempDir()); !errors.Is(err, datasets.ErrDatasetNotFound) {
		t.Errorf("no data, no download: %v, want ErrDatasetNotFound", err)
	}
}

// Each dataset's mirrors, files, MD5s, folder and classes are torchvision's.
func TestMNISTFamilyMatchesTorchvision(t *testing.T) {
	ours := map[string]struct {
		mirrors   []string
		resources []datasets.Resource
		open      func(string, ...datasets.MNISTOptions) (*datasets.MNIST, error)
	}{
		"MNIST":        {datasets.MNISTMirrors, datasets.MNISTResources, datasets.NewMNIST},
		"FashionMNIST": {datasets.FashionMNISTMirrors, datasets.FashionMNISTResources, datasets.NewFashionMNIST},
		"KMNIST":       {datasets.KMNISTMirrors, datasets.KMNISTResources, datasets.NewKMNIST},
	}
	files := syntheticMNIST(t)
	for _, want := range loadMNISTJSON(t).Datasets {
		t.Run(want.Name, func(t *testing.T) {
			o, ok := ours[want.Name]
			if !ok {
				t.Fatalf("no Go counterpart of %s", want.Name)
			}
			if !slices.Equal(o.mirrors, want.Mirrors) {
				t.Errorf("mirrors %v, torchvision %v", o.mirrors, want.Mirrors)
			}
			var res [][]string
			for _, r := range o.resources {
				res = append(res, []string{r.Filename, r.MD5})
			}
			if !slices.EqualFunc(res, want.Resources, slices.Equal) {
				t.Errorf("resources %v, torchvision %v", res, want.Resources)
			}
			// The data goes in root/<Name>/raw, as torchvision's raw_folder.
			root := t.TempDir()
			raw := filepath.Join(root, want.Name, "raw")
			os.MkdirAll(raw, 0o755)
			for name, b := range files {
				zr, _ := gzip.NewReader(bytes.NewReader(b))
				var plain bytes.Buffer
				plain.ReadFrom(zr)
				os.WriteFile(filepath.Join(raw, strings.TrimSuffix(name, ".gz")), plain.Bytes(), 0o644)
			}
			ds, err := o.open(root)
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(ds.Classes, want.Classes) || ds.ClassToIdx[want.Classes[9]] != 9 || ds.Len() != 3 {
				t.Errorf("classes %v (%d samples), torchvision %v", ds.Classes, ds.Len(), want.Classes)
			}
		})
	}
}

func sha256Hex(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

func floatBytes(v []float32) []byte {
	b := make([]byte, 4*len(v))
	for i, f := range v {
		binary.LittleEndian.PutUint32(b[4*i:], math.Float32bits(f))
	}
	return b
}

// On the original MNIST files ($MNIST_DIR, torchvision's raw/ layout),
// downloaded from a local mirror with the real MD5s: every pixel and label,
// samples through the MNIST example's transform and its loaders' first
// batches after torch.manual_seed(1) equal torchvision's, bit for bit.
func TestMNISTMatchesTorchvision(t *testing.T) {
	if testing.Short() {
		t.Skip("long: reads the 60000 MNIST images")
	}
	dir := os.Getenv("MNIST_DIR")
	if dir == "" {
		t.Skip("set MNIST_DIR to the folder of the original MNIST .gz files (torchvision's MNIST/raw) to run this test")
	}
	want := loadMNISTJSON(t).MNIST
	if want == nil {
		t.Fatal("testdata/mnist.json has no part from the MNIST files: regenerate it with MNIST_DIR set")
	}
	srv := httptest.NewServer(http.StripPrefix("/mnist/", http.FileServer(http.Dir(dir))))
	t.Cleanup(srv.Close)
	oldM := datasets.MNISTMirrors
	t.Cleanup(func() { datasets.MNISTMirrors = oldM })
	datasets.MNISTMirrors = []string{srv.URL + "/mnist/"}
	root := t.TempDir()
	tf := transforms.Compose{transforms.ToTensor{}, &transforms.Normalize{Mean: []float64{0.1307}, Std: []float64{0.3081}}}
	sets := map[string]*datasets.MNIST{}
	for _, split := range []string{"train", "test"} {
		ds, err := datasets.NewMNIST(root, datasets.MNISTOptions{Train: new(split == "train"), Download: true, Transform: tf})
		if err != nil {
			t.Fatal(err)
		}
		sets[split] = ds
		w := want.Splits[split]
		var pix, labels []byte
		for i := range ds.Len() {
			img, y, err := ds.Image(i)
			if err != nil {
				t.Fatal(err)
			}
			pix = append(pix, img.Pix...)
			labels = append(labels, byte(y))
		}
		if ds.Len() != w.Len || sha256Hex(pix) != w.ImagesSHA256 || sha256Hex(labels) != w.TargetsSHA256 {
			t.Errorf("%s: %d samples, pixels or labels differ from torchvision's", split, ds.Len())
		}
		if got := ds.Targets()[:20]; !slices.Equal(got, w.FirstTargets) {
			t.Errorf("%s: targets %v, torchvision %v", split, got, w.FirstTargets)
		}
		for _, ws := range w.Samples {
			s, err := ds.Get(ws.Index, nil)
			if err != nil {
				t.Fatal(err)
			}
			if int(s.Label) != ws.Target || !slices.Equal(s.Shape, ws.Shape) || sha256Hex(floatBytes(s.Data)) != ws.SHA256 {
				t.Errorf("%s sample %d: label %d shape %v values %v, torchvision %d %v %v", split, ws.Index, s.Label, s.Shape,
					s.Data[150:155], ws.Target, ws.Shape, ws.First)
			}
		}
	}
	torch.ManualSeed(1)
	for _, split := range []string{"train", "test"} {
		opts := data.DataLoaderOptions{BatchSize: 64, Shuffle: true}
		if split == "test" {
			opts = data.DataLoaderOptions{BatchSize: 1000}
		}
		l, err := data.NewDataLoader(sets[split], opts)
		if err != nil {
			t.Fatal(err)
		}
		it := l.Iter(context.Background())
		for k, wb := range want.LoaderBatches[split] {
			if !it.Next() {
				t.Fatalf("%s: no batch %d: %v", split, k, it.Err())
			}
			b := it.Batch()
			if !slices.Equal(b.Shape, wb.Shape) || !slices.Equal(b.Labels[:len(wb.Targets)], wb.Targets) || sha256Hex(floatBytes(b.Data)) != wb.SHA256 {
				t.Errorf("%s batch %d: shape %v labels %v…, torchvision %v %v…", split, k, b.Shape, b.Labels[:8], wb.Shape, wb.Targets[:8])
			}
		}
		it.Close()
	}
}
