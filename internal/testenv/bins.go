// Package testenv starts the real servers kubectl-rotation is tested against:
// a Kubernetes API server with etcd (and, on demand, kube-controller-manager),
// a Vault dev server and Prometheus, all on 127.0.0.1, from binaries that
// scripts/testbins.sh builds or unpacks into the cache. It is used by the
// integration tests (through Main and Get) and by the lab.
package testenv

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
)

// Versions of the servers scripts/testbins.sh installs; the cache folders
// are named after them.
const (
	KubeVersion       = "v1.37.2"
	VaultVersion      = "v1.14.2"
	PrometheusVersion = "2.42.0_ds-5_b6"
)

// InstallCommand is what a person runs to install the missing binaries.
const InstallCommand = "scripts/testbins.sh"

// Bins are the paths of the server binaries.
type Bins struct {
	KubeDir    string // kube-apiserver, kube-controller-manager, kubectl, etcd
	Vault      string
	Prometheus string
	Promtool   string
}

// Kubectl is the kubectl built beside the API server, of the same version.
func (b Bins) Kubectl() string { return filepath.Join(b.KubeDir, "kubectl") }

// ControllerManager is the kube-controller-manager binary.
func (b Bins) ControllerManager() string { return filepath.Join(b.KubeDir, "kube-controller-manager") }

// CacheDir is where scripts/testbins.sh keeps what it installs:
// ${XDG_CACHE_HOME:-~/.cache}/kubectl-rotation.
func CacheDir() string {
	if d := os.Getenv("XDG_CACHE_HOME"); d != "" {
		return filepath.Join(d, "kubectl-rotation")
	}
	home, _ := os.UserHomeDir()
	return filepath.Join(home, ".cache", "kubectl-rotation")
}

// FindBins locates the binaries: the environment variables testbins.sh
// prints (KUBEBUILDER_ASSETS, KR_VAULT_BIN, KR_PROMETHEUS_DIR) when set, else
// the cache folder. It returns an error naming every missing binary and the
// command that installs them.
func FindBins() (Bins, error) {
	cache := CacheDir()
	b := Bins{
		KubeDir:    envOr("KUBEBUILDER_ASSETS", filepath.Join(cache, "kube-"+KubeVersion)),
		Vault:      envOr("KR_VAULT_BIN", filepath.Join(cache, "vault-"+VaultVersion, "vault")),
		Prometheus: filepath.Join(envOr("KR_PROMETHEUS_DIR", filepath.Join(cache, "prometheus-"+PrometheusVersion)), "prometheus"),
	}
	b.Promtool = filepath.Join(filepath.Dir(b.Prometheus), "promtool")
	var missing []error
	for _, p := range []string{
		filepath.Join(b.KubeDir, "kube-apiserver"), filepath.Join(b.KubeDir, "etcd"),
		b.ControllerManager(), b.Kubectl(), b.Vault, b.Prometheus, b.Promtool,
	} {
		if st, err := os.Stat(p); err != nil || st.IsDir() || st.Mode()&0o111 == 0 {
			missing = append(missing, fmt.Errorf("missing %s", p))
		}
	}
	if len(missing) > 0 {
		return b, fmt.Errorf("test servers are not installed (run %s from the repository root): %w",
			InstallCommand, errors.Join(missing...))
	}
	return b, nil
}

func envOr(name, def string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return def
}
