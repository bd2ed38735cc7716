package cuda_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/aecifar/aecifar/torch"
	"github.com/aecifar/aecifar/torch/cuda"
)

// On a build without csrc's CUDA API every call says why, naming the cure.
func TestUnavailableSaysWhy(t *testing.T) {
	if cuda.APIAvailable() == nil {
		t.Skip("this build has the CUDA API: see TestGraph*")
	}
	err := cuda.Synchronize(torch.CUDA(0))
	if err == nil || !strings.Contains(err.Error(), "no CUDA support") || !strings.Contains(err.Error(), "CUDA_HOME") {
		t.Fatalf("Synchronize on a build without CUDA: %v", err)
	}
	if _, err := cuda.NewCUDAGraph(); err == nil {
		t.Fatal("NewCUDAGraph succeeded without CUDA support")
	}
}

func TestCPUDeviceRejected(t *testing.T) {
	for name, err := range map[string]error{
		"Synchronize":          cuda.Synchronize(torch.CPU),
		"ResetPeakMemoryStats": cuda.ResetPeakMemoryStats(torch.CPU),
		"SideStream":           cuda.SideStream(torch.CPU, func() error { return nil }),
	} {
		if err == nil || !strings.Contains(err.Error(), "cpu is not a CUDA device") {
			t.Errorf("%s(cpu) = %v", name, err)
		}
	}
}

func needCUDA(t *testing.T) torch.Device {
	t.Helper()
	if !cuda.IsAvailable() {
		t.Skip("no CUDA device")
	}
	if err := cuda.APIAvailable(); err != nil {
		t.Fatalf("CUDA device present but the CUDA API is missing: %v", err)
	}
	return torch.CUDA(0)
}

// A captured graph replays its work on the same static tensors: y = x*2+1 follows new values of x.
func TestGraphReplay(t *testing.T) {
	dev := needCUDA(t)
	x := torch.Zeros([]int64{1024}, torch.ZerosOptions{Device: dev})
	defer x.Drop()
	warm := func() (*torch.Tensor, error) {
		y := x.MulScalar(2).AddScalar(1)
		return y, y.Err()
	}
	if err := cuda.SideStream(dev, func() error { y, err := warm(); y.Drop(); return err }); err != nil {
		t.Fatal(err)
	}
	g, err := cuda.NewCUDAGraph()
	if err != nil {
		t.Fatal(err)
	}
	defer g.Drop()
	var y *torch.Tensor
	if err := cuda.Graph(g, dev, func() error { var err error; y, err = warm(); return err }); err != nil {
		t.Fatal(err)
	}
	defer y.Drop()
	for _, v := range []float64{3, -1.5, 7} {
		x.Fill_(v)
		if err := g.Replay(); err != nil {
			t.Fatal(err)
		}
		got, err := y.Sum().Item()
		if err != nil {
			t.Fatal(err)
		}
		if want := 1024 * (2*v + 1); got != want {
			t.Fatalf("after x=%v replay gives sum %v, want %v", v, got, want)
		}
	}
	st, err := cuda.Memory(dev)
	if err != nil || st.Allocated <= 0 || st.MaxAllocated < st.Allocated || st.Reserved < st.Allocated {
		t.Fatalf("memory stats %+v, %v", st, err)
	}
}

// A host synchronisation inside a capture fails the capture with an error, not a crash, and leaves
// the thread's stream usable.
func TestGraphCaptureErrorRecovers(t *testing.T) {
	dev := needCUDA(t)
	g, err := cuda.NewCUDAGraph()
	if err != nil {
		t.Fatal(err)
	}
	defer g.Drop()
	boom := errors.New("boom")
	if err := cuda.Graph(g, dev, func() error { return boom }); !errors.Is(err, boom) {
		t.Fatalf("capture returned %v, want f's error", err)
	}
	x := torch.Ones([]int64{4}, torch.OnesOptions{Device: dev})
	defer x.Drop()
	if v, err := x.Sum().Item(); err != nil || v != 4 {
		t.Fatalf("after an abandoned capture: %v, %v", v, err)
	}
}
