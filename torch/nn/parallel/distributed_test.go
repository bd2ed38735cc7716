package parallel

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aecifar/aecifar/internal/pytorch"
	"github.com/aecifar/aecifar/torch"
	"github.com/aecifar/aecifar/torch/distributed"
	"github.com/aecifar/aecifar/torch/nn"
	"github.com/aecifar/aecifar/torch/optim"
)

// The multi-rank tests run ranks as subprocesses: the test binary re-executed with
// AECIFAR_DDP_WORKER set, on 127.0.0.1, each run bounded by a context.

const workerEnv = "AECIFAR_DDP_WORKER"

// goAllReduceEnv set to 1 makes workerTrain average with Go's all-reduce after backward even where
// PyTorch's Reducer is available.
const goAllReduceEnv = "AECIFAR_DDP_GO_ALLREDUCE"

func TestMain(m *testing.M) {
	if os.Getenv(workerEnv) != "" {
		if err := workerTrain(); err != nil {
			fmt.Println("error:", err)
			os.Exit(1)
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// mlp is a small MLP with a buffer in its forward: fc2(relu(fc1(x) * scale)).
type mlp struct {
	nn.Base
	FC1, FC2 *nn.Linear
	Scale    *torch.Tensor
}

func newNet() *mlp {
	n := &mlp{}
	n.FC1 = nn.Register(n, "fc1", nn.NewLinear(6, 16))
	n.FC2 = nn.Register(n, "fc2", nn.NewLinear(16, 3))
	n.Scale = n.RegisterBuffer("scale", torch.Ones([]int64{1}))
	return n
}

func (n *mlp) Forward(x *torch.Tensor) *torch.Tensor {
	return n.FC2.Forward(n.FC1.Forward(x).Mul(n.Scale).Relu())
}

const (
	batch = 8 // the global batch, split among the ranks
	steps = 5 // the last accumulates two micro-batches, the first under NoSync
)

// batchOf is step's global batch, from a formula: the same on every rank.
func batchOf(step int) (x, y []float32) {
	for i := range batch {
		for j := range 6 {
			x = append(x, float32(math.Sin(float64(step*31+i*7+j))))
		}
		for j := range 3 {
			y = append(y, float32(math.Cos(float64(step*17+i*5+j))))
		}
	}
	return x, y
}

// workerTrain trains mlp under DDP on this rank's rows of each batch and prints the parameters it
// ends with ("params: " and JSON). Each rank starts from its own initialisation (DDP must
// broadcast rank 0's) and, before each of the first steps' forwards, adds its rank to the buffer
// (DDP must broadcast rank 0's again).
func workerTrain() error {
	if err := distributed.InitProcessGroup(distributed.Gloo, distributed.InitOptions{Timeout: 30 * time.Second}); err != nil {
		return err
	}
	defer distributed.DestroyProcessGroup()
	rank, world := distributed.GetRank(), distributed.GetWorldSize()
	if err := torch.ManualSeed(uint64(rank + 1)); err != nil {
		return err
	}
	m := newNet()
	ddp, err := NewDistributedDataParallel(m, DistributedDataParallelOptions{
		AllReduceAfterBackward: os.Getenv(goAllReduceEnv) == "1"})
	if err != nil {
		return err
	}
	if want := os.Getenv(goAllReduceEnv) != "1" && distributed.ReducerAvailable() == nil; ddp.UsesReducer() != want {
		return fmt.Errorf("UsesReducer %v, want %v", ddp.UsesReducer(), want)
	}
	opt, err := optim.NewSGD(nn.ParametersOf(ddp), 0.1)
	if err != nil {
		return err
	}
	lossFn := nn.NewMSELoss()
	local := batch / world
	step := func(s *torch.Scope, x, y []float32, rows, from int) error {
		xt := s.Attach(torch.FromSlice(x[from*6:(from+rows)*6], int64(rows), 6))
		yt := s.Attach(torch.FromSlice(y[from*3:(from+rows)*3], int64(rows), 3))
		return ddp.Backward(lossFn.Forward(ddp.Forward(xt), yt))
	}
	for k := range steps {
		var err error
		torch.WithScope(func(s *torch.Scope) {
			if err = opt.ZeroGrad(); err != nil {
				return
			}
			x, y := batchOf(k)
			if k < steps-1 {
				torch.NoGrad(func() { err = m.Scale.AddScalar_(float64(rank)).Err() })
				if err == nil {
					err = step(s, x, y, local, rank*local)
				}
			} else {
				half := local / 2
				if err = ddp.NoSync(func() error { return step(s, x, y, half, rank*local) }); err == nil {
					err = step(s, x, y, local-half, rank*local+half)
				}
			}
			if err == nil {
				err = opt.Step()
			}
		})
		if err != nil {
			return fmt.Errorf("step %d: %w", k, err)
		}
	}
	var out [][]float32
	for _, p := range nn.ParametersOf(ddp) {
		v, err := p.Float32s()
		if err != nil {
			return err
		}
		out = append(out, v)
	}
	b, _ := json.Marshal(out)
	fmt.Println("params:", string(b))
	return nil
}

func freePort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// train runs world ranks of workerTrain and returns each one's parameters.
func train(t *testing.T, world int) [][][]float32 {
	t.Helper()
	return trainMixed(t, strings.Repeat("g", world), "", nil)
}

// trainMixed runs one rank per letter of who (g: Go's workerTrain, p: bench/python/ddp_peer.py
// under python) with extra environment variables, and returns each one's parameters.
func trainMixed(t *testing.T, who, python string, extra []string) [][][]float32 {
	t.Helper()
	if !distributed.IsAvailable() {
		t.Skip(distributed.InitProcessGroup(distributed.Gloo))
	}
	world := len(who)
	peer, err := filepath.Abs(filepath.Join("..", "..", "..", "bench", "python", "ddp_peer.py"))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	port := freePort(t)
	cmds := make([]*exec.Cmd, world)
	outs := make([]bytes.Buffer, world)
	for r := range cmds {
		cmd := exec.CommandContext(ctx, os.Args[0], "-test.run=^$")
		if who[r] == 'p' {
			cmd = exec.CommandContext(ctx, python, peer)
			cmd.Dir = t.TempDir() // in the repository, `import torch` would find the Go package torch/
		}
		cmd.Env = append(os.Environ(), workerEnv+"=1", "RANK="+strconv.Itoa(r), "WORLD_SIZE="+strconv.Itoa(world),
			"MASTER_ADDR=127.0.0.1", "MASTER_PORT="+strconv.Itoa(port), "GLOO_SOCKET_IFNAME=lo", "OMP_NUM_THREADS=1",
			"USE_LIBUV=0") // Debian 13's torch has no libuv; Python's store would ask for it
		cmd.Env = append(cmd.Env, extra...)
		cmd.Stdout, cmd.Stderr = &outs[r], &outs[r]
		cmd.WaitDelay = time.Second
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		cmds[r] = cmd
	}
	params := make([][][]float32, world)
	for r, cmd := range cmds {
		err := cmd.Wait()
		var line string
		for _, l := range strings.Split(outs[r].String(), "\n") {
			if strings.HasPrefix(l, "params: ") {
				line = strings.TrimPrefix(l, "params: ")
			}
		}
		if err != nil || line == "" || json.Unmarshal([]byte(line), &params[r]) != nil {
			t.Fatalf("rank %d of %s: %v:\n%s", r, who, err, outs[r].String())
		}
	}
	return params
}

// TestDDPMatchesOneRank: two ranks with half the batch each train the weights one rank trains with
// the whole batch, within 1e-6 (on the CPU; the sums differ only in rounding).
// Where PyTorch's Reducer is available both implementations are checked, the Go all-reduce after
// backward as well.
func TestDDPMatchesOneRank(t *testing.T) {
	one := train(t, 1)[0]
	modes := map[string][]string{"default": nil}
	if distributed.ReducerAvailable() == nil {
		modes["go-allreduce"] = []string{goAllReduceEnv + "=1"}
	}
	for name, env := range modes {
		t.Run(name, func(t *testing.T) {
			worst := 0.0
			for _, got := range trainMixed(t, "gg", "", env) {
				worst = max(worst, maxDiff(t, got, one))
			}
			t.Logf("largest difference from one rank with the whole batch: %.3g", worst)
			if worst > 1e-6 {
				t.Errorf("two ranks' weights differ from one rank's by %.3g, want <= 1e-6", worst)
			}
		})
	}
}

// maxDiff is the largest difference between two ranks' parameter lists.
func maxDiff(t *testing.T, a, b [][]float32) float64 {
	t.Helper()
	if len(a) != len(b) {
		t.Fatalf("%d parameters against %d", len(a), len(b))
	}
	worst := 0.0
	for i := range a {
		if len(a[i]) != len(b[i]) {
			t.Fatalf("parameter %d: %d values against %d", i, len(a[i]), len(b[i]))
		}
		for j := range a[i] {
			worst = max(worst, math.Abs(float64(a[i][j]-b[i][j])))
		}
	}
	return worst
}

// TestDDPWithPythonRanks: with PyTorch's Reducer, Go ranks and Python DDP ranks share one
// DistributedDataParallel job (the same collectives at construction, before each forward and from
// the backward hooks, the buckets rebuilt after the first step), and every rank ends with the
// weights that as many Go ranks reach alone, within 1e-6 (with two ranks, those of one rank with
// the whole batch: TestDDPMatchesOneRank).
func TestDDPWithPythonRanks(t *testing.T) {
	if testing.Short() {
		t.Skip("starts Python ranks (a few seconds each)")
	}
	if err := distributed.ReducerAvailable(); err != nil {
		t.Skip("Go ranks join Python DDP jobs only with PyTorch's Reducer: ", err)
	}
	py, err := pytorch.Find()
	if err != nil {
		t.Skip("no Python with torch: ", err)
	}
	for _, who := range []string{"gp", "pg", "gpg"} {
		t.Run(who, func(t *testing.T) {
			// Go's ranks alone, as many: with 3 ranks of 2 rows, 2 of the batch's 8 rows are left out.
			want := train(t, len(who))[0]
			for r, got := range trainMixed(t, who, py, nil) {
				if d := maxDiff(t, got, want); d > 1e-6 {
					t.Errorf("rank %d (%c): weights %.3g from those of %d Go ranks", r, who[r], d, len(who))
				}
			}
		})
	}
}

var world1 sync.Once

// initWorld1 makes this process a group of one, for the tests that need a group but no peer.
func initWorld1(t *testing.T) {
	t.Helper()
	if !distributed.IsAvailable() {
		t.Skip(distributed.InitProcessGroup(distributed.Gloo))
	}
	var err error
	world1.Do(func() {
		os.Setenv("GLOO_SOCKET_IFNAME", "lo")
		err = distributed.InitProcessGroup(distributed.Gloo, distributed.InitOptions{
			InitMethod: "tcp://127.0.0.1:" + strconv.Itoa(freePort(t)), Rank: new(0), WorldSize: 1, Timeout: 30 * time.Second})
	})
	if err != nil {
		t.Fatal(err)
	}
	if !distributed.IsInitialized() {
		t.Fatal("no group")
	}
}

func TestStateDict(t *testing.T) {
	initWorld1(t)
	ddp, err := NewDistributedDataParallel(newNet())
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, nt := range ddp.StateDict() {
		names = append(names, nt.Name)
	}
	if want := "module.scale module.fc1.weight module.fc1.bias module.fc2.weight module.fc2.bias"; strings.Join(names, " ") != want {
		t.Errorf("state_dict keys %q, want %q", names, want)
	}
	for _, prefixed := range []bool{true, false} {
		src := newNet()
		torch.NoGrad(func() { src.Scale.Fill_(3) })
		sd := src.StateDict()
		if prefixed {
			for i := range sd {
				sd[i].Name = "module." + sd[i].Name
			}
		}
		if err := ddp.LoadStateDict(sd, true); err != nil {
			t.Fatalf("prefixed %v: %v", prefixed, err)
		}
		for i, nt := range ddp.StateDict() {
			a, _ := nt.Tensor.Float32s()
			b, _ := sd[i].Tensor.Float32s()
			if fmt.Sprint(a) != fmt.Sprint(b) {
				t.Errorf("prefixed %v: %s not loaded", prefixed, nt.Name)
			}
		}
	}
	if err := ddp.LoadStateDict(torch.StateDict{{Name: "module.nope", Tensor: torch.Ones([]int64{1})}}, true); err == nil {
		t.Error("an unexpected key loaded without error")
	}
}

func TestBuckets(t *testing.T) {
	initWorld1(t)
	m := nn.NewSequential(nn.NewLinear(512, 512), nn.NewLinear(512, 1024), nn.NewLinear(1024, 8)) // 1 MiB, 2 MiB, 32 KiB weights
	ddp, err := NewDistributedDataParallel(m, DistributedDataParallelOptions{BucketCapMB: 2})
	if err != nil {
		t.Fatal(err)
	}
	// Reverse order: 5 (bias 8), 4 (weight 32 KiB), 3 (bias 4 KiB), 2 (weight 2 MiB) close the first
	// 1 MiB bucket; 1 (bias 2 KiB), 0 (weight 1 MiB) stay in the open 2 MiB one.
	if got, want := fmt.Sprint(ddp.Buckets()), "[[5 4 3 2] [1 0]]"; got != want {
		t.Errorf("buckets %s, want %s", got, want)
	}
	if _, err := NewDistributedDataParallel(nn.NewReLU()); err == nil || !strings.Contains(err.Error(), "doesn't have any parameter") {
		t.Errorf("a module without parameters: %v", err)
	}
}
