#!/usr/bin/env bash
# testbins.sh installs the real servers the tests and the lab run against,
# built or unpacked by this project itself and cached by version under
# ${XDG_CACHE_HOME:-~/.cache}/kubectl-rotation, so a second run takes seconds:
#
#   kube-v1.37.2/   kube-apiserver, kube-controller-manager, kubectl, etcd
#                   (built from the Go module proxy, module internal/testbins/kube)
#   vault-v1.14.2/  vault (MPL-2.0 release, module internal/testbins/vault)
#   prometheus-*/   prometheus, promtool (Debian's package, unpacked, no service)
#   gojq-*/         jq: gojq (MIT, from the Go module proxy), for the tests that
#                   run the runbook's commands, which pipe to jq
#
# Usage: scripts/testbins.sh            install what is missing, print the env
#        scripts/testbins.sh --env      print only the environment lines
#        scripts/testbins.sh kube|vault|prometheus|jq   install just that one
#
# The printed lines (KUBEBUILDER_ASSETS=..., KR_VAULT_BIN=..., ...) are what
# internal/testenv reads; `eval "$(scripts/testbins.sh --env)"` sets them.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
CACHE="${XDG_CACHE_HOME:-$HOME/.cache}/kubectl-rotation"
KUBE_VERSION=v1.37.2
VAULT_VERSION=v1.14.2
PROM_DEB_VERSION=2.42.0+ds-5+b6
# v0.12.20 needs a go-yaml pseudo-version the proxy does not serve
GOJQ_VERSION=v0.12.19
mkdir -p "$CACHE"

log() { echo "testbins: $*" >&2; }

# fingerprint of a tools module, so editing it rebuilds the binaries.
fingerprint() {
	find "$1" -path "$1/sdk-patched" -prune -o -type f \( -name '*.go' -o -name 'go.*' -o -name '*.sh' \) -print |
		LC_ALL=C sort | xargs cat | sha256sum | cut -c1-12
}

build_kube() {
	local src="$ROOT/internal/testbins/kube"
	local dir="$CACHE/kube-$KUBE_VERSION"
	local fp; fp="$(fingerprint "$src")"
	if [[ -f "$dir/.stamp" && "$(cat "$dir/.stamp")" == "$fp" ]]; then return; fi
	log "building kube-apiserver, kube-controller-manager, kubectl and etcd $KUBE_VERSION (cold: about 7 minutes on 2 cores)"
	local start=$SECONDS
	mkdir -p "$dir.tmp"
	local pkg=k8s.io/component-base/version
	local ld="-s -w -X $pkg.gitVersion=$KUBE_VERSION -X $pkg.gitMajor=1 -X $pkg.gitMinor=37 -X $pkg.gitTreeState=clean -X $pkg.gitCommit=0000000000000000000000000000000000000000 -X $pkg.buildDate=2026-01-01T00:00:00Z"
	# The client-go copy compiled into kubectl reports its version the same way.
	ld="$ld -X k8s.io/client-go/pkg/version.gitVersion=$KUBE_VERSION -X k8s.io/client-go/pkg/version.gitMajor=1 -X k8s.io/client-go/pkg/version.gitMinor=37"
	(
		cd "$src"
		export CGO_ENABLED=0 GOFLAGS=-mod=readonly
		go build -trimpath -ldflags "$ld" -o "$dir.tmp/" \
			k8s.io/kubernetes/cmd/kube-apiserver \
			k8s.io/kubernetes/cmd/kube-controller-manager \
			k8s.io/kubernetes/cmd/kubectl
		go build -trimpath -ldflags "-s -w" -o "$dir.tmp/etcd" ./etcd
	)
	rm -rf "$dir" && mv "$dir.tmp" "$dir"
	echo "$fp" > "$dir/.stamp"
	log "kube binaries built in $((SECONDS - start)) s"
}

build_vault() {
	local src="$ROOT/internal/testbins/vault"
	local dir="$CACHE/vault-$VAULT_VERSION"
	local fp; fp="$(fingerprint "$src")"
	if [[ -f "$dir/.stamp" && "$(cat "$dir/.stamp")" == "$fp" ]]; then return; fi
	log "building vault $VAULT_VERSION (cold: 7-11 minutes on 2 cores)"
	local start=$SECONDS
	local work="$CACHE/vault-build"
	rm -rf "$work" "$dir.tmp" && mkdir -p "$work" "$dir.tmp"
	cp -r "$src"/. "$work"/
	"$src/patch-sdk.sh" "$work/sdk-patched"
	(
		cd "$work"
		export CGO_ENABLED=0 GOFLAGS=-mod=readonly
		go build -trimpath -ldflags "-s -w" -o "$dir.tmp/vault" github.com/hashicorp/vault
	)
	rm -rf "$dir" && mv "$dir.tmp" "$dir"
	echo "$fp" > "$dir/.stamp"
	log "vault built in $((SECONDS - start)) s"
}

install_prometheus() {
	local dir="$CACHE/prometheus-${PROM_DEB_VERSION//[+~]/_}"
	if [[ -x "$dir/prometheus" && -x "$dir/promtool" ]]; then return; fi
	log "unpacking Debian's prometheus $PROM_DEB_VERSION (no service is started)"
	local tmp; tmp="$(mktemp -d)"
	(
		cd "$tmp"
		if ! apt-get download "prometheus=$PROM_DEB_VERSION" >/dev/null 2>&1; then
			apt-get update >/dev/null
			apt-get download "prometheus=$PROM_DEB_VERSION" >/dev/null
		fi
		dpkg-deb -x prometheus_*.deb root
	)
	mkdir -p "$dir.tmp"
	cp "$tmp/root/usr/bin/prometheus" "$tmp/root/usr/bin/promtool" "$dir.tmp/"
	rm -rf "$dir" "$tmp" && mv "$dir.tmp" "$dir"
}

# install_jq builds gojq as jq: the tests put it first on the PATH of the
# runbook's commands, so they never use a jq installed by hand.
install_jq() {
	local dir="$CACHE/gojq-$GOJQ_VERSION"
	if [[ -x "$dir/jq" ]]; then return; fi
	log "building gojq $GOJQ_VERSION as jq"
	rm -rf "$dir.tmp" && mkdir -p "$dir.tmp"
	GOBIN="$dir.tmp" GOFLAGS= CGO_ENABLED=0 go install -trimpath -ldflags "-s -w" "github.com/itchyny/gojq/cmd/gojq@$GOJQ_VERSION"
	mv "$dir.tmp/gojq" "$dir.tmp/jq"
	rm -rf "$dir" && mv "$dir.tmp" "$dir"
}

need_debs() {
	local missing=()
	command -v jq >/dev/null || missing+=(jq)
	command -v ip >/dev/null || missing+=(iproute2)
	command -v tmux >/dev/null || missing+=(tmux)
	command -v curl >/dev/null || missing+=(curl) # the runbook's Prometheus queries
	if ((${#missing[@]})); then
		log "installing Debian packages: ${missing[*]}"
		apt-get update >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y "${missing[@]}" >/dev/null
	fi
}

print_env() {
	echo "KUBEBUILDER_ASSETS=$CACHE/kube-$KUBE_VERSION"
	echo "KR_KUBECTL_BIN=$CACHE/kube-$KUBE_VERSION/kubectl"
	echo "KR_VAULT_BIN=$CACHE/vault-$VAULT_VERSION/vault"
	echo "KR_PROMETHEUS_DIR=$CACHE/prometheus-${PROM_DEB_VERSION//[+~]/_}"
	echo "KR_JQ_BIN=$CACHE/gojq-$GOJQ_VERSION/jq"
}

case "${1:-}" in
--env) print_env; exit 0 ;;
kube) build_kube; exit 0 ;;
vault) build_vault; exit 0 ;;
prometheus) install_prometheus; exit 0 ;;
jq) install_jq; exit 0 ;;
esac

need_debs
install_prometheus
install_jq
build_kube
build_vault
print_env
