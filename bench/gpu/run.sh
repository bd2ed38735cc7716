#!/usr/bin/env bash
# The GPU host's check, prepared on a CPU machine and run there in one go (see bench/gpu/README.md):
# build against the host's pip torch (CUDA), run the CUDA tests, the full recipe on the fast path,
# and the side-by-side benchmarks. What it writes is packed after every stage into $OUT/results.tgz
# (the device tool brings back at most 8 files), so a run cut short still returns what it did.
#
#   make device-pack                       # here: .device/ = Go toolchain, vendor/, CIFAR-10 JPEGs
#   bash bench/gpu/run.sh [stage...]       # there, from the repository root, with .device carried
#
# Stages, in priority order (default: all): build tests run bench. A later call on a warm machine can
# run only the stages left (the build is then cached). AECIFAR_GPU_DRY=1 runs every stage on the CPU
# with tiny settings, to check the script itself where there is no GPU.
set -uo pipefail
cd "$(dirname "$0")/../.."
OUT=${OUT:-/tmp/aecifar-gpu}
mkdir -p "$OUT"
RES=/tmp/aecifar-gpu-results # this machine's results, all calls together
mkdir -p "$RES"
DRY=${AECIFAR_GPU_DRY:-}
DEVICE=cuda
[ -n "$DRY" ] && DEVICE=cpu
STAGES=${*:-build tests run bench}
START=$(date +%s)
log() {
  echo "=== [$(( $(date +%s) - START ))s] $*" | tee -a "$RES/stages.txt"
  tar -czf "$OUT/results.tgz" -C "$RES" .
}
has() { [[ " $STAGES " == *" $1 "* ]]; }

# Tools: the packed Go toolchain (unless this machine has Go), the vendored modules, the data.
if ! command -v go >/dev/null; then
  [ -d /tmp/go ] || tar -xJf .device/go.tar.xz -C /tmp || { log "no Go and no .device/go.tar.xz"; exit 1; }
  export GOROOT=/tmp/go PATH=/tmp/go/bin:$PATH
fi
export GOTOOLCHAIN=local GOPROXY=off GOFLAGS=-mod=vendor
[ -d vendor ] || tar -xJf .device/vendor.tar.xz || { log "no vendor/ and no .device/vendor.tar.xz"; exit 1; }
DATA=${CIFAR10_DIR:-/tmp/aecifar-cifar10}
data_pid=
if [ ! -d "$DATA/train" ]; then
  mkdir -p "$DATA"
  tar -xJf .device/cifar10-jpg.tar.xz -C "$DATA" &
  data_pid=$!
fi
wait_data() { [ -n "$data_pid" ] && wait "$data_pid"; data_pid=; }

if has build; then
  log "machine"
  { nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv 2>&1; nproc; go version; python3 -c 'import torch; print("python torch", torch.__version__, torch.version.cuda)' 2>&1; } | tee "$RES/machine.txt"
  log "configure (libtorch discovery, gotch adaptation, CUDA API probe)"
  go run ./cmd/torchconfig 2>&1 | tee "$RES/configure.txt" || { log "configure failed"; exit 1; }
  cp build/libtorch/*/stubbed-ops.txt "$RES/" 2>/dev/null
  cp "$(ls -t build/libtorch/*/config.json | head -1)" "$RES/config.json"
fi
export GOFLAGS="-mod=vendor -overlay=$PWD/build/overlay.json"
if has build; then
  log "build"
  /usr/bin/time -v go build -o bin/ ./cmd/... 2> "$RES/build-time.txt" || { tail -30 "$RES/build-time.txt"; log "build failed"; exit 1; }
  grep -E "Elapsed|Maximum resident" "$RES/build-time.txt"
fi

if has tests; then
  log "CUDA tests"
  go test -count=1 -v -run 'CUDA|Graph|Pinned|Unavailable|Device|NCCL|Fused' ./torch/ ./torch/cuda/ ./train/ ./torch/distributed/ ./torch/optim/ 2>&1 | tee "$RES/tests-cuda.txt" | grep -E "^(--- |ok|FAIL|panic)|cuda|CUDA" | head -60
  log "fused augmentation benchmark on $DEVICE"
  AECIFAR_BENCH_DEVICE=$DEVICE go test -run '^$' -bench . -benchtime 200x ./torch/vision/transforms/fused/ 2>&1 | tee "$RES/bench-fused.txt" | grep -E "Benchmark|ok|FAIL"
fi

if has run; then
  wait_data
  log "full recipe, fast path, $DEVICE"
  args=(--data "$DATA" --out /tmp/aecifar-run-fast --device "$DEVICE" --fast --quiet)
  [ -n "$DRY" ] && args+=(--ae-epochs 2 --clf-epochs 2 --max-batches 20)
  /usr/bin/time -v bin/aecifar run "${args[@]}" > "$RES/run-fast.txt" 2> "$RES/run-fast-time.txt"
  echo "exit $?"; tail -14 "$RES/run-fast.txt"; grep -E "Elapsed|Maximum resident" "$RES/run-fast-time.txt"
  cp /tmp/aecifar-run-fast/results.json "$RES/results-fast.json" 2>/dev/null
  cp /tmp/aecifar-run-fast/history.csv "$RES/history-fast.csv" 2>/dev/null
fi

if has bench; then
  wait_data
  log "side-by-side benchmarks, $DEVICE"
  # About 5 minutes: training steps and epochs, eager and fast (inference is the CPU's concern).
  bargs=(--device "$DEVICE" --data "$DATA" --reps 2 --iters 300 --warmup 30 --epoch-batches 600 --python python3 --out "$RES"
    --only ae_step,clf_step,ae_epoch,ae_step_fast,clf_step_fast,ae_epoch_fast)
  [ -n "$DRY" ] && bargs=(--device cpu --data "$DATA" --reps 1 --iters 10 --warmup 2 --epoch-batches 10 --python "${PYTHON:-python3}" --out "$RES" --only ae_step,ae_step_fast,ae_epoch_fast)
  bin/aecifar-bench "${bargs[@]}" 2>&1 | tee "$RES/bench.txt" | tail -20
fi
log "done"
