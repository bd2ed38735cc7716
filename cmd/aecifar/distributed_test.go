package main

import (
	"bytes"
	"context"
	"math"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/aecifar/aecifar/torch"
	"github.com/aecifar/aecifar/torch/distributed"
)

// The data-parallel tests start the ranks as torchrun does (RANK, WORLD_SIZE, LOCAL_RANK,
// MASTER_ADDR, MASTER_PORT; rank 0 hosts the store), on loopback; torch/distributed's
// TestTorchrun runs the launcher itself.

// freePort is a loopback port that nothing listens on (for a moment).
func freePort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// rankProc is one rank of a data-parallel aecifar.
type rankProc struct {
	cmd            *exec.Cmd
	stdout, stderr *bytes.Buffer
}

// startRanks starts world ranks of aecifar with args, bounded by ctx.
func startRanks(t *testing.T, ctx context.Context, world int, args ...string) []rankProc {
	t.Helper()
	port := freePort(t)
	var ps []rankProc
	for rank := range world {
		env := []string{"RANK=" + strconv.Itoa(rank), "LOCAL_RANK=" + strconv.Itoa(rank), "WORLD_SIZE=" + strconv.Itoa(world),
			"MASTER_ADDR=127.0.0.1", "MASTER_PORT=" + strconv.Itoa(port)}
		p := rankProc{cmd: childCmd(ctx, env, args...), stdout: &bytes.Buffer{}, stderr: &bytes.Buffer{}}
		p.cmd.Stdout, p.cmd.Stderr = p.stdout, p.stderr
		if err := p.cmd.Start(); err != nil {
			t.Fatal(err)
		}
		ps = append(ps, p)
	}
	return ps
}

// wait waits for the rank to end.
func (p rankProc) wait(t *testing.T) child {
	t.Helper()
	err := p.cmd.Wait()
	return finished(t, p.cmd, err, p.stdout.String(), p.stderr.String())
}

// runRanks runs world ranks to their end (at most two minutes).
func runRanks(t *testing.T, world int, args ...string) []child {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	var cs []child
	for _, p := range startRanks(t, ctx, world, args...) {
		cs = append(cs, p.wait(t))
	}
	return cs
}

func skipWithoutDistributed(t *testing.T) {
	t.Helper()
	if !distributed.IsAvailable() {
		t.Skip("this libtorch has no c10d (torch/distributed is not available)")
	}
}

// Two ranks at batch 8 train the autoencoder as one process at batch 16 does: each rank's k-th
// batch is half of the one process's k-th (the sampler's shards), the gradients are averaged, and
// the epoch losses are summed over the ranks. Rank 0 alone prints and writes.
func TestDataParallelMatchesOneProcess(t *testing.T) {
	skipWithoutDistributed(t)
	data := tinyData(t, 16, 1) // 136 training images: the last batch is partial on both sides
	common := []string{"train-ae", "--data", data, "--device", "cpu", "--quiet", "--workers", "0", "--threads", "1", "--ae-epochs", "2"}
	one, two := t.TempDir(), t.TempDir()
	single := aecifar(t, nil, append(common, "--out", one, "--batch-size", "16")...)
	expect(t, single, 0)
	ranks := runRanks(t, 2, append(common, "--out", two, "--batch-size", "8")...)
	for i, c := range ranks {
		expect(t, c, 0)
		if i > 0 && c.stdout != "" {
			t.Errorf("rank %d printed:\n%s", i, c.stdout)
		}
	}
	if want, got := lossLines(single.stdout), lossLines(ranks[0].stdout); len(got) != 2 || len(want) != 2 {
		t.Fatalf("epoch lines: one process %q, two ranks %q", want, got)
	}
	oneLosses, twoLosses := historyLosses(t, one), historyLosses(t, two)
	if len(oneLosses) != 2 || len(twoLosses) != 2 {
		t.Fatalf("history losses: one process %v, two ranks %v", oneLosses, twoLosses)
	}
	for i := range oneLosses {
		if math.Abs(oneLosses[i]-twoLosses[i]) > 1e-6*math.Abs(oneLosses[i]) {
			t.Errorf("epoch %d loss: one process %.9g, two ranks %.9g", i+1, oneLosses[i], twoLosses[i])
		}
	}
	a, err := torch.Load(filepath.Join(one, "cifar_autoencoder.pt"))
	if err != nil {
		t.Fatal(err)
	}
	defer a.Drop()
	b, err := torch.Load(filepath.Join(two, "cifar_autoencoder.pt"))
	if err != nil {
		t.Fatal(err)
	}
	defer b.Drop()
	if len(a) != len(b) {
		t.Fatalf("%d tensors against %d", len(a), len(b))
	}
	for i := range a {
		x, _ := a[i].Tensor.Float32s()
		y, _ := b[i].Tensor.Float32s()
		if a[i].Name != b[i].Name || len(x) != len(y) || len(x) == 0 {
			t.Fatalf("tensor %d: %s (%d values) against %s (%d)", i, a[i].Name, len(x), b[i].Name, len(y))
		}
		worst := 0.0
		for j := range x {
			worst = max(worst, math.Abs(float64(x[j]-y[j])))
		}
		if worst > 1e-5 {
			t.Errorf("%s differs by up to %g", a[i].Name, worst)
		}
	}
}

// lossLines are the blog's epoch lines of a log.
func lossLines(log string) []string {
	var out []string
	for _, l := range strings.Split(log, "\n") {
		if strings.HasPrefix(l, "Epoch: ") {
			out = append(out, l)
		}
	}
	return out
}

// historyLosses are the training losses of history.csv in dir.
func historyLosses(t *testing.T, dir string) []float64 {
	t.Helper()
	var out []float64
	for i, l := range readLines(t, filepath.Join(dir, "history.csv")) {
		f := strings.Split(l, ",")
		if i == 0 || len(f) < 3 {
			continue
		}
		v, err := strconv.ParseFloat(f[2], 64)
		if err != nil {
			t.Fatalf("history.csv line %q: %v", l, err)
		}
		out = append(out, v)
	}
	return out
}

// A rank whose peer never comes fails with one line within --dist-timeout.
func TestDataParallelPeerNeverComes(t *testing.T) {
	skipWithoutDistributed(t)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	out := filepath.Join(t.TempDir(), "out")
	args := append([]string{"run", "--data", tinyData(t, 2, 1), "--out", out, "--dist-timeout", "2s"}, tiny...)
	env := []string{"RANK=0", "LOCAL_RANK=0", "WORLD_SIZE=2", "MASTER_ADDR=127.0.0.1", "MASTER_PORT=" + strconv.Itoa(freePort(t))}
	start := time.Now()
	cmd := childCmd(ctx, env, args...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	c := finished(t, cmd, cmd.Run(), stdout.String(), stderr.String())
	expect(t, c, 1, "aecifar: rank 0: ")
	if d := time.Since(start); d > 30*time.Second {
		t.Errorf("took %v with --dist-timeout 2s", d)
	}
	if _, err := os.Stat(out); err == nil {
		t.Errorf("%s was made by a run that never started", out)
	}
}

// A rank killed mid-run makes rank 0 fail with one line; what rank 0 committed resumes on both
// ranks to the end.
func TestDataParallelKilledRankResumes(t *testing.T) {
	skipWithoutDistributed(t)
	data := tinyData(t, 4, 1)
	out := filepath.Join(t.TempDir(), "out")
	args := []string{"run", "--data", data, "--out", out, "--device", "cpu", "--quiet", "--workers", "0", "--threads", "1",
		"--batch-size", "2", "--ae-epochs", "30", "--clf-epochs", "1", "--max-batches", "2", "--dist-timeout", "20s"}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	ps := startRanks(t, ctx, 2, args...)
	deadline := time.Now().Add(time.Minute)
	for !fileExistsT(filepath.Join(out, "resume.json")) {
		if time.Now().After(deadline) {
			t.Fatalf("no epoch committed in a minute:\n%s%s", ps[0].stdout, ps[0].stderr)
		}
		time.Sleep(20 * time.Millisecond)
	}
	if err := ps[1].cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	killedAt := time.Now()
	ps[1].wait(t)
	c := ps[0].wait(t)
	if c.code == 0 {
		t.Skipf("rank 0 finished all 30 epochs before its peer was killed:\n%s", c.stdout)
	}
	expect(t, c, 1, "aecifar: rank 0: ")
	if d := time.Since(killedAt); d > 40*time.Second {
		t.Errorf("rank 0 took %v to fail with --dist-timeout 20s", d)
	}
	for i, r := range runRanks(t, 2, append(args, "--resume")...) {
		expect(t, r, 0)
		if i == 0 && !strings.Contains(r.stdout, "Test Accuracy (Overall)") {
			t.Errorf("the resumed rank 0 printed no test result:\n%s", r.stdout)
		}
	}
	if !fileExistsT(filepath.Join(out, "results.json")) {
		t.Errorf("the resumed run wrote no results.json")
	}
}

func fileExistsT(p string) bool {
	_, err := os.Stat(p)
	return err == nil
}
