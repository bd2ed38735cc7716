package train

import (
	"bytes"
	"context"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aecifar/aecifar/internal/tinydata"
	"github.com/aecifar/aecifar/models"
	"github.com/aecifar/aecifar/torch"
	"github.com/aecifar/aecifar/train/report"
)

// badInputCase is one bad input to Run. setup damages the data tree, the output directory or the
// configuration, and returns the weights to test with ("" for the default) and the strings the
// error must contain.
type badInputCase struct {
	name   string
	stages Stages
	setup  func(t *testing.T, cfg *Config) (weights string, want []string)
	// keep are the checkpoints (in the output directory) saved before the run that must come out of
	// the failure byte for byte as they were, and still load.
	keep []string
	// list says the error is load_state_dict's list of problems, which may take several lines.
	list bool
}

// TestRunBadInput gives Run bad data, a bad output directory and bad checkpoints. Each must end in
// an error that names what is wrong on one line (load_state_dict's list of problems may take more),
// never a panic, and must leave the checkpoints saved before it as they were.
func TestRunBadInput(t *testing.T) {
	test := StagesOf(StageTest)
	both := []string{AutoencoderFile, ClassifierFile}
	cases := []badInputCase{{
		name:   "class folder without images",
		stages: all,
		setup: func(t *testing.T, cfg *Config) (string, []string) {
			data := cfg.DataDir
			writeFile(t, filepath.Join(data, "train", "unicorn", "README.txt"), []byte("no pictures yet"))
			return "", []string{"unicorn", "Found no valid file"}
		},
		keep: both,
	}, {
		name:   "corrupt JPEG among the test images",
		stages: test,
		setup: func(t *testing.T, cfg *Config) (string, []string) {
			data := cfg.DataDir
			p := filepath.Join(data, "test", "cat", "0001.jpg")
			b := encodeImage(t, p, noise(32, 32))
			writeFile(t, p, b[:len(b)/2])
			return "", []string{p}
		},
		keep: both,
	}, {
		name:   "corrupt JPEG among the training images",
		stages: all,
		setup: func(t *testing.T, cfg *Config) (string, []string) {
			data := cfg.DataDir
			// One per class: 10 of 50 images, more than the 7 the validation split can hold, so the
			// autoencoder's first epoch meets one whatever the split.
			for _, c := range tinydata.Classes {
				p := filepath.Join(data, "train", c, "0000.jpg")
				b := encodeImage(t, p, noise(32, 32))
				writeFile(t, p, b[:len(b)/3])
			}
			return "", []string{filepath.Join(data, "train"), "0000.jpg"}
		},
		keep: both, // the epoch fails before its end, where the autoencoder would be saved
	}, {
		name:   "text file named .png",
		stages: test,
		setup: func(t *testing.T, cfg *Config) (string, []string) {
			data := cfg.DataDir
			p := filepath.Join(data, "test", "dog", "notes.png")
			writeFile(t, p, []byte("these are my notes, not a picture\n"))
			return "", []string{p, "unknown image format"}
		},
		keep: both,
	}, {
		name:   "empty file named .jpg",
		stages: test,
		setup: func(t *testing.T, cfg *Config) (string, []string) {
			data := cfg.DataDir
			p := filepath.Join(data, "test", "ship", "empty.jpg")
			writeFile(t, p, nil)
			return "", []string{p}
		},
		keep: both,
	}, {
		name:   "output directory under a regular file",
		stages: all,
		setup: func(t *testing.T, cfg *Config) (string, []string) {
			file := filepath.Join(t.TempDir(), "results")
			blocker := []byte("a file, not a directory")
			writeFile(t, file, blocker)
			cfg.OutDir = filepath.Join(file, "run1")
			t.Cleanup(func() {
				if b, err := os.ReadFile(file); err != nil || !bytes.Equal(b, blocker) {
					t.Errorf("the regular file in the way was changed: %q, %v", b, err)
				}
			})
			return "", []string{"cannot write in output directory", file, "not a directory"}
		},
	}, {
		name:   "autoencoder checkpoint replaced by garbage before train-classifier",
		stages: StagesOf(StageClassifier),
		setup: func(t *testing.T, cfg *Config) (string, []string) {
			out := cfg.OutDir
			p := filepath.Join(out, AutoencoderFile)
			writeFile(t, p, []byte("\x00garbage where a checkpoint was\xff"))
			return "", []string{p, "not a PyTorch checkpoint"}
		},
		keep: []string{ClassifierFile},
	}, {
		name:   "classifier checkpoint with another number of classes",
		stages: test,
		setup: func(t *testing.T, cfg *Config) (string, []string) {
			out := cfg.OutDir
			p := filepath.Join(out, "five_classes.pt")
			saveOtherClassifier(t, p)
			return p, []string{p, "size mismatch for out.weight", "[5 512]", "[10 512]", "out.bias"}
		},
		keep: both,
		list: true,
	}, {
		name:   "autoencoder checkpoint given as the classifier's weights",
		stages: test,
		setup: func(t *testing.T, cfg *Config) (string, []string) {
			out := cfg.OutDir
			p := filepath.Join(out, AutoencoderFile)
			return p, []string{p, `Missing key(s)`, `"fc1.weight"`, `Unexpected key(s)`, `"t_conv1.weight"`}
		},
		keep: both,
		list: true,
	}}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			data := tinydata.CIFAR(t, 4, 2)
			cfg, _ := testConfig(t, data)
			cfg.AEEpochs, cfg.ClfEpochs = 1, 1
			saveFreshCheckpoints(t, cfg.OutDir)
			before := map[string][]byte{}
			for _, name := range tc.keep {
				before[name] = readFile(t, filepath.Join(cfg.OutDir, name))
			}
			weights, want := tc.setup(t, &cfg)

			_, err := runNoPanic(t, cfg, tc.stages, weights)
			if err == nil {
				t.Fatal("Run succeeded")
			}
			msg := err.Error()
			t.Logf("error: %s", msg)
			if strings.Contains(msg, "\n") && !tc.list {
				t.Errorf("error is not one line:\n%s", msg)
			}
			for _, w := range want {
				if !strings.Contains(msg, w) {
					t.Errorf("error %q does not contain %q", msg, w)
				}
			}
			for _, name := range tc.keep {
				p := filepath.Join(cfg.OutDir, name)
				if !bytes.Equal(readFile(t, p), before[name]) {
					t.Errorf("%s changed although the run failed", name)
				}
				checkLoads(t, p)
			}
		})
	}
}

// TestRunOtherSizesAndModes puts grayscale, RGBA and 48x40 images (PNG and JPEG) among the
// training and test images: the transforms resize everything to 32x32 RGB, so the run works and
// tests every test image.
func TestRunOtherSizesAndModes(t *testing.T) {
	data := tinydata.CIFAR(t, 4, 2)
	gray := image.NewGray(image.Rect(0, 0, 32, 32))
	for i := range gray.Pix {
		gray.Pix[i] = uint8(i * 7)
	}
	rgba := image.NewRGBA(image.Rect(0, 0, 32, 32))
	for i := range rgba.Pix {
		rgba.Pix[i] = uint8(i * 13) // alpha varies too
	}
	extra := map[string]image.Image{
		"gray.png":      gray,
		"rgba.png":      rgba,
		"big_48x40.png": noise(48, 40),
		"big_48x40.jpg": noise(48, 40),
		"gray.jpg":      gray,
	}
	for _, split := range []string{"train", "test"} {
		for name, img := range extra {
			p := filepath.Join(data, split, "frog", name)
			writeFile(t, p, encodeImage(t, p, img))
		}
	}
	cfg, _ := testConfig(t, data)
	cfg.AEEpochs, cfg.ClfEpochs = 1, 1
	res, err := runNoPanic(t, cfg, all, "")
	if err != nil {
		t.Fatal(err)
	}
	if want := 10*2 + len(extra); res.Total != want {
		t.Errorf("tested %d images, want %d", res.Total, want)
	}
	checkLoads(t, filepath.Join(cfg.OutDir, AutoencoderFile))
	checkLoads(t, filepath.Join(cfg.OutDir, ClassifierFile))
}

// runNoPanic is Run that turns a panic into a test failure.
func runNoPanic(t *testing.T, cfg Config, stages Stages, weights string) (res *report.Results, err error) {
	t.Helper()
	defer func() {
		if p := recover(); p != nil {
			t.Fatalf("Run panicked: %v", p)
		}
	}()
	return Run(context.Background(), cfg, stages, weights)
}

// saveFreshCheckpoints saves an untrained autoencoder and classifier in out, as an earlier run would
// have left them.
func saveFreshCheckpoints(t *testing.T, out string) {
	t.Helper()
	ae := models.NewConvAutoencoder()
	defer ae.Drop()
	clf := models.NewClassifier(ae)
	defer clf.Drop()
	if err := torch.Save(ae.StateDict(), filepath.Join(out, AutoencoderFile)); err != nil {
		t.Fatal(err)
	}
	if err := torch.Save(clf.StateDict(), filepath.Join(out, ClassifierFile)); err != nil {
		t.Fatal(err)
	}
}

// saveOtherClassifier saves a classifier's state_dict whose last layer has 5 outputs, not 10.
func saveOtherClassifier(t *testing.T, path string) {
	t.Helper()
	ae := models.NewConvAutoencoder()
	defer ae.Drop()
	clf := models.NewClassifier(ae)
	defer clf.Drop()
	var sd torch.StateDict
	for _, nt := range clf.StateDict() {
		switch nt.Name {
		case "out.weight":
			nt.Tensor = torch.Zeros([]int64{5, 512})
			defer nt.Tensor.Drop()
		case "out.bias":
			nt.Tensor = torch.Zeros([]int64{5})
			defer nt.Tensor.Drop()
		}
		sd = append(sd, nt)
	}
	if err := torch.Save(sd, path); err != nil {
		t.Fatal(err)
	}
}

// checkLoads checks that the checkpoint at path loads with torch.Load and fits its model.
func checkLoads(t *testing.T, path string) {
	t.Helper()
	sd, err := torch.Load(path)
	if err != nil {
		t.Errorf("checkpoint saved before the failure does not load: %v", err)
		return
	}
	defer sd.Drop()
	ae := models.NewConvAutoencoder()
	defer ae.Drop()
	var m interface {
		LoadStateDict(torch.StateDict, bool) error
	} = ae
	if filepath.Base(path) == ClassifierFile {
		m = models.NewClassifier(ae)
	}
	if err := m.LoadStateDict(sd, true); err != nil {
		t.Errorf("%s does not fit its model: %v", path, err)
	}
}

// noise is a w×h RGB image of random-looking pixels.
func noise(w, h int) image.Image {
	m := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			m.Set(x, y, color.RGBA{uint8(x * 37), uint8(y * 91), uint8((x + y) * 53), 255})
		}
	}
	return m
}

// encodeImage encodes img as the extension of path says (.png or .jpg).
func encodeImage(t *testing.T, path string, img image.Image) []byte {
	t.Helper()
	var buf bytes.Buffer
	var err error
	switch filepath.Ext(path) {
	case ".png":
		err = png.Encode(&buf, img)
	case ".jpg":
		err = jpeg.Encode(&buf, img, &jpeg.Options{Quality: 90})
	default:
		t.Fatalf("no encoder for %s", path)
	}
	if err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func writeFile(t *testing.T, path string, b []byte) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
}

func readFile(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestWithin: an output directory is inside a data split however its path is written, through a
// symbolic link, or before it exists; a sibling with a common prefix is not inside.
func TestWithin(t *testing.T) {
	root := t.TempDir()
	split := filepath.Join(root, "data", "train")
	if err := os.MkdirAll(filepath.Join(split, "cat"), 0o755); err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(root, "link")
	if err := os.Symlink(filepath.Join(root, "data"), link); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		path string
		want bool
	}{
		{split, true},
		{split + "/", true},
		{filepath.Join(split, "cat"), true},
		{filepath.Join(split, "cat", "not", "yet"), true},
		{filepath.Join(root, "data", "test", "..", "train", "dog"), true},
		{filepath.Join(link, "train", "cat"), true},
		{filepath.Join(link, "train2"), false},
		{filepath.Join(root, "data"), false},
		{filepath.Join(root, "data", "trainee"), false},
	} {
		if got := within(tc.path, split); got != tc.want {
			t.Errorf("within(%s, %s) = %v, want %v", tc.path, split, got, tc.want)
		}
	}
}
