// Package distributed mirrors torch.distributed over PyTorch's own c10d engine: libtorch's TCPStore,
// PrefixStore and ProcessGroupGloo, reached through csrc's shim (csrc/distributed.h). Because the
// store, the rendezvous and the collectives are libtorch's, Go ranks and Python ranks
// (torch.distributed.init_process_group("gloo")) join one group and run collectives together.
//
//	if err := distributed.InitProcessGroup(distributed.Gloo); err != nil { // env://, as under torchrun
//		return err
//	}
//	defer distributed.DestroyProcessGroup()
//	err := distributed.AllReduce(grad, distributed.AllReduceOptions{Op: distributed.Avg})
//
// # Rendezvous
//
// InitProcessGroup repeats init_process_group's start-up sequence step by step, since a Python peer
// expects every key it reads: a TCPStore (the server on rank 0; under torchrun, a client of the
// launcher's store under the prefix /worker/attempt_<TORCHELASTIC_RESTART_COUNT>), its timeout set
// to the group's; PrefixStore("default_pg"); then the group's ProcessGroupGloo, its store-based
// barrier and setSequenceNumberForGroup as the running libtorch's release does them (startupOf):
// PyTorch 1.13 gives Gloo PrefixStore("0") and always runs the barrier, 2.x nests PrefixStore("0/")
// and PrefixStore("cpu/") and runs it only under TORCH_DIST_INIT_BARRIER=1. That sequence is a
// Python implementation detail, so csrc compiles the shim only against libtorch 1.13 and 2.x, and
// the test with a Python rank checks it against the installed torch (run on 1.13 and 2.6). Gloo's
// device is Python's: one per interface named in GLOO_SOCKET_IFNAME, else this host's name, falling
// back to loopback; except that with a loopback master (127.0.0.1, ::1, localhost: every rank on
// this machine) and no GLOO_SOCKET_IFNAME it binds to the master's address, which needs no lookup
// of the host's name (where that name does not resolve, libtorch 2.x warns on stderr and falls back
// to loopback all the same). Ranks bound either way reach each other on one machine.
//
// # DistributedDataParallel's Reducer
//
// Where ReducerAvailable (libtorch 2.6), ProcessGroup.NewReducer builds PyTorch's C++ Reducer over
// the group, behind the dispatching ProcessGroup that Python's DDP hands it, with the collectives
// of DistributedDataParallel.__init__: package nn/parallel drives it, so that its gradients are
// averaged during the backward pass and Go ranks can share a DDP job with Python's.
//
// # Errors and time
//
// Every function returns an error, never panics, and none waits longer than the group's timeout
// (InitOptions.Timeout, PyTorch's 30 minutes by default): a peer that never comes fails the
// rendezvous after it, a dead peer fails the collective under way as soon as Gloo sees its
// connection close, a live peer that never joins a collective fails it after the timeout. The
// error is one line: the C++ backtrace libtorch appends is dropped. After such an error the group's
// state across ranks is unknown, as in PyTorch: destroy it.
//
// Where the shim is not compiled in (no Gloo headers, another libtorch, the build tag
// aecifar_noc10d), IsAvailable is false and InitProcessGroup returns why. Backend NCCL needs a CUDA
// build (csrc's AECIFAR_CUDA) whose libtorch has ProcessGroupNCCL and NCCL's <nccl.h> (Debian's
// libnccl-dev, which make deps installs beside libtorch-cuda-dev); elsewhere IsNCCLAvailable is
// false and InitProcessGroup says which is missing. Each rank then passes tensors on its own CUDA
// device (cuda:LOCAL_RANK under torchrun), as with PyTorch. The NCCL group is built, linked and
// its errors tested without a GPU (Debian 13's CUDA libtorch); its collectives run only where a
// GPU is: the README says whether they have been.
//
// # Concurrency
//
// Collectives on one group run one at a time, in the order the goroutines call them; every rank
// must call the same collectives in the same order, as in PyTorch. DestroyProcessGroup waits for the
// collective under way.
package distributed

import (
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"time"
	"unsafe"

	"github.com/aecifar/aecifar/csrc"
	"github.com/aecifar/aecifar/torch"
)

// Backend is the name of a c10d backend, as torch.distributed.Backend.
type Backend string

const (
	Gloo Backend = "gloo"
	NCCL Backend = "nccl"
)

// DefaultTimeout is torch.distributed's default_pg_timeout.
const DefaultTimeout = 30 * time.Minute

// ReduceOp is torch.distributed.ReduceOp; the zero value is Sum.
type ReduceOp int

const (
	Sum ReduceOp = iota
	Avg          // computed as Sum, then a division by the world size (Gloo has no AVG in 1.13)
	Product
	Min
	Max
)

func (op ReduceOp) code() (int, error) {
	switch op {
	case Sum:
		return csrc.DistSum, nil
	case Avg:
		return csrc.DistAvg, nil
	case Product:
		return csrc.DistProduct, nil
	case Min:
		return csrc.DistMin, nil
	case Max:
		return csrc.DistMax, nil
	}
	return 0, fmt.Errorf("unknown ReduceOp %d", int(op))
}

func (op ReduceOp) String() string {
	switch op {
	case Sum:
		return "SUM"
	case Avg:
		return "AVG"
	case Product:
		return "PRODUCT"
	case Min:
		return "MIN"
	case Max:
		return "MAX"
	}
	return "ReduceOp(" + strconv.Itoa(int(op)) + ")"
}

// IsAvailable is torch.distributed.is_available: whether this binary has c10d.
func IsAvailable() bool { return csrc.DistAvailable() == nil }

// IsGlooAvailable is torch.distributed.is_gloo_available.
func IsGlooAvailable() bool { return IsAvailable() }

// IsNCCLAvailable is torch.distributed.is_nccl_available: whether this binary has ProcessGroupNCCL
// (a CUDA build with NCCL's header; see the package doc).
func IsNCCLAvailable() bool { return IsAvailable() && csrc.NCCLAvailable() == nil }

// InitOptions are init_process_group's keyword arguments; the zero value is PyTorch's defaults.
type InitOptions struct {
	// InitMethod is "env://" (the default: RANK, WORLD_SIZE, MASTER_ADDR, MASTER_PORT) or
	// "tcp://host:port" (Rank and WorldSize then required, or ?rank=&world_size= in the URL).
	InitMethod string
	// Rank is this process's rank; nil (PyTorch's -1) reads it from the init method.
	Rank *int
	// WorldSize is the number of processes; 0 (PyTorch's -1) reads it from the init method.
	WorldSize int
	// Timeout bounds the rendezvous and every collective; 0 means DefaultTimeout.
	Timeout time.Duration
}

// ProcessGroup is a c10d process group (PyTorch's ProcessGroup object).
type ProcessGroup struct {
	mu      sync.Mutex // held across each collective and by Destroy
	g       *csrc.DistGroup
	stores  []*csrc.DistStore // the TCPStore and its prefixes, freed in reverse order
	rank    int
	size    int
	backend Backend
	timeout time.Duration
}

// Rank is pg.rank().
func (pg *ProcessGroup) Rank() int { return pg.rank }

// Size is pg.size().
func (pg *ProcessGroup) Size() int { return pg.size }

// Backend is the group's backend name.
func (pg *ProcessGroup) Backend() Backend { return pg.backend }

// Timeout is the group's timeout.
func (pg *ProcessGroup) Timeout() time.Duration { return pg.timeout }

var (
	defaultMu sync.Mutex
	defaultPG *ProcessGroup
)

// IsInitialized is torch.distributed.is_initialized.
func IsInitialized() bool {
	defaultMu.Lock()
	defer defaultMu.Unlock()
	return defaultPG != nil
}

// DefaultGroup is the group InitProcessGroup made (PyTorch's group.WORLD), nil before.
func DefaultGroup() *ProcessGroup {
	defaultMu.Lock()
	defer defaultMu.Unlock()
	return defaultPG
}

var errNotInitialized = errors.New("distributed: Default process group has not been initialized, please make sure to call InitProcessGroup")

// group resolves an options' Group field: the default group where nil.
func group(g *ProcessGroup) (*ProcessGroup, error) {
	if g != nil {
		return g, nil
	}
	if pg := DefaultGroup(); pg != nil {
		return pg, nil
	}
	return nil, errNotInitialized
}

// GetRank is torch.distributed.get_rank: this process's rank in the default group, -1 before
// InitProcessGroup (where PyTorch raises).
func GetRank() int {
	if pg := DefaultGroup(); pg != nil {
		return pg.rank
	}
	return -1
}

// GetWorldSize is torch.distributed.get_world_size, -1 before InitProcessGroup.
func GetWorldSize() int {
	if pg := DefaultGroup(); pg != nil {
		return pg.size
	}
	return -1
}

// GetBackend is torch.distributed.get_backend of the default group ("" before InitProcessGroup).
func GetBackend() Backend {
	if pg := DefaultGroup(); pg != nil {
		return pg.backend
	}
	return ""
}

// InitProcessGroup is torch.distributed.init_process_group(backend, ...): it joins the default
// group, as a Python rank would (see the package doc).
func InitProcessGroup(backend Backend, opts ...InitOptions) error {
	if len(opts) > 1 {
		return fmt.Errorf("distributed: InitProcessGroup: %d InitOptions given, want at most one", len(opts))
	}
	var o InitOptions
	if len(opts) == 1 {
		o = opts[0]
	}
	defaultMu.Lock()
	defer defaultMu.Unlock()
	if defaultPG != nil {
		return errors.New("distributed: trying to initialize the default process group twice")
	}
	pg, err := newDefaultGroup(backend, o, os.Getenv)
	if err != nil {
		return err
	}
	defaultPG = pg
	return nil
}

// DestroyProcessGroup is torch.distributed.destroy_process_group() for the default group: it waits
// for a collective under way, then frees the group and its store.
func DestroyProcessGroup() error {
	defaultMu.Lock()
	pg := defaultPG
	defaultPG = nil
	defaultMu.Unlock()
	if pg == nil {
		return errNotInitialized
	}
	pg.Destroy()
	return nil
}

// Destroy frees the group and its stores; later collectives on it fail. It is idempotent.
func (pg *ProcessGroup) Destroy() {
	pg.mu.Lock()
	defer pg.mu.Unlock()
	pg.g.Free()
	pg.g = nil
	for i := len(pg.stores) - 1; i >= 0; i-- {
		pg.stores[i].Free()
	}
	pg.stores = nil
}

// rendezvous is what an init method yields: where the store is, and this rank's place.
// glooHostname is the address Gloo's device binds to when GLOO_SOCKET_IFNAME names no interface:
// a loopback master's own address, else "" for Gloo's default device (this host's name).
func glooHostname(master, ifaces string) string {
	if len(ifaces) > 1 { // Python's binding reads GLOO_SOCKET_IFNAME only when it is this long
		return ""
	}
	if master == "localhost" {
		return master
	}
	if ip := net.ParseIP(strings.Trim(master, "[]")); ip != nil && ip.IsLoopback() {
		return ip.String()
	}
	return ""
}

type rendezvous struct {
	host        string
	port        int
	rank, world int
}

// parseInitMethod is torch.distributed.rendezvous's env:// and tcp:// handlers.
func parseInitMethod(method string, rank *int, world int, getenv func(string) string) (rendezvous, error) {
	if method == "" {
		method = "env://"
	}
	u, err := url.Parse(method)
	if err != nil {
		return rendezvous{}, fmt.Errorf("distributed: init_method %q: %v", method, err)
	}
	q := u.Query()
	r := rendezvous{rank: -1, world: -1}
	if rank != nil {
		r.rank = *rank
	}
	if world > 0 {
		r.world = world
	}
	fromQuery := func(key string, v *int) error {
		if s := q.Get(key); s != "" && *v < 0 {
			n, err := strconv.Atoi(s)
			if err != nil {
				return fmt.Errorf("distributed: init_method %q: %s=%q is not an integer", method, key, s)
			}
			*v = n
		}
		return nil
	}
	if err := fromQuery("rank", &r.rank); err != nil {
		return r, err
	}
	if err := fromQuery("world_size", &r.world); err != nil {
		return r, err
	}
	switch u.Scheme {
	case "env":
		envErr := func(v string) error {
			return fmt.Errorf("distributed: Error initializing torch.distributed using env:// rendezvous: environment variable %s expected, but not set", v)
		}
		fromEnv := func(v string, dst *int) error {
			if *dst >= 0 {
				return nil
			}
			s := getenv(v)
			if s == "" {
				return envErr(v)
			}
			n, err := strconv.Atoi(s)
			if err != nil {
				return fmt.Errorf("distributed: environment variable %s=%q is not an integer", v, s)
			}
			*dst = n
			return nil
		}
		if err := fromEnv("RANK", &r.rank); err != nil {
			return r, err
		}
		if err := fromEnv("WORLD_SIZE", &r.world); err != nil {
			return r, err
		}
		if r.host = getenv("MASTER_ADDR"); r.host == "" {
			return r, envErr("MASTER_ADDR")
		}
		port := -1
		if err := fromEnv("MASTER_PORT", &port); err != nil {
			return r, err
		}
		r.port = port
	case "tcp":
		if u.Port() == "" {
			return r, fmt.Errorf("distributed: init_method %q: port number missing", method)
		}
		port, err := strconv.Atoi(u.Port())
		if err != nil {
			return r, fmt.Errorf("distributed: init_method %q: bad port %q", method, u.Port())
		}
		r.host, r.port = u.Hostname(), port
		if r.rank < 0 {
			return r, errors.New("distributed: rank parameter missing")
		}
		if r.world < 0 {
			return r, errors.New("distributed: world size parameter missing")
		}
	default:
		return r, fmt.Errorf("distributed: No rendezvous handler for %s://", u.Scheme)
	}
	switch {
	case r.port < 0 || r.port >= 1<<16:
		return r, fmt.Errorf("distributed: port must have value from 0 to 65535 but was %d", r.port)
	case r.world <= 0:
		return r, fmt.Errorf("distributed: world size %d: must be positive", r.world)
	case r.rank < 0 || r.rank >= r.world:
		return r, fmt.Errorf("distributed: rank %d: must be in [0, %d)", r.rank, r.world)
	}
	return r, nil
}

func millis(d time.Duration) int64 { return max(d.Milliseconds(), 1) }

// newDefaultGroup runs init_process_group's start-up sequence (see the package doc).
func newDefaultGroup(backend Backend, o InitOptions, getenv func(string) string) (*ProcessGroup, error) {
	switch backend {
	case Gloo:
	case NCCL:
		if err := csrc.DistAvailable(); err != nil {
			return nil, err
		}
		if err := csrc.NCCLAvailable(); err != nil {
			return nil, fmt.Errorf("distributed: %w", err)
		}
	default:
		return nil, fmt.Errorf("distributed: Invalid backend: %q (want %q or %q)", string(backend), Gloo, NCCL)
	}
	if err := csrc.DistAvailable(); err != nil {
		return nil, err
	}
	if o.Timeout < 0 {
		return nil, fmt.Errorf("distributed: timeout %v: must not be negative", o.Timeout)
	}
	timeout := o.Timeout
	if timeout == 0 {
		timeout = DefaultTimeout
	}
	rv, err := parseInitMethod(o.InitMethod, o.Rank, o.WorldSize, getenv)
	if err != nil {
		return nil, err
	}
	pg := &ProcessGroup{rank: rv.rank, size: rv.world, backend: backend, timeout: timeout}
	// The rendezvous as a whole ends by the deadline: the steps after the TCPStore (whose server
	// waits up to the timeout for its clients, then goes on without an error) get what is left.
	deadline := time.Now().Add(timeout)
	fail := func(step string, err error) (*ProcessGroup, error) {
		pg.Destroy()
		late, err := "", oneLine(err)
		if time.Now().After(deadline) && !strings.Contains(err.Error(), "timed out") {
			late = fmt.Sprintf("timed out after %v waiting for the other ranks: ", timeout)
		}
		return nil, fmt.Errorf("distributed: InitProcessGroup (rank %d of %d, %s:%d): %s%s: %w", rv.rank, rv.world, rv.host, rv.port, late, step, err)
	}
	ms := millis(timeout)
	// rendezvous.py's _create_c10d_store.
	var store *csrc.DistStore
	if getenv("TORCHELASTIC_USE_AGENT_STORE") == "True" {
		tcp, err := csrc.NewTCPStore(rv.host, rv.port, rv.world, false, true, useLibUV(getenv), ms)
		if err != nil {
			return fail("connecting to torchrun's store", err)
		}
		pg.stores = append(pg.stores, tcp)
		if store, err = csrc.NewPrefixStore("/worker/attempt_"+getenv("TORCHELASTIC_RESTART_COUNT"), tcp); err != nil {
			return fail("store", err)
		}
	} else {
		tcp, err := csrc.NewTCPStore(rv.host, rv.port, rv.world, rv.rank == 0, true, useLibUV(getenv), ms)
		if err != nil {
			return fail("TCPStore", err)
		}
		store = tcp
	}
	pg.stores = append(pg.stores, store)
	left := func() int64 { return millis(time.Until(deadline)) }
	if err := store.SetTimeout(left()); err != nil {
		return fail("store timeout", err)
	}
	defaultStore, err := csrc.NewPrefixStore("default_pg", store)
	if err != nil {
		return fail("store", err)
	}
	pg.stores = append(pg.stores, defaultStore)
	seq := startupOf(torch.VersionAtLeast(2, 0), backend, getenv)
	groupStore := defaultStore
	for _, prefix := range seq.prefixes {
		if groupStore, err = csrc.NewPrefixStore(prefix, groupStore); err != nil {
			return fail("store", err)
		}
		pg.stores = append(pg.stores, groupStore)
	}
	if backend == NCCL {
		if pg.g, err = csrc.NewNCCLGroup(groupStore, rv.rank, rv.world, ms); err != nil {
			return fail("ProcessGroupNCCL", err)
		}
	} else {
		ifaces := getenv("GLOO_SOCKET_IFNAME")
		if pg.g, err = csrc.NewGlooGroup(groupStore, rv.rank, rv.world, ifaces, glooHostname(rv.host, ifaces), ms); err != nil {
			return fail("ProcessGroupGloo", err)
		}
	}
	if seq.sequenceFirst {
		if err := pg.g.SetSequenceNumber(); err != nil {
			return fail("sequence number", err)
		}
	}
	if seq.barrierKey != "" {
		if err := storeBarrier(defaultStore, seq.barrierKey, seq.lastWorker, rv.world, deadline); err != nil {
			return fail("store based barrier", err)
		}
	}
	if err := store.SetTimeout(ms); err != nil {
		return fail("store timeout", err)
	}
	if !seq.sequenceFirst {
		if err := pg.g.SetSequenceNumber(); err != nil {
			return fail("sequence number", err)
		}
	}
	return pg, nil
}

// useLibUV is rendezvous.py's choice of the TCPStore's backend: libuv unless USE_LIBUV is other than
// "1" (the init method's ?use_libuv= query is not read). Python's rendezvous fails where libtorch
// lacks libuv (Debian 13's: run torchrun and Python ranks there with USE_LIBUV=0); csrc's store
// falls back to the classic backend, which speaks the same protocol.
func useLibUV(getenv func(string) string) bool {
	v := getenv("USE_LIBUV")
	return v == "" || v == "1"
}

// startup is the part of init_process_group's start-up sequence that changed between PyTorch
// releases, after the rendezvous store and its PrefixStore("default_pg").
type startup struct {
	prefixes      []string // the PrefixStores, outermost first, of the store ProcessGroupGloo gets
	sequenceFirst bool     // setSequenceNumberForGroup before the barrier, not after
	barrierKey    string   // the store-based barrier's key in the "default_pg" store; "" for none
	lastWorker    bool     // the barrier's last rank sets barrierKey+":last_worker"
}

// startupOf is the sequence of PyTorch 1.13 or, when v2 is true, of 2.x. 1.13's
// _new_process_group_helper gives Gloo PrefixStore("0") (the group's name) and init_process_group
// then counts every rank in at "store_based_barrier_key:1" before setting the sequence number. 2.x
// (read from 2.6's distributed_c10d.py, checked against Python 2.6) nests PrefixStore("0/") and
// the device's PrefixStore ("cpu/" for Gloo, "cuda/" for NCCL), sets the sequence number as it creates the backend, and runs the
// barrier only when TORCH_DIST_INIT_BARRIER is 1, at "store_based_barrier_key:0" with a
// last_worker key.
func startupOf(v2 bool, backend Backend, getenv func(string) string) startup {
	if !v2 {
		return startup{prefixes: []string{"0"}, barrierKey: "store_based_barrier_key:1"}
	}
	device := "cpu/"
	if backend == NCCL {
		device = "cuda/"
	}
	s := startup{prefixes: []string{"0/", device}, sequenceFirst: true}
	if n, err := strconv.Atoi(getenv("TORCH_DIST_INIT_BARRIER")); err == nil && n == 1 {
		s.barrierKey, s.lastWorker = "store_based_barrier_key:0", true
	}
	return s
}

// storeBarrier is distributed_c10d's _store_based_barrier: count in, then poll every 10 ms until
// every rank has. With lastWorker (2.x), the rank that completes the count sets key:last_worker,
// which Python's ranks wait for instead of polling.
func storeBarrier(s *csrc.DistStore, key string, lastWorker bool, world int, deadline time.Time) error {
	n, err := s.Add(key, 1)
	if err != nil {
		return err
	}
	if lastWorker && n == int64(world) {
		if err := s.Set(key+":last_worker", []byte("1")); err != nil {
			return err
		}
	}
	for n != int64(world) {
		if time.Now().After(deadline) {
			return fmt.Errorf("%d of %d ranks arrived (key %s)", n, world, key)
		}
		time.Sleep(10 * time.Millisecond)
		if n, err = s.Add(key, 0); err != nil {
			return err
		}
	}
	return nil
}

// oneLine drops the C++ backtrace libtorch appends to its messages and joins what is left into one
// line.
func oneLine(err error) error {
	if err == nil {
		return nil
	}
	msg := err.Error()
	if i := strings.Index(msg, "Exception raised from "); i >= 0 {
		msg = msg[:i]
	}
	var parts []string
	for _, l := range strings.Split(msg, "\n") {
		if l = strings.TrimSpace(l); l != "" {
			parts = append(parts, l)
		}
	}
	return errors.New(strings.Join(parts, " "))
}

// run holds the group across one collective, after checking its tensors.
func (pg *ProcessGroup) run(name string, f func(g *csrc.DistGroup) error, ts ...*torch.Tensor) error {
	for i, t := range ts {
		if t == nil {
			return fmt.Errorf("distributed: %s: tensor %d is nil", name, i)
		}
		if err := t.Err(); err != nil {
			return fmt.Errorf("distributed: %s: %w", name, err)
		}
		if !t.Defined() {
			return fmt.Errorf("distributed: %s: tensor %d was dropped", name, i)
		}
	}
	pg.mu.Lock()
	defer pg.mu.Unlock()
	if pg.g == nil {
		return fmt.Errorf("distributed: %s: the process group was destroyed", name)
	}
	err := f(pg.g)
	runtime.KeepAlive(ts)
	if err != nil {
		return fmt.Errorf("distributed: %s (rank %d of %d): %w", name, pg.rank, pg.size, oneLine(err))
	}
	return nil
}

func handles(ts []*torch.Tensor) []unsafe.Pointer {
	hs := make([]unsafe.Pointer, len(ts))
	for i, t := range ts {
		hs[i] = t.Handle()
	}
	return hs
}

// AllReduceOptions are all_reduce's keyword arguments; the zero value is PyTorch's defaults.
type AllReduceOptions struct {
	Op    ReduceOp      // Sum by default
	Group *ProcessGroup // nil: the default group
}

// AllReduce is torch.distributed.all_reduce(tensor, op): every rank's t becomes the reduction of
// all ranks' t, in place.
func AllReduce(t *torch.Tensor, opts ...AllReduceOptions) error {
	var o AllReduceOptions
	if len(opts) > 0 {
		o = opts[0]
	}
	pg, err := group(o.Group)
	if err != nil {
		return err
	}
	return pg.AllReduce(t, o.Op)
}

// AllReduce is all_reduce(t, op, group=pg).
func (pg *ProcessGroup) AllReduce(t *torch.Tensor, op ReduceOp) error {
	code, err := op.code()
	if err != nil {
		return fmt.Errorf("distributed: AllReduce: %w", err)
	}
	return pg.run("AllReduce", func(g *csrc.DistGroup) error { return g.AllReduce(t.Handle(), code, 0) }, t)
}

// GroupOptions is the group keyword argument of the collectives that take nothing else.
type GroupOptions struct {
	Group *ProcessGroup // nil: the default group
}

func groupOf(opts []GroupOptions) (*ProcessGroup, error) {
	if len(opts) > 0 {
		return group(opts[0].Group)
	}
	return group(nil)
}

// Broadcast is torch.distributed.broadcast(tensor, src): every rank's t becomes rank src's.
func Broadcast(t *torch.Tensor, src int, opts ...GroupOptions) error {
	pg, err := groupOf(opts)
	if err != nil {
		return err
	}
	return pg.Broadcast(t, src)
}

// Broadcast is broadcast(t, src, group=pg).
func (pg *ProcessGroup) Broadcast(t *torch.Tensor, src int) error {
	if src < 0 || src >= pg.size {
		return fmt.Errorf("distributed: Broadcast: src %d is not a rank of a group of %d", src, pg.size)
	}
	return pg.run("Broadcast", func(g *csrc.DistGroup) error { return g.Broadcast(t.Handle(), src, 0) }, t)
}

// AllGather is torch.distributed.all_gather(tensor_list, tensor): tensorList[r] receives rank r's
// t; it needs one tensor per rank, each of t's shape and dtype.
func AllGather(tensorList []*torch.Tensor, t *torch.Tensor, opts ...GroupOptions) error {
	pg, err := groupOf(opts)
	if err != nil {
		return err
	}
	return pg.AllGather(tensorList, t)
}

// AllGather is all_gather(tensorList, t, group=pg).
func (pg *ProcessGroup) AllGather(tensorList []*torch.Tensor, t *torch.Tensor) error {
	if len(tensorList) != pg.size {
		return fmt.Errorf("distributed: AllGather: %d output tensors for a group of %d", len(tensorList), pg.size)
	}
	return pg.run("AllGather", func(g *csrc.DistGroup) error { return g.AllGather(handles(tensorList), t.Handle(), 0) },
		append([]*torch.Tensor{t}, tensorList...)...)
}

// ReduceScatterOptions are reduce_scatter's keyword arguments; the zero value is PyTorch's defaults.
type ReduceScatterOptions = AllReduceOptions

// ReduceScatter is torch.distributed.reduce_scatter(output, input_list, op): output becomes the
// reduction over ranks of their inputList[rank]. PyTorch 1.13's Gloo backend does not implement
// it, and says so: the error comes back from every rank.
func ReduceScatter(output *torch.Tensor, inputList []*torch.Tensor, opts ...ReduceScatterOptions) error {
	var o ReduceScatterOptions
	if len(opts) > 0 {
		o = opts[0]
	}
	pg, err := group(o.Group)
	if err != nil {
		return err
	}
	return pg.ReduceScatter(output, inputList, o.Op)
}

// ReduceScatter is reduce_scatter(output, inputList, op, group=pg).
func (pg *ProcessGroup) ReduceScatter(output *torch.Tensor, inputList []*torch.Tensor, op ReduceOp) error {
	code, err := op.code()
	if err != nil {
		return fmt.Errorf("distributed: ReduceScatter: %w", err)
	}
	if len(inputList) != pg.size {
		return fmt.Errorf("distributed: ReduceScatter: %d input tensors for a group of %d", len(inputList), pg.size)
	}
	return pg.run("ReduceScatter", func(g *csrc.DistGroup) error {
		return g.ReduceScatter(output.Handle(), handles(inputList), code, 0)
	}, append([]*torch.Tensor{output}, inputList...)...)
}

// Barrier is torch.distributed.barrier(): it returns once every rank has called it.
func Barrier(opts ...GroupOptions) error {
	pg, err := groupOf(opts)
	if err != nil {
		return err
	}
	return pg.Barrier()
}

// Barrier is barrier(group=pg).
func (pg *ProcessGroup) Barrier() error {
	return pg.run("Barrier", func(g *csrc.DistGroup) error { return g.Barrier(0) })
}
