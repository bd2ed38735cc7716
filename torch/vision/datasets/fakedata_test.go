package datasets_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/aecifar/aecifar/torch/vision/datasets"
	"github.com/aecifar/aecifar/torch/vision/transforms/functional"
)

// hasAVX2 reports whether the CPU has AVX2, from Linux's /proc/cpuinfo.
func hasAVX2() bool {
	b, err := os.ReadFile("/proc/cpuinfo")
	return err == nil && strings.Contains(string(b), " avx2")
}

// testdata/fakedata.json holds torchvision's FakeData images as digests
// (testdata/gen_fakedata.py), made on a CPU with AVX2: the Go images must
// equal them byte for byte there.
func TestFakeDataMatchesTorchvision(t *testing.T) {
	raw, err := os.ReadFile(filepath.Join("testdata", "fakedata.json"))
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Versions struct {
			CPUCapability string `json:"cpu_capability"`
		} `json:"versions"`
		Cases []struct {
			Options struct {
				Size         int    `json:"size"`
				ImageSize    [3]int `json:"image_size"`
				NumClasses   int    `json:"num_classes"`
				RandomOffset int    `json:"random_offset"`
			} `json:"options"`
			Samples []struct {
				Target int     `json:"target"`
				Mode   string  `json:"mode"`
				SHA256 string  `json:"sha256"`
				First  []uint8 `json:"first"`
			} `json:"samples"`
		} `json:"cases"`
	}
	if err := json.Unmarshal(raw, &doc); err != nil {
		t.Fatal(err)
	}
	if doc.Versions.CPUCapability == "avx2" && !hasAVX2() {
		t.Skip("fakedata.json holds libtorch's AVX2 draws; this CPU has no AVX2, where libtorch draws otherwise")
	}
	for _, c := range doc.Cases {
		o := c.Options
		ds, err := datasets.NewFakeData(datasets.FakeDataOptions{Size: o.Size, ImageSize: o.ImageSize, NumClasses: o.NumClasses, RandomOffset: o.RandomOffset})
		if err != nil {
			t.Fatal(err)
		}
		if ds.Len() != len(c.Samples) {
			t.Fatalf("%+v: %d samples, torchvision %d", o, ds.Len(), len(c.Samples))
		}
		for i, want := range c.Samples {
			img, label, err := ds.Image(i)
			if err != nil {
				t.Fatal(err)
			}
			if label != want.Target || img.Mode.String() != want.Mode || sha256Hex(img.Pix) != want.SHA256 {
				t.Errorf("%+v image %d: label %d mode %s starting %v, torchvision %d %s %v", o, i, label, img.Mode, img.Pix[:6], want.Target, want.Mode, want.First)
			}
		}
	}
}

func TestFakeDataDefaultsAndErrors(t *testing.T) {
	ds, err := datasets.NewFakeData()
	if err != nil {
		t.Fatal(err)
	}
	if ds.Len() != 1000 || ds.ImageSize != [3]int{3, 224, 224} || ds.NumClasses != 10 {
		t.Errorf("defaults: %d, %v, %d classes", ds.Len(), ds.ImageSize, ds.NumClasses)
	}
	small, _ := datasets.NewFakeData(datasets.FakeDataOptions{Size: 2, ImageSize: [3]int{1, 8, 6}, TargetTransform: func(y int) int { return -y }})
	s, err := small.Get(1, nil)
	if err != nil {
		t.Fatal(err)
	}
	_, label, _ := small.Image(1)
	img, _, _ := small.Image(1)
	want, _ := functional.ToTensor(img)
	if !slices.Equal(s.Shape, []int64{1, 8, 6}) || s.Label != int64(-label) || !slices.Equal(s.Data, want.Data) {
		t.Errorf("Get: shape %v label %d", s.Shape, s.Label)
	}
	if _, err := small.Get(2, nil); err == nil || !strings.Contains(err.Error(), "index out of range") {
		t.Errorf("index 2 of 2: %v", err)
	}
	for _, o := range []datasets.FakeDataOptions{{ImageSize: [3]int{4, 2, 2}}, {ImageSize: [3]int{3, 0, 2}}, {Size: -1}} {
		if _, err := datasets.NewFakeData(o); err == nil {
			t.Errorf("%+v: no error", o)
		}
	}
}
