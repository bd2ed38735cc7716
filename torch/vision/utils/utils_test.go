package utils_test

import (
	"compress/gzip"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"image/png"
	"io"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/aecifar/aecifar/torch"
	"github.com/aecifar/aecifar/torch/vision/utils"
)

// testdata/cases.json and tensors.bin.gz are torchvision's make_grid and
// save_image on fixed tensors (testdata/gen.py): the grids must match bit
// for bit, the saved pixels byte for byte (the same float32 operations in
// the same order; integers after that).

type placed struct {
	Offset int     `json:"offset"`
	Shape  []int64 `json:"shape"`
}

type gridCase struct {
	Input   string `json:"input"`
	InputAt placed `json:"input_at"`
	Args    struct {
		NRow       int         `json:"nrow"`
		Padding    *int        `json:"padding"`
		Normalize  bool        `json:"normalize"`
		ValueRange *[2]float64 `json:"value_range"`
		ScaleEach  bool        `json:"scale_each"`
		PadValue   float64     `json:"pad_value"`
	} `json:"args"`
	Grid placed `json:"grid"`
	PNG  placed `json:"png"`
}

func (c gridCase) String() string {
	a := c.Args
	s := fmt.Sprintf("%s/nrow=%d/normalize=%v/scale_each=%v/pad=%v", c.Input, a.NRow, a.Normalize, a.ScaleEach, a.PadValue)
	if a.Padding != nil {
		s += fmt.Sprintf("/padding=%d", *a.Padding)
	}
	if a.ValueRange != nil {
		s += fmt.Sprintf("/range=%v", *a.ValueRange)
	}
	return s
}

func loadCases(t *testing.T) ([]gridCase, []float32) {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join("testdata", "cases.json"))
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Cases []gridCase `json:"cases"`
	}
	if err := json.Unmarshal(raw, &doc); err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(filepath.Join("testdata", "tensors.bin.gz"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	b, err := io.ReadAll(zr)
	if err != nil {
		t.Fatal(err)
	}
	floats := make([]float32, len(b)/4)
	for i := range floats {
		floats[i] = math.Float32frombits(binary.LittleEndian.Uint32(b[4*i:]))
	}
	return doc.Cases, floats
}

func (p placed) values(all []float32) []float32 {
	n := int64(1)
	for _, d := range p.Shape {
		n *= d
	}
	return all[p.Offset : int64(p.Offset)+n]
}

func TestMatchesTorchvision(t *testing.T) {
	cases, all := loadCases(t)
	for _, c := range cases {
		t.Run(c.String(), func(t *testing.T) {
			s := torch.NewScope()
			defer s.Close()
			in := s.Attach(torch.FromSlice(slices.Clone(c.InputAt.values(all)), c.InputAt.Shape...))
			opts := utils.MakeGridOptions{NRow: c.Args.NRow, Padding: c.Args.Padding, Normalize: c.Args.Normalize,
				ValueRange: c.Args.ValueRange, ScaleEach: c.Args.ScaleEach, PadValue: c.Args.PadValue}
			before, _ := in.Float32s()
			g, err := utils.MakeGrid(in, opts)
			if err != nil {
				t.Fatal(err)
			}
			s.Attach(g)
			if after, _ := in.Float32s(); !slices.Equal(before, after) {
				t.Error("make_grid changed its input")
			}
			got, err := g.Float32s()
			if err != nil {
				t.Fatal(err)
			}
			want := c.Grid.values(all)
			if !slices.Equal(g.Shape(), c.Grid.Shape) {
				t.Fatalf("grid shape %v, torchvision %v", g.Shape(), c.Grid.Shape)
			}
			for i := range got {
				if math.Float32bits(got[i]) != math.Float32bits(want[i]) {
					t.Fatalf("grid value %d: %v, torchvision %v", i, got[i], want[i])
				}
			}
			path := filepath.Join(t.TempDir(), "grid.png")
			if err := utils.SaveImage(in, path, opts); err != nil {
				t.Fatal(err)
			}
			f, err := os.Open(path)
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			img, err := png.Decode(f)
			if err != nil {
				t.Fatal(err)
			}
			h, w := int(c.PNG.Shape[0]), int(c.PNG.Shape[1])
			if b := img.Bounds(); b.Dx() != w || b.Dy() != h {
				t.Fatalf("saved %v, torchvision %dx%d", b, w, h)
			}
			px := c.PNG.values(all)
			for y := range h {
				for x := range w {
					r, g, b, _ := img.At(x, y).RGBA()
					k := 3 * (y*w + x)
					if got := [3]float32{float32(r >> 8), float32(g >> 8), float32(b >> 8)}; got != [3]float32(px[k:k+3]) {
						t.Fatalf("pixel (%d, %d): %v, torchvision %v", x, y, got, px[k:k+3])
					}
				}
			}
		})
	}
}

func TestErrors(t *testing.T) {
	s := torch.NewScope()
	defer s.Close()
	batch := s.Attach(torch.Zeros([]int64{2, 3, 4, 4}))
	tests := []struct {
		name string
		err  error
		want string
	}{
		{"5 dimensions", second(utils.MakeGrid(s.Attach(torch.Zeros([]int64{1, 2, 3, 4, 5})))), "want [B, C, H, W]"},
		{"float64", second(utils.MakeGrid(s.Attach(torch.Zeros([]int64{2, 2}, torch.ZerosOptions{DType: torch.Float64})))), "float32"},
		{"two options", second(utils.MakeGrid(batch, utils.MakeGridOptions{}, utils.MakeGridOptions{})), "at most one"},
		{"negative padding", second(utils.MakeGrid(batch, utils.MakeGridOptions{Padding: new(-1)})), "negative"},
		{"jpeg", utils.SaveImage(batch, filepath.Join(t.TempDir(), "x.jpg")), "only PNG"},
		{"two channels", utils.SaveImage(s.Attach(torch.Zeros([]int64{2, 2, 3, 3})), filepath.Join(t.TempDir(), "x.png")), "2 channels"},
	}
	for _, tc := range tests {
		if tc.err == nil || !strings.Contains(tc.err.Error(), tc.want) {
			t.Errorf("%s: %v, want an error containing %q", tc.name, tc.err, tc.want)
		}
	}
}

func second[T any](_ T, err error) error { return err }
