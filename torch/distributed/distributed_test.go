package distributed

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"math"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/aecifar/aecifar/internal/pytorch"
	"github.com/aecifar/aecifar/torch"
)

// The multi-rank tests run ranks as subprocesses: the test binary re-executed with
// AECIFAR_DIST_WORKER naming what the rank does (workers below), on 127.0.0.1 with a port the test
// picked, each run bounded by a context.

const workerEnv = "AECIFAR_DIST_WORKER"

func TestMain(m *testing.M) {
	if w := os.Getenv(workerEnv); w != "" {
		os.Exit(runWorker(w))
	}
	os.Exit(m.Run())
}

var workers = map[string]func() error{
	"collectives": workerCollectives,
	"die":         workerDie,
	"init":        workerInit,
}

// runWorker runs one rank; its last line of output is "ok" or "error: " and one line.
func runWorker(name string) int {
	f, ok := workers[name]
	if !ok {
		fmt.Println("error: unknown worker", name)
		return 1
	}
	if err := f(); err != nil {
		fmt.Println("error:", err)
		return 1
	}
	fmt.Println("ok")
	return 0
}

func workerTimeout() time.Duration {
	ms, _ := strconv.Atoi(os.Getenv("AECIFAR_DIST_TIMEOUT_MS"))
	return time.Duration(ms) * time.Millisecond
}

func initFromEnv() error {
	return InitProcessGroup(Gloo, InitOptions{Timeout: workerTimeout()})
}

func expect(name string, got []float32, want ...float32) error {
	if len(got) != len(want) {
		return fmt.Errorf("%s: got %v, want %v", name, got, want)
	}
	for i := range got {
		if math.Abs(float64(got[i]-want[i])) > 1e-6*max(1, math.Abs(float64(want[i]))) {
			return fmt.Errorf("%s: got %v, want %v", name, got, want)
		}
	}
	return nil
}

// workerCollectives runs every collective and checks its result. bench/python/dist_peer.py runs
// the same sequence, so that Go and Python ranks can share a group.
func workerCollectives() error {
	if err := initFromEnv(); err != nil {
		return err
	}
	defer DestroyProcessGroup()
	r, w := GetRank(), GetWorldSize()
	if want, _ := strconv.Atoi(os.Getenv("RANK")); r != want {
		return fmt.Errorf("GetRank %d, want %d", r, want)
	}
	fr, fw := float32(r), float32(w)
	s := torch.NewScope()
	defer s.Close()
	vals := func(t *torch.Tensor) []float32 {
		v, err := t.Float32s()
		if err != nil {
			return []float32{float32(math.NaN())}
		}
		return v
	}
	step := func(name string, op ReduceOp, in []float32, want ...float32) error {
		t := s.Attach(vec(in))
		if err := AllReduce(t, AllReduceOptions{Op: op}); err != nil {
			return err
		}
		return expect(name, vals(t), want...)
	}
	fact := float32(1)
	for i := 2; i <= w; i++ {
		fact *= float32(i)
	}
	sum := fw * (fw + 1) / 2
	for _, c := range []struct {
		name string
		op   ReduceOp
		in   []float32
		want []float32
	}{
		{"sum", Sum, []float32{fr + 1, 2 * (fr + 1)}, []float32{sum, 2 * sum}},
		{"avg", Avg, []float32{fr + 1, -(fr + 1)}, []float32{sum / fw, -sum / fw}},
		{"max", Max, []float32{fr + 1}, []float32{fw}},
		{"min", Min, []float32{fr + 1}, []float32{1}},
		{"product", Product, []float32{fr + 1}, []float32{fact}},
	} {
		if err := step(c.name, c.op, c.in, c.want...); err != nil {
			return err
		}
	}
	b := s.Attach(vec([]float32{10 * fr, 10*fr + 1, 10*fr + 2}))
	if err := Broadcast(b, w-1); err != nil {
		return err
	}
	if err := expect("broadcast", vals(b), 10*(fw-1), 10*(fw-1)+1, 10*(fw-1)+2); err != nil {
		return err
	}
	outs := make([]*torch.Tensor, w)
	for i := range outs {
		outs[i] = s.Attach(torch.Zeros([]int64{2}, torch.ZerosOptions{DType: torch.Int64}))
	}
	if err := AllGather(outs, s.Attach(vec([]int64{int64(r), int64(r) * 100}))); err != nil {
		return err
	}
	for i, o := range outs {
		v, err := o.Int64s()
		if err != nil || !slices.Equal(v, []int64{int64(i), int64(i) * 100}) {
			return fmt.Errorf("all_gather[%d]: got %v (%v)", i, v, err)
		}
	}
	if err := Barrier(); err != nil {
		return err
	}
	// Gloo in 1.13 has no reduce_scatter: every rank must get the same clear error, and the group
	// must still work after it.
	ins := make([]*torch.Tensor, w)
	for i := range ins {
		ins[i] = s.Attach(vec([]float32{fr}))
	}
	rs := s.Attach(vec([]float32{0}))
	if err := ReduceScatter(rs, ins); err == nil {
		if err := expect("reduce_scatter", vals(rs), sum-fw); err != nil {
			return err
		}
	} else if !strings.Contains(err.Error(), "does not support reduce_scatter") {
		return fmt.Errorf("reduce_scatter: %v", err)
	}
	if err := step("sum after reduce_scatter", Sum, []float32{1}, fw); err != nil {
		return err
	}
	return Barrier()
}

// workerDie all-reduces until an error; the rank in AECIFAR_DIST_DIE kills itself after the
// first. The others must get the error within the timeout: the "error:" line the test reads.
func workerDie() error {
	if err := initFromEnv(); err != nil {
		return err
	}
	die, _ := strconv.Atoi(os.Getenv("AECIFAR_DIST_DIE"))
	s := torch.NewScope()
	defer s.Close()
	for i := range 10000 {
		if err := AllReduce(s.Attach(torch.Ones([]int64{1000}))); err != nil {
			DestroyProcessGroup()
			return err
		}
		if i == 0 && GetRank() == die {
			if os.Getenv("AECIFAR_DIST_STALL") != "" {
				// Alive but never joining the next collective: the others must time out.
				time.Sleep(workerTimeout() + time.Second)
				return nil
			}
			syscall.Kill(os.Getpid(), syscall.SIGKILL)
		}
	}
	return errors.New("10000 all-reduces succeeded with a dead peer")
}

// workerInit only joins the group (for the rendezvous failures).
func workerInit() error {
	if err := initFromEnv(); err != nil {
		return err
	}
	return DestroyProcessGroup()
}

// vec is a 1-d tensor of values.
func vec[T torch.Element](values []T) *torch.Tensor {
	return torch.FromSlice(values, int64(len(values)))
}

// freePort is a port on 127.0.0.1 that nothing listens on (just now).
func freePort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// rank is one process of a test's group.
type rank struct {
	python string // the interpreter for bench/python/dist_peer.py; "" runs a Go worker
	worker string
	env    []string
	out    bytes.Buffer // standard output: the worker's result line
	log    bytes.Buffer // standard error: libtorch's own logging
	err    error
}

// runRanks starts ranks 0..n-1 on one port with the group timeout given, waits for all within
// limit, and returns them.
func runRanks(t *testing.T, timeout, limit time.Duration, ranks []*rank) {
	t.Helper()
	if err := initSkip(); err != nil {
		t.Skip(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), limit)
	defer cancel()
	port := freePort(t)
	peer, err := filepath.Abs(filepath.Join("..", "..", "bench", "python", "dist_peer.py"))
	if err != nil {
		t.Fatal(err)
	}
	cmds := make([]*exec.Cmd, len(ranks))
	for i, r := range ranks {
		var cmd *exec.Cmd
		if r.python != "" {
			cmd = exec.CommandContext(ctx, r.python, peer)
			// Python's rendezvous asks for libuv's TCPStore from 2.4 and fails where torch lacks
			// it (Debian 13's); the classic backend speaks the same protocol.
			cmd.Env = append(cmd.Env, "USE_LIBUV=0")
			cmd.Dir = t.TempDir() // in the repository, `import torch` would find the Go package torch/
		} else {
			cmd = exec.CommandContext(ctx, os.Args[0], "-test.run=^$")
			cmd.Env = append(cmd.Env, workerEnv+"="+r.worker)
		}
		cmd.Env = append(append(os.Environ(), cmd.Env...),
			"RANK="+strconv.Itoa(i), "WORLD_SIZE="+strconv.Itoa(len(ranks)), "LOCAL_RANK="+strconv.Itoa(i),
			"MASTER_ADDR=127.0.0.1", "MASTER_PORT="+strconv.Itoa(port), "GLOO_SOCKET_IFNAME=lo",
			"AECIFAR_DIST_TIMEOUT_MS="+strconv.FormatInt(timeout.Milliseconds(), 10))
		cmd.Env = append(cmd.Env, r.env...)
		cmd.Stdout, cmd.Stderr = &r.out, &r.log
		cmd.WaitDelay = time.Second
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		cmds[i] = cmd
	}
	for i, cmd := range cmds {
		ranks[i].err = cmd.Wait()
	}
	if ctx.Err() != nil {
		for i, r := range ranks {
			t.Logf("rank %d output:\n%s%s", i, r.out.String(), r.log.String())
		}
		t.Fatalf("the ranks did not finish within %v", limit)
	}
}

// initSkip says why this binary cannot run ranks, or nil.
func initSkip() error {
	if !IsAvailable() {
		_, err := newDefaultGroup(Gloo, InitOptions{}, func(string) string { return "" })
		return err
	}
	return nil
}

// lastLine is a rank's last line of output.
func (r *rank) lastLine() string {
	lines := strings.Split(strings.TrimSpace(r.out.String()), "\n")
	return lines[len(lines)-1]
}

func checkOK(t *testing.T, ranks []*rank) {
	t.Helper()
	for i, r := range ranks {
		if r.err != nil || r.lastLine() != "ok" {
			t.Errorf("rank %d: %v, output:\n%s%s", i, r.err, r.out.String(), r.log.String())
		}
	}
}

func TestCollectives(t *testing.T) {
	for _, n := range []int{1, 2, 3} {
		t.Run(strconv.Itoa(n)+"ranks", func(t *testing.T) {
			ranks := make([]*rank, n)
			for i := range ranks {
				ranks[i] = &rank{worker: "collectives"}
			}
			runRanks(t, 20*time.Second, 60*time.Second, ranks)
			checkOK(t, ranks)
		})
	}
}

// TestWithPython puts Go and Python ranks (init_process_group("gloo"), env://) in one group: the
// rendezvous and every collective must agree.
func TestWithPython(t *testing.T) {
	if testing.Short() {
		t.Skip("starts Python ranks (a few seconds each)")
	}
	py, err := pytorch.Find()
	if err != nil {
		t.Skip("no Python with torch: ", err)
	}
	for _, c := range []struct {
		name string
		who  string // p: Python, g: Go, by rank
	}{
		{"python0-go1", "pg"},
		{"go0-python1-go2", "gpg"},
	} {
		t.Run(c.name, func(t *testing.T) {
			ranks := make([]*rank, len(c.who))
			for i := range ranks {
				ranks[i] = &rank{worker: "collectives"}
				if c.who[i] == 'p' {
					ranks[i].python = py
				}
			}
			runRanks(t, 30*time.Second, 90*time.Second, ranks)
			checkOK(t, ranks)
		})
	}
}

// TestTorchrun runs two Go ranks under torchrun, whose launcher hosts the store: the workers join
// it as clients under /worker/attempt_0 (TORCHELASTIC_USE_AGENT_STORE).
func TestTorchrun(t *testing.T) {
	if testing.Short() {
		t.Skip("starts torchrun (a few seconds)")
	}
	py, err := pytorch.Find()
	if err != nil {
		t.Skip("no Python with torch: ", err)
	}
	if err := initSkip(); err != nil {
		t.Skip(err)
	}
	// Debian 13's torch 2.6 is built without libuv, yet its torchrun makes its TCPStore with
	// Python's default use_libuv=True (USE_LIBUV is not read there): torchrun itself cannot start.
	probe := exec.Command(py, "-c", "from torch.distributed import TCPStore; TCPStore('127.0.0.1', 0, 1, True)")
	probe.Dir = t.TempDir()
	if out, err := probe.CombinedOutput(); err != nil && bytes.Contains(out, []byte("without libuv support")) {
		t.Skip("this torch's torchrun cannot start: its TCPStore asks for libuv, which this torch was built without")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	// --redirects 1 --tee 1: without them torch 1.13's torchrun fails on Python 3.11 with
	// "'NoneType' object has no attribute 'get'".
	cmd := exec.CommandContext(ctx, py, "-m", "torch.distributed.run", "--no_python", "--nproc_per_node", "2",
		"--master_addr", "127.0.0.1", "--master_port", strconv.Itoa(freePort(t)), "--redirects", "1", "--tee", "1",
		os.Args[0], "-test.run=^$")
	cmd.Dir = t.TempDir()
	cmd.Env = append(os.Environ(), workerEnv+"=collectives", "GLOO_SOCKET_IFNAME=lo", "AECIFAR_DIST_TIMEOUT_MS=30000")
	cmd.WaitDelay = time.Second
	out, err := cmd.CombinedOutput()
	if err != nil || !bytes.Contains(out, []byte("[default0]:ok")) || !bytes.Contains(out, []byte("[default1]:ok")) {
		t.Fatalf("torchrun: %v:\n%s", err, out)
	}
}

// TestDeadPeer kills one rank after its first all-reduce: the others must fail, with one line,
// well before the test's limit (Gloo sees the connection close; the group timeout is a backstop).
// A rank that stalls instead makes the others fail after the group timeout.
func TestDeadPeer(t *testing.T) {
	for _, c := range []struct {
		name  string
		rank  int
		stall bool
	}{
		{"killed-rank2", 2, false},
		{"killed-rank0", 0, false}, // rank 0 also hosts the store
		{"stalled-rank2", 2, true},
	} {
		t.Run(c.name, func(t *testing.T) {
			if c.stall && testing.Short() {
				t.Skip("waits for the group timeout")
			}
			ranks := make([]*rank, 3)
			for i := range ranks {
				ranks[i] = &rank{worker: "die", env: []string{"AECIFAR_DIST_DIE=" + strconv.Itoa(c.rank)}}
				if c.stall {
					ranks[i].env = append(ranks[i].env, "AECIFAR_DIST_STALL=1")
				}
			}
			timeout := 15 * time.Second
			if c.stall {
				timeout = 3 * time.Second
			}
			runRanks(t, timeout, 60*time.Second, ranks)
			for i, r := range ranks {
				if i == c.rank {
					var ee *exec.ExitError
					if !c.stall && (!errors.As(r.err, &ee) || ee.Sys().(syscall.WaitStatus).Signal() != syscall.SIGKILL) {
						t.Errorf("rank %d should have killed itself: %v\n%s", i, r.err, r.out.String())
					}
					continue
				}
				line := r.lastLine()
				if !strings.HasPrefix(line, "error: distributed: AllReduce (rank "+strconv.Itoa(i)+" of 3): ") ||
					strings.TrimSpace(r.out.String()) != line {
					t.Errorf("rank %d: want one error line from AllReduce, got %v:\n%s", i, r.err, r.out.String())
				}
			}
			t.Logf("rank %d's error: %s", (c.rank+1)%3, ranks[(c.rank+1)%3].lastLine())
		})
	}
}

// TestPeerNeverComes starts one rank of two: the rendezvous must fail after the group timeout, for
// the rank that hosts the store and for one that looks for it.
func TestPeerNeverComes(t *testing.T) {
	for _, r := range []int{0, 1} {
		t.Run("rank"+strconv.Itoa(r), func(t *testing.T) {
			alone := &rank{worker: "init", env: []string{"WORLD_SIZE=2", "RANK=" + strconv.Itoa(r)}}
			runRanks(t, 2*time.Second, 60*time.Second, []*rank{alone})
			line := alone.lastLine()
			if alone.err == nil || !strings.HasPrefix(line, "error: distributed: InitProcessGroup (rank "+strconv.Itoa(r)+" of 2") ||
				strings.TrimSpace(alone.out.String()) != line {
				t.Errorf("want one InitProcessGroup error line, got %v:\n%s", alone.err, alone.out.String())
			}
			t.Log(line)
		})
	}
}

func TestParseInitMethod(t *testing.T) {
	env := map[string]string{"RANK": "1", "WORLD_SIZE": "4", "MASTER_ADDR": "127.0.0.1", "MASTER_PORT": "29500"}
	getenv := func(k string) string { return env[k] }
	none := func(string) string { return "" }
	for _, c := range []struct {
		method string
		rank   *int
		world  int
		getenv func(string) string
		want   rendezvous
		err    string
	}{
		{method: "", getenv: getenv, want: rendezvous{"127.0.0.1", 29500, 1, 4}},
		{method: "env://", rank: new(0), world: 2, getenv: getenv, want: rendezvous{"127.0.0.1", 29500, 0, 2}},
		{method: "env://", getenv: none, err: "environment variable RANK expected, but not set"},
		{method: "env://", rank: new(0), world: 1, getenv: none, err: "environment variable MASTER_ADDR expected"},
		{method: "tcp://127.0.0.1:23456", rank: new(2), world: 3, getenv: none, want: rendezvous{"127.0.0.1", 23456, 2, 3}},
		{method: "tcp://127.0.0.1:23456?rank=1&world_size=2", getenv: none, want: rendezvous{"127.0.0.1", 23456, 1, 2}},
		{method: "tcp://127.0.0.1:23456", world: 3, getenv: none, err: "rank parameter missing"},
		{method: "tcp://127.0.0.1", rank: new(0), world: 1, getenv: none, err: "port number missing"},
		{method: "tcp://127.0.0.1:23456", rank: new(3), world: 3, getenv: none, err: "rank 3: must be in [0, 3)"},
		{method: "file:///tmp/x", rank: new(0), world: 1, getenv: none, err: "No rendezvous handler for file://"},
	} {
		got, err := parseInitMethod(c.method, c.rank, c.world, c.getenv)
		switch {
		case c.err != "":
			if err == nil || !strings.Contains(err.Error(), c.err) {
				t.Errorf("%q: got %v, %v; want error %q", c.method, got, err, c.err)
			}
		case err != nil || got != c.want:
			t.Errorf("%q: got %+v, %v; want %+v", c.method, got, err, c.want)
		}
	}
}

func TestInitErrors(t *testing.T) {
	for _, c := range []struct {
		backend Backend
		err     string
	}{
		{"mpi", "Invalid backend"},
	} {
		if err := InitProcessGroup(c.backend); err == nil || !strings.Contains(err.Error(), c.err) {
			t.Errorf("InitProcessGroup(%q): %v, want %q", c.backend, err, c.err)
		}
	}
	if IsInitialized() || GetRank() != -1 || GetWorldSize() != -1 {
		t.Errorf("a failed InitProcessGroup left a group: %v %d %d", IsInitialized(), GetRank(), GetWorldSize())
	}
	if err := AllReduce(torch.Ones([]int64{1})); !errors.Is(err, errNotInitialized) {
		t.Errorf("AllReduce before InitProcessGroup: %v", err)
	}
	if err := DestroyProcessGroup(); !errors.Is(err, errNotInitialized) {
		t.Errorf("DestroyProcessGroup before InitProcessGroup: %v", err)
	}
}
