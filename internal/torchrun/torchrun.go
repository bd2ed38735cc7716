// Package torchrun is how the commands join a data-parallel job that torchrun started: the
// env:// variables it sets (RANK, LOCAL_RANK, WORLD_SIZE, MASTER_ADDR, MASTER_PORT), the backend
// and device each rank takes, and errors that name the rank.
package torchrun

import (
	"fmt"
	"os"
	"strconv"
	"time"

	"github.com/aecifar/aecifar/torch"
	"github.com/aecifar/aecifar/torch/distributed"
)

// Active is whether the process was started by torchrun (or another launcher that sets
// torch.distributed's env:// variables): WORLD_SIZE is set.
func Active() bool { return os.Getenv("WORLD_SIZE") != "" }

// Join joins the default process group over env:// when torchrun started the process, and returns
// it with the device this rank trains on; outside torchrun it returns nil and device unchanged.
// On the CPU the backend is Gloo. On CUDA it is NCCL, which needs a CUDA build with NCCL (see
// torch/distributed): elsewhere Join fails with that reason. deviceFlag is what the user asked for: "cuda" or "auto" give each
// rank cuda:LOCAL_RANK, as a PyTorch DDP script's torch.cuda.set_device(local_rank) does.
func Join(device torch.Device, deviceFlag string, timeout time.Duration) (*distributed.ProcessGroup, torch.Device, error) {
	if !Active() {
		return nil, device, nil
	}
	backend := distributed.Gloo
	if device.IsCUDA() {
		backend = distributed.NCCL
		if deviceFlag == "cuda" || deviceFlag == "auto" {
			local, err := strconv.Atoi(os.Getenv("LOCAL_RANK"))
			if err != nil || local < 0 {
				return nil, device, fmt.Errorf("torchrun: LOCAL_RANK=%q is not a rank", os.Getenv("LOCAL_RANK"))
			}
			if n := torch.CUDADeviceCount(); local >= n {
				return nil, device, fmt.Errorf("torchrun: LOCAL_RANK %d, but only %d CUDA device(s): give --nproc_per_node at most that", local, n)
			}
			device = torch.CUDA(local)
		}
	}
	if err := distributed.InitProcessGroup(backend, distributed.InitOptions{InitMethod: "env://", Timeout: timeout}); err != nil {
		if backend == distributed.NCCL {
			return nil, device, fmt.Errorf("%w; train data-parallel on the CPU with --device cpu", err)
		}
		return nil, device, err
	}
	return distributed.DefaultGroup(), device, nil
}

// Leave leaves the group Join joined (nothing outside torchrun).
func Leave(g *distributed.ProcessGroup) {
	if g != nil {
		_ = distributed.DestroyProcessGroup()
	}
}

// OnRank prefixes err with the rank under torchrun, so that each line of torchrun's merged output
// says which process it is from.
func OnRank(err error) error {
	if err == nil || !Active() {
		return err
	}
	return fmt.Errorf("rank %s: %w", os.Getenv("RANK"), err)
}
