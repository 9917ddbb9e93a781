# The test command of the README and of .ci/run is `make test`: it installs
# the real servers the integration tests need (scripts/testbins.sh, cached
# under ~/.cache/kubectl-rotation), checks formatting and vet, and runs every
# test with the race detector.

GO ?= go
PKGS := ./...


.PHONY: unit test testbins fmt-check vet build install lab demo bench clean

test: testbins fmt-check vet
	$(GO) test -race -count=1 -timeout 30m $(PKGS)

testbins:
	scripts/testbins.sh >/dev/null

# unit is the fast path for a contributor's loop: every unit test, no server
# (tests that need the real servers skip under -short; make test and CI run
# them all).
unit:
	$(GO) test -short -count=1 $(PKGS)

fmt-check:
	@out="$$(gofmt -l cmd ui runbook collectors actions internal 2>/dev/null | grep -v '^internal/testbins/' || true)"; \
	if [ -n "$$out" ]; then echo "gofmt needed on:"; echo "$$out"; exit 1; fi

vet:
	$(GO) vet $(PKGS)

build:
	$(GO) build -o kubectl-rotation ./cmd/kubectl-rotation

# install puts kubectl-rotation on the PATH (GOBIN or ~/go/bin), so that
# `kubectl rotation` finds it.
install:
	$(GO) install ./cmd/kubectl-rotation

demo:
	$(GO) run ./cmd/kubectl-rotation --demo

lab: testbins
	$(GO) run ./internal/lab/cmd/rotation-lab $(LABFLAGS)

clean:
	rm -f kubectl-rotation
