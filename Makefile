# The test command of the README and of .ci/run is `make test`: it installs
# the real servers the integration tests need (scripts/testbins.sh, cached
# under ~/.cache/kubectl-rotation), checks formatting and vet, and runs every
# test with the race detector.

GO ?= go
PKGS := ./...


.PHONY: unit test testbins fmt-check vet tidy-check lint build install lab demo bench clean releasetools release-snapshot krew-manifest release-check

test: testbins fmt-check vet tidy-check lint release-check
	$(GO) test -race -count=1 -timeout 30m $(PKGS)

testbins:
	scripts/testbins.sh >/dev/null

# unit is the fast path for a contributor's loop: every unit test, no server
# (tests that need the real servers skip under -short, and fail under it
# when CI is set, where a skip would prove nothing; make test and CI run
# them all).
unit:
	$(GO) test -short -count=1 $(PKGS)

fmt-check:
	@out="$$(gofmt -l cmd ui runbook collectors actions internal 2>/dev/null | grep -v '^internal/testbins/' || true)"; \
	if [ -n "$$out" ]; then echo "gofmt needed on:"; echo "$$out"; exit 1; fi

vet:
	$(GO) vet $(PKGS)

# tidy-check fails when `go mod tidy` would change go.mod or go.sum.
tidy-check:
	@$(GO) mod tidy -diff >/dev/null || { echo "go.mod/go.sum are not tidy: run go mod tidy"; $(GO) mod tidy -diff; exit 1; }

# lint runs staticcheck (pinned, built into the cache by the script).
lint:
	scripts/staticcheck.sh

build:
	$(GO) build -o kubectl-rotation ./cmd/kubectl-rotation

# install puts kubectl-rotation on the PATH (GOBIN, else the first GOPATH's
# bin), so that `kubectl rotation` finds it, and kubectl_complete-rotation
# beside it, so that kubectl (1.26+) completes `kubectl rotation <TAB>`.
install:
	$(GO) install ./cmd/kubectl-rotation
	@bin="$$($(GO) env GOBIN)"; [ -n "$$bin" ] || bin="$$($(GO) env GOPATH | cut -d: -f1)/bin"; \
	install -m 0755 scripts/kubectl_complete-rotation "$$bin/kubectl_complete-rotation" && \
	echo "installed $$bin/kubectl-rotation and $$bin/kubectl_complete-rotation"

# The release (.goreleaser.yaml): tar.gz archives for linux and darwin on
# amd64 and arm64, a zip for windows/amd64, checksums.txt, and the krew
# manifest made from them. The tools are built by scripts/releasetools.sh
# (cached under ~/.cache/kubectl-rotation).
REPO_URL := https://github.com/oss-ai-agent-tool/kubectl-rotation.git
RELEASETOOLS_ENV = eval "$$(scripts/releasetools.sh --env)"

releasetools:
	scripts/releasetools.sh >/dev/null

# release-snapshot builds the archives offline into dist/ (git-ignored) and
# publishes nothing. GoReleaser reads the repository's URL from git (without
# network); a checkout without a remote is given the project's.
release-snapshot: releasetools
	@$(RELEASETOOLS_ENV); \
	git ls-remote --get-url >/dev/null 2>&1 || export GIT_CONFIG_COUNT=1 GIT_CONFIG_KEY_0=remote.origin.url GIT_CONFIG_VALUE_0=$(REPO_URL); \
	"$$KR_GORELEASER" release --snapshot --clean

# krew-manifest writes plugins/secret-rotation.yaml from dist/ (after
# release-snapshot, or after a tagged release's goreleaser release).
krew-manifest:
	$(GO) run ./internal/krew/cmd/krew-manifest -dist dist -o plugins/secret-rotation.yaml

# release-check (part of make test) builds the snapshot, writes its manifest
# to dist/krew/ and has krew's own validator check it, krew installing every
# platform's archive from dist/ served on 127.0.0.1; and checks the committed
# manifest (valid, and of the same shape).
release-check: release-snapshot testbins
	@$(RELEASETOOLS_ENV); eval "$$(scripts/testbins.sh --env)"; \
	$(GO) run ./internal/krew/cmd/krew-manifest -dist dist -o dist/krew/secret-rotation.yaml \
		-check "$$KR_KREW_DIR" -kubectl "$$KR_KUBECTL_BIN" -committed plugins/secret-rotation.yaml

demo:
	$(GO) run ./cmd/kubectl-rotation --demo

lab: testbins
	$(GO) run ./internal/lab/cmd/rotation-lab $(LABFLAGS)

clean:
	rm -rf kubectl-rotation dist
