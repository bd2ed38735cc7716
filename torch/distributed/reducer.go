package distributed

import (
	"fmt"
	"runtime"
	"sync"

	"github.com/aecifar/aecifar/csrc"
	"github.com/aecifar/aecifar/torch"
)

// ReducerAvailable is nil where PyTorch's C++ Reducer (torch.distributed.Reducer, what
// DistributedDataParallel drives) is compiled in, else why not: it is built against libtorch 2.6,
// whose headers it was written and tested against (Debian 12's 1.13 lacks one of the headers it
// includes).
func ReducerAvailable() error {
	if err := csrc.DistAvailable(); err != nil {
		return err
	}
	return csrc.ReducerAvailable()
}

// Reducer is DistributedDataParallel's C++ half over a group: the Reducer with its Logger, behind
// the dispatching ProcessGroup that Python's DDP hands it. Package nn/parallel drives it; its
// methods are the steps of DistributedDataParallel's Python code named in their docs.
type Reducer struct {
	pg *ProcessGroup
	mu sync.Mutex
	d  *csrc.DistDDP
}

// NewReducer runs DistributedDataParallel.__init__'s collectives and makes its Reducer: the
// parameters' shapes verified across the ranks, rank 0's states (parameters, then buffers when
// broadcastBuffers) broadcast in broadcastBucket-byte buckets, the parameters that require grad
// (params) bucketed by compute_bucket_assignment_by_size({firstBucket, bucketCap}) and reversed.
// Every rank of the group must call it.
func (pg *ProcessGroup) NewReducer(params, states []*torch.Tensor, bucketCap, firstBucket, broadcastBucket int64, broadcastBuffers bool) (*Reducer, error) {
	if err := ReducerAvailable(); err != nil {
		return nil, fmt.Errorf("distributed: Reducer: %w", err)
	}
	r := &Reducer{pg: pg}
	all := append(append([]*torch.Tensor(nil), params...), states...)
	err := pg.run("Reducer", func(g *csrc.DistGroup) error {
		d, err := csrc.NewDistDDP(g, handles(params), handles(states), bucketCap, firstBucket, broadcastBucket, broadcastBuffers)
		r.d = d
		return err
	}, all...)
	if err != nil {
		return nil, err
	}
	runtime.AddCleanup(r, func(d *csrc.DistDDP) { d.Free() }, r.d)
	return r, nil
}

// PreForward is DistributedDataParallel._pre_forward: with grad enabled and requireSync (not
// under no_sync), the logger's runtime statistics and Reducer.prepare_for_forward; with grad
// enabled, Reducer._rebuild_buckets (after the first iteration, the buckets in the order the
// gradients became ready, agreed with rank 0); then buffers broadcast from rank 0.
func (r *Reducer) PreForward(requireSync bool, buffers []*torch.Tensor, broadcastBucket int64) error {
	grad := torch.IsGradEnabled()
	return r.call("DistributedDataParallel forward", func(d *csrc.DistDDP) error {
		return d.PreForward(grad, requireSync, handles(buffers), broadcastBucket)
	}, buffers...)
}

// PrepareForBackward is Reducer.prepare_for_backward([]) (find_unused_parameters False), which
// DistributedDataParallel._post_forward calls when the step synchronises: the next backward pass's
// autograd hooks then all-reduce each bucket as its gradients become ready, and the pass ends with
// the averaged gradients in every parameter's .grad.
func (r *Reducer) PrepareForBackward() error {
	return r.call("DistributedDataParallel backward", func(d *csrc.DistDDP) error { return d.PrepareForBackward() })
}

// Close frees the Reducer and removes its hooks; it is idempotent.
func (r *Reducer) Close() {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.d.Free()
}

func (r *Reducer) call(name string, f func(d *csrc.DistDDP) error, ts ...*torch.Tensor) error {
	for i, t := range ts {
		if err := torch.InputErr(name, t); err != nil {
			return fmt.Errorf("distributed: %s: tensor %d: %w", name, i, err)
		}
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if !r.d.Live() {
		return fmt.Errorf("distributed: %s: the reducer was closed", name)
	}
	err := f(r.d)
	runtime.KeepAlive(ts)
	if err != nil {
		return fmt.Errorf("distributed: %s (rank %d of %d): %w", name, r.pg.rank, r.pg.size, oneLine(err))
	}
	return nil
}
