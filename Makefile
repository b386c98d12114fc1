# quorate — see README.md. `make demo` and `make test` are the two set-up
# commands; both install what they need.
GO      ?= go
BIN     := bin
CMDS    := $(notdir $(wildcard cmd/*))
SEEDS   ?= 1000

.PHONY: all build test unit integration sim demo demo-stop bench image vm-test clean deps

all: build

deps:
	@scripts/deps.sh test

build:
	@mkdir -p $(BIN)
	CGO_ENABLED=0 $(GO) build -o $(BIN)/ ./cmd/...

# The README's test command: unit tests and simulation, then (as root) the
# integration tiers on real loop devices, iptables, BMC simulators and systemd.
test: deps build unit integration

unit:
	$(GO) vet ./...
	$(GO) test ./...

sim:
	$(GO) test ./cluster/sim -run TestSimulatedSeeds -seeds=$(SEEDS) -v

integration: build
	@if [ "$$(id -u)" != 0 ]; then echo "integration: skipped, needs root"; else \
	  $(GO) test -tags integration -count=1 -p 1 -timeout 30m ./...; fi

demo: build
	@scripts/deps.sh demo
	@scripts/demo.sh start

demo-stop:
	@scripts/demo.sh stop

bench: build
	$(GO) run ./cmd/quorate-bench
	@if [ "$$(id -u)" = 0 ]; then \
	  QUORATE_SPLIT_TRIALS=100 $(GO) test -tags integration -count=1 -run TestTwoNodeSplit -v ./integration | grep -E 'splits|round|FAIL|ok'; fi

# The appliance: a u-root initramfs with the daemon and tools (out/), and
# the VM tests that boot three qemu VMs from it (root, ~2 minutes).
image:
	@scripts/deps.sh vm
	image/build.sh

vm-test: build image
	image/vmtest/run.sh

clean:
	rm -rf $(BIN) out
