# The two commands a fresh machine needs: `make run` (the main job) and `make test` (the tests).
# Both call `setup`, which installs what is missing. `make help` lists every target.

SHELL := /bin/bash
.DEFAULT_GOAL := help

# Debian/Ubuntu packages setup installs when missing (as root, with apt): libtorch (CPU), OpenBLAS
# (without it libtorch falls back to the reference BLAS and Linear layers run 5.6x slower), and the
# Python original's torch and torchvision, which the parity tests and the benchmarks run, and Gloo's
# headers (libgloo-dev), without which c10d's ProcessGroupGloo.hpp cannot be compiled (torch/distributed).
# A|B: either package will do and A is installed when neither is. Debian's CUDA builds
# (libtorch-cuda-dev, python3-torch-cuda, libgloo-cuda-dev, in contrib since Debian 13) conflict with
# the CPU ones: installing the CPU package would remove them, so with libtorch-cuda-dev installed the
# CUDA alternative is the one installed.
# With libtorch-cuda-dev, also NCCL's headers (libnccl-dev), without which ProcessGroupNCCL.hpp
# cannot be compiled (torch/distributed's NCCL backend).
CUDA_APT_PACKAGES ?= libnccl-dev
APT_PACKAGES ?= libtorch-dev|libtorch-cuda-dev libopenblas0-pthread libgloo-dev|libgloo-cuda-dev python3-torch|python3-torch-cuda python3-torchvision python3-numpy g++

# Where the data lives: an ImageFolder tree (train/, test/) or the CIFAR-10 binary release.
DATA ?= data/cifar10
# Where runs write their outputs.
OUT ?= runs/latest
# Extra flags for the main job, e.g. ARGS="--device cuda --ae-epochs 1".
ARGS ?=
# Flags for go test, e.g. TESTFLAGS="-short -run Conv".
TESTFLAGS ?=

OVERLAY := $(CURDIR)/build/overlay.json
export GOFLAGS := -mod=vendor -overlay=$(OVERLAY)
# The Python original and the parity scripts run under the first interpreter that imports torch among
# $PYTHON, python3 and /usr/bin/python3, resolved to its absolute path (a pyenv shim may resolve
# differently in make's shell and in a recipe's). The probe runs from / because in this directory
# `import torch` would find the Go package torch/ as a namespace package.
PYTHON_WITH_TORCH = $(shell cd / && for p in $(PYTHON) python3 /usr/bin/python3; do $$p -c 'import torch, sys; torch.__version__; print(sys.executable)' 2>/dev/null && break; done)

.PHONY: help setup deps vendor configure build test vet fuzz run bench bench-cpp data clean device-pack

help: ## List the targets
	@awk 'BEGIN {FS = ":.*## "} /^[a-z-]+:.*## / {printf "  make %-12s %s\n", $$1, $$2}' $(MAKEFILE_LIST)
	@echo "Variables: DATA=$(DATA) OUT=$(OUT) LIBTORCH=<dir> ARGS=... TESTFLAGS=..."

setup: deps vendor configure ## Install what is missing, vendor the Go modules, adapt gotch to libtorch

deps: ## Install the system packages (Debian/Ubuntu, as root) when missing
	@pkgs='$(APT_PACKAGES)'; cuda=; \
	dpkg-query -W -f='$${Status}' libtorch-cuda-dev 2>/dev/null | grep -q 'ok installed' && cuda=1; \
	missing=$$(for alts in $$pkgs; do \
		for p in $${alts//|/ }; do dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q 'ok installed' && continue 2; done; \
		pick=$${alts%%|*}; if [ -n "$$cuda" ]; then for p in $${alts//|/ }; do case $$p in *cuda*) pick=$$p;; esac; done; fi; \
		echo $$pick; done; \
		if [ -n "$$cuda" ]; then for p in $(CUDA_APT_PACKAGES); do \
			dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q 'ok installed' || echo $$p; done; fi); \
	if [ -z "$$missing" ]; then exit 0; fi; \
	if [ -n "$(LIBTORCH)" ]; then echo "setup: LIBTORCH is set; not installing $$missing"; exit 0; fi; \
	if ! command -v apt-get >/dev/null; then echo "setup: no apt-get: install libtorch yourself and set LIBTORCH (see README)"; exit 0; fi; \
	if [ "$$(id -u)" != 0 ]; then echo "setup: missing $$missing; run 'sudo make deps' or install them"; exit 1; fi; \
	echo "setup: apt-get install $$missing"; \
	apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing >/dev/null

vendor: vendor/modules.txt
vendor/modules.txt: go.mod go.sum
	GOFLAGS= go mod vendor
	@touch $@

configure: vendor ## Find libtorch and adapt gotch to it (cached per libtorch)
	@GOFLAGS=-mod=vendor go run ./cmd/torchconfig

build: setup ## Build the binaries into bin/
	go build -o bin/ ./cmd/...

vet: setup
	go vet ./...

# What a test run may not change: the status of every file git sees, and the content of the changed
# and untracked ones. `make test` fails if its steps change it.
TREE_STATE = { git status --porcelain=v1 --untracked-files=all; git diff HEAD --binary | sha256sum; \
	git ls-files -z --others --exclude-standard | xargs -0r sha256sum; }

test: setup ## Run the tests: fixture checks, the Python original's self-test, gofmt, vet, staticcheck, go test (and -race), a skip summary
	@mkdir -p build/test && $(TREE_STATE) > build/test/tree-before
	@py="$(PYTHON_WITH_TORCH)"; \
	if [ -z "$$py" ]; then echo "test: no python3 with torch: parity fixtures and the Python original not checked"; exit 0; fi; \
	echo "test: Python with torch: $$py"; \
	for g in $$(find torch train -path '*/testdata/*' -name 'gen*.py' | sort); do "$$py" $$g --check || exit 1; done; \
	"$$py" -m unittest discover -s bench/python -p 'test_*.py'
	@unformatted=$$(git ls-files -z --cached --others --exclude-standard '*.go' | xargs -0r gofmt -l); \
	if [ -n "$$unformatted" ]; then echo "test: not gofmt-formatted (run gofmt -w):"; echo "$$unformatted"; exit 1; fi
	go vet ./...
	go tool staticcheck ./...
	@go build -o build/test/testsummary ./internal/testsummary
	$(call go_test,go-test,$(TESTFLAGS) ./...)
	$(call go_test,go-test-race,-race -short ./...)
	@build/test/testsummary -echo=false -title "go test -race -short" < build/test/go-test-race.json
	@build/test/testsummary -echo=false -title "go test" < build/test/go-test.json
	@$(TREE_STATE) > build/test/tree-after; if ! cmp -s build/test/tree-before build/test/tree-after; then \
		echo "test: the tests changed the working tree:"; git status --short; exit 1; fi

# $(call go_test,NAME,ARGS): runs go test -json ARGS, keeping its stream in build/test/NAME.json and
# echoing what plain go test prints; on failure it ends with the summary.
go_test = @echo 'go test $(strip $(2))'; set -o pipefail; PYTHON="$(PYTHON_WITH_TORCH)" go test -json $(2) \
	| tee build/test/$(1).json | build/test/testsummary -summary=false \
	|| { build/test/testsummary -echo=false -title 'go test $(strip $(2))' < build/test/$(1).json; exit 1; }

FUZZTIME ?= 30s

fuzz: setup ## Run each fuzz target for FUZZTIME (checkpoint reader, image decoding)
	go test -run '^$$' -fuzz '^FuzzRead$$' -fuzztime $(FUZZTIME) -fuzzminimizetime 1s ./torch/internal/ptfile/
	go test -run '^$$' -fuzz '^FuzzPickle$$' -fuzztime $(FUZZTIME) -fuzzminimizetime 1s ./torch/internal/ptfile/
	go test -run '^$$' -fuzz '^FuzzDecode$$' -fuzztime $(FUZZTIME) -fuzzminimizetime 1s ./torch/vision/datasets/

run: build ## Run the main job: the seed's recipe on CIFAR-10 in $(DATA) (downloaded when missing), outputs in $(OUT)
	bin/aecifar run --download --data "$(DATA)" --out "$(OUT)" $(ARGS)

# CIFAR-10 as an ImageFolder tree (train/, test/) for the epoch benchmarks, and a datasets root
# holding MNIST/raw (decompressed, the examples' --data) for the mnist epochs; unset skips them.
CIFAR10_DIR ?=
MNIST_ROOT ?=
BENCHFLAGS ?=

bench: build ## Benchmark Go against the Python original, side by side (results in bench/results/)
	PYTHON="$(PYTHON_WITH_TORCH)" bin/aecifar-bench --data "$(CIFAR10_DIR)" --mnist "$(MNIST_ROOT)" $(BENCHFLAGS)

bench-cpp: configure ## Build build/bench/steps-cpp, the seed's training steps in C++ libtorch (the floor, no binding)
	@mkdir -p build/bench
	g++ -O2 -o build/bench/steps-cpp bench/cpp/steps.cpp $$(GOFLAGS=-mod=vendor go run ./cmd/torchconfig -program-flags)

data: ## Put CIFAR-10 in $(DATA): the official download, or CIFAR10_ARCHIVE=FILE to unpack a local one
	GOFLAGS=-mod=vendor go run ./cmd/aecifar data --data "$(DATA)" $(if $(CIFAR10_ARCHIVE),--archive "$(CIFAR10_ARCHIVE)")

clean: ## Remove build products (not runs or data)
	rm -rf bin build

device-pack: vendor ## Pack what bench/gpu/run.sh needs on a GPU host with no Go or network into .device/
	@mkdir -p .device
	@[ -f .device/go.tar.xz ] || ../shared/tools/pack-go-toolchain.sh .device/go.tar.xz
	tar -cJf .device/vendor.tar.xz vendor
	cp ../shared/data/cifar10-jpg.tar.xz .device/
	@du -ch .device/* | tail -1
