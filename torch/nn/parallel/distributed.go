// Package parallel mirrors torch.nn.parallel: DistributedDataParallel, data-parallel training over
// a torch/distributed process group.
package parallel

import (
	"errors"
	"fmt"
	"strings"
	"sync"

	"github.com/aecifar/aecifar/torch"
	"github.com/aecifar/aecifar/torch/distributed"
	"github.com/aecifar/aecifar/torch/nn"
)

// DistributedDataParallelOptions are DistributedDataParallel's keyword arguments; the zero value is
// PyTorch's defaults.
type DistributedDataParallelOptions struct {
	// ProcessGroup is the group to average over; nil means the default group.
	ProcessGroup *distributed.ProcessGroup
	// BroadcastBuffers broadcasts rank 0's buffers before each forward; nil means true.
	BroadcastBuffers *bool
	// BucketCapMB is the size of the gradient buckets after the first; 0 means 25, PyTorch's.
	BucketCapMB float64
	// AllReduceAfterBackward averages the gradients in Go after the backward pass even where
	// PyTorch's C++ Reducer is compiled in (not a PyTorch option: for comparing the two).
	AllReduceAfterBackward bool
}

// Bucket sizes of PyTorch 1.13's DDP: the first gradient bucket (dist._DEFAULT_FIRST_BUCKET_BYTES),
// and the buckets in which module states are broadcast (_DEFAULT_BUCKET... broadcast_bucket_size).
const (
	firstBucketBytes     = 1 << 20
	defaultBucketCapMB   = 25
	broadcastBucketBytes = 250 << 20
)

// DistributedDataParallel is torch.nn.parallel.DistributedDataParallel(module) for modules on the
// CPU or one device, with what PyTorch does at each point of a step:
//
//   - NewDistributedDataParallel broadcasts rank 0's parameters and buffers to every rank, so all
//     start from the same state;
//   - Forward (or PrepareForward, for a module whose Forward is not one tensor to one) broadcasts
//     rank 0's buffers first, when BroadcastBuffers and the last forward was not under NoSync, as
//     PyTorch's broadcast_buffers=True does;
//   - Backward runs loss.Backward with the gradients averaged across the group: each bucket of
//     gradients (parameters in reverse order, the first bucket 1 MiB, then BucketCapMB, per dtype
//     and device) is flattened, multiplied by 1/world size, all-reduced by sum and copied back.
//
// Two implementations do that. Where distributed.ReducerAvailable (libtorch 2.6), it is PyTorch's
// own C++ Reducer, driven as Python's DistributedDataParallel drives it (the same collectives at
// construction, prepare_for_forward and _rebuild_buckets before each forward,
// prepare_for_backward before the backward pass): each bucket's all-reduce starts from the autograd
// hooks as soon as its gradients are ready, overlapping the rest of the backward pass, the buckets
// are rebuilt in gradient-ready order after the first step, and Go ranks can share one
// DistributedDataParallel job with Python's. Elsewhere (libtorch 1.13, whose headers lack what
// reducer.hpp includes; or with AllReduceAfterBackward) Go all-reduces the buckets after the
// whole backward pass: the same averaged gradients, but no overlap, no rebuilt buckets, and a
// collective sequence of its own, so those ranks cannot join a job with Python DDP ranks (plain
// collectives, package distributed, can). Every parameter that requires grad must receive a
// gradient on every rank (PyTorch's find_unused_parameters=False); with the Go all-reduce one that
// has none contributes zeros and keeps none.
//
// StateDict has the keys of PyTorch's DDP state_dict: the module's, prefixed with "module.";
// LoadStateDict takes that form or the bare module's.
type DistributedDataParallel struct {
	nn.Base
	Module nn.Module // ddp.module

	state            moduleState // Module's Base
	pg               *distributed.ProcessGroup
	broadcastBuffers bool
	params           []*torch.Tensor // those that require grad, in parameters() order
	buckets          [][]int         // indices into params, in all-reduce order

	reducer *distributed.Reducer // nil: the Go all-reduce after backward

	mu               sync.Mutex
	noSync           bool
	requireParamSync bool // PyTorch's require_forward_param_sync: the last forward synchronised
}

// moduleState is what every module has through its embedded nn.Base.
type moduleState interface {
	Buffers() []*torch.Tensor
	Err() error
}

// NewDistributedDataParallel is DistributedDataParallel(module, ...): it registers module as the
// child "module" and broadcasts rank 0's parameters and buffers. Every rank of the group must call
// it.
func NewDistributedDataParallel(module nn.Module, opts ...DistributedDataParallelOptions) (*DistributedDataParallel, error) {
	if module == nil {
		return nil, errors.New("parallel: DistributedDataParallel: nil module")
	}
	if len(opts) > 1 {
		return nil, fmt.Errorf("parallel: DistributedDataParallel: %d options given, want at most one", len(opts))
	}
	var o DistributedDataParallelOptions
	if len(opts) == 1 {
		o = opts[0]
	}
	pg := o.ProcessGroup
	if pg == nil {
		if pg = distributed.DefaultGroup(); pg == nil {
			return nil, errors.New("parallel: DistributedDataParallel: the default process group has not been initialized (distributed.InitProcessGroup)")
		}
	}
	if o.BucketCapMB < 0 {
		return nil, fmt.Errorf("parallel: DistributedDataParallel: bucket_cap_mb %v: must be positive", o.BucketCapMB)
	}
	st, ok := module.(moduleState)
	if !ok {
		return nil, fmt.Errorf("parallel: DistributedDataParallel: %T has no Buffers and Err: embed nn.Base", module)
	}
	if err := st.Err(); err != nil {
		return nil, fmt.Errorf("parallel: DistributedDataParallel: %w", err)
	}
	d := &DistributedDataParallel{Module: module, state: st, pg: pg, broadcastBuffers: o.BroadcastBuffers == nil || *o.BroadcastBuffers,
		requireParamSync: true}
	nn.Register(d, "module", module)
	all := nn.ParametersOf(module)
	for _, p := range all {
		if p.RequiresGrad() {
			d.params = append(d.params, p)
		}
	}
	if len(d.params) == 0 {
		return nil, errors.New("parallel: DistributedDataParallel is not needed when a module doesn't have any parameter that requires a gradient")
	}
	capMB := o.BucketCapMB
	if capMB == 0 {
		capMB = defaultBucketCapMB
	}
	capBytes := int64(capMB * (1 << 20))
	d.buckets = assignBuckets(d.params, []int64{firstBucketBytes, capBytes})
	if !o.AllReduceAfterBackward && distributed.ReducerAvailable() == nil {
		// 2.x's _sync_module_states broadcasts the buffers only with broadcast_buffers.
		states := append([]*torch.Tensor(nil), all...)
		if d.broadcastBuffers {
			states = append(states, st.Buffers()...)
		}
		r, err := pg.NewReducer(d.params, states, capBytes, firstBucketBytes, broadcastBucketBytes, d.broadcastBuffers)
		if err != nil {
			return nil, fmt.Errorf("parallel: DistributedDataParallel: %w", err)
		}
		d.reducer = r
		return d, nil
	}
	// _sync_module_states: rank 0's parameters and buffers, in 250 MiB buckets.
	states := append(append([]*torch.Tensor(nil), all...), st.Buffers()...)
	if err := broadcastCoalesced(pg, states, broadcastBucketBytes); err != nil {
		return nil, fmt.Errorf("parallel: DistributedDataParallel: broadcasting rank 0's parameters: %w", err)
	}
	return d, nil
}

// UsesReducer reports whether the gradients are averaged by PyTorch's C++ Reducer during the
// backward pass (see the type's doc), not by Go after it.
func (d *DistributedDataParallel) UsesReducer() bool { return d.reducer != nil }

// Close frees the Reducer, if any, removing its hooks from the parameters (the garbage collector
// would too); the module is left as it is.
func (d *DistributedDataParallel) Close() {
	if d.reducer != nil {
		d.reducer.Close()
	}
}

// ProcessGroup is the group the gradients are averaged over.
func (d *DistributedDataParallel) ProcessGroup() *distributed.ProcessGroup { return d.pg }

// Buckets is the bucket assignment: indices into the parameters that require grad (in
// parameters() order), bucket by bucket in the order they are all-reduced. With the Reducer it is
// the first step's; the Reducer rebuilds its buckets in gradient-ready order after that step.
func (d *DistributedDataParallel) Buckets() [][]int { return d.buckets }

// PrepareForward does what DDP's forward does before calling the module: broadcast rank 0's
// buffers (see the type's doc). Forward calls it; call it before the module's own forward when that
// is not one tensor to one.
func (d *DistributedDataParallel) PrepareForward() error {
	if d.reducer != nil {
		return d.reducerPreForward()
	}
	d.mu.Lock()
	sync := d.broadcastBuffers && d.requireParamSync && d.pg.Size() > 1
	// What the next forward will do, decided as PyTorch decides it at the end of this one.
	d.requireParamSync = torch.IsGradEnabled() && !d.noSync
	d.mu.Unlock()
	if !sync {
		return nil
	}
	bufs := d.state.Buffers()
	if len(bufs) == 0 {
		return nil
	}
	if err := broadcastCoalesced(d.pg, bufs, broadcastBucketBytes); err != nil {
		return fmt.Errorf("parallel: DistributedDataParallel: broadcasting buffers: %w", err)
	}
	return nil
}

// reducerPreForward is _pre_forward with the Reducer (see distributed.Reducer.PreForward).
func (d *DistributedDataParallel) reducerPreForward() error {
	grad := torch.IsGradEnabled()
	d.mu.Lock()
	requireSync := !d.noSync
	var bufs []*torch.Tensor
	if d.broadcastBuffers && d.requireParamSync {
		bufs = d.state.Buffers()
	}
	d.requireParamSync = grad && !d.noSync
	d.mu.Unlock()
	if err := d.reducer.PreForward(requireSync, bufs, broadcastBucketBytes); err != nil {
		return fmt.Errorf("parallel: DistributedDataParallel: %w", err)
	}
	return nil
}

// Forward is ddp(x) for a module that maps one tensor to one (nn.Forwarder).
func (d *DistributedDataParallel) Forward(x *torch.Tensor) *torch.Tensor {
	f, ok := d.Module.(nn.Forwarder)
	if !ok {
		return torch.FromError(fmt.Errorf("parallel: DistributedDataParallel.Forward: %T does not map one tensor to one: call PrepareForward, then its own Forward", d.Module))
	}
	if err := d.PrepareForward(); err != nil {
		return torch.FromError(err)
	}
	return f.Forward(x)
}

// NoSync is ddp.no_sync(): backward passes inside fn accumulate gradients locally, without
// communication; the first Backward outside averages what was accumulated.
func (d *DistributedDataParallel) NoSync(fn func() error) error {
	d.mu.Lock()
	prev := d.noSync
	d.noSync = true
	d.mu.Unlock()
	defer func() {
		d.mu.Lock()
		d.noSync = prev
		d.mu.Unlock()
	}()
	return fn()
}

// Backward is loss.backward() under DDP: the backward pass, then (outside NoSync) the gradients
// averaged across the group.
func (d *DistributedDataParallel) Backward(loss *torch.Tensor) error {
	d.mu.Lock()
	skip := d.noSync
	d.mu.Unlock()
	if d.reducer != nil {
		// What _post_forward does when the step synchronises: arm the Reducer's hooks, which then
		// average the gradients during this backward pass.
		if !skip && torch.IsGradEnabled() {
			if err := d.reducer.PrepareForBackward(); err != nil {
				return fmt.Errorf("parallel: DistributedDataParallel: %w", err)
			}
		}
		if err := loss.Backward(); err != nil {
			return fmt.Errorf("parallel: DistributedDataParallel: backward: %w", err)
		}
		return nil
	}
	if err := loss.Backward(); err != nil {
		return err
	}
	if skip {
		return nil
	}
	return d.AllReduceGradients()
}

// AllReduceGradients averages the gradients across the group, bucket by bucket, in Go (see the
// type's doc): what Backward does after the backward pass without the Reducer, for a loop that
// calls loss.Backward itself. With the Reducer, call Backward instead: this then runs the Go
// buckets, whose collectives Python's DDP ranks would not match.
func (d *DistributedDataParallel) AllReduceGradients() error {
	world := d.pg.Size()
	var err error
	torch.WithScope(func(s *torch.Scope) {
		torch.NoGrad(func() {
			for _, b := range d.buckets {
				if err = d.reduceBucket(b, world); err != nil {
					return
				}
			}
		})
	})
	if err != nil {
		return fmt.Errorf("parallel: DistributedDataParallel: averaging gradients: %w", err)
	}
	return nil
}

func (d *DistributedDataParallel) reduceBucket(bucket []int, world int) error {
	grads := make([]*torch.Tensor, len(bucket))
	flat := make([]*torch.Tensor, len(bucket))
	for i, pi := range bucket {
		p := d.params[pi]
		if grads[i] = p.Grad(); grads[i] == nil {
			flat[i] = torch.ZerosLike(p).Reshape(-1)
		} else {
			flat[i] = grads[i].Reshape(-1)
		}
	}
	// copy_grad_to_bucket: the division happens while filling the bucket, before the sum.
	buf := torch.Cat(flat)
	if err := buf.MulScalar_(1 / float64(world)).Err(); err != nil {
		return err
	}
	if err := d.pg.AllReduce(buf, distributed.Sum); err != nil {
		return err
	}
	var off int64
	for i, pi := range bucket {
		n := d.params[pi].Numel()
		if grads[i] != nil {
			if err := grads[i].Copy_(buf.Narrow(0, off, n).View(grads[i].Shape()...)).Err(); err != nil {
				return err
			}
		}
		off += n
	}
	return nil
}

// assignBuckets is PyTorch's compute_bucket_assignment_by_size over the parameters in reverse
// order: per dtype and device, a bucket closes once it holds limits[k] bytes, the k-th limit for
// the k-th bucket of that kind and the last one after. Buckets come out in the order they closed,
// the open ones last.
func assignBuckets(params []*torch.Tensor, limits []int64) [][]int {
	type key struct {
		dt  torch.DType
		dev torch.Device
	}
	type open struct {
		idx   []int
		bytes int64
		limit int
	}
	var out [][]int
	var order []key
	opens := map[key]*open{}
	for i := len(params) - 1; i >= 0; i-- {
		p := params[i]
		k := key{p.DType(), p.Device()}
		b := opens[k]
		if b == nil {
			b = &open{}
			opens[k] = b
			order = append(order, k)
		}
		b.idx = append(b.idx, i)
		b.bytes += p.Numel() * int64(p.DType().Size())
		if b.bytes >= limits[b.limit] {
			out = append(out, b.idx)
			b.idx, b.bytes = nil, 0
			b.limit = min(b.limit+1, len(limits)-1)
		}
	}
	for _, k := range order {
		if b := opens[k]; len(b.idx) > 0 {
			out = append(out, b.idx)
		}
	}
	return out
}

// broadcastCoalesced is c10d's _broadcast_coalesced from rank 0: the tensors flattened into
// buckets of at most limit bytes per dtype and device, each broadcast and copied back.
func broadcastCoalesced(pg *distributed.ProcessGroup, tensors []*torch.Tensor, limit int64) error {
	if pg.Size() == 1 || len(tensors) == 0 {
		return nil
	}
	idx := assignBuckets(reversed(tensors), []int64{limit})
	var err error
	torch.WithScope(func(s *torch.Scope) {
		torch.NoGrad(func() {
			for _, b := range idx {
				// assignBuckets walked the reversed list: its indices count from the end.
				ts := make([]*torch.Tensor, len(b))
				flat := make([]*torch.Tensor, len(b))
				for i, j := range b {
					ts[i] = tensors[len(tensors)-1-j]
					flat[i] = ts[i].Detach().Reshape(-1)
				}
				buf := torch.Cat(flat)
				if err = buf.Err(); err != nil {
					return
				}
				if err = pg.Broadcast(buf, 0); err != nil {
					return
				}
				var off int64
				for _, t := range ts {
					n := t.Numel()
					if err = t.Copy_(buf.Narrow(0, off, n).View(t.Shape()...)).Err(); err != nil {
						return
					}
					off += n
				}
			}
		})
	})
	return err
}

func reversed(ts []*torch.Tensor) []*torch.Tensor {
	out := make([]*torch.Tensor, len(ts))
	for i, t := range ts {
		out[len(ts)-1-i] = t
	}
	return out
}

// modulePrefix is the key prefix of DDP's state_dict.
const modulePrefix = "module."

// LoadStateDict is ddp.load_state_dict(state_dict, strict), taking also the bare module's keys
// (those of a checkpoint saved without DDP): when no key starts with "module.", every key gets it.
func (d *DistributedDataParallel) LoadStateDict(sd torch.StateDict, strict bool) error {
	prefixed := false
	for _, nt := range sd {
		if strings.HasPrefix(nt.Name, modulePrefix) {
			prefixed = true
			break
		}
	}
	if !prefixed {
		withPrefix := make(torch.StateDict, len(sd))
		for i, nt := range sd {
			withPrefix[i] = torch.NamedTensor{Name: modulePrefix + nt.Name, Tensor: nt.Tensor}
		}
		sd = withPrefix
	}
	return d.Base.LoadStateDict(sd, strict)
}
