// The C API of csrc's c10d shim (distributed.cpp): PyTorch's own distributed engine (TCPStore,
// PrefixStore, ProcessGroupGloo), for package torch/distributed. Every function returns NULL on
// success or a malloc'd error message (free it with csrc_free), as csrc.h's do; no C++ exception
// crosses this boundary.
//
// The shim is compiled in only where the libtorch headers declare c10d's Gloo process group (which on
// Debian needs libgloo-dev's <gloo/...> headers) and libtorch is one whose classes it was built
// against (1.13 or 2.x, see torch/distributed); the build tag aecifar_noc10d leaves it out. Where it is
// left out, csrc_dist_available says why and every other function returns that reason.
#ifndef AECIFAR_CSRC_DISTRIBUTED_H
#define AECIFAR_CSRC_DISTRIBUTED_H

#include <stdint.h>

#include "csrc.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef void *csrc_dist_store; // c10::intrusive_ptr<c10d::Store> *
typedef void *csrc_dist_group; // a ProcessGroupGloo or ProcessGroupNCCL, and its size

// NULL when the shim is compiled in, else why it is not.
char *csrc_dist_available(void);

// A TCPStore on host:port, as Python's TCPStore(host, port, world_size, is_server, timeout,
// wait_for_workers): the server listens on port (0 picks a free one, read it with
// csrc_dist_tcp_store_port); with wait_workers, every store counts itself in and the server waits
// until world_size have, failing after timeout_ms (TCPStore itself would go on silently). use_libuv
// asks for libuv's event loop (TCPStoreOptions.useLibUV, from libtorch 2.4): where this libtorch was
// built without libuv (Debian 13's), the classic backend serves instead, which speaks the same
// protocol; before 2.4 it is ignored.
char *csrc_dist_tcp_store_new(const char *host, int port, int world_size, int is_server, int wait_workers,
                              int use_libuv, int64_t timeout_ms, csrc_dist_store *out);
char *csrc_dist_tcp_store_port(csrc_dist_store s, int *port);
// PrefixStore(prefix, base): keys become prefix + "/" + key; base stays owned by the caller.
char *csrc_dist_prefix_store_new(const char *prefix, csrc_dist_store base, csrc_dist_store *out);
// store.add(key, value): the key's new value (add 0 reads a counter).
char *csrc_dist_store_add(csrc_dist_store s, const char *key, int64_t value, int64_t *out);
char *csrc_dist_store_set(csrc_dist_store s, const char *key, const void *value, int64_t len);
char *csrc_dist_store_set_timeout(csrc_dist_store s, int64_t timeout_ms);
void csrc_dist_store_free(csrc_dist_store s);

// ProcessGroupGloo(store, rank, size, timeout) with the devices Python's binding gives it:
// one per name in ifaces (comma-separated, like GLOO_SOCKET_IFNAME), else the device for hostname,
// else Gloo's default device (this host's name, falling back to loopback); two threads per device.
char *csrc_dist_gloo_new(csrc_dist_store store, int rank, int size, const char *ifaces, const char *hostname,
                         int64_t timeout_ms, csrc_dist_group *out);
// NULL when ProcessGroupNCCL is compiled in (a CUDA libtorch with its header, and <nccl.h>), else
// why not.
char *csrc_dist_nccl_available(void);
// ProcessGroupNCCL(store, rank, size, options) with Python's default options and timeout_ms. Each
// rank drives the CUDA device of the tensors it passes (one device per rank, as NCCL requires).
char *csrc_dist_nccl_new(csrc_dist_store store, int rank, int size, int64_t timeout_ms, csrc_dist_group *out);
// ProcessGroup::setSequenceNumberForGroup, which init_process_group calls last.
char *csrc_dist_set_sequence_number(csrc_dist_group g);
void csrc_dist_group_free(csrc_dist_group g);

// Reduction codes: c10d::ReduceOp's. AVG is done as SUM, then a division by the group's size
// (ProcessGroupGloo in 1.13 has no AVG).
enum { CSRC_DIST_SUM = 0, CSRC_DIST_AVG = 1, CSRC_DIST_PRODUCT = 2, CSRC_DIST_MIN = 3, CSRC_DIST_MAX = 4 };

// The collectives, each waited for (Python's async_op=False); a timeout_ms of 0 means the group's.
char *csrc_dist_all_reduce(csrc_dist_group g, csrc_tensor t, int op, int64_t timeout_ms);
char *csrc_dist_broadcast(csrc_dist_group g, csrc_tensor t, int root, int64_t timeout_ms);
// outs: one tensor per rank; in: this rank's.
char *csrc_dist_all_gather(csrc_dist_group g, csrc_tensor *outs, int n, csrc_tensor in, int64_t timeout_ms);
// ins: one tensor per rank; out: this rank's reduction of the others' ins[rank].
char *csrc_dist_reduce_scatter(csrc_dist_group g, csrc_tensor out, csrc_tensor *ins, int n, int op, int64_t timeout_ms);
char *csrc_dist_barrier(csrc_dist_group g, int64_t timeout_ms);

// DistributedDataParallel on PyTorch's C++ Reducer (compiled in against libtorch 2.6 only;
// csrc_dist_reducer_available says why not elsewhere). A csrc_dist_ddp holds the dispatching
// ProcessGroup in front of g's backend, the Reducer (whose autograd hooks average the gradients
// bucket by bucket during the backward pass) and its Logger.
typedef void *csrc_dist_ddp;
char *csrc_dist_reducer_available(void);
// DistributedDataParallel.__init__: verify_params_across_processes, rank 0's states (parameters,
// and buffers when broadcasting them) broadcast in broadcast_bucket_bytes buckets, the bucket
// assignment ({first_bucket_bytes, bucket_cap_bytes}, reversed) and the Reducer over params (those
// that require grad).
char *csrc_dist_ddp_new(csrc_dist_group g, csrc_tensor *params, int n, csrc_tensor *states, int n_states,
                        int64_t bucket_cap_bytes, int64_t first_bucket_bytes, int64_t broadcast_bucket_bytes,
                        int broadcast_buffers, csrc_dist_ddp *out);
// DistributedDataParallel._pre_forward: prepare_for_forward when grad is enabled and the step
// synchronises, rebuild_buckets when grad is enabled, then the n buffers broadcast from rank 0.
char *csrc_dist_ddp_pre_forward(csrc_dist_ddp d, int grad_enabled, int require_sync, csrc_tensor *buffers, int n,
                                int64_t broadcast_bucket_bytes);
// Reducer::prepare_for_backward({}), which _post_forward calls when the step synchronises: it arms
// the autograd hooks for the next backward pass.
char *csrc_dist_ddp_prepare_for_backward(csrc_dist_ddp d);
void csrc_dist_ddp_free(csrc_dist_ddp d);

#ifdef __cplusplus
}
#endif

#endif
