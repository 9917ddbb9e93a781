// Package corpus writes realistic, reproducible pod logs for benchmarking
// and testing the audit-log aggregator: CMEK rotation audit events in every
// field spelling seen in the wild, Vault token renewal lines, other JSON
// application logs, plain text, blank and broken lines.
package corpus

import (
	"bufio"
	"fmt"
	"io"
	"math/rand/v2"
	"strconv"
	"time"
)

// Mix is the share, per thousand lines, of each kind of line written.
// The rest (1000 minus the sum) are blank lines.
type Mix struct {
	Rotation   int // cmek.rotation.* audit events
	Renewal    int // VaultTokenRenewal JSON lines
	PlainRenew int // VaultTokenRenewal plain-text lines
	Plain      int // plain text: startup banners, klog, access logs, stack traces
	AppJSON    int // other JSON logs, some mentioning cmek.rotation in msg or other audit actions
	Broken     int // truncated or malformed JSON, some of it rotation events
}

// DefaultMix is about a third rotation events.
var DefaultMix = Mix{Rotation: 330, Renewal: 40, PlainRenew: 10, Plain: 200, AppJSON: 395, Broken: 20}

// Start is the time of the first line.
var Start = time.Date(2026, 11, 23, 0, 0, 0, 0, time.UTC)

// Generator writes log lines. It is deterministic for a given seed.
type Generator struct {
	rnd     *rand.Rand
	mix     Mix
	now     time.Time
	buf     []byte
	tenants int
}

// New returns a Generator of the mix, seeded with seed, for 500 tenants.
func New(seed uint64, mix Mix) *Generator {
	return &Generator{
		rnd:     rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15)),
		mix:     mix,
		now:     Start,
		tenants: 500,
	}
}

// Write writes n lines to w and returns w's first error.
func Write(w io.Writer, n int, seed uint64) error {
	g := New(seed, DefaultMix)
	bw := bufio.NewWriterSize(w, 1<<20)
	for range n {
		if _, err := bw.Write(g.Line()); err != nil {
			return fmt.Errorf("write log line: %w", err)
		}
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("write log: %w", err)
	}
	return nil
}

// Generate returns n lines in memory.
func Generate(n int, seed uint64) []byte {
	g := New(seed, DefaultMix)
	out := make([]byte, 0, n*300)
	for range n {
		out = append(out, g.Line()...)
	}
	return out
}

// Line returns the next line, "\n" included. The slice is reused by the
// next call.
func (g *Generator) Line() []byte {
	g.now = g.now.Add(time.Duration(20+g.rnd.IntN(60)) * time.Millisecond)
	g.buf = g.buf[:0]
	r := g.rnd.IntN(1000)
	m := g.mix
	switch {
	case r < m.Rotation:
		g.rotation(false)
	case r < m.Rotation+m.Renewal:
		g.renewal()
	case r < m.Rotation+m.Renewal+m.PlainRenew:
		g.plainRenewal()
	case r < m.Rotation+m.Renewal+m.PlainRenew+m.Plain:
		g.plain()
	case r < m.Rotation+m.Renewal+m.PlainRenew+m.Plain+m.AppJSON:
		g.appJSON()
	case r < m.Rotation+m.Renewal+m.PlainRenew+m.Plain+m.AppJSON+m.Broken:
		g.broken()
	default:
		if g.rnd.IntN(2) == 0 {
			g.buf = append(g.buf, "  \r"...)
		}
	}
	return append(g.buf, '\n')
}

func (g *Generator) pick(s []string) string { return s[g.rnd.IntN(len(s))] }

func (g *Generator) str(key, val string) {
	g.buf = append(g.buf, '"')
	g.buf = append(g.buf, key...)
	g.buf = append(g.buf, `":`...)
	g.buf = strconv.AppendQuote(g.buf, val)
}

func (g *Generator) num(key string, v int64) {
	g.buf = append(g.buf, '"')
	g.buf = append(g.buf, key...)
	g.buf = append(g.buf, `":`...)
	g.buf = strconv.AppendInt(g.buf, v, 10)
}

func (g *Generator) comma() { g.buf = append(g.buf, ',') }

// commaTime writes a comma and the event time in one of the spellings seen
// in the wild, or nothing at all (1 line in 100).
func (g *Generator) commaTime() {
	t := g.now
	r := g.rnd.IntN(100)
	if r == 0 {
		return
	}
	g.comma()
	switch {
	case r < 26:
		g.str("timestamp", t.Format(time.RFC3339))
	case r < 46:
		g.str("time", t.Format(time.RFC3339Nano))
	case r < 51:
		g.str("time", t.In(time.FixedZone("", 2*3600)).Format(time.RFC3339Nano))
	case r < 71:
		g.num("ts", t.Unix())
	case r < 86:
		g.num("ts", t.UnixMilli())
	case r < 93:
		g.str("ts", strconv.FormatInt(t.Unix(), 10))
	default:
		g.buf = append(g.buf, `"ts":`...)
		g.buf = strconv.AppendFloat(g.buf, float64(t.UnixMilli())/1000, 'f', 3, 64)
	}
}

var reasons = []string{
	"permission denied",
	"vault: Error making API request.\n\nURL: PUT https://vault.vault.svc:8200/v1/secret/data/tenants/t-042/cmek\nCode: 403. Errors:\n\n* 1 error occurred:\n\t* permission denied\n\n",
	"context deadline exceeded",
	"key version limit reached (5)",
	"transit: key \"cmek\" not found",
}

// rotation writes a cmek.rotation.* audit event; truncated for broken().
func (g *Generator) rotation(truncate bool) {
	start := len(g.buf)
	tenant := "t-" + strconv.Itoa(g.rnd.IntN(g.tenants))
	var action, outcome string
	withTenant := true
	switch r := g.rnd.IntN(100); {
	case r < 5:
		action, outcome, withTenant = "cmek.rotation.started", "success", false
	case r < 15:
		action, outcome = "cmek.rotation.tenant.started", "success"
	case r < 70:
		action, outcome = "cmek.rotation.completed", "success"
	case r < 93:
		action, outcome = "cmek.rotation.failed", g.pick([]string{"failure", "failure", "failure", "failed", "error"})
	default:
		action, outcome = "cmek.rotation.skipped", "skipped"
	}
	g.buf = append(g.buf, '{')
	typeFirst := g.rnd.IntN(4) == 0 // some emitters put type first
	if typeFirst {
		g.str("type", "audit")
		g.comma()
	}
	g.str("action", action)
	g.comma()
	if g.rnd.IntN(10) == 0 {
		g.str("initiator", "user:oncall@example.com")
	} else {
		g.str("initiator", "cronjob/cmek-rotation")
	}
	g.comma()
	g.str("outcome", outcome)
	if outcome != "success" && outcome != "skipped" {
		g.comma()
		g.str(g.pick([]string{"reason", "reason", "error", "message"}), g.pick(reasons))
	}
	g.comma()
	g.str("subject", "system:serviceaccount:security:oss-ai-orchestrator")
	if withTenant {
		g.comma()
		switch g.rnd.IntN(3) {
		case 0:
			g.str("tenant", tenant)
		case 1:
			g.str("tenantId", tenant)
		default:
			if g.rnd.IntN(20) == 0 { // an escaped spelling of the same id
				g.buf = append(g.buf, `"tenant_id":"\u0074`...)
				g.buf = append(g.buf, tenant[1:]...)
				g.buf = append(g.buf, '"')
			} else {
				g.str("tenant_id", tenant)
			}
		}
	}
	if g.rnd.IntN(3) == 0 {
		g.comma()
		g.buf = append(g.buf, `"details":{"keyVersion":`...)
		g.buf = strconv.AppendInt(g.buf, int64(1+g.rnd.IntN(5)), 10)
		g.buf = append(g.buf, `,"paths":["secret/data/tenants/`...)
		g.buf = append(g.buf, tenant...)
		g.buf = append(g.buf, `/cmek","transit/keys/`...)
		g.buf = append(g.buf, tenant...)
		g.buf = append(g.buf, `"],"durationMs":`...)
		g.buf = strconv.AppendFloat(g.buf, g.rnd.Float64()*900, 'f', 2, 64)
		g.buf = append(g.buf, `,"dryRun":false,"previous":null}`...)
	}
	g.commaTime()
	if !typeFirst {
		g.comma()
		g.str("type", "audit")
	}
	g.buf = append(g.buf, '}')
	if truncate {
		g.buf = g.buf[:start+1+g.rnd.IntN(len(g.buf)-start-1)]
	}
}

func (g *Generator) renewal() {
	g.buf = append(g.buf, `{"component":"VaultTokenRenewal",`...)
	if g.rnd.IntN(10) == 0 {
		g.str("level", "error")
		g.comma()
		g.str("msg", "VaultTokenRenewal: token renewal failed: permission denied")
	} else {
		g.str("level", "info")
		g.comma()
		g.str("msg", "VaultTokenRenewal: token renewed")
		g.comma()
		g.num("ttlSeconds", 86400)
	}
	g.comma()
	g.str("time", g.now.Format(time.RFC3339))
	g.buf = append(g.buf, '}')
}

func (g *Generator) plainRenewal() {
	g.buf = g.now.AppendFormat(g.buf, time.RFC3339Nano)
	if g.rnd.IntN(5) == 0 {
		g.buf = append(g.buf, " ERROR VaultTokenRenewal: token renewal failed: Error making API request: Code: 403"...)
	} else {
		g.buf = append(g.buf, " INFO VaultTokenRenewal: token renewed, ttl=24h0m0s"...)
	}
}

var paths = []string{"/healthz", "/readyz", "/metrics", "/api/v1/tenants", "/api/v1/tenants/t-017/keys", "/api/v1/rotate"}

func (g *Generator) plain() {
	switch g.rnd.IntN(6) {
	case 0:
		g.buf = append(g.buf, "Server listening on :8080"...)
	case 1: // klog
		g.buf = append(g.buf, 'I')
		g.buf = g.now.AppendFormat(g.buf, "0102 15:04:05.000000")
		g.buf = append(g.buf, "       1 controller.go:214] \"Reconciling\" tenant=\"t-"...)
		g.buf = strconv.AppendInt(g.buf, int64(g.rnd.IntN(g.tenants)), 10)
		g.buf = append(g.buf, "\" generation=12 resourceVersion=\"884213\" queue=\"cmek\""...)
	case 2, 3: // access log
		g.buf = append(g.buf, "10.42.0."...)
		g.buf = strconv.AppendInt(g.buf, int64(g.rnd.IntN(255)), 10)
		g.buf = append(g.buf, " - - ["...)
		g.buf = g.now.AppendFormat(g.buf, "02/Jan/2006:15:04:05 -0700")
		g.buf = append(g.buf, "] \"GET "...)
		g.buf = append(g.buf, g.pick(paths)...)
		g.buf = append(g.buf, " HTTP/1.1\" 200 "...)
		g.buf = strconv.AppendInt(g.buf, int64(g.rnd.IntN(5000)), 10)
		g.buf = append(g.buf, " \"-\" \"kube-probe/1.37\" rt=0.00"...)
		g.buf = strconv.AppendInt(g.buf, int64(g.rnd.IntN(9)), 10)
	case 4: // a stack trace line
		g.buf = append(g.buf, "\tgithub.com/oss-ai/orchestrator/internal/vault.(*Client).Renew(0xc000128000, {0x1c2d3e0, 0xc0003a2000})"...)
	default:
		g.buf = append(g.buf, "goroutine 1 [running]:"...)
	}
}

var msgs = []string{
	"request completed",
	"listing tenants",
	"reconciled tenant key metadata",
	"cache refreshed",
	"slow request: upstream took longer than expected, consider raising the timeout",
}

func (g *Generator) appJSON() {
	r := g.rnd.IntN(100)
	g.buf = append(g.buf, '{')
	switch {
	case r < 3: // mentions the prefix, not an event
		g.str("level", "info")
		g.comma()
		g.str("msg", "scheduling cmek.rotation for all tenants")
	case r < 5: // another audit action
		g.str("type", "audit")
		g.comma()
		g.str("action", g.pick([]string{"secret.read", "policy.update", "token.lookup"}))
		g.comma()
		g.str("outcome", "success")
		g.comma()
		g.str("tenant", "t-"+strconv.Itoa(g.rnd.IntN(g.tenants)))
	default:
		g.str("level", g.pick([]string{"info", "info", "info", "debug", "warn"}))
		g.comma()
		g.str("msg", g.pick(msgs))
		g.comma()
		g.str("caller", "server/handler.go:"+strconv.Itoa(100+g.rnd.IntN(400)))
		g.comma()
		g.str("method", "GET")
		g.comma()
		g.str("path", g.pick(paths))
		g.comma()
		g.num("status", 200)
		g.comma()
		g.buf = append(g.buf, `"durationMs":`...)
		g.buf = strconv.AppendFloat(g.buf, g.rnd.Float64()*80, 'f', 3, 64)
		g.comma()
		g.str("requestId", strconv.FormatUint(g.rnd.Uint64(), 16)+strconv.FormatUint(g.rnd.Uint64(), 16))
		g.comma()
		g.str("traceparent", "00-"+strconv.FormatUint(g.rnd.Uint64(), 16)+strconv.FormatUint(g.rnd.Uint64(), 16)+"-"+strconv.FormatUint(g.rnd.Uint64(), 16)+"-01")
		g.comma()
		g.str("userAgent", "oss-ai-console/2.14.1 (linux; amd64) Go-http-client/1.1")
		g.comma()
		g.buf = append(g.buf, `"labels":{"app.kubernetes.io/name":"oss-ai-orchestrator","app.kubernetes.io/component":"api"}`...)
	}
	g.commaTime()
	g.buf = append(g.buf, '}')
}

func (g *Generator) broken() {
	switch g.rnd.IntN(4) {
	case 0, 1:
		g.rotation(true)
	case 2:
		g.appJSON()
		g.buf = append(g.buf, " trailing"...)
	default:
		g.appJSON()
		g.buf = g.buf[:1+g.rnd.IntN(len(g.buf)-1)]
	}
}
