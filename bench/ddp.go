package bench

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"strconv"
	"strings"
	gosync "sync"
	"time"

	"github.com/aecifar/aecifar/models"
	"github.com/aecifar/aecifar/torch"
	"github.com/aecifar/aecifar/torch/distributed"
	"github.com/aecifar/aecifar/torch/nn"
	"github.com/aecifar/aecifar/torch/nn/parallel"
	"github.com/aecifar/aecifar/torch/optim"
)

// The seed's autoencoder step under DistributedDataParallel, on 1 and 2 ranks of Gloo over
// loopback, one intra-op thread per rank, against bench/python/ddp.py (PyTorch's DDP). Each side's
// ranks are started by Launch (aecifar-bench --ranks N -- CMD), as torchrun starts them; the row's
// figure is rank 0's images per second, and a 2-rank row against the 1-rank row is the scaling.
// Where PyTorch's C++ Reducer is compiled in (libtorch 2.6) Go's DDP runs on it, as Python's does;
// AECIFAR_DDP_GO_ALLREDUCE=1 measures Go's own all-reduce after backward instead.
func init() {
	register(Benchmark{Name: "ae_step_ddp", Measure: aeStepDDP, Rows: func(b Benchmark, _ int) []Row {
		return []Row{
			{Key: "ae_step_ddp1", Go: b.Name, Python: b.Name, Script: ddpScript, Ranks: 1},
			{Key: "ae_step_ddp2", Go: b.Name, Python: b.Name, Script: ddpScript, Ranks: 2},
		}
	}})
}

const ddpScript = "bench/python/ddp.py"

// aeStepDDP is ae_step with the module under DistributedDataParallel, in a rank started by Launch
// or torchrun: zero_grad, forward, MSE, backward, the gradients averaged over the ranks, Adam step.
func aeStepDDP(o Options) (Measurement, error) {
	if os.Getenv("WORLD_SIZE") == "" {
		return Measurement{}, errors.New("runs as a rank of a data-parallel job: start it with aecifar-bench --ranks N -- ... or torchrun")
	}
	if o.Device.IsCUDA() {
		return Measurement{}, errors.New("gloo runs on the CPU: give --device cpu")
	}
	if err := torch.SetNumThreads(1); err != nil {
		return Measurement{}, err
	}
	if err := distributed.InitProcessGroup(distributed.Gloo); err != nil {
		return Measurement{}, err
	}
	defer distributed.DestroyProcessGroup()
	ae := models.NewConvAutoencoder()
	defer ae.Drop()
	// AECIFAR_DDP_GO_ALLREDUCE=1 measures the Go all-reduce after backward where PyTorch's Reducer
	// is compiled in (libtorch 2.6), for comparing the two.
	ddp, err := parallel.NewDistributedDataParallel(ae, parallel.DistributedDataParallelOptions{
		AllReduceAfterBackward: os.Getenv("AECIFAR_DDP_GO_ALLREDUCE") == "1"})
	if err != nil {
		return Measurement{}, err
	}
	opt, err := optim.NewAdam(ae.Parameters(), optim.AdamOptions{LR: 0.001})
	if err != nil {
		return Measurement{}, err
	}
	defer opt.Drop()
	lossFn := nn.NewMSELoss()
	x := torch.Randn([]int64{int64(o.Batch), 3, 32, 32})
	defer x.Drop()
	m, err := timeSteps(o, func() error {
		s := torch.NewScope()
		defer s.Close()
		if err := opt.ZeroGrad(); err != nil {
			return err
		}
		in := s.Attach(x.Detach())
		if err := ddp.Backward(lossFn.Forward(ddp.Forward(in), in)); err != nil {
			return err
		}
		return opt.Step()
	})
	if err != nil {
		return m, err
	}
	// Every rank ends its timing before any leaves the group.
	return m, distributed.Barrier()
}

// Launch runs n ranks of cmd as torchrun does, on this machine: each with RANK, LOCAL_RANK,
// WORLD_SIZE, LOCAL_WORLD_SIZE, MASTER_ADDR=127.0.0.1, a free MASTER_PORT and OMP_NUM_THREADS=1.
// Rank 0's standard output goes to stdout, every rank's standard error to stderr. When a rank
// fails, the others are stopped and the error says which rank and how.
func Launch(n int, cmd []string, stdout, stderr io.Writer) error {
	if n < 1 || len(cmd) == 0 {
		return fmt.Errorf("launch: %d ranks of %q", n, cmd)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return fmt.Errorf("launch: no free port on 127.0.0.1: %w", err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	errs := make([]error, n)
	var wg gosync.WaitGroup
	var mu gosync.Mutex // serialises the ranks' stderr
	for rank := range n {
		c := exec.CommandContext(ctx, cmd[0], cmd[1:]...)
		c.Env = append(os.Environ(), "RANK="+strconv.Itoa(rank), "LOCAL_RANK="+strconv.Itoa(rank),
			"WORLD_SIZE="+strconv.Itoa(n), "LOCAL_WORLD_SIZE="+strconv.Itoa(n),
			"MASTER_ADDR=127.0.0.1", "MASTER_PORT="+strconv.Itoa(port), "OMP_NUM_THREADS=1")
		c.WaitDelay = 5 * time.Second
		var errOut bytes.Buffer
		c.Stderr = &errOut
		if rank == 0 {
			c.Stdout = stdout
		}
		if err := c.Start(); err != nil {
			return fmt.Errorf("launch: %w", err)
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			err := c.Wait()
			mu.Lock()
			stderr.Write(errOut.Bytes())
			mu.Unlock()
			if err != nil && ctx.Err() == nil {
				errs[rank] = fmt.Errorf("rank %d of %s: %v: %s", rank, strings.Join(cmd, " "), err, strings.TrimSpace(lastLine(errOut.String())))
				cancel() // a dead rank would leave the others waiting for it until their timeout
			}
		}()
	}
	wg.Wait()
	return errors.Join(errs...)
}

func lastLine(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.LastIndexByte(s, '\n'); i >= 0 {
		return s[i+1:]
	}
	return s
}
