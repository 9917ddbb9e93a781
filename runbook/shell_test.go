package runbook

import (
	"os/exec"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/oss-ai-agent-tool/kubectl-rotation/collectors"
)

// bookTemplates are every command the runbook shows: the steps' commands
// (those of the cause steps too), the commands the notes name in
// backticks, and the verification checks.
func bookTemplates(b *Book) []string {
	var out []string
	steps := func(ss []Step) {
		for _, s := range ss {
			if s.Command != "" {
				out = append(out, s.Command)
			}
			for _, m := range regexp.MustCompile("`([^`]+)`").FindAllStringSubmatch(s.Note, -1) {
				out = append(out, m[1])
			}
		}
	}
	for _, d := range b.Diagnosis {
		steps(d.Steps)
	}
	for _, sc := range b.Scenarios {
		steps(sc.Steps)
	}
	steps(b.Mitigation.Steps)
	for _, cs := range b.Causes {
		steps(cs.Steps)
	}
	for _, c := range b.Verification {
		out = append(out, c.Command)
	}
	return out
}

// stubs stand in for the commands the runbook's commands run: kubectl and
// vault write, on stderr (a pipe does not swallow it) and in one write (a
// pipeline's commands run at once), a record of the invocation: its name,
// for vault the VAULT_ADDR it sees, and every argument as the shell passed
// it, separated by US and ended by RS. The filters read their input and
// print nothing.
const stubs = `us=$(printf '\037'); rs=$(printf '\036')
record() { r=$1; shift; for a; do r="$r$us$a"; done; printf '%s%s' "$r" "$rs" >&2; }
kubectl() { record KUBECTL "$@"; }
vault() { record "VAULT ${VAULT_ADDR-unset}" "$@"; }
curl() { record CURL "$@"; }
jq() { cat >/dev/null; }
grep() { cat >/dev/null; }
`

// invocation is one call of a stub: its name (and for vault the address
// it saw) and its arguments.
type invocation struct {
	head string
	args []string
}

// runStubbed runs command with the stubs and returns the invocations.
func runStubbed(t *testing.T, command string) []invocation {
	t.Helper()
	cmd := exec.Command("sh", "-c", stubs+command)
	cmd.Env = []string{"PATH=/usr/bin:/bin", "HOME=/home-not-to-expand"}
	var errOut strings.Builder
	cmd.Stderr = &errOut
	if err := cmd.Run(); err != nil {
		t.Fatalf("sh -c: %v\n%s\n%s", err, command, errOut.String())
	}
	var out []invocation
	for _, r := range strings.Split(errOut.String(), "\x1e") {
		if r == "" {
			continue
		}
		f := strings.Split(r, "\x1f")
		out = append(out, invocation{head: f[0], args: f[1:]})
	}
	return out
}

// TestVars_ShellWords: every command the runbook shows, rendered for
// tenants whose ids a shell reads specially (a space, a quote, a $), runs
// through sh as is and hands every value to kubectl and vault as one
// argument, unexpanded; every kubectl carries the connection flags given
// and every vault reaches the Vault given; plain values stay unquoted.
func TestVars_ShellWords(t *testing.T) {
	b := mustDefault(t)
	conns := map[string]struct {
		conn  collectors.Connection
		flags []string // what every kubectl invocation starts with
		addr  string   // the VAULT_ADDR every vault sees
	}{
		"no flags given": {addr: "unset"},
		"context, kubeconfig with a space, impersonation": {
			conn:  collectors.Connection{KubectlFlags: []string{"--kubeconfig=/tmp/my dir/kubeconfig", "--context=envtest", "--as=o'brien"}},
			flags: []string{"--kubeconfig=/tmp/my dir/kubeconfig", "--context=envtest", "--as=o'brien"},
			addr:  "unset",
		},
		"--vault-addr": {conn: collectors.Connection{VaultEnv: []string{"VAULT_ADDR=http://127.0.0.1:8201"}}, addr: "http://127.0.0.1:8201"},
	}
	tenants := map[string]struct {
		id   string
		word string // how vault kv metadata get names its key
	}{
		"a space":  {"acme corp", "secret/'tenants/acme corp/cmek'"},
		"a quote":  {"o'brien", `secret/'tenants/o'\''brien/cmek'`},
		"a dollar": {"t-$HOME", "secret/'tenants/t-$HOME/cmek'"},
		"plain":    {"t-042", "secret/tenants/t-042/cmek"},
	}
	for cname, cc := range conns {
		for tname, tc := range tenants {
			t.Run(cname+"/"+tname, func(t *testing.T) {
				s := healthySnapshot(t, func(s *collectors.Snapshot) {
					s.Connection = cc.conn
					tn := &s.Vault.Tenants[0]
					tn.ID, tn.Path = tc.id, s.Config.TenantPath(tc.id)
					tn.CurrentVersion, tn.OldestVersion, tn.LiveVersions, tn.Deleted = 30, 20, 10, []int{30} // over retention, current soft-deleted
					j := jobOf(t, s, collectors.RoleRotation)
					j.Outcome = collectors.OutcomeFailed
				})
				j := jobOf(t, s, collectors.RoleRotation)
				f := Finding{Tenants: []string{tc.id}, Cause: &Cause{Kind: CauseCrash, Job: j.Name, CronJob: j.CronJob, Pod: "p-1", Container: "rotate", Node: "node-1", MemoryLimit: "128Mi"}}
				v := NewVars(s, testNow).ForFinding(f)
				want := "vault kv metadata get " + tc.word
				if cc.addr != "unset" {
					want = "VAULT_ADDR=" + cc.addr + " " + want
				}
				if got := v.Render("vault kv metadata get {{.KVMount}}/{{.TenantPathExample}}"); got != want {
					t.Errorf("got  %s\nwant %s", got, want)
				}
				named, calls := 0, 0
				for _, tpl := range bookTemplates(b) {
					command := v.Render(tpl)
					if command == "" || len(Placeholders(command)) > 0 {
						continue // not meant to run as is (its note says what to fill in)
					}
					for _, inv := range runStubbed(t, command) {
						calls++
						for _, a := range inv.args {
							if strings.Contains(a, "/home-not-to-expand") {
								t.Errorf("%s: the shell expanded $HOME in %q", command, a)
							}
							if strings.Contains(a, tc.id) {
								named++
							}
						}
						switch {
						case inv.head == "KUBECTL":
							if len(inv.args) < len(cc.flags) || !slices.Equal(inv.args[:len(cc.flags)], cc.flags) || len(inv.args) > len(cc.flags) && strings.HasPrefix(inv.args[len(cc.flags)], "--") {
								t.Errorf("kubectl %q, want it to start with the flags %q: %s", inv.args, cc.flags, command)
							}
						case strings.HasPrefix(inv.head, "VAULT "):
							if addr := strings.TrimPrefix(inv.head, "VAULT "); addr != cc.addr {
								t.Errorf("vault sees VAULT_ADDR %s, want %s: %s", addr, cc.addr, command)
							}
						}
					}
				}
				if calls < 40 || named < 5 {
					t.Errorf("%d invocations, %d arguments naming the tenant: too few to prove anything", calls, named)
				}
			})
		}
	}
}
