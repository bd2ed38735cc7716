package nn

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/aecifar/aecifar/torch"
	"github.com/aecifar/aecifar/torch/testing/parity"
)

// dropoutCase is one case of testdata/dropout.json (gen_dropout.py's docstring is the schema).
type dropoutCase struct {
	Name       string           `json:"name"`
	Type       string           `json:"type"`
	P          float64          `json:"p"`
	Training   bool             `json:"training"`
	ManualSeed uint64           `json:"manual_seed"`
	Input      parity.DetTensor `json:"input"`
	Output     []float64        `json:"output"`
	Zeros      int              `json:"zeros"`
	InputGrad  []float64        `json:"input_grad"`
	Next       []float64        `json:"next"`
}

// TestDropoutMatchesPyTorch runs Dropout and Dropout2d in training mode right after the seed
// PyTorch used: the masks (the outputs, their count of zeros, the gradient) must be PyTorch's, and
// torch.rand after the forward must draw what PyTorch drew, so the layers consumed as many random
// numbers. The first cases are pytorch/examples mnist_rnn's Dropout2d on 2-D (N, features) input,
// which PyTorch 1.13 runs as element-wise dropout (gen_dropout.py asserts it, and that it warns).
// Values within 1e-6 of the largest magnitude (a scaling by 1/(1-p) and a product).
func TestDropoutMatchesPyTorch(t *testing.T) {
	b, err := os.ReadFile(filepath.Join("testdata", "dropout.json"))
	if err != nil {
		t.Fatalf("%v (run testdata/gen_dropout.py)", err)
	}
	var f struct {
		TorchVersion string        `json:"torch_version"`
		Cases        []dropoutCase `json:"cases"`
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&f); err != nil {
		t.Fatalf("testdata/dropout.json: %v", err)
	}
	if len(f.Cases) == 0 {
		t.Fatal("testdata/dropout.json holds no case")
	}
	tol := parity.Tol{Abs: 1e-6, Rel: 1e-6}
	for _, c := range f.Cases {
		t.Run(c.Name, func(t *testing.T) {
			var m Forwarder
			switch c.Type {
			case "Dropout":
				m = NewDropout(DropoutOptions{P: &c.P})
			case "Dropout2d":
				m = NewDropout2d(DropoutOptions{P: &c.P})
			default:
				t.Fatalf("unknown type %q", c.Type)
			}
			m.(interface{ Train(...bool) }).Train(c.Training)
			torch.WithScope(func(s *torch.Scope) {
				x := s.Attach(torch.FromSlice(c.Input.Values(), c.Input.Shape...))
				x.SetRequiresGrad(true)
				if err := torch.ManualSeed(c.ManualSeed); err != nil {
					t.Fatal(err)
				}
				out := m.Forward(x)
				next, err := torch.Rand([]int64{4}).Float32s()
				if err != nil {
					t.Fatal(err)
				}
				w := s.Attach(torch.FromSlice(parity.Det(out.Shape(), c.Input.Seed+1, 1), out.Shape()...))
				if err := out.Mul(w).Sum().Backward(); err != nil {
					t.Fatal(err)
				}
				got, err := out.Float32s()
				if err != nil {
					t.Fatal(err)
				}
				zeros := 0
				for _, v := range got {
					if v == 0 {
						zeros++
					}
				}
				if zeros != c.Zeros {
					t.Errorf("%d zeros, PyTorch %d", zeros, c.Zeros)
				}
				if err := parity.Compare(got, c.Output, tol); err != nil {
					t.Errorf("output: %v", err)
				}
				grad, err := x.Grad().Float32s()
				if err != nil {
					t.Fatal(err)
				}
				if err := parity.Compare(grad, c.InputGrad, tol); err != nil {
					t.Errorf("input grad: %v", err)
				}
				if err := parity.Compare(next, c.Next, parity.Tol{Abs: 1e-7}); err != nil {
					t.Errorf("torch.rand after forward: %v (the layer drew another count of random numbers)", err)
				}
			})
		})
	}
}
