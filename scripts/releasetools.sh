#!/usr/bin/env bash
# releasetools.sh builds the release tools from the Go module proxy, each in
# a tools module of its own, and caches them by version under
# ${XDG_CACHE_HOME:-~/.cache}/kubectl-rotation, so a second run takes
# seconds:
#
#   goreleaser-v2.15.1/  goreleaser                (module internal/testbins/goreleaser)
#   krew-v0.4.3/         validate-krew-manifest,   (module internal/testbins/krew)
#                        kubectl-krew (krew itself, which the validator runs
#                        as `kubectl krew install --manifest`)
#
# Usage: scripts/releasetools.sh               install what is missing, print the env
#        scripts/releasetools.sh --env         print only the environment lines
#        scripts/releasetools.sh goreleaser|krew   install just that one
#
# The printed lines (KR_GORELEASER=..., KR_KREW_DIR=...) are what the
# Makefile's release targets read.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
CACHE="${XDG_CACHE_HOME:-$HOME/.cache}/kubectl-rotation"
GORELEASER_VERSION=v2.15.1
KREW_VERSION=v0.4.3
mkdir -p "$CACHE"

log() { echo "releasetools: $*" >&2; }

# fingerprint of a tools module, so editing it rebuilds the binaries.
fingerprint() {
	find "$1" -type f \( -name '*.go' -o -name 'go.*' \) -print | LC_ALL=C sort | xargs cat | sha256sum | cut -c1-12
}

# build DIR-NAME MODULE-DIR LDFLAGS PKG=OUTPUT...
build() {
	local name="$1" src="$ROOT/$2" ld="$3"
	shift 3
	local dir="$CACHE/$name"
	local fp; fp="$(fingerprint "$src")"
	if [[ -f "$dir/.stamp" && "$(cat "$dir/.stamp")" == "$fp" ]]; then return; fi
	log "building $name (cold: $(cold_time "$name") on 2 cores)"
	local start=$SECONDS
	rm -rf "$dir.tmp" && mkdir -p "$dir.tmp"
	(
		cd "$src"
		export CGO_ENABLED=0 GOFLAGS=-mod=readonly
		for spec in "$@"; do
			go build -trimpath -ldflags "$ld" -o "$dir.tmp/${spec#*=}" "${spec%%=*}"
		done
	)
	rm -rf "$dir" && mv "$dir.tmp" "$dir"
	echo "$fp" > "$dir/.stamp"
	log "$name built in $((SECONDS - start)) s"
}

cold_time() {
	case "$1" in
	goreleaser-*) echo "about 8 minutes" ;;
	*) echo "about 1 minute" ;;
	esac
}

build_goreleaser() {
	build "goreleaser-$GORELEASER_VERSION" internal/testbins/goreleaser \
		"-s -w -X main.version=${GORELEASER_VERSION#v} -X main.builtBy=kubectl-rotation/scripts/releasetools.sh" \
		github.com/goreleaser/goreleaser/v2=goreleaser
}

build_krew() {
	# Left unstamped on purpose: a krew without a release tag is a
	# development build, which never checks GitHub for a newer krew (the
	# validator runs it with an environment of its own, offline).
	build "krew-$KREW_VERSION" internal/testbins/krew "-s -w" \
		sigs.k8s.io/krew/cmd/validate-krew-manifest=validate-krew-manifest \
		sigs.k8s.io/krew/cmd/krew=kubectl-krew
}

print_env() {
	echo "KR_GORELEASER=$CACHE/goreleaser-$GORELEASER_VERSION/goreleaser"
	echo "KR_KREW_DIR=$CACHE/krew-$KREW_VERSION"
}

case "${1:-}" in
--env) print_env; exit 0 ;;
goreleaser) build_goreleaser; exit 0 ;;
krew) build_krew; exit 0 ;;
esac

build_krew
build_goreleaser
print_env
