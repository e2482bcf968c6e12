# Common tasks. `make test` is the README's test command.
GO       ?= go
VERSION  ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
LDFLAGS  := -s -w -X main.version=$(VERSION)

.PHONY: build test demo vet fmt fuzz killtest bench clean

build:
	CGO_ENABLED=0 $(GO) build -trimpath -ldflags '$(LDFLAGS)' -o feedwatch ./cmd/feedwatch

test:
	$(GO) vet ./... && $(GO) test -race -timeout 30m ./...

demo:
	$(GO) run ./cmd/feedwatch demo

vet:
	$(GO) vet ./...
	@test -z "$$(gofmt -l .)" || (gofmt -l .; echo "gofmt: files above need formatting"; exit 1)

fmt:
	gofmt -w .

# Each fuzz target for a bounded time (not part of `make test`).
FUZZTIME ?= 30s
fuzz:
	FUZZTIME=$(FUZZTIME) scripts/fuzz.sh

# Kill -9 the daemon at random moments and check nothing is lost (minutes).
killtest:
	scripts/killtest.sh

bench:
	$(GO) test -run '^$$' -bench . -benchmem ./internal/match/ ./internal/ingest/

clean:
	rm -rf feedwatch feedwatch-demo
