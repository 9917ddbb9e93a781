package testenv

import (
	"context"
	"fmt"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	vault "github.com/hashicorp/vault/api"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// Env is the set of real servers shared by the tests of one test binary.
type Env struct {
	Bins       Bins
	Dir        string
	Kube       *Kube
	Vault      *Vault
	Prometheus *Prometheus
	// Exporter is scraped by Prometheus every second; tests feed it samples
	// under their own key (see Feed).
	Exporter *Exporter
}

// Start starts every server in dir. Stop ends them.
func Start(ctx context.Context, bins Bins, dir string) (*Env, error) {
	e := &Env{Bins: bins, Dir: dir}
	var err error
	if e.Kube, err = StartKube(ctx, KubeOptions{Bins: bins, Dir: dir}); err != nil {
		return nil, err
	}
	if e.Vault, err = StartVault(ctx, bins.Vault, dir); err != nil {
		e.Stop()
		return nil, err
	}
	if e.Exporter, err = StartExporter(); err != nil {
		e.Stop()
		return nil, err
	}
	promDir, err := os.MkdirTemp(dir, "prometheus-")
	if err != nil {
		e.Stop()
		return nil, err
	}
	if e.Prometheus, err = StartPrometheus(ctx, PrometheusOptions{Bins: bins, Dir: promDir, Targets: []string{e.Exporter.Addr}}); err != nil {
		e.Stop()
		return nil, err
	}
	return e, nil
}

// Stop ends every server the Env started.
func (e *Env) Stop() {
	if e.Prometheus != nil {
		e.Prometheus.Stop()
	}
	if e.Exporter != nil {
		e.Exporter.Close()
	}
	if e.Vault != nil {
		e.Vault.Stop()
	}
	if e.Kube != nil {
		e.Kube.Stop()
	}
}

// shared is the Env of this test binary, started on first use by Get.
type shared struct {
	once    sync.Once
	env     *Env
	err     error
	dir     string
	bins    Bins
	binsErr error
	found   bool
}

// The one piece of package state: a test binary shares one set of servers.
// It is written once (sync.Once) and read-only after.
var binEnv shared

// Main runs the tests of a package and stops the shared servers afterwards,
// if a test started them. Use it from TestMain:
//
//	func TestMain(m *testing.M) { testenv.Main(m) }
func Main(m *testing.M) {
	// Find the binaries before any test changes HOME or XDG_CACHE_HOME.
	binEnv.bins, binEnv.binsErr = FindBins()
	binEnv.found = true
	code := m.Run()
	if binEnv.env != nil {
		binEnv.env.Stop()
	}
	if binEnv.dir != "" && code == 0 {
		_ = os.RemoveAll(binEnv.dir)
	} else if binEnv.dir != "" {
		fmt.Fprintf(os.Stderr, "testenv: server logs kept in %s\n", binEnv.dir)
	}
	os.Exit(code)
}

// NeedServers is the start of a test that needs the real servers: under
// `go test -short` (the unit path) it skips it, except in CI (CI set),
// where a skipped real-server test would prove nothing: there it fails.
func NeedServers(tb testing.TB) {
	tb.Helper()
	if !testing.Short() {
		return
	}
	if os.Getenv("CI") != "" {
		tb.Fatal("-short in CI (CI is set): this test needs the real servers and must run; run make test, which runs it")
	}
	tb.Skip("-short: this test needs the real servers (make test runs it)")
}

// Get returns the shared servers, starting them on first use. When the
// binaries are missing the test fails with the command that installs them;
// it never skips (so CI cannot go green without the real servers), except
// under `go test -short`, the unit path (`make unit`), which make test and
// CI never use.
func Get(tb testing.TB) *Env {
	tb.Helper()
	NeedServers(tb)
	binEnv.once.Do(func() {
		bins, err := binEnv.bins, binEnv.binsErr
		if !binEnv.found {
			bins, err = FindBins()
		}
		if err != nil {
			binEnv.err = err
			return
		}
		binEnv.dir, err = os.MkdirTemp("", "kubectl-rotation-testenv-")
		if err != nil {
			binEnv.err = err
			return
		}
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
		defer cancel()
		binEnv.env, binEnv.err = Start(ctx, bins, binEnv.dir)
	})
	if binEnv.err != nil {
		tb.Fatalf("testenv: %v", binEnv.err)
	}
	return binEnv.env
}

// Namespace creates a namespace of the test's own (named after the test)
// and returns its name.
func (e *Env) Namespace(tb testing.TB) string {
	tb.Helper()
	name := "t-" + sanitizeName(tb.Name())
	if len(name) > 50 {
		name = strings.Trim(name[:50], "-")
	}
	name += "-" + randomID(3)
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: name}}
	if _, err := e.Kube.Client.CoreV1().Namespaces().Create(context.Background(), ns, metav1.CreateOptions{}); err != nil {
		tb.Fatalf("create namespace %s: %v", name, err)
	}
	// Namespaces are not deleted: envtest runs no namespace controller, so
	// they would stay Terminating; the whole etcd goes at the end.
	return name
}

// KVMount mounts a KV v2 engine of the test's own and returns its path
// (without slashes), so tests never see each other's tenants.
func (e *Env) KVMount(tb testing.TB) string {
	tb.Helper()
	c := e.VaultRoot(tb)
	path := "kv-" + sanitizeName(tb.Name())
	if len(path) > 40 {
		path = strings.Trim(path[:40], "-")
	}
	path += "-" + randomID(3)
	err := c.Sys().Mount(path, &vault.MountInput{Type: "kv", Options: map[string]string{"version": "2"}})
	if err != nil {
		tb.Fatalf("mount kv v2 at %s: %v", path, err)
	}
	tb.Cleanup(func() { _ = c.Sys().Unmount(path) })
	return path
}

// VaultRoot returns a Vault client with the root token.
func (e *Env) VaultRoot(tb testing.TB) *vault.Client {
	tb.Helper()
	c, err := e.Vault.Root()
	if err != nil {
		tb.Fatal(err)
	}
	return c
}

// Feed sets the samples the exporter serves under the test's name; they
// replace earlier ones and are removed when the test ends.
func (e *Env) Feed(tb testing.TB, samples []Sample) {
	tb.Helper()
	e.Exporter.Set(tb.Name(), samples)
	tb.Cleanup(func() { e.Exporter.Set(tb.Name(), nil) })
}

// ControllerManager starts kube-controller-manager for the tests that need
// real CronJob and Job behaviour (once per test binary).
func (e *Env) ControllerManager(tb testing.TB) {
	tb.Helper()
	if err := e.Kube.StartControllerManager(context.Background()); err != nil {
		tb.Fatal(err)
	}
}

// TempDir returns a directory for a private server of one test.
func (e *Env) TempDir(tb testing.TB) string {
	tb.Helper()
	d, err := os.MkdirTemp(e.Dir, "private-")
	if err != nil {
		tb.Fatal(err)
	}
	return d
}
