package train

import (
	"bytes"
	"fmt"
	"runtime"
	"strings"
	"testing"

	"github.com/aecifar/aecifar/internal/tinydata"
)

// TestWarnings: each setting that works but hurts gets one line, and the blog's settings none.
func TestWarnings(t *testing.T) {
	s, err := openSplits(tinydata.CIFAR(t, 4, 2), nil, nil) // 40 training images: a split of 34
	if err != nil {
		t.Fatal(err)
	}
	defer func(f func() (int64, bool)) { availableMemory = f }(availableMemory)
	cores := runtime.NumCPU()
	for _, tc := range []struct {
		name      string
		threads   int
		batch     int
		workers   int
		available int64
		want      []string
	}{
		{"the blog's settings", 0, 32, 4, 8 << 30, nil},
		{"threads at the core count", cores, 32, 4, 8 << 30, nil},
		{"threads above the core count", cores + 1, 32, 4, 8 << 30, []string{fmt.Sprintf("--threads %d is more than the %d cores here", cores+1, cores)}},
		{"a batch larger than the training split", 0, 35, 4, 8 << 30, []string{"--batch-size 35 is more than the 34 training images"}},
		// 34 images of 460 KiB over 500 MiB: 540 MB.
		{"a batch that takes most of the memory", 0, 34, 4, 600e6, []string{"--batch-size 34 needs about 0.5 GB of memory, most of the 0.6 GB available"}},
		{"a batch that does not fit", 0, 34, 4, 400e6, []string{"needs about 0.5 GB of memory, more than the 0.4 GB available: expect swapping"}},
		{"more workers hold more batches", 0, 34, 204, 600e6, []string{"needs about 0.7 GB of memory, more than the 0.6 GB available"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			availableMemory = func() (int64, bool) { return tc.available, true }
			var w bytes.Buffer
			cfg := Default()
			cfg.Progress, cfg.Threads, cfg.BatchSize, cfg.Workers = &w, tc.threads, tc.batch, tc.workers
			warn(cfg)
			warnMemory(cfg, s, true)
			lines := strings.Split(strings.TrimSpace(w.String()), "\n")
			if w.Len() == 0 {
				lines = nil
			}
			if len(lines) != len(tc.want) {
				t.Fatalf("%d lines, want %d:\n%s", len(lines), len(tc.want), w.String())
			}
			for i, want := range tc.want {
				if !strings.HasPrefix(lines[i], "aecifar: warning: ") || !strings.Contains(lines[i], want) {
					t.Errorf("line %q: want a warning containing %q", lines[i], want)
				}
			}
		})
	}
}

// TestAvailableMemory: the machine's figure is read, and is a plausible amount.
func TestAvailableMemory(t *testing.T) {
	n, ok := availableMemory()
	if !ok {
		t.Skip("no /proc/meminfo here")
	}
	if n < 1<<20 || n > 1<<50 {
		t.Errorf("available memory %d bytes", n)
	}
}
