#!/usr/bin/env bash
# staticcheck.sh runs staticcheck (honnef.co/go/tools, pinned) over the
# module, building it once into the cache folder from the Go module proxy.
# The checks are staticcheck's defaults (no staticcheck.conf: none is off).
set -euo pipefail
cd "$(dirname "$0")/.."
version=v0.8.2
cache="${KR_CACHE:-$HOME/.cache/kubectl-rotation}"
bin="$cache/staticcheck-$version/staticcheck"
if [ ! -x "$bin" ]; then
	echo "staticcheck: building $version (once, into $cache)" >&2
	GOBIN="$cache/staticcheck-$version" go install "honnef.co/go/tools/cmd/staticcheck@$version"
fi
exec "$bin" ./...
