package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"time"

	"github.com/aecifar/aecifar/torch"
	"github.com/aecifar/aecifar/torch/distributed"
	"github.com/aecifar/aecifar/train"
)

// underTorchrun is whether the process was started by torchrun (or another launcher that sets
// torch.distributed's env:// variables): WORLD_SIZE is set.
func underTorchrun() bool { return os.Getenv("WORLD_SIZE") != "" }

// joinTorchrun makes cfg data-parallel when torchrun started the process: it joins the process
// group over env:// (Gloo on the CPU; on CUDA each rank takes cuda:LOCAL_RANK and NCCL, which this
// build refuses with its reason), and leaves the printing to rank 0. It returns the function that
// leaves the group, or nil outside torchrun.
func joinTorchrun(cfg *train.Config, device string, timeout time.Duration) (leave func(), err error) {
	if !underTorchrun() {
		return nil, nil
	}
	backend := distributed.Gloo
	if cfg.Device.IsCUDA() {
		backend = distributed.NCCL
		if device == "cuda" || device == "auto" {
			local, err := strconv.Atoi(os.Getenv("LOCAL_RANK"))
			if err != nil || local < 0 {
				return nil, fmt.Errorf("torchrun: LOCAL_RANK=%q is not a rank", os.Getenv("LOCAL_RANK"))
			}
			if local >= torch.CUDADeviceCount() {
				return nil, fmt.Errorf("torchrun: LOCAL_RANK %d, but only %d CUDA device(s): give --nproc_per_node at most that", local, torch.CUDADeviceCount())
			}
			cfg.Device = torch.CUDA(local)
		}
	}
	if err := distributed.InitProcessGroup(backend, distributed.InitOptions{InitMethod: "env://", Timeout: timeout}); err != nil {
		if backend == distributed.NCCL {
			return nil, fmt.Errorf("%w; train data-parallel on the CPU with --device cpu", err)
		}
		return nil, err
	}
	cfg.Group = distributed.DefaultGroup()
	if cfg.Group.Rank() != 0 {
		cfg.Log, cfg.Progress, cfg.Quiet = io.Discard, io.Discard, true
	}
	return func() { _ = distributed.DestroyProcessGroup() }, nil
}

// errTestUnderTorchrun refuses a test under torchrun, which would have every rank test the same
// checkpoint into the same directory.
var errTestUnderTorchrun = errors.New("test runs in one process: run it without torchrun")

// onRank prefixes err with the rank under torchrun, so that each line of torchrun's merged output
// says which process it is from.
func onRank(err error) error {
	if err == nil || !underTorchrun() {
		return err
	}
	return fmt.Errorf("rank %s: %w", os.Getenv("RANK"), err)
}
