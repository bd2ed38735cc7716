package train

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"

	"github.com/aecifar/aecifar/torch/utils/data"
	"github.com/aecifar/aecifar/torch/vision/datasets"
	"github.com/aecifar/aecifar/torch/vision/transforms"
	"github.com/aecifar/aecifar/torch/vision/transforms/functional"
	"github.com/aecifar/aecifar/train/report"
)

// Everything that can be checked is checked before the first epoch, so that a run fails in its
// first seconds rather than after hours of training: the two splits' class lists, the number of
// classes against the classifier's outputs, every image of every split the command reads (decoded
// in full, on all cores, with a progress bar), and, for --fast, one size for all training images.
// The same pass fingerprints the data by content, which a resumed run must match.

// classifierOutputs is the number of classes of the blog's classifier, whose last layer is
// Linear(512, 10) (models.Classifier).
const classifierOutputs = 10

// splits is a data directory opened: both datasets, and for an ImageFolder tree the folders.
type splits struct {
	train, test             data.Dataset
	classes                 []string
	trainFolder, testFolder *datasets.ImageFolder // nil for CIFAR-10's binary release
	cifar                   bool
}

// dataPrint is the data a run trained on, as the resume state records it.
type dataPrint struct {
	Classes []string `json:"classes"`
	Train   int      `json:"train"`
	Test    int      `json:"test"`
	SHA256  string   `json:"sha256"` // of every sample's split, name, label and content, in order
}

// cifarRoot is the root NewCIFAR10 takes for dir: dir itself, or its parent when dir is the
// release's cifar-10-batches-bin folder.
func cifarRoot(dir string) string {
	if fileExists(filepath.Join(dir, "batches.meta.txt")) && !isDir(filepath.Join(dir, "cifar-10-batches-bin")) {
		return filepath.Dir(filepath.Clean(dir))
	}
	return dir
}

// openSplits accepts an ImageFolder tree (train/ and test/) or the CIFAR-10 binary release (the
// directory holding cifar-10-batches-bin, or that directory itself), with the given transforms,
// and checks that the two splits have the same classes, as many as the classifier has outputs.
func openSplits(dir string, trainT, testT transforms.Transform) (*splits, error) {
	if st, err := os.Stat(dir); err != nil || !st.IsDir() {
		what := "does not exist"
		if err == nil {
			what = "is a file, not a directory"
		}
		return nil, fmt.Errorf("data directory %s %s: run `make data` or pass --data DIR (an ImageFolder tree with train/ and test/, or CIFAR-10's binary release)", dir, what)
	}
	s := &splits{}
	if isDir(filepath.Join(dir, "train")) || isDir(filepath.Join(dir, "test")) {
		tr, err := datasets.NewImageFolder(filepath.Join(dir, "train"), datasets.ImageFolderOptions{Transform: trainT})
		if err != nil {
			return nil, err
		}
		te, err := datasets.NewImageFolder(filepath.Join(dir, "test"), datasets.ImageFolderOptions{Transform: testT})
		if err != nil {
			return nil, err
		}
		s.train, s.test, s.trainFolder, s.testFolder, s.classes = tr, te, tr, te, tr.Classes
		if err := sameClasses(dir, tr.Classes, te.Classes); err != nil {
			return nil, err
		}
	} else {
		root := cifarRoot(dir)
		tr, err := datasets.NewCIFAR10(root, datasets.CIFAR10Options{Transform: trainT})
		if err != nil {
			return nil, fmt.Errorf("%s holds neither train/ and test/ folders nor CIFAR-10's binary release: %w", dir, err)
		}
		te, err := datasets.NewCIFAR10(root, datasets.CIFAR10Options{Train: new(false), Transform: testT})
		if err != nil {
			return nil, err
		}
		s.train, s.test, s.classes, s.cifar = tr, te, tr.Classes, true
	}
	if n := len(s.classes); n != classifierOutputs {
		return nil, fmt.Errorf("%s holds %d classes (%s), but the blog's classifier ends in Linear(512, %d), for CIFAR-10's %d classes",
			dir, n, listNames(s.classes, 5), classifierOutputs, classifierOutputs)
	}
	return s, nil
}

// sameClasses tells how the class lists of train/ and test/ differ, if they do: labels are
// positions in each split's own sorted list, so any difference mislabels the test.
func sameClasses(dir string, train, test []string) error {
	if slices.Equal(train, test) {
		return nil
	}
	var onlyTrain, onlyTest []string
	for _, c := range train {
		if !slices.Contains(test, c) {
			onlyTrain = append(onlyTrain, c)
		}
	}
	for _, c := range test {
		if !slices.Contains(train, c) {
			onlyTest = append(onlyTest, c)
		}
	}
	var diff []string
	if len(onlyTrain) > 0 {
		diff = append(diff, "only train/ has "+listNames(onlyTrain, 5))
	}
	if len(onlyTest) > 0 {
		diff = append(diff, "only test/ has "+listNames(onlyTest, 5))
	}
	return fmt.Errorf("train/ and test/ in %s hold different classes (%s): the test's labels would name the wrong classes", dir, strings.Join(diff, "; "))
}

// listNames joins at most max names, saying how many more there are.
func listNames(names []string, max int) string {
	if len(names) <= max {
		return strings.Join(names, ", ")
	}
	return fmt.Sprintf("%s and %d more", strings.Join(names[:max], ", "), len(names)-max)
}

// checkImages decodes every image of the splits the command reads (train too only when it trains)
// and fingerprints the data. With sameSize (the fast path) all training images must be one size.
func checkImages(ctx context.Context, cfg Config, s *splits, training, sameSize bool) (dataPrint, error) {
	p := dataPrint{Classes: s.classes, Train: s.train.Len(), Test: s.test.Len()}
	if s.cifar {
		return p, cifarPrint(ctx, s, &p)
	}
	type item struct {
		split string
		root  string
		path  string
		label int
	}
	var items []item
	add := func(split string, f *datasets.ImageFolder) {
		for _, smp := range f.Samples {
			items = append(items, item{split, f.Root, smp.Path, smp.Label})
		}
	}
	if training {
		add("train", s.trainFolder)
	}
	nTrain := len(items)
	add("test", s.testFolder)

	type result struct {
		sum  [sha256.Size]byte
		w, h int
		err  error
	}
	results := make([]result, len(items))
	bar := newCheckBar(cfg, len(items))
	defer bar.finish()
	next := make(chan int)
	done := make(chan int, 64)
	var wg sync.WaitGroup
	for range runtime.NumCPU() {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				b, err := os.ReadFile(items[i].path)
				if err == nil {
					results[i].sum = sha256.Sum256(b)
					var img *functional.Image
					if img, err = decodeImage(b); err == nil {
						results[i].w, results[i].h = img.W, img.H
					}
				}
				if err != nil {
					results[i].err = fmt.Errorf("%s: %w", items[i].path, err)
				}
				done <- i
			}
		}()
	}
	go func() {
		defer close(next)
		for i := range items {
			select {
			case next <- i:
			case <-ctx.Done():
				return
			}
		}
	}()
	go func() { wg.Wait(); close(done) }()
	checked := 0
	for range done {
		checked++
		bar.step(math.NaN(), checked)
	}
	if err := ctx.Err(); err != nil {
		return p, err
	}
	var bad []error
	for _, r := range results {
		if r.err != nil {
			bad = append(bad, r.err)
		}
	}
	if len(bad) > 0 {
		more := ""
		if len(bad) > 1 {
			more = fmt.Sprintf(" (and %d more images that do not decode)", len(bad)-1)
		}
		return p, fmt.Errorf("the data has an image that does not decode: %v%s", bad[0], more)
	}
	if sameSize {
		for i := 1; i < nTrain; i++ {
			if results[i].w != results[0].w || results[i].h != results[0].h {
				return p, fmt.Errorf("--fast keeps the training images in one tensor, so they must all be one size, but %s is %dx%d and %s %dx%d: drop --fast (the default path crops every image to 32x32)",
					items[0].path, results[0].w, results[0].h, items[i].path, results[i].w, results[i].h)
			}
		}
	}
	if !training {
		return p, nil // a test alone resumes nothing: no fingerprint
	}
	h := sha256.New()
	for i, it := range items {
		rel, err := filepath.Rel(it.root, it.path)
		if err != nil {
			rel = it.path
		}
		fmt.Fprintf(h, "%s\x00%s\x00%d\x00%x\n", it.split, filepath.ToSlash(rel), it.label, results[i].sum)
	}
	p.SHA256 = hex.EncodeToString(h.Sum(nil))
	return p, nil
}

// cifarPrint fingerprints CIFAR-10's binary release by its records (NewCIFAR10 has checked them).
func cifarPrint(ctx context.Context, s *splits, p *dataPrint) error {
	h := sha256.New()
	h.Write([]byte(strings.Join(s.classes, "\n")))
	for _, ds := range []data.Dataset{s.train, s.test} {
		c := ds.(*datasets.CIFAR10)
		for i := range c.Len() {
			if i%1000 == 0 && ctx.Err() != nil {
				return ctx.Err()
			}
			img, label, err := c.Image(i)
			if err != nil {
				return err
			}
			binary.Write(h, binary.LittleEndian, int32(label))
			h.Write(img.Pix)
		}
	}
	p.SHA256 = hex.EncodeToString(h.Sum(nil))
	return nil
}

// decodeImage decodes an image file's content as the loader does.
func decodeImage(b []byte) (*functional.Image, error) {
	img, _, err := datasets.DecodeImage(bytes.NewReader(b))
	return img, err
}

// newCheckBar is the image check's progress bar: only for sets large enough to take a while.
func newCheckBar(cfg Config, n int) *bar {
	if n < 5000 {
		return &bar{}
	}
	return newBar(cfg, n, "checking images")
}

// outsideData refuses an output directory inside a split of an ImageFolder tree: the PNG plots
// written there would be read as images of a class by the next run, or make a resumed run refuse
// its changed data. flag names the directory for the message ("--out DIR").
func outsideData(dataDir, out, flag string) error {
	for _, split := range []string{"train", "test"} {
		root := filepath.Join(dataDir, split)
		if isDir(root) && within(out, root) {
			return fmt.Errorf("%s is inside the data's %s/ (%s), where the plots it gets would be read as images: choose a directory outside %s", flag, split, root, root)
		}
	}
	return nil
}

// within tells whether path is root or under it, symbolic links resolved.
func within(path, root string) bool {
	rel, err := filepath.Rel(realPath(root), realPath(path))
	return err == nil && rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator))
}

// realPath is p made absolute, with the symbolic links of the part of it that exists resolved.
func realPath(p string) string {
	abs, err := filepath.Abs(p)
	if err != nil {
		return filepath.Clean(p)
	}
	rest := ""
	for d := abs; ; d = filepath.Dir(d) {
		if r, err := filepath.EvalSymlinks(d); err == nil {
			return filepath.Join(r, rest)
		}
		if d == filepath.Dir(d) {
			return abs
		}
		rest = filepath.Join(filepath.Base(d), rest)
	}
}

// checkTestDir checks, before the data is read, where a test of weights alone will write its
// results.json and confusion.png: never over a run's own (a directory holding a run's resume.json
// or history.csv), never into the data, and somewhere a directory can be made.
func (c Config) checkTestDir(weights string) error {
	dir := c.testDir(weights)
	flag := "--test-out " + dir
	if c.TestDir == "" {
		flag = "the test's directory " + dir
	}
	for _, name := range []string{manifestFile, report.HistoryCSV} {
		if fileExists(filepath.Join(dir, name)) {
			return fmt.Errorf("%s holds a run's outputs (%s): the test would overwrite the run's results.json and confusion.png; choose another directory (without --test-out a test writes OUT/test-NAME)", flag, name)
		}
	}
	if err := outsideData(c.DataDir, dir, flag); err != nil {
		return err
	}
	// The directory is made only once the test has something to write; what can be known now is
	// that the nearest part of its path that exists is a directory.
	for d := filepath.Clean(dir); ; d = filepath.Dir(d) {
		st, err := os.Stat(d)
		if err == nil && !st.IsDir() {
			return fmt.Errorf("cannot write in output directory: %s is not a directory", d)
		}
		if err == nil || d == filepath.Dir(d) {
			return nil
		}
	}
}
