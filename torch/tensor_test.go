package torch

import (
	"errors"
	"strings"
	"testing"
)

func TestFromSliceRoundTrip(t *testing.T) {
	x := FromSlice([]float32{1, 2, 3, 4, 5, 6}, 2, 3)
	defer x.Drop()
	if err := x.Err(); err != nil {
		t.Fatal(err)
	}
	if got := x.Shape(); len(got) != 2 || got[0] != 2 || got[1] != 3 {
		t.Fatalf("shape = %v, want [2 3]", got)
	}
	if x.DType() != Float32 || x.Device() != CPU {
		t.Fatalf("dtype, device = %v, %v", x.DType(), x.Device())
	}
	v, err := x.Float32s()
	if err != nil {
		t.Fatal(err)
	}
	for i, want := range []float32{1, 2, 3, 4, 5, 6} {
		if v[i] != want {
			t.Fatalf("values = %v", v)
		}
	}
	if bad := FromSlice([]float32{1, 2, 3}, 2, 2); bad.Err() == nil {
		t.Fatal("FromSlice with a wrong element count succeeded")
	}
}

func TestOpOnCPU(t *testing.T) {
	s := NewScope()
	defer s.Close()
	a := s.Attach(FromSlice([]float32{1, -2, 3, -4}, 2, 2))
	b := FromSlice([]float32{10, 20, 30, 40}, 2, 2)
	defer b.Drop()
	sum := a.Relu().Add(b).Sum()
	got, err := sum.Item()
	if err != nil {
		t.Fatal(err)
	}
	if got != 104 {
		t.Fatalf("relu(a)+b summed = %v, want 104", got)
	}
	// relu, add and sum joined a's scope; b did not.
	if n := s.Len(); n != 4 {
		t.Fatalf("scope holds %d tensors, want 4", n)
	}
}

func TestErrorReachesCaller(t *testing.T) {
	a := FromSlice([]float32{1, 2, 3}, 3)
	b := FromSlice([]float32{1, 2}, 2)
	defer a.Drop()
	defer b.Drop()
	bad := a.Add(b)
	if bad.Err() == nil {
		t.Fatal("adding shapes [3] and [2] succeeded")
	}
	if !strings.Contains(bad.Err().Error(), "torch.add") {
		t.Fatalf("error %q does not name the op", bad.Err())
	}
	// The error passes through later ops without a libtorch call, and Item reports it.
	if _, err := bad.Relu().Sum().Item(); err == nil || err.Error() != bad.Err().Error() {
		t.Fatalf("Item after a failed op: %v, want %v", err, bad.Err())
	}
	// The failure left no error behind for the next op on this thread.
	ok := a.Add(a)
	defer ok.Drop()
	if ok.Err() != nil {
		t.Fatalf("op after a failure: %v", ok.Err())
	}
}

func TestDropIsIdempotent(t *testing.T) {
	base := LiveTensors()
	x := Zeros([]int64{3})
	if LiveTensors() != base+1 {
		t.Fatalf("live = %d, want %d", LiveTensors(), base+1)
	}
	x.Drop()
	x.Drop()
	if LiveTensors() != base {
		t.Fatalf("live = %d after Drop, want %d", LiveTensors(), base)
	}
	if !errors.Is(x.Relu().Err(), ErrDropped) {
		t.Fatalf("op on a dropped tensor: %v", x.Relu().Err())
	}
}

func TestScopeFreesAStep(t *testing.T) {
	base := LiveTensors()
	w := Ones([]int64{4, 4}).SetRequiresGrad(true)
	defer w.Drop()
	for i := 0; i < 50; i++ {
		WithScope(func(s *Scope) {
			x := s.Attach(Rand([]int64{2, 4}))
			// w.Sum() has no scoped input, so it joins no scope by itself: attach it.
			loss := x.Mul(x).Sum().Add(s.Attach(w.Sum()))
			if err := loss.Backward(); err != nil {
				t.Fatal(err)
			}
		})
	}
	g := w.Grad()
	if g == nil {
		t.Fatal("no gradient accumulated")
	}
	g.Drop()
	if got, want := LiveTensors(), base+1; got != want {
		t.Fatalf("live tensors = %d, want %d", got, want)
	}
}

func TestNoGrad(t *testing.T) {
	w := Ones([]int64{2}).SetRequiresGrad(true)
	defer w.Drop()
	var y *Tensor
	NoGrad(func() { y = w.MulScalar(2) })
	defer y.Drop()
	if y.RequiresGrad() {
		t.Fatal("result computed under NoGrad requires grad")
	}
	if !IsGradEnabled() {
		t.Fatal("grad mode not restored after NoGrad")
	}
	z := w.MulScalar(2)
	defer z.Drop()
	if !z.RequiresGrad() {
		t.Fatal("result outside NoGrad does not require grad")
	}
}

func TestCUDA(t *testing.T) {
	if !CUDAIsAvailable() {
		t.Skipf("no CUDA device (libtorch %s)", Version())
	}
	x := FromSlice([]float32{1, -2, 3}, 3).To(CUDA(0))
	defer x.Drop()
	if x.Device() != CUDA(0) {
		t.Fatalf("device = %v", x.Device())
	}
	r := x.Relu().Sum()
	defer r.Drop()
	if v, err := r.Item(); err != nil || v != 4 {
		t.Fatalf("relu sum on CUDA = %v, %v; want 4", v, err)
	}
}

func TestParseDevice(t *testing.T) {
	for _, tc := range []struct {
		in      string
		want    Device
		wantErr string
	}{
		{"cpu", CPU, ""},
		{"gpu", Device{}, "invalid device"},
		{"cuda:x", Device{}, "invalid device"},
	} {
		got, err := ParseDevice(tc.in)
		if tc.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Errorf("ParseDevice(%q) error = %v, want %q", tc.in, err, tc.wantErr)
			}
			continue
		}
		if err != nil || got != tc.want {
			t.Errorf("ParseDevice(%q) = %v, %v", tc.in, got, err)
		}
	}
	if !CUDAIsAvailable() {
		if _, err := ParseDevice("cuda"); err == nil || !strings.Contains(err.Error(), "no CUDA device") {
			t.Errorf(`ParseDevice("cuda") without a GPU: %v`, err)
		}
	}
}

func TestCloneOwnsItsStorage(t *testing.T) {
	x := FromSlice([]float32{1, 2, 3}, 3)
	defer x.Drop()
	c := x.Clone()
	defer c.Drop()
	x.Fill_(7)
	v, err := c.Float32s()
	if err != nil {
		t.Fatal(err)
	}
	if v[0] != 1 || v[2] != 3 {
		t.Fatalf("clone changed with its source: %v", v)
	}
}
