package bench

import (
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/aecifar/aecifar/internal/tinydata"
	"github.com/aecifar/aecifar/torch"
)

// The testing.B forms of the step benchmarks: `go test -bench . ./bench/`. The harness (Compare)
// runs the same functions beside the Python original.

func benchmark(b *testing.B, name string) {
	o := Options{Device: torch.CPU, Iters: b.N, Warmup: 5, Batch: 32, Data: os.Getenv("CIFAR10_DIR"), Workers: 4, MaxBatches: b.N}
	if name == "ae_epoch" && o.Data == "" {
		b.Skip("set CIFAR10_DIR to an ImageFolder root with train/ to run the epoch benchmark")
	}
	r, err := Run(name, o)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportMetric(r.ImagesPerS, "img/s")
	b.ReportMetric(r.MsPerStep*1e6, "ns/step")
}

func BenchmarkAutoencoderStep(b *testing.B)  { benchmark(b, "ae_step") }
func BenchmarkClassifierStep(b *testing.B)   { benchmark(b, "clf_step") }
func BenchmarkAutoencoderInfer(b *testing.B) { benchmark(b, "ae_infer_1024") }
func BenchmarkClassifierInfer(b *testing.B)  { benchmark(b, "clf_infer_1024") }
func BenchmarkAutoencoderEpoch(b *testing.B) { benchmark(b, "ae_epoch") }

// TestMain runs one benchmark as a rank when BENCH_TEST_RANK_OF names it, so that a test can
// Launch ranks of the data-parallel benchmarks.
func TestMain(m *testing.M) {
	if name := os.Getenv("BENCH_TEST_RANK_OF"); name != "" {
		r, err := Run(name, Options{Device: torch.CPU, Iters: 2, Warmup: 1, Batch: 4})
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		json.NewEncoder(os.Stdout).Encode(r)
		os.Exit(0)
	}
	os.Exit(m.Run())
}

func TestRunEveryBenchmark(t *testing.T) {
	rows, _ := Rows(nil, 2, Sources{}) // the epochs need a data set: TestTutorialEpochs, BenchmarkAutoencoderEpoch
	for _, row := range rows {
		name := row.Go
		if row.Ranks > 0 {
			// Its ranks, started as the harness starts them; rank 0 prints the result.
			t.Setenv("BENCH_TEST_RANK_OF", name)
			var out, errOut strings.Builder
			if err := Launch(row.Ranks, []string{os.Args[0]}, &out, &errOut); err != nil {
				t.Fatalf("%s on %d ranks: %v\n%s", name, row.Ranks, err, errOut.String())
			}
			s, err := ParseSample([]byte(strings.TrimSpace(out.String())))
			if err != nil || s.ImagesPerS <= 0 || s.Side != "go" {
				t.Fatalf("%s on %d ranks printed %q: %v", name, row.Ranks, out.String(), err)
			}
			continue
		}
		r, err := Run(name, Options{Device: torch.CPU, Iters: 2, Warmup: 1, Batch: 4})
		if err != nil {
			t.Fatal(err)
		}
		if r.ImagesPerS <= 0 || r.Iters != 2 || r.Side != "go" {
			t.Fatalf("%s: %+v", name, r)
		}
	}
}

func BenchmarkBlitzStep(b *testing.B)    { benchmark(b, "blitz_step") }
func BenchmarkMNISTStep(b *testing.B)    { benchmark(b, "mnist_step") }
func BenchmarkMNISTRNNStep(b *testing.B) { benchmark(b, "mnist_rnn_step") }

// The tutorials' epochs on tiny data sets: the tutorial's batches, as many images as MaxBatches
// batches of 32, or the whole (smaller) data set.
func TestTutorialEpochs(t *testing.T) {
	cifar, mnist := tinydata.CIFAR(t, 4, 1), tinydata.MNIST(t, 100, 10)
	for _, tc := range []struct {
		name                 string
		o                    Options
		iters, batch, images int
	}{
		{"blitz_epoch", Options{Data: cifar, Workers: 2, MaxBatches: 1}, 8, 4, 32},
		{"blitz_epoch", Options{Data: cifar, MaxBatches: 0}, 10, 4, 40},
		{"mnist_epoch", Options{MNIST: mnist, MaxBatches: 2}, 1, 64, 64},
		{"mnist_rnn_epoch", Options{MNIST: mnist, MaxBatches: 2}, 1, 64, 64},
		{"mnist_epoch", Options{MNIST: mnist, MaxBatches: 10}, 2, 64, 100},
	} {
		tc.o.Device, tc.o.Warmup, tc.o.Batch = torch.CPU, 1, 32
		r, err := Run(tc.name, tc.o)
		if err != nil {
			t.Fatalf("%s %+v: %v", tc.name, tc.o, err)
		}
		if r.Iters != tc.iters || r.Batch != tc.batch || r.Images != tc.images || r.ImagesPerS <= 0 {
			t.Errorf("%s %+v: %d iterations of %d, %d images; want %d of %d, %d", tc.name, tc.o, r.Iters, r.Batch, r.Images, tc.iters, tc.batch, tc.images)
		}
	}
	for _, name := range []string{"blitz_epoch", "mnist_epoch"} {
		if _, err := Run(name, Options{Device: torch.CPU, Batch: 32}); err == nil || !strings.Contains(err.Error(), "needs") {
			t.Errorf("%s without its data set: %v", name, err)
		}
	}
}
