# procman's build. `make demo` builds everything and shows the guarantee;
# `make test` is what CI runs.

GO       ?= go
BIN      := bin
VERSION  ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
LDFLAGS  := -X main.version=$(VERSION)

# Packages whose code runs concurrently: tested again under the race detector.
RACE_PKGS := ./host/... ./platform/...

.PHONY: all build demo test test-unit test-race test-unprivileged test-cross vet bench clean

all: build

build:
	$(GO) build -ldflags '$(LDFLAGS)' -o $(BIN)/procman ./cmd/procman

demo: build
	./scripts/demo.sh $(BIN)/procman

test: vet test-unit test-race test-unprivileged test-cross

vet:
	@test -z "$$(gofmt -l $$(git ls-files '*.go'))" || { gofmt -l $$(git ls-files '*.go'); echo "gofmt needed"; exit 1; }
	$(GO) vet ./...

# Unit tests and the acceptance suite over the built binaries.
test-unit:
	$(GO) test -count=1 ./...

test-race:
	$(GO) test -count=1 -race $(RACE_PKGS)

# The spawn tests and the acceptance suite again as uid 65534, when run as
# root; as any other user, test-unit already ran them unprivileged.
test-unprivileged:
	./scripts/test-unprivileged.sh

test-cross:
	GOOS=darwin $(GO) build ./...
	GOOS=darwin $(GO) vet ./...
	GOOS=windows $(GO) build ./...
	GOOS=windows $(GO) vet ./...

bench:
	$(GO) test -run '^$$' -bench . -benchtime 500x ./host/

clean:
	rm -rf $(BIN)
