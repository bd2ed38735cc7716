package mnist

import (
	"bytes"
	"context"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aecifar/aecifar/internal/tinydata"
	"github.com/aecifar/aecifar/torch/distributed"
)

// TestMain runs Command itself when MNIST_TEST_COMMAND names an example, so that a test can start
// ranks of it as torchrun does.
func TestMain(m *testing.M) {
	switch os.Getenv("MNIST_TEST_COMMAND") {
	case "mnist":
		os.Exit(Command(CNN, os.Args[1:], os.Stdout, os.Stderr))
	case "mnist_rnn":
		os.Exit(Command(RNN, os.Args[1:], os.Stdout, os.Stderr))
	}
	os.Exit(m.Run())
}

// Two ranks under torchrun's variables share each epoch (DistributedSampler): rank 0 logs half the
// batches one process logs, tests and saves the model; rank 1 prints nothing. For both examples
// (the LSTM's BatchNorm1d buffers are broadcast from rank 0 at every forward).
func TestDataParallel(t *testing.T) {
	if !distributed.IsAvailable() {
		t.Skip("this libtorch has no c10d (torch/distributed is not available)")
	}
	for _, ex := range []Example{CNN, RNN} {
		t.Run(ex.Name, func(t *testing.T) {
			data, out := tinydata.MNIST(t, 64, 10), t.TempDir() // 8 batches of 8: 4 per rank
			l, err := net.Listen("tcp", "127.0.0.1:0")
			if err != nil {
				t.Fatal(err)
			}
			port := l.Addr().(*net.TCPAddr).Port
			l.Close()
			ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
			defer cancel()
			args := []string{"--data", data, "--download=false", "--out", out, "--quiet", "--epochs", "2", "--batch-size", "8",
				"--test-batch-size", "5", "--log-interval", "1", "--save-model", "--dist-timeout", "30s"}
			var cmds []*exec.Cmd
			var stdouts, stderrs []*bytes.Buffer
			for rank := range 2 {
				c := exec.CommandContext(ctx, os.Args[0], args...)
				c.Env = append(os.Environ(), "MNIST_TEST_COMMAND="+ex.Name, "RANK="+strconv.Itoa(rank), "LOCAL_RANK="+strconv.Itoa(rank),
					"WORLD_SIZE=2", "MASTER_ADDR=127.0.0.1", "MASTER_PORT="+strconv.Itoa(port))
				var o, e bytes.Buffer
				c.Stdout, c.Stderr = &o, &e
				if err := c.Start(); err != nil {
					t.Fatal(err)
				}
				cmds, stdouts, stderrs = append(cmds, c), append(stdouts, &o), append(stderrs, &e)
			}
			for rank, c := range cmds {
				if err := c.Wait(); err != nil {
					t.Fatalf("rank %d: %v\n%s%s", rank, err, stdouts[rank], stderrs[rank])
				}
			}
			if stdouts[1].Len() != 0 {
				t.Errorf("rank 1 printed:\n%s", stdouts[1])
			}
			log := stdouts[0].String()
			if n := strings.Count(log, "Train Epoch: 1 ["); n != 4 {
				t.Errorf("rank 0 logged %d batches of epoch 1, want 4 (its half of 64 images at batch 8):\n%s", n, log)
			}
			if n := strings.Count(log, "Test set: Average loss: "); n != 2 {
				t.Errorf("rank 0 tested %d times in 2 epochs:\n%s", n, log)
			}
			for _, f := range []string{ex.SaveFile, "results.json"} {
				if _, err := os.Stat(filepath.Join(out, f)); err != nil {
					t.Errorf("rank 0 wrote no %s: %v", f, err)
				}
			}
		})
	}
}
