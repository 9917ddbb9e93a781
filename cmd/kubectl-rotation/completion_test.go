package main

import (
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"k8s.io/cli-runtime/pkg/genericiooptions"

	"github.com/oss-ai-agent-tool/kubectl-rotation/internal/testenv"
)

// completionKubeconfig has three contexts over two clusters and two users.
const completionKubeconfig = `apiVersion: v1
kind: Config
clusters:
- name: us
  cluster:
    server: https://127.0.0.1:1
- name: eu
  cluster:
    server: https://127.0.0.1:1
users:
- name: bob
  user:
    token: ` + testKubeToken + `
- name: alice
  user:
    token: ` + testKubeToken + `
contexts:
- name: staging
  context: {cluster: eu, user: bob}
- name: prod-us
  context: {cluster: us, user: alice}
- name: prod-eu
  context: {cluster: eu, user: alice}
current-context: staging
`

// completions runs cobra's __complete with args in-process, as the shell
// (or kubectl_complete-rotation) does, and returns the offered values (the
// descriptions after a tab dropped) and the directive line.
func completions(t *testing.T, args ...string) (values []string, directive string) {
	t.Helper()
	code, out, errOut := runArgs(t, append([]string{"__complete"}, args...)...)
	if code != 0 {
		t.Fatalf("__complete %q: exit %d, stderr %q", args, code, errOut)
	}
	lines := strings.Split(strings.TrimRight(out, "\n"), "\n")
	directive = lines[len(lines)-1]
	for _, l := range lines[:len(lines)-1] {
		v, _, _ := strings.Cut(l, "\t")
		values = append(values, v)
	}
	return values, directive
}

// Cobra's directives, as __complete prints them.
const (
	dirNoFile  = ":4" // ShellCompDirectiveNoFileComp
	dirFileExt = ":8" // ShellCompDirectiveFilterFileExt: the values are extensions
	dirFiles   = ":0" // ShellCompDirectiveDefault: the shell completes file names
)

func TestComplete_Flags(t *testing.T) {
	home := isolateEnv(t)
	kc := writeFile(t, filepath.Join(home, "kube", "config"), completionKubeconfig)
	tests := map[string]struct {
		args          []string
		env           map[string]string
		want          []string
		wantDirective string
	}{
		"commands": {
			args: []string{""}, want: []string{"audit-backfill", "completion", "diff", "help", "journal", "postmortem", "report", "snapshot", "timeline"}, wantDirective: dirNoFile,
		},
		"shells": {
			args: []string{"completion", ""}, want: []string{"bash", "fish", "powershell", "zsh"}, wantDirective: dirNoFile,
		},
		"report formats": {
			args: []string{"report", "-o", ""}, want: []string{"text", "markdown", "json", "yaml"}, wantDirective: dirNoFile,
		},
		"report formats by prefix": {
			args: []string{"report", "--output", "m"}, want: []string{"markdown"}, wantDirective: dirNoFile,
		},
		"snapshot formats": {
			args: []string{"snapshot", "-o", ""}, want: []string{"json"}, wantDirective: dirNoFile,
		},
		"journal formats": {
			args: []string{"journal", "-o", ""}, want: []string{"text", "json"}, wantDirective: dirNoFile,
		},
		"contexts from --kubeconfig": {
			args: []string{"--kubeconfig", kc, "--context", ""}, want: []string{"prod-eu", "prod-us", "staging"}, wantDirective: dirNoFile,
		},
		"contexts by prefix, on a subcommand": {
			args: []string{"report", "--kubeconfig", kc, "--context", "prod-"}, want: []string{"prod-eu", "prod-us"}, wantDirective: dirNoFile,
		},
		"contexts from KUBECONFIG": {
			args: []string{"snapshot", "--context", ""}, env: map[string]string{"KUBECONFIG": kc},
			want: []string{"prod-eu", "prod-us", "staging"}, wantDirective: dirNoFile,
		},
		"contexts with --kubeconfig=": {
			args: []string{"report", "--kubeconfig=" + kc, "--context=st"}, want: []string{"staging"}, wantDirective: dirNoFile,
		},
		"clusters": {
			args: []string{"report", "--kubeconfig", kc, "--cluster", ""}, want: []string{"eu", "us"}, wantDirective: dirNoFile,
		},
		"users": {
			args: []string{"journal", "--kubeconfig", kc, "--user", "a"}, want: []string{"alice"}, wantDirective: dirNoFile,
		},
		"no kubeconfig: no contexts": {
			args: []string{"--context", ""}, wantDirective: dirNoFile,
		},
		"an unreadable kubeconfig: no contexts": {
			args: []string{"--kubeconfig", filepath.Join(home, "missing"), "--context", ""}, wantDirective: dirNoFile,
		},
		"namespaces of an unreachable server: none": {
			args: []string{"report", "--kubeconfig", kc, "-n", ""}, wantDirective: dirNoFile,
		},
		"--from offers snapshot files": {
			args: []string{"report", "--from", ""}, want: []string{"json"}, wantDirective: dirFileExt,
		},
		"--config offers YAML files": {
			args: []string{"snapshot", "--config", ""}, want: []string{"yaml", "yml"}, wantDirective: dirFileExt,
		},
		"--journal offers JSONL files": {
			args: []string{"journal", "--journal", ""}, want: []string{"jsonl"}, wantDirective: dirFileExt,
		},
		"--kubeconfig completes files": {
			args: []string{"--kubeconfig", ""}, wantDirective: dirFiles,
		},
		"--vault-addr: nothing to guess": {
			args: []string{"report", "--vault-addr", ""}, wantDirective: dirNoFile,
		},
		"--source-timeout: nothing to guess": {
			args: []string{"snapshot", "--source-timeout", ""}, wantDirective: dirNoFile,
		},
		"flags of report": {
			args: []string{"report", "--de"}, want: []string{"--demo"}, wantDirective: dirNoFile,
		},
		"flags of snapshot": {
			args: []string{"snapshot", "--q"}, want: []string{"--quiet"}, wantDirective: dirNoFile,
		},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			for k, v := range tt.env {
				t.Setenv(k, v)
			}
			got, dir := completions(t, tt.args...)
			if strings.Join(got, " ") != strings.Join(tt.want, " ") || dir != tt.wantDirective {
				t.Errorf("__complete %q: got %q %s, want %q %s", tt.args, got, dir, tt.want, tt.wantDirective)
			}
		})
	}
}

// TestComplete_NamespacesHung: a server that accepts the connection and
// never answers costs the shell at most the completion's timeout, and
// offers nothing.
func TestComplete_NamespacesHung(t *testing.T) {
	home := isolateEnv(t)
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			defer c.Close() // held open, never answered
		}
	}()
	kc := writeFile(t, filepath.Join(home, "kubeconfig"), strings.ReplaceAll(completionKubeconfig, "https://127.0.0.1:1", "https://"+l.Addr().String()))
	start := time.Now()
	got, dir := completions(t, "--kubeconfig", kc, "--namespace", "")
	if took := time.Since(start); len(got) != 0 || dir != dirNoFile || took > namespaceCompletionTimeout+2*time.Second {
		t.Errorf("got %q %s after %s, want nothing, %s, within %s", got, dir, took, dirNoFile, namespaceCompletionTimeout)
	}
}

// TestComplete_Namespaces lists the real API server's namespaces, with the
// credentials and context of the kubeconfig given on the command line.
func TestComplete_Namespaces(t *testing.T) {
	e := testenv.Get(t)
	a, b := e.Namespace(t), e.Namespace(t)
	_, kc, err := e.Kube.AddUser("complete-"+a, []string{"system:masters"}, a)
	if err != nil {
		t.Fatal(err)
	}
	home := isolateEnv(t)
	path := writeFile(t, filepath.Join(home, "kubeconfig"), string(kc))
	prefix := strings.TrimSuffix(a, a[strings.LastIndex(a, "-"):]) // the test's name, without the random suffix
	got, dir := completions(t, "report", "--kubeconfig", path, "-n", prefix)
	want := []string{a, b}
	if a > b {
		want = []string{b, a}
	}
	if strings.Join(got, " ") != strings.Join(want, " ") || dir != dirNoFile {
		t.Errorf("got %q %s, want %q %s", got, dir, want, dirNoFile)
	}
	if got, _ := completions(t, "report", "--kubeconfig", path, "--namespace", "kube-sys"); strings.Join(got, " ") != "kube-system" {
		t.Errorf("prefix kube-sys: got %q, want kube-system", got)
	}
}

// envRunMain makes the test binary run the command line instead of the
// tests, so that it can stand in for the built binary under the plugin's
// names (kubectl runs it through the completion script or as a plugin).
const envRunMain = "KR_TEST_RUN_AS_PLUGIN"

func init() {
	if os.Getenv(envRunMain) == "1" {
		os.Exit(run(os.Args[1:], genericiooptions.IOStreams{In: os.Stdin, Out: os.Stdout, ErrOut: os.Stderr}))
	}
}

// binDir returns a directory for PATH holding the test binary (standing in
// for the built one, see envRunMain) and the
// completion script under the names given (binary name → script name), as
// make install, the release archive or a krew install lay them out.
func binDir(t *testing.T, binary, script string) string {
	t.Helper()
	bin, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	src, err := filepath.Abs(filepath.Join("..", "..", "scripts", "kubectl_complete-rotation"))
	if err != nil {
		t.Fatal(err)
	}
	for target, link := range map[string]string{bin: binary, src: script} {
		if err := os.Symlink(target, filepath.Join(dir, link)); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// TestCompletionScript runs the shipped kubectl_complete-rotation and, end
// to end, kubectl's own plugin completion (the kubectl the tests' API
// server came with), under the names go install and krew give the plugin.
func TestCompletionScript(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("kubectl_complete-rotation is a POSIX shell script")
	}
	bins, binsErr := testenv.FindBins()
	kubectl := bins.Kubectl()
	if _, err := os.Stat(kubectl); err != nil {
		t.Fatalf("kubectl: %v (%v)", err, binsErr)
	}
	tests := map[string]struct {
		binary, script, command string
	}{
		"go install":   {"kubectl-rotation", "kubectl_complete-rotation", "rotation"},
		"krew install": {"kubectl-secret_rotation", "kubectl_complete-secret_rotation", "secret-rotation"},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			home := isolateEnv(t)
			dir := binDir(t, tt.binary, tt.script)
			kc := writeFile(t, filepath.Join(home, "kubeconfig"), completionKubeconfig)
			env := append(os.Environ(), "PATH="+dir+string(os.PathListSeparator)+"/usr/bin:/bin", "HOME="+home, "KUBECONFIG="+kc, envRunMain+"=1")
			run := func(name string, args ...string) string {
				t.Helper()
				cmd := exec.Command(name, args...)
				cmd.Env = env
				out, err := cmd.Output()
				if err != nil {
					t.Fatalf("%s %q: %v", name, args, err)
				}
				return string(out)
			}
			if got, want := run(filepath.Join(dir, tt.script), "report", "-o", ""), "text\nmarkdown\njson\nyaml\n:4\n"; got != want {
				t.Errorf("%s report -o '': got %q, want %q", tt.script, got, want)
			}
			if got, want := run(kubectl, "__complete", tt.command, "report", "-o", "j"), "json\n:4\n"; got != want {
				t.Errorf("kubectl __complete %s report -o j: got %q, want %q", tt.command, got, want)
			}
			if got, want := run(kubectl, "__complete", tt.command, "snapshot", "--context", "prod"), "prod-eu\nprod-us\n:4\n"; got != want {
				t.Errorf("kubectl __complete %s snapshot --context prod: got %q, want %q", tt.command, got, want)
			}
			// kubectl runs the plugin under its installed name; help and
			// hints use the command the user typed.
			help := run(kubectl, tt.command, "report", "--help")
			if want := "kubectl " + tt.command + " report [flags]"; !strings.Contains(help, want) || !strings.Contains(help, "kubectl "+tt.command+" report --from snap.json") {
				t.Errorf("kubectl %s report --help lacks %q and the renamed example:\n%s", tt.command, want, help)
			}
		})
	}
}
