package distributed

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aecifar/aecifar/torch"
)

// TestNCCL: where NCCL is not built in, InitProcessGroup(NCCL) says so; where it is but no GPU is
// (Debian 13's CUDA libtorch on a CPU machine), libtorch's refusal comes back as one error within
// the timeout and leaves no group; with a GPU, a one-rank group runs every collective on cuda:0.
func TestNCCL(t *testing.T) {
	if !IsNCCLAvailable() {
		err := InitProcessGroup(NCCL)
		if err == nil || !strings.Contains(err.Error(), "doesn't have NCCL built in") {
			t.Fatalf("InitProcessGroup(NCCL) without NCCL: %v", err)
		}
		if IsAvailable() && torch.CUDADeviceCount() == 0 && !strings.Contains(err.Error(), "CUDA") &&
			!strings.Contains(err.Error(), "nccl") {
			t.Errorf("the error does not say what is missing: %v", err)
		}
		t.Logf("NCCL not built in: %v", err)
		return
	}
	const timeout = 30 * time.Second
	opts := InitOptions{InitMethod: fmt.Sprintf("tcp://127.0.0.1:%d", freePort(t)), Rank: new(0), WorldSize: 1, Timeout: timeout}
	start := time.Now()
	err := InitProcessGroup(NCCL, opts)
	if !torch.CUDAIsAvailable() {
		if err == nil {
			DestroyProcessGroup()
			t.Fatal("InitProcessGroup(NCCL) without a GPU succeeded")
		}
		if !strings.Contains(err.Error(), "no GPUs found") || strings.Contains(err.Error(), "\n") {
			t.Errorf("InitProcessGroup(NCCL) without a GPU: %q, want libtorch's one line", err)
		}
		if d := time.Since(start); d > timeout {
			t.Errorf("the refusal took %v", d)
		}
		if IsInitialized() {
			t.Error("a failed InitProcessGroup left a group")
		}
		t.Logf("NCCL built in, no GPU: %v", err)
		return
	}
	if err != nil {
		t.Fatal(err)
	}
	defer DestroyProcessGroup()
	if GetBackend() != NCCL {
		t.Errorf("backend %q", GetBackend())
	}
	s := torch.NewScope()
	defer s.Close()
	cuda := func(v ...float32) *torch.Tensor { return s.Attach(s.Attach(vec(v)).To(torch.CUDA(0))) }
	values := func(x *torch.Tensor) []float32 {
		v, err := x.Float32s()
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	for _, op := range []ReduceOp{Sum, Avg, Max, Min, Product} {
		x := cuda(1, -2, 3)
		if err := AllReduce(x, AllReduceOptions{Op: op}); err != nil {
			t.Fatalf("all_reduce %v: %v", op, err)
		}
		if v := values(x); !slices.Equal(v, []float32{1, -2, 3}) {
			t.Errorf("all_reduce %v over one rank: %v", op, v)
		}
	}
	b := cuda(4, 5)
	if err := Broadcast(b, 0); err != nil {
		t.Fatal(err)
	}
	out := []*torch.Tensor{cuda(0, 0)}
	if err := AllGather(out, cuda(6, 7)); err != nil {
		t.Fatal(err)
	}
	if v := values(out[0]); !slices.Equal(v, []float32{6, 7}) {
		t.Errorf("all_gather: %v", v)
	}
	rs := cuda(0)
	if err := ReduceScatter(rs, []*torch.Tensor{cuda(8)}); err != nil {
		t.Fatal(err)
	}
	if v := values(rs); !slices.Equal(v, []float32{8}) {
		t.Errorf("reduce_scatter: %v", v)
	}
	if err := Barrier(); err != nil {
		t.Fatal(err)
	}
}
