// csrc's c10d shim (distributed.h): TCPStore, PrefixStore, ProcessGroupGloo and, in CUDA builds,
// ProcessGroupNCCL from libtorch itself,
// so that Go ranks speak c10d's protocols and join one group with Python's.
//
// ProcessGroupGloo.hpp declares nothing unless USE_C10D_GLOO is defined, and includes Gloo's headers
// (Debian: libgloo-dev). The classes it uses keep their names and signatures from libtorch 1.13 to
// 2.x (built and tested against 1.13 and 2.6); package torch/distributed repeats the start-up
// sequence of the release it runs on. The shim is therefore compiled only where both headers exist
// and libtorch is 1.13 or 2.x, and not under the build tag aecifar_noc10d (distributed_off.go
// defines AECIFAR_NO_C10D); otherwise every function reports why.
#include "distributed.h"

#include "try.h"

#include <torch/version.h>

#if !defined(AECIFAR_NO_C10D) && __has_include(<gloo/config.h>) &&                                          \
    __has_include(<torch/csrc/distributed/c10d/ProcessGroupGloo.hpp>) &&                                       \
    ((TORCH_VERSION_MAJOR == 1 && TORCH_VERSION_MINOR == 13) || TORCH_VERSION_MAJOR == 2)
#define AECIFAR_C10D 1
#endif

#ifdef AECIFAR_C10D

#ifndef USE_C10D_GLOO
#define USE_C10D_GLOO 1
#endif

#include <torch/csrc/distributed/c10d/PrefixStore.hpp>
#include <torch/csrc/distributed/c10d/ProcessGroupGloo.hpp>
#include <torch/csrc/distributed/c10d/TCPStore.hpp>

// ProcessGroupNCCL: in a CUDA build (AECIFAR_CUDA) whose libtorch has the header, with NCCL's
// <nccl.h> (Debian: libnccl-dev). Like Gloo's, the header declares nothing without its USE_ macro.
#if defined(AECIFAR_CUDA) && __has_include(<nccl.h>) && __has_include(<torch/csrc/distributed/c10d/ProcessGroupNCCL.hpp>)
#define AECIFAR_NCCL 1
#ifndef USE_C10D_NCCL
#define USE_C10D_NCCL 1
#endif
#include <torch/csrc/distributed/c10d/ProcessGroupNCCL.hpp>
#endif

// PyTorch's C++ Reducer, which DistributedDataParallel drives: its header includes distributed
// autograd's context.h, which Debian 12's libtorch 1.13 does not ship and Debian 13's 2.6 does. The
// Reducer wants the dispatching c10d::ProcessGroup in front of the backend, whose constructor
// changed within 2.x: compiled for libtorch 2.6, the release it was built and tested against.
#if TORCH_VERSION_MAJOR == 2 && TORCH_VERSION_MINOR == 6 &&                                                  \
    __has_include(<torch/csrc/distributed/autograd/context/context.h>) &&                                    \
    __has_include(<torch/csrc/distributed/c10d/reducer.hpp>)
#define AECIFAR_REDUCER 1
#include <torch/csrc/distributed/c10d/ProcessGroup.hpp>
#include <torch/csrc/distributed/c10d/comm.hpp>
#include <torch/csrc/distributed/c10d/logger.hpp>
#include <torch/csrc/distributed/c10d/reducer.hpp>
#endif

#include <ATen/ATen.h>

#include <algorithm>
#include <chrono>
#include <sstream>
#include <string>
#include <vector>

namespace {

using StorePtr = c10::intrusive_ptr<c10d::Store>;

// The class the backends implement: c10d::ProcessGroup in 1.13, c10d::Backend from 2.0 (where
// ProcessGroup became the dispatcher in front of backends).
#if TORCH_VERSION_MAJOR >= 2
using BackendBase = c10d::Backend;
#else
using BackendBase = c10d::ProcessGroup;
#endif

struct Group {
  c10::intrusive_ptr<BackendBase> pg;
  int size;
  StorePtr store; // the backend's store, for the ProcessGroup a Reducer needs
  bool nccl;
};

StorePtr &store(csrc_dist_store s) { return *static_cast<StorePtr *>(s); }
Group &group(csrc_dist_group g) { return *static_cast<Group *>(g); }
at::Tensor &tensor(csrc_tensor t) { return *static_cast<at::Tensor *>(t); }

std::vector<at::Tensor> tensors(csrc_tensor *ts, int n) {
  std::vector<at::Tensor> out;
  out.reserve(n);
  for (int i = 0; i < n; i++) {
    out.push_back(tensor(ts[i]));
  }
  return out;
}

std::chrono::milliseconds ms(int64_t v) { return std::chrono::milliseconds(v); }

// timeoutOr is the collective's timeout: the group's when the caller gave none.
std::chrono::milliseconds timeoutOr(int64_t v) { return v > 0 ? ms(v) : c10d::kUnsetTimeout; }

c10d::ReduceOp reduceOp(int op) {
  switch (op) {
  case CSRC_DIST_SUM:
  case CSRC_DIST_AVG:
    return c10d::ReduceOp::SUM;
  case CSRC_DIST_PRODUCT:
    return c10d::ReduceOp::PRODUCT;
  case CSRC_DIST_MIN:
    return c10d::ReduceOp::MIN;
  case CSRC_DIST_MAX:
    return c10d::ReduceOp::MAX;
  }
  throw std::invalid_argument("unknown reduce op " + std::to_string(op));
}

// checkAvg rejects ReduceOp.AVG on an integer tensor before any peer waits on this rank, as c10d's
// own check does.
void checkAvg(const at::Tensor &t, int op) {
  if (op == CSRC_DIST_AVG && !at::isFloatingType(t.scalar_type()) && !at::isComplexType(t.scalar_type())) {
    throw std::invalid_argument(std::string("ReduceOp.AVG needs a floating-point tensor, got ") +
                                c10::toString(t.scalar_type()));
  }
}

// finishAvg turns the sum into the average, as ReduceOp.AVG would.
void finishAvg(at::Tensor &t, int op, int size) {
  if (op == CSRC_DIST_AVG) {
    t.div_(size);
  }
}

std::vector<std::string> split(const std::string &s, char sep) {
  std::vector<std::string> out;
  std::stringstream in(s);
  std::string item;
  while (std::getline(in, item, sep)) {
    if (!item.empty()) {
      out.push_back(item);
    }
  }
  return out;
}

void wait(const c10::intrusive_ptr<c10d::Work> &w) { w->wait(); }

// newTCPStore makes the store with libuv's backend when asked and built in, else the classic one.
// libtorch has no exported way to ask whether libuv is built in (detail::
// is_libuv_tcpstore_backend_available is internal), so its refusal is what says so.
c10::intrusive_ptr<c10d::TCPStore> newTCPStore(const char *host, c10d::TCPStoreOptions opts, bool libuv) {
#if TORCH_VERSION_MAJOR > 2 || (TORCH_VERSION_MAJOR == 2 && TORCH_VERSION_MINOR >= 4)
  opts.useLibUV = libuv;
  if (libuv) {
    try {
      return c10::make_intrusive<c10d::TCPStore>(std::string(host), opts);
    } catch (const std::exception &e) {
      if (std::string(e.what()).find("without libuv support") == std::string::npos) {
        throw;
      }
      opts.useLibUV = false;
    }
  }
#else
  (void)libuv;
#endif
  return c10::make_intrusive<c10d::TCPStore>(std::string(host), opts);
}

} // namespace

extern "C" {

char *csrc_dist_available(void) { return nullptr; }

char *csrc_dist_tcp_store_new(const char *host, int port, int world_size, int is_server, int wait_workers,
                              int use_libuv, int64_t timeout_ms, csrc_dist_store *out) {
  CSRC_TRY({
    c10d::TCPStoreOptions opts;
    opts.port = static_cast<std::uint16_t>(port);
    opts.isServer = is_server != 0;
    if (world_size > 0) {
      opts.numWorkers = static_cast<std::size_t>(world_size);
    }
    // The server's own wait for its clients (TCPStore::waitForWorkers) gives up silently at the
    // timeout, leaving the next step to time out again: the server waits here instead, and fails.
    opts.waitWorkers = wait_workers != 0 && !opts.isServer;
    opts.timeout = ms(timeout_ms);
    auto tcp = newTCPStore(host, opts, use_libuv != 0);
    if (wait_workers != 0 && opts.isServer) {
      // waitForWorkers returns once every worker has counted in, or once the whole seconds elapsed
      // exceed the store's timeout (it truncates to seconds: a 2 s timeout ends after 3 s). Its
      // timeout is therefore one second less, so that it ends within timeout_ms (0 would mean none).
      auto wait = std::max(opts.timeout - std::chrono::seconds(1), std::chrono::milliseconds(1));
      tcp->setTimeout(wait);
      auto start = std::chrono::steady_clock::now();
      tcp->waitForWorkers();
      // The count is checked first: an elapsed time past the wait's limit means some never came.
      auto elapsed = std::chrono::duration_cast<std::chrono::seconds>(std::chrono::steady_clock::now() - start);
      tcp->setTimeout(opts.timeout);
      if (elapsed > wait) {
        throw std::runtime_error("timed out after " + std::to_string(timeout_ms) + " ms waiting for " +
                                 std::to_string(world_size) + " ranks to join the store");
      }
    }
    *out = new StorePtr(StorePtr(std::move(tcp)));
  })
}

char *csrc_dist_tcp_store_port(csrc_dist_store s, int *port) {
  CSRC_TRY({
    auto *tcp = dynamic_cast<c10d::TCPStore *>(store(s).get());
    if (tcp == nullptr) {
      throw std::invalid_argument("not a TCPStore");
    }
    *port = tcp->getPort();
  })
}

char *csrc_dist_prefix_store_new(const char *prefix, csrc_dist_store base, csrc_dist_store *out) {
  CSRC_TRY({
    StorePtr s = c10::make_intrusive<c10d::PrefixStore>(std::string(prefix), store(base));
    *out = new StorePtr(std::move(s));
  })
}

char *csrc_dist_store_add(csrc_dist_store s, const char *key, int64_t value, int64_t *out) {
  CSRC_TRY(*out = store(s)->add(std::string(key), value))
}

char *csrc_dist_store_set(csrc_dist_store s, const char *key, const void *value, int64_t len) {
  CSRC_TRY({
    const auto *p = static_cast<const uint8_t *>(value);
    store(s)->set(std::string(key), std::vector<uint8_t>(p, p + len));
  })
}

char *csrc_dist_store_set_timeout(csrc_dist_store s, int64_t timeout_ms) {
  CSRC_TRY(store(s)->setTimeout(ms(timeout_ms)))
}

void csrc_dist_store_free(csrc_dist_store s) {
  try {
    delete static_cast<StorePtr *>(s);
  } catch (...) {
  }
}

char *csrc_dist_gloo_new(csrc_dist_store st, int rank, int size, const char *ifaces, const char *hostname,
                         int64_t timeout_ms, csrc_dist_group *out) {
  CSRC_TRY({
    auto opts = c10d::ProcessGroupGloo::Options::create(ms(timeout_ms));
    std::string names = ifaces ? ifaces : "";
    std::string host = hostname ? hostname : "";
    // Python's binding takes GLOO_SOCKET_IFNAME only when it is longer than one character.
    if (names.size() > 1) {
      for (const auto &iface : split(names, ',')) {
        opts->devices.push_back(c10d::ProcessGroupGloo::createDeviceForInterface(iface));
      }
    } else if (!host.empty()) {
      opts->devices.push_back(c10d::ProcessGroupGloo::createDeviceForHostname(host));
    } else {
      opts->devices.push_back(c10d::ProcessGroupGloo::createDefaultDevice());
    }
    opts->threads = static_cast<int>(opts->devices.size() * 2);
    auto pg = c10::make_intrusive<c10d::ProcessGroupGloo>(store(st), rank, size, opts);
    *out = new Group{std::move(pg), size, store(st), false};
  })
}

char *csrc_dist_nccl_available(void) {
#ifdef AECIFAR_NCCL
  return nullptr;
#elif !defined(AECIFAR_CUDA)
  return strdup("Distributed package doesn't have NCCL built in: this build's libtorch is not a CUDA one "
                "(see the README's CUDA section)");
#elif !__has_include(<torch/csrc/distributed/c10d/ProcessGroupNCCL.hpp>)
  return strdup("Distributed package doesn't have NCCL built in: this CUDA libtorch has no ProcessGroupNCCL.hpp");
#else
  return strdup("Distributed package doesn't have NCCL built in: NCCL's header <nccl.h> is missing: install "
                "libnccl-dev (make deps) and rebuild");
#endif
}

char *csrc_dist_nccl_new(csrc_dist_store st, int rank, int size, int64_t timeout_ms, csrc_dist_group *out) {
#ifdef AECIFAR_NCCL
  CSRC_TRY({
    // Python's defaults for init_process_group: is_high_priority_stream False, the group's timeout.
    auto opts = c10d::ProcessGroupNCCL::Options::create(false);
    opts->timeout = ms(timeout_ms);
    auto pg = c10::make_intrusive<c10d::ProcessGroupNCCL>(store(st), rank, size, opts);
    *out = new Group{std::move(pg), size, store(st), true};
  })
#else
  (void)st, (void)rank, (void)size, (void)timeout_ms, (void)out;
  return csrc_dist_nccl_available();
#endif
}

char *csrc_dist_set_sequence_number(csrc_dist_group g) { CSRC_TRY(group(g).pg->setSequenceNumberForGroup()) }

void csrc_dist_group_free(csrc_dist_group g) {
  try {
    delete static_cast<Group *>(g);
  } catch (...) {
  }
}

char *csrc_dist_reducer_available(void) {
#ifdef AECIFAR_REDUCER
  return nullptr;
#else
  return strdup("PyTorch's C++ Reducer is compiled in only against libtorch 2.6 with distributed autograd's "
                "headers (Debian 12's 1.13 lacks them)");
#endif
}

#ifdef AECIFAR_REDUCER
namespace {
struct DDP {
  c10::intrusive_ptr<c10d::ProcessGroup> pg;
  std::shared_ptr<c10d::Reducer> reducer;
  std::shared_ptr<c10d::Logger> logger;
};
DDP &ddp(csrc_dist_ddp d) { return *static_cast<DDP *>(d); }
} // namespace
#endif

char *csrc_dist_ddp_new(csrc_dist_group g, csrc_tensor *params, int n, csrc_tensor *states, int n_states,
                        int64_t bucket_cap_bytes, int64_t first_bucket_bytes, int64_t broadcast_bucket_bytes,
                        int broadcast_buffers, csrc_dist_ddp *out) {
#ifdef AECIFAR_REDUCER
  CSRC_TRY({
    Group &gr = group(g);
    // The dispatching ProcessGroup in front of the backend, as _new_process_group_helper builds it.
    auto type = gr.nccl ? c10d::ProcessGroup::BackendType::NCCL : c10d::ProcessGroup::BackendType::GLOO;
    auto pg = c10::make_intrusive<c10d::ProcessGroup>(gr.store, gr.pg->getRank(), gr.size);
    pg->setDefaultBackend(type);
    pg->setBackend(gr.nccl ? c10::DeviceType::CUDA : c10::DeviceType::CPU, type, gr.pg);
    std::vector<at::Tensor> ps = tensors(params, n);
    // DistributedDataParallel.__init__: verify the shapes, broadcast rank 0's module states, then
    // the reducer over the reversed bucket assignment, and its logger.
    c10d::verify_params_across_processes(pg, ps, std::nullopt);
    std::vector<at::Tensor> module_states;
    for (int i = 0; i < n_states; i++) module_states.push_back(tensor(states[i]).detach());
    if (!module_states.empty()) {
      c10d::broadcast_coalesced(pg, module_states, static_cast<size_t>(broadcast_bucket_bytes), 0);
    }
    std::vector<bool> sparse(ps.size(), false);
    auto [indices, limits] = c10d::compute_bucket_assignment_by_size(
        ps, {static_cast<size_t>(first_bucket_bytes), static_cast<size_t>(bucket_cap_bytes)}, sparse);
    std::reverse(indices.begin(), indices.end());
    std::reverse(limits.begin(), limits.end());
    auto reducer = std::make_shared<c10d::Reducer>(ps, indices, limits, pg, sparse, bucket_cap_bytes, false, false,
                                                   std::unordered_map<size_t, std::string>{}, first_bucket_bytes);
    auto logger = std::make_shared<c10d::Logger>(reducer);
    reducer->set_logger(logger);
    logger->set_construction_data_and_log("DistributedDataParallel", {}, -1, broadcast_buffers != 0, false, false);
    *out = new DDP{std::move(pg), std::move(reducer), std::move(logger)};
  })
#else
  (void)g, (void)params, (void)n, (void)states, (void)n_states, (void)bucket_cap_bytes, (void)first_bucket_bytes;
  (void)broadcast_bucket_bytes, (void)broadcast_buffers, (void)out;
  return csrc_dist_reducer_available();
#endif
}

char *csrc_dist_ddp_pre_forward(csrc_dist_ddp d, int grad_enabled, int require_sync, csrc_tensor *buffers, int n,
                                int64_t broadcast_bucket_bytes) {
#ifdef AECIFAR_REDUCER
  CSRC_TRY({
    DDP &x = ddp(d);
    // DistributedDataParallel._pre_forward.
    if (grad_enabled && require_sync) {
      x.logger->set_runtime_stats_and_log();
      x.reducer->prepare_for_forward();
    }
    if (grad_enabled) x.reducer->rebuild_buckets();
    if (n > 0) {
      at::NoGradGuard no_grad;
      c10d::broadcast_coalesced(x.pg, tensors(buffers, n), static_cast<size_t>(broadcast_bucket_bytes), 0);
    }
  })
#else
  (void)d, (void)grad_enabled, (void)require_sync, (void)buffers, (void)n, (void)broadcast_bucket_bytes;
  return csrc_dist_reducer_available();
#endif
}

char *csrc_dist_ddp_prepare_for_backward(csrc_dist_ddp d) {
#ifdef AECIFAR_REDUCER
  CSRC_TRY(ddp(d).reducer->prepare_for_backward({}))
#else
  (void)d;
  return csrc_dist_reducer_available();
#endif
}

void csrc_dist_ddp_free(csrc_dist_ddp d) {
#ifdef AECIFAR_REDUCER
  try {
    delete static_cast<DDP *>(d);
  } catch (...) {
  }
#else
  (void)d;
#endif
}

char *csrc_dist_all_reduce(csrc_dist_group g, csrc_tensor t, int op, int64_t timeout_ms) {
  CSRC_TRY({
    Group &gr = group(g);
    std::vector<at::Tensor> ts{tensor(t)};
    c10d::AllreduceOptions opts;
    opts.reduceOp = reduceOp(op);
    opts.timeout = timeoutOr(timeout_ms);
    checkAvg(ts[0], op);
    wait(gr.pg->allreduce(ts, opts));
    finishAvg(ts[0], op, gr.size);
  })
}

char *csrc_dist_broadcast(csrc_dist_group g, csrc_tensor t, int root, int64_t timeout_ms) {
  CSRC_TRY({
    std::vector<at::Tensor> ts{tensor(t)};
    c10d::BroadcastOptions opts;
    opts.rootRank = root;
    opts.rootTensor = 0;
    opts.timeout = timeoutOr(timeout_ms);
    wait(group(g).pg->broadcast(ts, opts));
  })
}

char *csrc_dist_all_gather(csrc_dist_group g, csrc_tensor *outs, int n, csrc_tensor in, int64_t timeout_ms) {
  CSRC_TRY({
    std::vector<std::vector<at::Tensor>> out{tensors(outs, n)};
    std::vector<at::Tensor> inputs{tensor(in)};
    c10d::AllgatherOptions opts;
    opts.timeout = timeoutOr(timeout_ms);
    wait(group(g).pg->allgather(out, inputs, opts));
  })
}

char *csrc_dist_reduce_scatter(csrc_dist_group g, csrc_tensor out, csrc_tensor *ins, int n, int op,
                               int64_t timeout_ms) {
  CSRC_TRY({
    Group &gr = group(g);
    std::vector<at::Tensor> outputs{tensor(out)};
    std::vector<std::vector<at::Tensor>> inputs{tensors(ins, n)};
    c10d::ReduceScatterOptions opts;
    opts.reduceOp = reduceOp(op);
    opts.timeout = timeoutOr(timeout_ms);
    checkAvg(outputs[0], op);
    wait(gr.pg->reduce_scatter(outputs, inputs, opts));
    finishAvg(outputs[0], op, gr.size);
  })
}

char *csrc_dist_barrier(csrc_dist_group g, int64_t timeout_ms) {
  CSRC_TRY({
    c10d::BarrierOptions opts;
    opts.timeout = timeoutOr(timeout_ms);
    wait(group(g).pg->barrier(opts));
  })
}

} // extern "C"

#else // !AECIFAR_C10D

namespace {

#define CSRC_STR2(x) #x
#define CSRC_STR(x) CSRC_STR2(x)

char *unavailable() {
#if defined(AECIFAR_NO_C10D)
  return strdup("distributed: this binary was built with the tag aecifar_noc10d, without c10d");
#elif !__has_include(<torch/csrc/distributed/c10d/ProcessGroupGloo.hpp>)
  return strdup("distributed: this libtorch has no c10d headers (torch/csrc/distributed/c10d): it was built "
                "without distributed support");
#elif !__has_include(<gloo/config.h>)
  return strdup("distributed: Gloo's headers (<gloo/config.h>) are missing: install libgloo-dev (make deps) and "
                "rebuild");
#else
  return strdup("distributed: the c10d shim is built for libtorch 1.13 and 2.x (their c10d classes and start-up "
                "sequences); this is libtorch " CSRC_STR(TORCH_VERSION_MAJOR) "." CSRC_STR(TORCH_VERSION_MINOR));
#endif
}

} // namespace

extern "C" {

char *csrc_dist_available(void) { return unavailable(); }
char *csrc_dist_tcp_store_new(const char *, int, int, int, int, int, int64_t, csrc_dist_store *) {
  return unavailable();
}
char *csrc_dist_tcp_store_port(csrc_dist_store, int *) { return unavailable(); }
char *csrc_dist_prefix_store_new(const char *, csrc_dist_store, csrc_dist_store *) { return unavailable(); }
char *csrc_dist_store_add(csrc_dist_store, const char *, int64_t, int64_t *) { return unavailable(); }
char *csrc_dist_store_set(csrc_dist_store, const char *, const void *, int64_t) { return unavailable(); }
char *csrc_dist_store_set_timeout(csrc_dist_store, int64_t) { return unavailable(); }
void csrc_dist_store_free(csrc_dist_store) {}
char *csrc_dist_gloo_new(csrc_dist_store, int, int, const char *, const char *, int64_t, csrc_dist_group *) {
  return unavailable();
}
char *csrc_dist_nccl_available(void) { return unavailable(); }
char *csrc_dist_nccl_new(csrc_dist_store, int, int, int64_t, csrc_dist_group *) { return unavailable(); }
char *csrc_dist_set_sequence_number(csrc_dist_group) { return unavailable(); }
void csrc_dist_group_free(csrc_dist_group) {}
char *csrc_dist_all_reduce(csrc_dist_group, csrc_tensor, int, int64_t) { return unavailable(); }
char *csrc_dist_broadcast(csrc_dist_group, csrc_tensor, int, int64_t) { return unavailable(); }
char *csrc_dist_all_gather(csrc_dist_group, csrc_tensor *, int, csrc_tensor, int64_t) { return unavailable(); }
char *csrc_dist_reduce_scatter(csrc_dist_group, csrc_tensor, csrc_tensor *, int, int, int64_t) {
  return unavailable();
}
char *csrc_dist_barrier(csrc_dist_group, int64_t) { return unavailable(); }
char *csrc_dist_reducer_available(void) { return unavailable(); }
char *csrc_dist_ddp_new(csrc_dist_group, csrc_tensor *, int, csrc_tensor *, int, int64_t, int64_t, int64_t, int,
                        csrc_dist_ddp *) {
  return unavailable();
}
char *csrc_dist_ddp_pre_forward(csrc_dist_ddp, int, int, csrc_tensor *, int, int64_t) { return unavailable(); }
char *csrc_dist_ddp_prepare_for_backward(csrc_dist_ddp) { return unavailable(); }
void csrc_dist_ddp_free(csrc_dist_ddp) {}

} // extern "C"

#endif
