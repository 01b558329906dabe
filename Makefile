# procman's build. `make demo` builds everything and shows the guarantee;
# `make test` is what CI runs.

GO       ?= go
BIN      := bin
VERSION  ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
LDFLAGS  := -X main.version=$(VERSION)

# Packages whose code runs concurrently: tested again under the race detector.
RACE_PKGS := ./host/... ./platform/... ./reaper/... ./sdk/... ./internal/proctree/... ./supervisor/...

.PHONY: proto helpers check-helpers all build demo test test-unit test-race test-unprivileged test-cross vet bench clean fuzz test-windows bench-windows

all: build

# The built-in plugins. procman runs them in its own process; they are also
# built as executables, procman-plugin-NAME in $(BIN)/plugins, for hosts that
# find their plugins on PATH. (Found by procman, one replaces its built-in
# copy: keep $(BIN)/plugins out of PATH.)
PLUGINS := nvm jenv pyenv

# bin/procman is built without gRPC (the procman_lean tag), which halves
# the time it takes to start; when it finds a plugin executable, which needs
# gRPC, it hands over to bin/procman-grpc, the same command with it. Both
# are static (no cgo: procman resolves no host or user names), which saves
# the dynamic loader's work at every start.
build:
	CGO_ENABLED=0 $(GO) build -tags procman_lean -ldflags '$(LDFLAGS)' -o $(BIN)/procman ./cmd/procman
	CGO_ENABLED=0 $(GO) build -ldflags '$(LDFLAGS)' -o $(BIN)/procman-grpc ./cmd/procman
	for p in $(PLUGINS); do $(GO) build -o $(BIN)/plugins/procman-plugin-$$p ./builtin-plugins/$$p/cmd/procman-plugin-$$p || exit 1; done

demo: build
	./scripts/demo.sh $(BIN)/procman

test: vet check-helpers test-unit test-race test-unprivileged test-cross test-windows

vet:
	@test -z "$$(gofmt -l $$(git ls-files '*.go'))" || { gofmt -l $$(git ls-files '*.go'); echo "gofmt needed"; exit 1; }
	$(GO) vet ./...
	$(GO) build -tags procman_lean -o /dev/null ./cmd/procman
	$(GO) vet -tags procman_lean ./host/internal/pluginhost ./internal/pluginwire ./sdk/internal/...

# Unit tests and the acceptance suite over the built binaries.
test-unit:
	$(GO) test -count=1 ./...

# -short skips the 100-round chaos tests, which test-unit already ran: the
# race detector looks at the same code paths in every other test.
test-race:
	$(GO) test -count=1 -short -race $(RACE_PKGS)

# The spawn tests and the acceptance suite again as uid 65534, when run as
# root; as any other user, test-unit already ran them unprivileged.
test-unprivileged:
	./scripts/test-unprivileged.sh

# Build and vet for macOS (arm64, amd64) and Windows, and compile every
# package's tests for macOS, which this machine cannot run.
test-cross:
	GO=$(GO) ./scripts/test-cross.sh

# The Windows tests, run under Wine in a throw-away Wine prefix (needs wine,
# wine64 and gcc-mingw-w64-x86-64; see scripts/test-windows.sh): by default
# every package with tests built for Windows; WINDOWS_PKGS=./host runs one.
WINDOWS_PKGS ?=
test-windows:
	GO=$(GO) ./scripts/test-windows.sh $(WINDOWS_PKGS)

# Benchmarks under Wine: WINDOWS_BENCH_PKGS (default ./platform).
WINDOWS_BENCH_PKGS ?= ./platform
bench-windows:
	GO=$(GO) ./scripts/bench-windows.sh $(WINDOWS_BENCH_PKGS)

bench:
	$(GO) test -run '^$$' -bench 'Start|Stop' -benchtime 500x ./host/
	for m in automatic pid-namespace cgroup subreaper process-group; do \
		$(GO) test -run '^$$' -bench "ManyProcesses/$$m\$$" -benchtime 1x ./host/ || exit 1; done
	$(GO) test -run '^$$' -bench 'HostKillToLastGone' -benchtime 20x ./host/
	$(GO) test -run '^$$' -bench '^BenchmarkScale$$' -benchtime 1x -timeout 30m ./host/
	$(GO) test -run '^$$' -bench 'CPULimitShare' -benchtime 1x ./host/
	$(GO) test -run '^$$' -bench Scan ./internal/proctree/
	$(GO) test -run '^$$' -bench 'ProtectProcess|Release' ./reaper/
	$(GO) test -run '^$$' -bench HostDeath -benchtime 1x ./reaper/
	$(GO) test -run '^$$' -bench . -benchtime 2000x ./discovery/ $(addprefix ./builtin-plugins/,$(PLUGINS))
	$(GO) test -run '^$$' -bench ColdStart -benchtime 30x ./acceptance/
	$(GO) test -run '^$$' -bench '^BenchmarkUp$$' -benchtime 15x ./acceptance/

clean:
	rm -rf $(BIN)

# Runs every fuzz target of the module for FUZZTIME each, one after the
# other (make fuzz FUZZTIME=1m); fails if one finds a crasher, which go
# test leaves in that package's testdata/fuzz. make test runs only their
# seeds, through go test ./...
FUZZTIME ?= 30s
fuzz:
	./scripts/fuzz.sh $(FUZZTIME)

# Rebuilds the C helpers procman carries inside itself (procman-init and
# procman-reaper; the images are committed). Needs musl-gcc (Debian's
# musl-tools).
helpers:
	./scripts/build-helpers.sh

# Rebuilds the helper images with the pinned toolchain
# (scripts/helpers-toolchain) and fails unless they equal the committed
# ones byte for byte. Without that toolchain it says so and passes, unless
# HELPERS_CHECK=strict (CI).
check-helpers:
	./scripts/check-helpers.sh

# Regenerates the plugin protocol's Go code (committed). Needs protoc
# (Debian's protobuf-compiler); the Go generators come from the module proxy.
proto:
	GOBIN=$(CURDIR)/bin $(GO) install google.golang.org/protobuf/cmd/protoc-gen-go@v1.36.12
	GOBIN=$(CURDIR)/bin $(GO) install google.golang.org/grpc/cmd/protoc-gen-go-grpc@v1.5.1
	PATH=$(CURDIR)/bin:$$PATH protoc -I proto --go_out=. --go_opt=module=github.com/procman-dev/procman \
		--go-grpc_out=. --go-grpc_opt=module=github.com/procman-dev/procman procman/plugin/v1/plugin.proto
