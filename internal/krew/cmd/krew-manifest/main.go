// Command krew-manifest writes the krew plugin manifest of kubectl-rotation
// from GoReleaser's dist/ output and, with -check, has krew's own validator
// check it:
//
//	krew-manifest -dist dist -o plugins/secret-rotation.yaml
//	krew-manifest -dist dist -o dist/krew/secret-rotation.yaml -check KREW_DIR -kubectl KUBECTL [-committed plugins/secret-rotation.yaml]
//
// -check runs validate-krew-manifest (from KREW_DIR, where
// scripts/releasetools.sh puts it beside kubectl-krew) twice: on the
// manifest as written, structurally (-skip-install: its URIs point at the
// GitHub release), and on a copy whose URIs point at dist/ served on
// 127.0.0.1, so that krew really installs the plugin for every platform,
// checking each archive's sha256 and that it carries a LICENSE. It also
// runs this machine's binary from dist/ to check the version stamp, and
// with -committed checks that the committed manifest is valid and has the
// fresh one's shape (everything but the version, URIs and sums).
package main

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"

	"github.com/oss-ai-agent-tool/kubectl-rotation/internal/krew"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "krew-manifest:", err)
		os.Exit(1)
	}
}

func run() error {
	dist := flag.String("dist", "dist", "GoReleaser's output `DIR`")
	out := flag.String("o", "", "write the manifest to `FILE` (named "+krew.PluginName+".yaml, as krew requires); default stdout")
	baseURL := flag.String("base-url", "", "download `URL` of the archives (default: the GitHub release of the version)")
	check := flag.String("check", "", "check the manifest with krew's validator from `KREW_DIR` (validate-krew-manifest, kubectl-krew)")
	kubectl := flag.String("kubectl", "kubectl", "the `KUBECTL` krew runs under (with -check)")
	committed := flag.String("committed", "", "with -check, also check the committed manifest `FILE` and that it has the fresh one's shape")
	flag.Parse()

	meta, arts, err := krew.ReadDist(*dist)
	if err != nil {
		return err
	}
	text, err := krew.Manifest(meta, arts, *baseURL)
	if err != nil {
		return err
	}
	if *out == "" {
		_, err = os.Stdout.Write(text)
		return err
	}
	if err := os.MkdirAll(filepath.Dir(*out), 0o755); err != nil {
		return err
	}
	if err := os.WriteFile(*out, text, 0o644); err != nil {
		return err
	}
	if *check == "" {
		return nil
	}
	c := checker{krewDir: *check, kubectl: *kubectl, dist: *dist}
	if err := c.stamp(meta, arts); err != nil {
		return err
	}
	if err := c.validate(*out, true); err != nil {
		return err
	}
	if err := c.installEveryPlatform(meta, arts); err != nil {
		return err
	}
	if *committed != "" {
		if err := c.validate(*committed, true); err != nil {
			return fmt.Errorf("the committed manifest: %w", err)
		}
		if err := sameShape(*committed, text); err != nil {
			return err
		}
	}
	fmt.Fprintf(os.Stderr, "krew-manifest: %s valid (krew %s), installed by krew on %d platforms\n", *out, filepath.Base(*check), len(krew.Archives(arts)))
	return nil
}

type checker struct {
	krewDir, kubectl, dist string
}

// validate runs validate-krew-manifest on the manifest file.
func (c checker) validate(path string, skipInstall bool) error {
	args := []string{"-manifest", path}
	if skipInstall {
		args = append(args, "-skip-install")
	}
	cmd := exec.Command(filepath.Join(c.krewDir, "validate-krew-manifest"), args...)
	// The validator runs `kubectl krew install`: krew and kubectl on the PATH.
	cmd.Env = append(os.Environ(), "PATH="+c.krewDir+string(os.PathListSeparator)+filepath.Dir(c.kubectl)+string(os.PathListSeparator)+os.Getenv("PATH"))
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("validate-krew-manifest %s: %w\n%s", strings.Join(args, " "), err, out)
	}
	return nil
}

// installEveryPlatform serves dist/ on 127.0.0.1 and validates a copy of the
// manifest pointing there, without -skip-install: krew downloads, verifies
// and installs the archive of every platform.
func (c checker) installEveryPlatform(meta krew.Metadata, arts []krew.Artifact) error {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	srv := &http.Server{Handler: http.FileServer(http.Dir(c.dist))}
	go func() { _ = srv.Serve(l) }()
	defer srv.Close()
	text, err := krew.Manifest(meta, arts, "http://"+l.Addr().String())
	if err != nil {
		return err
	}
	dir, err := os.MkdirTemp("", "krew-manifest-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, krew.PluginName+".yaml")
	if err := os.WriteFile(path, text, 0o644); err != nil {
		return err
	}
	if _, err := exec.LookPath(c.kubectl); err != nil {
		return fmt.Errorf("kubectl, which krew runs under: %w (scripts/testbins.sh kube builds it)", err)
	}
	return c.validate(path, false)
}

// stamp runs this machine's binary from dist/ (when one was built for it)
// and checks that --version carries the release version and commit.
func (c checker) stamp(meta krew.Metadata, arts []krew.Artifact) error {
	for _, a := range arts {
		if a.Type != "Binary" || a.Goos != runtime.GOOS || a.Goarch != runtime.GOARCH {
			continue
		}
		out, err := exec.Command(a.Path, "--version").Output()
		if err != nil {
			return fmt.Errorf("%s --version: %w", a.Path, err)
		}
		want := fmt.Sprintf("kubectl-rotation v%s (commit %.12s, ", meta.Version, meta.Commit)
		if !strings.HasPrefix(string(out), want) {
			return fmt.Errorf("%s --version: got %q, want it to start with %q: the ldflags in .goreleaser.yaml do not stamp cmd/kubectl-rotation/version.go's variables", a.Path, out, want)
		}
		return nil
	}
	return nil
}

// sameShape checks that the committed manifest differs from the fresh one
// only in the version, the URIs and the sums.
func sameShape(committedPath string, fresh []byte) error {
	old, err := os.ReadFile(committedPath)
	if err != nil {
		return err
	}
	a, err := krew.Shape(old)
	if err != nil {
		return fmt.Errorf("%s: %w", committedPath, err)
	}
	b, err := krew.Shape(fresh)
	if err != nil {
		return err
	}
	if !bytes.Equal(a, b) {
		return errors.New(committedPath + " is out of date with internal/krew or .goreleaser.yaml: run make krew-manifest and commit it")
	}
	return nil
}
