package main

import (
	"errors"
	"io"
	"time"

	"github.com/aecifar/aecifar/internal/torchrun"
	"github.com/aecifar/aecifar/train"
)

// joinTorchrun makes cfg data-parallel when torchrun started the process (torchrun.Join) and leaves
// the printing to rank 0. It returns the function that leaves the group, or nil outside torchrun.
func joinTorchrun(cfg *train.Config, device string, timeout time.Duration) (leave func(), err error) {
	g, d, err := torchrun.Join(cfg.Device, device, timeout)
	if err != nil || g == nil {
		return nil, err
	}
	cfg.Group, cfg.Device = g, d
	if g.Rank() != 0 {
		cfg.Log, cfg.Progress, cfg.Quiet = io.Discard, io.Discard, true
	}
	return func() { torchrun.Leave(g) }, nil
}

// errTestUnderTorchrun refuses a test under torchrun, which would have every rank test the same
// checkpoint into the same directory.
var errTestUnderTorchrun = errors.New("test runs in one process: run it without torchrun")
