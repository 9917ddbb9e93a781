package ui

import (
	"bytes"
	"regexp"
	"strings"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/ansi"
	"github.com/charmbracelet/x/exp/teatest"
	vault "github.com/hashicorp/vault/api"
	"k8s.io/client-go/rest"

	"github.com/oss-ai-agent-tool/kubectl-rotation/collectors"
	"github.com/oss-ai-agent-tool/kubectl-rotation/collectors/connect"
	"github.com/oss-ai-agent-tool/kubectl-rotation/internal/faults"
	"github.com/oss-ai-agent-tool/kubectl-rotation/internal/lab"
	"github.com/oss-ai-agent-tool/kubectl-rotation/internal/testenv"
	"github.com/oss-ai-agent-tool/kubectl-rotation/runbook"
)

// faultRequestTimeout is the per-request timeout of the dashboard fault
// tests; a source answers or fails within it + 5 s.
const faultRequestTimeout = 3 * time.Second

// screen accumulates a test model's output with the ANSI sequences
// stripped, so conditions can look at everything shown so far.
type screen struct {
	tm  *teatest.TestModel
	buf bytes.Buffer
}

func (s *screen) text() string {
	var chunk bytes.Buffer
	_, _ = chunk.ReadFrom(s.tm.Output())
	s.buf.WriteString(ansi.Strip(chunk.String()))
	return s.buf.String()
}

// waitUntil polls the output until cond holds or d passes; it returns how
// long it took and whether cond held.
func (s *screen) waitUntil(d time.Duration, cond func(string) bool) (time.Duration, bool) {
	start := time.Now()
	for {
		if cond(s.text()) {
			return time.Since(start), true
		}
		if time.Since(start) > d {
			return time.Since(start), false
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func (s *screen) tail() string {
	t := s.buf.String()
	if len(t) > 3000 {
		t = t[len(t)-3000:]
	}
	return t
}

// spinnerFrames are the frames of the spinner the model uses (MiniDot).
const spinnerFrames = "⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏"

func distinctFrames(s string) int {
	seen := map[rune]bool{}
	for _, r := range s {
		if strings.ContainsRune(spinnerFrames, r) {
			seen[r] = true
		}
	}
	return len(seen)
}

// TestDashboard_Faults runs the dashboard with Vault behind a black hole
// (it accepts and never answers) and the API server behind +1 s of latency
// (both toxiproxy): the first frame comes at once with every source
// loading, the spinner turns, Scenarios 1–4 are never shown clear while
// Vault is unread, the Vault error comes within the request timeout + 5 s,
// and q quits within a second — after the error, and while the loads
// still hang.
func TestDashboard_Faults(t *testing.T) {
	e := testenv.Get(t)
	w := lab.SeedTB(t, e, lab.Options{Tenants: 12})
	vp := faults.NewProxy(t, strings.TrimPrefix(e.Vault.Addr, "http://"))
	vp.Blackhole(t)
	kp := faults.NewProxy(t, strings.TrimPrefix(e.Kube.APIServerURL(), "https://"))
	kp.Latency(t, time.Second)
	cfg := w.Config
	cfg.Vault.RequestTimeout = collectors.Duration(faultRequestTimeout)
	cfg.Prometheus.RequestTimeout = collectors.Duration(faultRequestTimeout)
	book, err := runbook.Default()
	if err != nil {
		t.Fatal(err)
	}
	var vaultTitles []string
	for _, sc := range book.Scenarios {
		if sc.Number <= 4 {
			vaultTitles = append(vaultTitles, regexp.QuoteMeta(sc.Title))
		}
	}
	clearWhileUnread := regexp.MustCompile(`(` + strings.Join(vaultTitles, "|") + `)\s+clear\b`)
	start := func(t *testing.T) (*screen, time.Time) {
		rc := rest.CopyConfig(e.Kube.Config)
		rc.Host = "https://" + kp.Addr
		rc.Timeout = faultRequestTimeout
		vcfg := vault.DefaultConfig()
		vcfg.Address = vp.URL("http")
		clients, err := connect.Connect(connect.Options{REST: rc, Vault: vcfg, VaultToken: e.Vault.RootToken, PrometheusURL: e.Prometheus.URL, ReadOnly: true})
		if err != nil {
			t.Fatal(err)
		}
		c := connect.New(clients, collectors.Options{Config: cfg, Namespace: w.Namespace, SourceTimeout: faultRequestTimeout + 4*time.Second})
		m := New(LiveLoader{Collector: c, Timeout: faultRequestTimeout + 4*time.Second},
			Options{Config: cfg, Namespace: w.Namespace, VaultAddr: vcfg.Address, Mode: "live", ReadOnly: true, NoColor: true})
		began := time.Now()
		tm := teatest.NewTestModel(t, m, teatest.WithInitialTermSize(200, 50))
		return &screen{tm: tm}, began
	}
	quit := func(t *testing.T, s *screen, when string) {
		t.Helper()
		sent := time.Now()
		s.tm.Send(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune("q")})
		s.tm.WaitFinished(t, teatest.WithFinalTimeout(5*time.Second), teatest.WithTimeoutFn(func(tb testing.TB) {
			tb.Errorf("q %s: the dashboard was still running 5 s later", when)
		}))
		took := time.Since(sent)
		t.Logf("q %s: quit in %s", when, took.Round(time.Millisecond))
		if took > time.Second {
			t.Errorf("q %s: the dashboard took %s to quit, want under 1 s", when, took.Round(time.Millisecond))
		}
	}

	t.Run("spinner then the error, q quits", func(t *testing.T) {
		s, began := start(t)
		took, ok := s.waitUntil(time.Second, func(out string) bool {
			return strings.Contains(out, "Scenarios") && strings.Contains(out, "vault") && strings.Contains(out, "loading")
		})
		t.Logf("first frame after %s", took.Round(time.Millisecond))
		if !ok {
			t.Fatalf("no first frame with the sources loading within 1 s; output so far:\n%s", s.tail())
		}
		if _, ok := s.waitUntil(2*time.Second, func(out string) bool { return distinctFrames(out) >= 2 }); !ok {
			t.Errorf("the spinner did not turn (frames seen: %d) while Vault hung; output:\n%s", distinctFrames(s.text()), s.tail())
		}
		vaultFailed := regexp.MustCompile(`[✗◐]\s+vault\s+(error|partial)`)
		bound := faultRequestTimeout + 5*time.Second
		_, ok = s.waitUntil(bound-time.Since(began)+time.Second, func(out string) bool { return vaultFailed.MatchString(out) })
		elapsed := time.Since(began)
		t.Logf("vault error shown after %s (bound %s)", elapsed.Round(time.Millisecond), bound)
		before := s.text()
		if loc := vaultFailed.FindStringIndex(before); loc != nil {
			before = before[:loc[0]]
		}
		if m := clearWhileUnread.FindString(before); m != "" {
			t.Errorf("while Vault was still loading the dashboard showed %q: a scenario that needs Vault must show … until it is read", m)
		}
		switch {
		case !ok:
			t.Errorf("the Vault error was not shown within %s; output:\n%s", elapsed.Round(time.Millisecond), s.tail())
		case elapsed > bound:
			t.Errorf("the Vault error came after %s, over the bound %s (request timeout + 5 s)", elapsed.Round(time.Millisecond), bound)
		}
		// the slow API server does not hold the others back: its sources
		// end (read, or failed with their reason) within the bound too
		kubeDone := regexp.MustCompile(`[✓✗◐]\s+kubernetes`)
		logsDone := regexp.MustCompile(`[✓✗◐]\s+logs`)
		if _, ok := s.waitUntil(bound-time.Since(began)+time.Second, func(out string) bool {
			return kubeDone.MatchString(out) && logsDone.MatchString(out)
		}); ok {
			t.Logf("kubernetes and logs done after %s", time.Since(began).Round(time.Millisecond))
		} else {
			t.Errorf("the kubernetes and logs sources behind +1 s latency were still loading %s after start; output:\n%s", time.Since(began).Round(time.Millisecond), s.tail())
		}
		// then Vault's scenarios say they cannot tell (this also proves the
		// "clear while unread" pattern reads the scenario lines as drawn)
		unknownNow := regexp.MustCompile(`(` + strings.Join(vaultTitles, "|") + `)\s+UNKNOWN\b`)
		if _, ok := s.waitUntil(2*time.Second, func(out string) bool { return unknownNow.MatchString(out) }); !ok {
			t.Errorf("with every source done and Vault failed, no scenario 1–4 shows UNKNOWN; output:\n%s", s.tail())
		}
		quit(t, s, "after the error")
		fm, okm := s.tm.FinalModel(t).(Model)
		if !okm {
			return
		}
		if st := fm.st.snap.Source(collectors.SourceVault); st.State == collectors.StateOK ||
			!regexp.MustCompile(`(?i)timed out|timeout|did not answer|deadline`).MatchString(st.Error+problemsText(st)) {
			t.Errorf("vault source = %s %q %v, want an error saying it did not answer in time", st.State, st.Error, st.Problems)
		}
	})

	t.Run("q while the sources hang", func(t *testing.T) {
		s, _ := start(t)
		if _, ok := s.waitUntil(time.Second, func(out string) bool { return strings.Contains(out, "loading") }); !ok {
			t.Fatalf("no first frame within 1 s; output:\n%s", s.tail())
		}
		quit(t, s, "while Vault hangs")
	})
}

func problemsText(st collectors.Status) string {
	var b strings.Builder
	for _, p := range st.Problems {
		b.WriteString(" " + p.Part + ": " + p.Error)
	}
	return b.String()
}
