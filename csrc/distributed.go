package csrc

// #include <stdlib.h>
// #include "distributed.h"
import "C"

import "unsafe"

// The c10d shim (distributed.h) for package torch/distributed. Stores and groups are opaque handles;
// every call returns its own error.

// DistStore is a c10d::Store handle (a TCPStore or a PrefixStore).
type DistStore struct{ p C.csrc_dist_store }

// DistGroup is a ProcessGroupGloo handle.
type DistGroup struct{ p C.csrc_dist_group }

// Reduction codes of DistAllReduce and DistReduceScatter (c10d::ReduceOp's).
const (
	DistSum     = C.CSRC_DIST_SUM
	DistAvg     = C.CSRC_DIST_AVG
	DistProduct = C.CSRC_DIST_PRODUCT
	DistMin     = C.CSRC_DIST_MIN
	DistMax     = C.CSRC_DIST_MAX
)

// DistAvailable is nil when this binary has the c10d shim, else why it has not.
func DistAvailable() error { return errorFrom(C.csrc_dist_available()) }

// NewTCPStore is c10d::TCPStore(host, {port, isServer, numWorkers, waitWorkers, useLibUV,
// timeout}); a worldSize of 0 leaves numWorkers unset. useLibUV falls back to the classic backend
// where libtorch lacks libuv (see distributed.h).
func NewTCPStore(host string, port, worldSize int, isServer, waitWorkers, useLibUV bool, timeoutMS int64) (*DistStore, error) {
	h := C.CString(host)
	defer C.free(unsafe.Pointer(h))
	var p C.csrc_dist_store
	if err := errorFrom(C.csrc_dist_tcp_store_new(h, C.int(port), C.int(worldSize), cbool(isServer), cbool(waitWorkers),
		cbool(useLibUV), C.int64_t(timeoutMS), &p)); err != nil {
		return nil, err
	}
	return &DistStore{p}, nil
}

// Port is the port a TCPStore listens on or connected to.
func (s *DistStore) Port() (int, error) {
	var port C.int
	err := errorFrom(C.csrc_dist_tcp_store_port(s.p, &port))
	return int(port), err
}

// NewPrefixStore is c10d::PrefixStore(prefix, base); base must outlive it.
func NewPrefixStore(prefix string, base *DistStore) (*DistStore, error) {
	c := C.CString(prefix)
	defer C.free(unsafe.Pointer(c))
	var p C.csrc_dist_store
	if err := errorFrom(C.csrc_dist_prefix_store_new(c, base.p, &p)); err != nil {
		return nil, err
	}
	return &DistStore{p}, nil
}

// Add is store.add(key, value).
func (s *DistStore) Add(key string, value int64) (int64, error) {
	c := C.CString(key)
	defer C.free(unsafe.Pointer(c))
	var out C.int64_t
	err := errorFrom(C.csrc_dist_store_add(s.p, c, C.int64_t(value), &out))
	return int64(out), err
}

// Set is store.set(key, value).
func (s *DistStore) Set(key string, value []byte) error {
	c := C.CString(key)
	defer C.free(unsafe.Pointer(c))
	v := C.CBytes(value)
	defer C.free(v)
	return errorFrom(C.csrc_dist_store_set(s.p, c, v, C.int64_t(len(value))))
}

// SetTimeout is store.set_timeout.
func (s *DistStore) SetTimeout(timeoutMS int64) error {
	return errorFrom(C.csrc_dist_store_set_timeout(s.p, C.int64_t(timeoutMS)))
}

// Free drops this handle on the store; it is idempotent.
func (s *DistStore) Free() {
	if s != nil && s.p != nil {
		C.csrc_dist_store_free(s.p)
		s.p = nil
	}
}

// NewGlooGroup is ProcessGroupGloo(store, rank, size, timeout) with Python's devices (see
// csrc_dist_gloo_new).
func NewGlooGroup(store *DistStore, rank, size int, ifaces, hostname string, timeoutMS int64) (*DistGroup, error) {
	ci, ch := C.CString(ifaces), C.CString(hostname)
	defer C.free(unsafe.Pointer(ci))
	defer C.free(unsafe.Pointer(ch))
	var p C.csrc_dist_group
	if err := errorFrom(C.csrc_dist_gloo_new(store.p, C.int(rank), C.int(size), ci, ch, C.int64_t(timeoutMS), &p)); err != nil {
		return nil, err
	}
	return &DistGroup{p}, nil
}

// NCCLAvailable is nil when ProcessGroupNCCL is compiled in, else why it is not.
func NCCLAvailable() error { return errorFrom(C.csrc_dist_nccl_available()) }

// NewNCCLGroup is ProcessGroupNCCL(store, rank, size, options) with Python's default options and
// the timeout.
func NewNCCLGroup(store *DistStore, rank, size int, timeoutMS int64) (*DistGroup, error) {
	var p C.csrc_dist_group
	if err := errorFrom(C.csrc_dist_nccl_new(store.p, C.int(rank), C.int(size), C.int64_t(timeoutMS), &p)); err != nil {
		return nil, err
	}
	return &DistGroup{p}, nil
}

// SetSequenceNumber is ProcessGroup::setSequenceNumberForGroup.
func (g *DistGroup) SetSequenceNumber() error { return errorFrom(C.csrc_dist_set_sequence_number(g.p)) }

// Free destroys the group; it is idempotent.
func (g *DistGroup) Free() {
	if g != nil && g.p != nil {
		C.csrc_dist_group_free(g.p)
		g.p = nil
	}
}

// AllReduce reduces t in place across the group; a timeout of 0 is the group's.
func (g *DistGroup) AllReduce(t unsafe.Pointer, op int, timeoutMS int64) error {
	return errorFrom(C.csrc_dist_all_reduce(g.p, C.csrc_tensor(t), C.int(op), C.int64_t(timeoutMS)))
}

// Broadcast copies root's t into every rank's t.
func (g *DistGroup) Broadcast(t unsafe.Pointer, root int, timeoutMS int64) error {
	return errorFrom(C.csrc_dist_broadcast(g.p, C.csrc_tensor(t), C.int(root), C.int64_t(timeoutMS)))
}

// AllGather fills outs[r] with rank r's in.
func (g *DistGroup) AllGather(outs []unsafe.Pointer, in unsafe.Pointer, timeoutMS int64) error {
	return errorFrom(C.csrc_dist_all_gather(g.p, cHandles(outs), C.int(len(outs)), C.csrc_tensor(in), C.int64_t(timeoutMS)))
}

// ReduceScatter sets out to the reduction over ranks of their ins[rank].
func (g *DistGroup) ReduceScatter(out unsafe.Pointer, ins []unsafe.Pointer, op int, timeoutMS int64) error {
	return errorFrom(C.csrc_dist_reduce_scatter(g.p, C.csrc_tensor(out), cHandles(ins), C.int(len(ins)), C.int(op),
		C.int64_t(timeoutMS)))
}

// Barrier waits until every rank of the group has reached it.
func (g *DistGroup) Barrier(timeoutMS int64) error {
	return errorFrom(C.csrc_dist_barrier(g.p, C.int64_t(timeoutMS)))
}

// ReducerAvailable is nil when PyTorch's C++ Reducer is compiled in (libtorch 2.6), else why not.
func ReducerAvailable() error { return errorFrom(C.csrc_dist_reducer_available()) }

// DistDDP is DistributedDataParallel's C++ state: the Reducer over a group (csrc_dist_ddp).
type DistDDP struct{ p C.csrc_dist_ddp }

// NewDistDDP is csrc_dist_ddp_new: DistributedDataParallel.__init__'s collectives and Reducer.
func NewDistDDP(g *DistGroup, params, states []unsafe.Pointer, bucketCap, firstBucket, broadcastBucket int64, broadcastBuffers bool) (*DistDDP, error) {
	var p C.csrc_dist_ddp
	err := errorFrom(C.csrc_dist_ddp_new(g.p, cHandles(params), C.int(len(params)), cHandles(states), C.int(len(states)),
		C.int64_t(bucketCap), C.int64_t(firstBucket), C.int64_t(broadcastBucket), cbool(broadcastBuffers), &p))
	if err != nil {
		return nil, err
	}
	return &DistDDP{p}, nil
}

// PreForward is csrc_dist_ddp_pre_forward.
func (d *DistDDP) PreForward(gradEnabled, requireSync bool, buffers []unsafe.Pointer, broadcastBucket int64) error {
	return errorFrom(C.csrc_dist_ddp_pre_forward(d.p, cbool(gradEnabled), cbool(requireSync), cHandles(buffers),
		C.int(len(buffers)), C.int64_t(broadcastBucket)))
}

// PrepareForBackward is Reducer::prepare_for_backward({}).
func (d *DistDDP) PrepareForBackward() error {
	return errorFrom(C.csrc_dist_ddp_prepare_for_backward(d.p))
}

// Free destroys the Reducer (removing its autograd hooks); it is idempotent.
func (d *DistDDP) Free() {
	if d != nil && d.p != nil {
		C.csrc_dist_ddp_free(d.p)
		d.p = nil
	}
}

// Live reports whether Free has not been called.
func (d *DistDDP) Live() bool { return d != nil && d.p != nil }
