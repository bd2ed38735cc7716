package torch_test

import (
	"strings"
	"testing"

	"github.com/aecifar/aecifar/torch"
)

func TestFromSlicePinned(t *testing.T) {
	data := []float32{1, 2, 3, 4, 5, 6}
	p := torch.FromSlicePinned(data, 2, 3)
	defer p.Drop()
	if !torch.CUDAIsAvailable() {
		// Without CUDA there is no pinned memory: a clear error, not a crash.
		if err := p.Err(); err == nil || !strings.Contains(err.Error(), "pinned memory needs CUDA") {
			t.Fatalf("FromSlicePinned without CUDA: %v", err)
		}
		t.Skip("no CUDA device: checked the error only")
	}
	if err := p.Err(); err != nil {
		t.Fatal(err)
	}
	if got := p.Shape(); len(got) != 2 || got[0] != 2 || got[1] != 3 {
		t.Fatalf("shape %v", got)
	}
	d := p.ToOptions(torch.CUDA(0), torch.Float32, true)
	defer d.Drop()
	p.Drop() // the pinned allocator keeps the memory until the copy is done
	got, err := d.Float32s()
	if err != nil {
		t.Fatal(err)
	}
	for i := range data {
		if got[i] != data[i] {
			t.Fatalf("copied %v, want %v", got, data)
		}
	}
	if e := torch.FromSlicePinned([]float32{1}, 2).Err(); e == nil {
		t.Fatal("a shape that the data does not fill was accepted")
	}
}
