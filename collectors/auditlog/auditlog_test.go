package auditlog

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/iotest"
	"time"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// tp parses an RFC 3339 time for a want; "" is nil.
func tp(tb testing.TB, s string) *time.Time {
	tb.Helper()
	if s == "" {
		return nil
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		tb.Fatalf("bad time in test: %v", err)
	}
	t = t.UTC()
	return &t
}

// assertSummary compares summaries as indented JSON, so a difference shows
// as readable text. Nil maps and slices in want stand for empty ones.
func assertSummary(tb testing.TB, got, want Summary) {
	tb.Helper()
	if want.RecentEvents == nil {
		got.RecentEvents = nil // checked by TestAggregator_RecentEvents
	}
	if want.Counts == nil {
		want.Counts = map[string]map[string]int{}
	}
	if want.Initiators == nil {
		want.Initiators = map[string]int{}
	}
	if want.Tenants == nil {
		want.Tenants = map[string]TenantSummary{}
	}
	if want.Sources == nil {
		want.Sources = []string{}
	}
	if want.Renewals.RecentErrors == nil {
		want.Renewals.RecentErrors = []RenewalLine{}
	}
	g, w := mustJSON(tb, got), mustJSON(tb, want)
	if g != w {
		tb.Errorf("summary differs\ngot:\n%s\nwant:\n%s", g, w)
	}
}

func mustJSON(tb testing.TB, v any) string {
	tb.Helper()
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		tb.Fatal(err)
	}
	return string(b)
}

func readFixture(tb testing.TB, name string) string {
	tb.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		tb.Fatal(err)
	}
	return string(b)
}

const (
	completed = "cmek.rotation.completed"
	failed    = "cmek.rotation.failed"
	cron      = "cronjob/cmek-rotation"
)

func TestAggregator_Read(t *testing.T) {
	// success is the TenantSummary of one completed rotation at ts ("" for none).
	success := func(ts string) TenantSummary {
		return TenantSummary{LastSuccess: tp(t, ts), Successes: 1, LastAction: completed, LastEvent: tp(t, ts)}
	}
	ev := func(tenantKey, tenant, timeKey, timeVal string) string {
		return `{"action":"cmek.rotation.completed","outcome":"success","` + tenantKey + `":"` + tenant + `","` + timeKey + `":` + timeVal + "}\n"
	}
	big := strings.Repeat("x", 5<<20)

	tests := []struct {
		name string
		opt  Options
		in   string
		// want's Sources and Bytes are filled in by the runner: every case
		// reads all of in from one source named "pod".
		want Summary
	}{
		{
			name: "lab lines from the runbook's cluster",
			in:   readFixture(t, "lab.log"),
			want: Summary{
				Lines: 7, NotJSON: 2, Objects: 5, Events: 3, AuditTypeEvents: 3,
				FirstEvent: tp(t, "2026-11-23T02:00:02Z"), LastEvent: tp(t, "2026-11-24T06:00:14Z"),
				Counts: map[string]map[string]int{
					"cmek.rotation.started": {"success": 1},
					completed:               {"success": 1},
					failed:                  {"failure": 1},
				},
				Initiators: map[string]int{cron: 3},
				Tenants: map[string]TenantSummary{
					"t-001": success("2026-11-23T02:00:06Z"),
					"t-042": {LastFailure: tp(t, "2026-11-24T06:00:14Z"), LastFailureReason: "permission denied", Failures: 1,
						LastAction: failed, LastEvent: tp(t, "2026-11-24T06:00:14Z")},
				},
				Renewals: RenewalSummary{OK: 1, Errors: 1, LastError: tp(t, "2026-11-26T11:16:00Z"),
					RecentErrors: []RenewalLine{{Time: tp(t, "2026-11-26T11:16:00Z"),
						Message: "VaultTokenRenewal: token renewal failed: permission denied", Source: "pod"}}},
			},
		},
		{
			name: "every tenant spelling, the first non-empty wins",
			in: ev("tenant", "a", "ts", "1795500014") +
				ev("tenantId", "b", "ts", "1795500014") +
				ev("tenant_id", "c", "ts", "1795500014") +
				`{"action":"cmek.rotation.completed","outcome":"success","tenant_id":"z","tenantId":"y","tenant":"d","ts":1795500014}` + "\n" +
				`{"action":"cmek.rotation.completed","outcome":"success","tenant":"","tenant_id":"e","ts":1795500014}` + "\n" +
				`{"action":"cmek.rotation.completed","outcome":"success","tenant":{"id":"x"},"tenantId":42,"ts":1795500014}` + "\n",
			want: Summary{
				Lines: 6, Objects: 6, Events: 6,
				FirstEvent: tp(t, "2026-11-24T06:00:14Z"), LastEvent: tp(t, "2026-11-24T06:00:14Z"),
				Counts: map[string]map[string]int{completed: {"success": 6}},
				Tenants: map[string]TenantSummary{
					"a": success("2026-11-24T06:00:14Z"), "b": success("2026-11-24T06:00:14Z"),
					"c": success("2026-11-24T06:00:14Z"), "d": success("2026-11-24T06:00:14Z"),
					"e": success("2026-11-24T06:00:14Z"), "42": success("2026-11-24T06:00:14Z"),
				},
			},
		},
		{
			name: "every time spelling",
			in: ev("tenant", "rfc3339", "timestamp", `"2026-11-23T02:00:02Z"`) +
				ev("tenant", "nanos", "time", `"2026-11-23T02:00:02.123456789Z"`) +
				ev("tenant", "offset", "time", `"2026-11-23T04:00:02+02:00"`) +
				ev("tenant", "fraction and negative offset", "time", `"2026-11-22T20:30:02.5-05:30"`) +
				ev("tenant", "seconds", "ts", `1795500014`) +
				ev("tenant", "millis", "ts", `1795500014123`) +
				ev("tenant", "seconds string", "ts", `"1795500014"`) +
				ev("tenant", "millis string", "ts", `"1795500014123"`) +
				ev("tenant", "fractional seconds", "ts", `1795500014.25`) +
				ev("tenant", "exponent", "ts", `1.795500014e9`) +
				ev("tenant", "bad first, good later", "timestamp", `"yesterday","ts":1795500014`) +
				ev("tenant", "zero", "ts", `0`) +
				ev("tenant", "negative", "ts", `-5`) +
				ev("tenant", "too large", "ts", `99999999999999999999`) +
				ev("tenant", "words", "time", `"yesterday"`) +
				ev("tenant", "bool", "time", `true`) +
				ev("tenant", "lower-case t", "time", `"2026-11-23t02:00:02z"`) +
				`{"action":"cmek.rotation.completed","outcome":"success","tenant":"none"}` + "\n",
			want: Summary{
				Lines: 18, Objects: 18, Events: 18, UndatedEvents: 7,
				FirstEvent: tp(t, "2026-11-23T02:00:02Z"), LastEvent: tp(t, "2026-11-24T06:00:14.25Z"),
				Counts: map[string]map[string]int{completed: {"success": 18}},
				Tenants: map[string]TenantSummary{
					"rfc3339":                      success("2026-11-23T02:00:02Z"),
					"nanos":                        success("2026-11-23T02:00:02.123456789Z"),
					"offset":                       success("2026-11-23T02:00:02Z"),
					"fraction and negative offset": success("2026-11-23T02:00:02.5Z"),
					"seconds":                      success("2026-11-24T06:00:14Z"),
					"millis":                       success("2026-11-24T06:00:14.123Z"),
					"seconds string":               success("2026-11-24T06:00:14Z"),
					"millis string":                success("2026-11-24T06:00:14.123Z"),
					"fractional seconds":           success("2026-11-24T06:00:14.25Z"),
					"exponent":                     success("2026-11-24T06:00:14Z"),
					"bad first, good later":        success("2026-11-24T06:00:14Z"),
					"zero":                         success(""),
					"negative":                     success(""),
					"too large":                    success(""),
					"words":                        success(""),
					"bool":                         success(""),
					"lower-case t":                 success(""), // time.RFC3339 refuses it too
					"none":                         success(""),
				},
			},
		},
		{
			name: "missing or non-string action",
			in: `{"level":"info","msg":"scheduling cmek.rotation for all tenants"}` + "\n" +
				`{"action":5,"note":"cmek.rotation"}` + "\n" +
				`{"action":null,"type":"audit"}` + "\n" +
				`{"Action":"cmek.rotation.completed","outcome":"success"}` + "\n",
			want: Summary{Lines: 4, Objects: 4, MissingAction: 4, AuditTypeEvents: 1},
		},
		{
			name: "action mentioning the prefix elsewhere is no event",
			in: `{"action":"user.login","msg":"cmek.rotation.completed","outcome":"success","tenant":"t-1"}` + "\n" +
				`{"action":"x.cmek.rotation.completed","outcome":"success"}` + "\n",
			want: Summary{Lines: 2, Objects: 2},
		},
		{
			name: "plain text, not objects, broken and truncated JSON",
			in: "Server listening on :8080\n" +
				"I1123 02:00:00.293000 1 controller.go:214] cmek.rotation started\n" +
				`["cmek.rotation"]` + "\n" +
				`"cmek.rotation"` + "\n" +
				"null\n" +
				`{"action":"cmek.rotation.completed","outcome":"success"} trailing` + "\n" +
				`{"action":"cmek.rotation.completed","outcome":"success"}{"a":1}` + "\n" +
				`{"action":"cmek.rotation.completed",}` + "\n" +
				`{"action":'cmek.rotation.completed'}` + "\n" +
				`{"type":"audit","action":"cmek.rotation.compl` + "\n" +
				`{"action":"cmek.rotation.completed","n":01}` + "\n" +
				"\ufeff" + `{"action":"cmek.rotation.completed"}` + "\n",
			want: Summary{Lines: 12, NotJSON: 12},
		},
		{
			name: "nested objects and arrays in other members",
			in: `{"details":{"action":"cmek.rotation.fake","tenant":"nested","ts":1},"action":"cmek.rotation.completed","list":[{"outcome":"failure"},[1,2,[3]],"x",null,true,false,-1.5e-3],"outcome":"success","tenant":"t-1","ts":1795500014}` + "\n" +
				`{"action":"cmek.rotation.completed","outcome":"success","deep":` + strings.Repeat("[", 9999) + strings.Repeat("]", 9999) + "}\n" +
				`{"action":"cmek.rotation.completed","outcome":"success","too deep":` + strings.Repeat("[", 10000) + strings.Repeat("]", 10000) + "}\n",
			want: Summary{
				Lines: 3, Objects: 2, NotJSON: 1, Events: 2, UndatedEvents: 1,
				FirstEvent: tp(t, "2026-11-24T06:00:14Z"), LastEvent: tp(t, "2026-11-24T06:00:14Z"),
				Counts:  map[string]map[string]int{completed: {"success": 2}},
				Tenants: map[string]TenantSummary{"t-1": success("2026-11-24T06:00:14Z")},
			},
		},
		{
			name: "escaped strings",
			in: `{"action":"cmek.rotation.completed","outcome":"success","tenant":"t-\u0030\u0031","ts":1795500014}` + "\n" +
				`{"act\u0069on":"cmek\u002erotation\u002ecompleted","outcome":"succ\u0065ss","tenant":"t-\ud83d\ude00","ts":"\u0031795500014"}` + "\n" +
				`{"action":"cmek.rotation.failed","outcome":"failure","tenant":"t-\ud83d","reason":"quote \" slash \/ tab \t newline \n end","ts":1795500014}` + "\n" +
				`{"\u0074ype":"\u0061udit","action":"key.read"}` + "\n",
			want: Summary{
				Lines: 4, Objects: 4, Events: 3, AuditTypeEvents: 1,
				FirstEvent: tp(t, "2026-11-24T06:00:14Z"), LastEvent: tp(t, "2026-11-24T06:00:14Z"),
				Counts: map[string]map[string]int{completed: {"success": 2}, failed: {"failure": 1}},
				Tenants: map[string]TenantSummary{
					"t-01": success("2026-11-24T06:00:14Z"),
					"t-😀":  success("2026-11-24T06:00:14Z"),
					"t-\uFFFD": {LastFailure: tp(t, "2026-11-24T06:00:14Z"), Failures: 1, LastAction: failed,
						LastEvent: tp(t, "2026-11-24T06:00:14Z"), LastFailureReason: "quote \" slash / tab \t newline \n end"},
				},
			},
		},
		{
			name: "CRLF, blank lines and no newline at the end",
			in: "\r\n\n   \t\r\n" +
				`{"action":"cmek.rotation.completed","outcome":"success","tenant":"t-1","ts":1795500014}` + "\r\n" +
				"VaultTokenRenewal: token renewed\r\n" +
				`{"action":"cmek.rotation.completed","outcome":"success","tenant":"t-2","ts":1795500014}`,
			want: Summary{
				Lines: 6, Blank: 3, Objects: 2, NotJSON: 1, Events: 2,
				FirstEvent: tp(t, "2026-11-24T06:00:14Z"), LastEvent: tp(t, "2026-11-24T06:00:14Z"),
				Counts: map[string]map[string]int{completed: {"success": 2}},
				Tenants: map[string]TenantSummary{
					"t-1": success("2026-11-24T06:00:14Z"), "t-2": success("2026-11-24T06:00:14Z"),
				},
				Renewals: RenewalSummary{OK: 1},
			},
		},
		{
			name: "a 5 MiB line is oversized and the lines after it still count",
			in: `{"action":"cmek.rotation.completed","outcome":"success","tenant":"t-1","ts":1795500014}` + "\n" +
				`{"action":"cmek.rotation.completed","outcome":"success","pad":"` + big + `"}` + "\n" +
				big + "VaultTokenRenewal failed" + "\n" +
				`{"action":"cmek.rotation.completed","outcome":"success","tenant":"t-2","ts":1795500014}` + "\n" +
				big,
			want: Summary{
				Lines: 5, Oversized: 3, Objects: 2, Events: 2,
				FirstEvent: tp(t, "2026-11-24T06:00:14Z"), LastEvent: tp(t, "2026-11-24T06:00:14Z"),
				Counts: map[string]map[string]int{completed: {"success": 2}},
				Tenants: map[string]TenantSummary{
					"t-1": success("2026-11-24T06:00:14Z"), "t-2": success("2026-11-24T06:00:14Z"),
				},
			},
		},
		{
			name: "lines between the read buffer and MaxLineBytes are read whole",
			opt:  Options{MaxLineBytes: 2 * bufSize},
			in: `{"action":"cmek.rotation.completed","outcome":"success","pad":"` + strings.Repeat("y", bufSize) + `","tenant":"t-1","ts":1795500014}` + "\n" +
				`{"pad":"` + strings.Repeat("y", 2*bufSize) + `","action":"cmek.rotation.completed"}` + "\n",
			want: Summary{
				Lines: 2, Objects: 1, Oversized: 1, Events: 1,
				FirstEvent: tp(t, "2026-11-24T06:00:14Z"), LastEvent: tp(t, "2026-11-24T06:00:14Z"),
				Counts:  map[string]map[string]int{completed: {"success": 1}},
				Tenants: map[string]TenantSummary{"t-1": success("2026-11-24T06:00:14Z")},
			},
		},
		{
			name: "non-UTF-8 bytes",
			in: "\xff\xfe plain\n" +
				`{"action":"cmek.rotation.failed","outcome":"failure","tenant":"t-` + "\xe9" + `","reason":"bad ` + "\xc3\x28" + ` byte","ts":1795500014}` + "\n" +
				`{"action":"cmek.rotation.completed","outcome":"success","tenant":"t-1","x":"` + "\xff" + `","ts":1795500014}` + "\n",
			want: Summary{
				Lines: 3, NotJSON: 1, Objects: 2, Events: 2,
				FirstEvent: tp(t, "2026-11-24T06:00:14Z"), LastEvent: tp(t, "2026-11-24T06:00:14Z"),
				Counts: map[string]map[string]int{completed: {"success": 1}, failed: {"failure": 1}},
				Tenants: map[string]TenantSummary{
					"t-\uFFFD": {LastFailure: tp(t, "2026-11-24T06:00:14Z"), LastFailureReason: "bad \uFFFD( byte", Failures: 1,
						LastAction: failed, LastEvent: tp(t, "2026-11-24T06:00:14Z")},
					"t-1": success("2026-11-24T06:00:14Z"),
				},
			},
		},
		{
			name: "outcomes, reasons and the latest failure",
			in: `{"action":"cmek.rotation.failed","outcome":"failure","tenant":"t-1","reason":"second","ts":1795500020}` + "\n" +
				`{"action":"cmek.rotation.failed","outcome":"FAILED","tenant":"t-1","error":"first","ts":1795500010}` + "\n" +
				`{"action":"cmek.rotation.failed","outcome":"error","tenant":"t-1","message":"undated"}` + "\n" +
				`{"action":"cmek.rotation.failed","outcome":"error","tenant":"t-2","reason":"","error":"","message":"only message"}` + "\n" +
				`{"action":"cmek.rotation.failed","outcome":"error","tenant":"t-2","reason":"later undated"}` + "\n" +
				`{"action":"cmek.rotation.skipped","outcome":"skipped","tenant":"t-3","ts":1795500030}` + "\n" +
				`{"action":"cmek.rotation.tenant.started","outcome":"Success","tenant":"t-3","ts":1795500000}` + "\n" +
				`{"action":"cmek.rotation.completed","tenant":"t-3"}` + "\n" +
				`{"action":"cmek.rotation.completed","outcome":"success","ts":1795500040}` + "\n",
			want: Summary{
				Lines: 9, Objects: 9, Events: 9, UndatedEvents: 4,
				FirstEvent: tp(t, "2026-11-24T06:00:00Z"), LastEvent: tp(t, "2026-11-24T06:00:40Z"),
				Counts: map[string]map[string]int{
					failed:                         {"failure": 1, "FAILED": 1, "error": 3},
					"cmek.rotation.skipped":        {"skipped": 1},
					"cmek.rotation.tenant.started": {"Success": 1},
					completed:                      {"": 1, "success": 1},
				},
				Tenants: map[string]TenantSummary{
					"t-1": {LastFailure: tp(t, "2026-11-24T06:00:20Z"), LastFailureReason: "second", Failures: 3,
						LastAction: failed, LastEvent: tp(t, "2026-11-24T06:00:20Z")},
					"t-2": {LastFailureReason: "later undated", Failures: 2, LastAction: failed},
					"t-3": {LastSuccess: tp(t, "2026-11-24T06:00:00Z"), Successes: 1,
						LastAction: "cmek.rotation.skipped", LastEvent: tp(t, "2026-11-24T06:00:30Z")},
				},
			},
		},
		{
			name: "a member given twice keeps its last value",
			in: `{"action":"cmek.rotation.completed","action":"cmek.rotation.failed","outcome":"success","outcome":"failure","tenant":"t-1","tenant":"t-2"}` + "\n" +
				`{"action":"cmek.rotation.completed","action":7}` + "\n",
			want: Summary{
				Lines: 2, Objects: 2, Events: 1, UndatedEvents: 1, MissingAction: 1,
				Counts:  map[string]map[string]int{failed: {"failure": 1}},
				Tenants: map[string]TenantSummary{"t-2": {Failures: 1, LastAction: failed}},
			},
		},
		{
			name: "initiators and audit events of other actions",
			in: `{"type":"audit","action":"cmek.rotation.completed","initiator":"user:oncall","outcome":"success"}` + "\n" +
				`{"type":"audit","action":"secret.read","initiator":"user:oncall","outcome":"success","tenant":"t-1"}` + "\n" +
				`{"type":"Audit","action":"cmek.rotation.completed","initiator":"","outcome":"success"}` + "\n",
			want: Summary{
				Lines: 3, Objects: 3, Events: 2, UndatedEvents: 2, AuditTypeEvents: 2,
				Counts:     map[string]map[string]int{completed: {"success": 2}},
				Initiators: map[string]int{"user:oncall": 1},
			},
		},
		{
			name: "JSON lines that cannot matter are not decoded",
			in: `{"level":"info","msg":"request completed","path":"/healthz"}` + "\n" +
				`{"level":"info","msg":"broken` + "\n" +
				`{"level":"info","msg":"audit trail flushed"}` + "\n",
			want: Summary{Lines: 3, Unexamined: 2, Objects: 1, MissingAction: 1},
		},
		{
			name: "renewal lines, JSON and plain",
			opt:  Options{MaxRenewalErrors: 2},
			in: `{"component":"VaultTokenRenewal","level":"info","msg":"VaultTokenRenewal: token renewed","time":"2026-11-26T11:00:00Z"}` + "\n" +
				`{"component":"VaultTokenRenewal","level":"ERROR","msg":"renewal","error":"permission denied","time":"2026-11-26T11:16:00Z"}` + "\n" +
				`{"component":"VaultTokenRenewal","severity":"fatal","time":"2026-11-26T11:17:00Z"}` + "\n" +
				`{"component":"VaultTokenRenewal","level":"warn","message":"VaultTokenRenewal: renewal FAILED, retrying"}` + "\n" +
				"2026-11-26T11:18:00.5Z ERROR VaultTokenRenewal: token renewal failed: Code: 403\n" +
				"2026-11-26T11:19:00Z INFO VaultTokenRenewal: token renewed\n" +
				`{"component":"VaultTokenRenewal","msg":"token renewal failed` + "\n" +
				`{"component":"VaultTokenRenewal","action":"cmek.rotation.completed","outcome":"success","ts":1795500014}` + "\n",
			want: Summary{
				Lines: 8, Objects: 5, NotJSON: 3, Events: 1,
				FirstEvent: tp(t, "2026-11-24T06:00:14Z"), LastEvent: tp(t, "2026-11-24T06:00:14Z"),
				Counts: map[string]map[string]int{completed: {"success": 1}},
				Renewals: RenewalSummary{
					OK: 3, Errors: 5,
					LastOK: tp(t, "2026-11-26T11:19:00Z"), LastError: tp(t, "2026-11-26T11:18:00.5Z"),
					RecentErrors: []RenewalLine{
						{Time: tp(t, "2026-11-26T11:18:00.5Z"), Message: "2026-11-26T11:18:00.5Z ERROR VaultTokenRenewal: token renewal failed: Code: 403", Source: "pod"},
						{Message: `{"component":"VaultTokenRenewal","msg":"token renewal failed`, Source: "pod"},
					},
				},
			},
		},
		{
			name: "redaction and long messages",
			opt: Options{Redact: func(s string) string {
				return strings.ReplaceAll(s, "hvs.SECRET", "[redacted]")
			}},
			in: `{"action":"cmek.rotation.failed","outcome":"failure","tenant":"t-1","reason":"token hvs.SECRET refused"}` + "\n" +
				`{"component":"VaultTokenRenewal","level":"error","msg":"renew hvs.SECRET: ` + strings.Repeat("é", 600) + `"}` + "\n",
			want: Summary{
				Lines: 2, Objects: 2, Events: 1, UndatedEvents: 1,
				Counts: map[string]map[string]int{failed: {"failure": 1}},
				Tenants: map[string]TenantSummary{
					"t-1": {LastFailureReason: "token [redacted] refused", Failures: 1, LastAction: failed},
				},
				Renewals: RenewalSummary{Errors: 1, RecentErrors: []RenewalLine{
					{Message: "renew [redacted]: " + strings.Repeat("é", (maxKept-len("renew [redacted]: "))/2) + "…", Source: "pod"},
				}},
			},
		},
		{
			name: "a configured prefix and marker",
			opt:  Options{ActionPrefix: "key/rotate", RenewalMarker: "TokenRenewer"},
			in: `{"action":"key\/rotate.done","outcome":"success","tenant":"t-1"}` + "\n" +
				`{"action":"cmek.rotation.completed","outcome":"success"}` + "\n" +
				`{"level":"info","msg":"hello"}` + "\n" +
				"TokenRenewer: renewed\n",
			want: Summary{
				Lines: 4, Objects: 3, NotJSON: 1, MissingAction: 1, Events: 1, UndatedEvents: 1,
				Counts:   map[string]map[string]int{"key/rotate.done": {"success": 1}},
				Tenants:  map[string]TenantSummary{"t-1": {Successes: 1, LastAction: "key/rotate.done"}},
				Renewals: RenewalSummary{OK: 1},
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := New(tt.opt)
			if err := a.Read(context.Background(), "pod", strings.NewReader(tt.in)); err != nil {
				t.Fatalf("Read: %v", err)
			}
			want := tt.want
			want.Sources = []string{"pod"}
			want.Bytes = int64(len(tt.in))
			assertSummary(t, a.Result(), want)
		})
	}
}

func TestAggregator_Read_multipleSources(t *testing.T) {
	a := New(Options{})
	ctx := context.Background()
	inputs := []struct{ source, in string }{
		{"pod-a", `{"action":"cmek.rotation.failed","outcome":"failure","tenant":"t-1","reason":"denied","ts":1795500010}` + "\n"},
		{"pod-b", `{"action":"cmek.rotation.completed","outcome":"success","tenant":"t-1","ts":1795500020}` + "\nVaultTokenRenewal: renewal failed\n"},
		{"pod-a", `{"action":"cmek.rotation.completed","outcome":"success","tenant":"t-2","ts":1795500000}`},
	}
	var bytesIn int64
	for _, in := range inputs {
		if err := a.Read(ctx, in.source, strings.NewReader(in.in)); err != nil {
			t.Fatal(err)
		}
		bytesIn += int64(len(in.in))
	}
	want := Summary{
		Lines: 4, Bytes: bytesIn, Objects: 3, NotJSON: 1, Events: 3,
		Sources:    []string{"pod-a", "pod-b"},
		FirstEvent: tp(t, "2026-11-24T06:00:00Z"), LastEvent: tp(t, "2026-11-24T06:00:20Z"),
		Counts: map[string]map[string]int{completed: {"success": 2}, failed: {"failure": 1}},
		Tenants: map[string]TenantSummary{
			"t-1": {LastSuccess: tp(t, "2026-11-24T06:00:20Z"), LastFailure: tp(t, "2026-11-24T06:00:10Z"),
				LastFailureReason: "denied", Successes: 1, Failures: 1, LastAction: completed, LastEvent: tp(t, "2026-11-24T06:00:20Z")},
			"t-2": {LastSuccess: tp(t, "2026-11-24T06:00:00Z"), Successes: 1, LastAction: completed, LastEvent: tp(t, "2026-11-24T06:00:00Z")},
		},
		Renewals: RenewalSummary{Errors: 1, RecentErrors: []RenewalLine{{Message: "VaultTokenRenewal: renewal failed", Source: "pod-b"}}},
	}
	assertSummary(t, a.Result(), want)
}

// endless is a reader of log lines that never ends; it calls onRead once.
type endless struct {
	onRead func()
	line   []byte
}

func (e *endless) Read(p []byte) (int, error) {
	if e.onRead != nil {
		e.onRead()
		e.onRead = nil
	}
	n := 0
	for n < len(p) {
		n += copy(p[n:], e.line)
	}
	return n, nil
}

func TestAggregator_Read_contextCancelled(t *testing.T) {
	for name, line := range map[string]string{
		"short lines":      `{"action":"cmek.rotation.completed","outcome":"success","tenant":"t-1"}` + "\n",
		"one endless line": "x",
	} {
		t.Run(name, func(t *testing.T) {
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			a := New(Options{})
			err := a.Read(ctx, "pod", &endless{onRead: cancel, line: []byte(line)})
			if !errors.Is(err, context.Canceled) || err != ctx.Err() {
				t.Fatalf("Read returned %v, want ctx.Err() = %v", err, ctx.Err())
			}
			if got := a.Result().Bytes; got > 2*bufSize {
				t.Errorf("read %d bytes after cancellation, want at most %d", got, 2*bufSize)
			}
		})
	}
	t.Run("already cancelled", func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		a := New(Options{})
		if err := a.Read(ctx, "pod", strings.NewReader("{}\n")); err != context.Canceled {
			t.Fatalf("Read returned %v, want context.Canceled", err)
		}
		if got := a.Result(); got.Lines != 0 || len(got.Sources) != 0 {
			t.Errorf("read %d lines from %v, want none", got.Lines, got.Sources)
		}
	})
}

func TestAggregator_Read_readError(t *testing.T) {
	boom := errors.New("connection reset")
	in := `{"action":"cmek.rotation.completed","outcome":"success"}` + "\n" + `{"action":"cmek.rot`
	a := New(Options{})
	err := a.Read(context.Background(), "pod-a", io.MultiReader(strings.NewReader(in), iotest.ErrReader(boom)))
	if !errors.Is(err, boom) || !strings.Contains(err.Error(), "pod-a") {
		t.Fatalf("Read returned %v, want %v naming pod-a", err, boom)
	}
	got := a.Result()
	if got.Lines != 1 || got.Events != 1 {
		t.Errorf("got %d lines, %d events; want the complete line counted and the partial one not", got.Lines, got.Events)
	}
}

func TestAggregator_Read_readerKinds(t *testing.T) {
	in := readFixture(t, "lab.log") + strings.Repeat(`{"action":"cmek.rotation.completed","outcome":"success","tenant":"t-9","ts":1795500014}`+"\n", 100)
	ref := New(Options{})
	if err := ref.Read(context.Background(), "pod", strings.NewReader(in)); err != nil {
		t.Fatal(err)
	}
	for name, r := range map[string]io.Reader{
		"one byte at a time": iotest.OneByteReader(strings.NewReader(in)),
		"half reads":         iotest.HalfReader(strings.NewReader(in)),
		"data with EOF":      iotest.DataErrReader(strings.NewReader(in)),
	} {
		t.Run(name, func(t *testing.T) {
			a := New(Options{})
			a.bufSize = 16 // most lines are longer than the buffer
			if err := a.Read(context.Background(), "pod", r); err != nil {
				t.Fatal(err)
			}
			assertSummary(t, a.Result(), ref.Result())
		})
	}
}

func TestAggregator_Merge(t *testing.T) {
	in := []byte(readFixture(t, "merge.log"))
	whole := New(Options{MaxRenewalErrors: 3})
	if err := whole.Read(context.Background(), "pod", bytes.NewReader(in)); err != nil {
		t.Fatal(err)
	}
	lines := bytes.SplitAfter(in, []byte("\n"))
	for cut := 0; cut <= len(lines); cut++ {
		first, second := New(Options{MaxRenewalErrors: 3}), New(Options{MaxRenewalErrors: 3})
		if err := first.Read(context.Background(), "pod", bytes.NewReader(bytes.Join(lines[:cut], nil))); err != nil {
			t.Fatal(err)
		}
		if err := second.Read(context.Background(), "pod", bytes.NewReader(bytes.Join(lines[cut:], nil))); err != nil {
			t.Fatal(err)
		}
		first.Merge(second.Result())
		assertSummary(t, first.Result(), whole.Result())
	}
}

func TestAggregator_Result_isACopy(t *testing.T) {
	a := New(Options{})
	in := `{"action":"cmek.rotation.completed","outcome":"success","tenant":"t-1","ts":1795500014,"initiator":"me"}` + "\nVaultTokenRenewal failed\n"
	if err := a.Read(context.Background(), "pod", strings.NewReader(in)); err != nil {
		t.Fatal(err)
	}
	before := mustJSON(t, a.Result())
	got := a.Result()
	got.Counts[completed]["success"] = 99
	got.Initiators["me"] = 99
	got.Sources[0] = "changed"
	*got.FirstEvent = time.Time{}
	*got.Tenants["t-1"].LastSuccess = time.Time{}
	got.Renewals.RecentErrors[0].Message = "changed"
	if err := a.Read(context.Background(), "pod", strings.NewReader("")); err != nil {
		t.Fatal(err)
	}
	if after := mustJSON(t, a.Result()); after != before {
		t.Errorf("changing a Result changed the Aggregator:\nbefore %s\nafter %s", before, after)
	}
}

func TestSummary_JSON(t *testing.T) {
	a := New(Options{})
	if err := a.Read(context.Background(), "pod", strings.NewReader(readFixture(t, "lab.log"))); err != nil {
		t.Fatal(err)
	}
	got := mustJSON(t, a.Result())
	if *update {
		if err := os.WriteFile(filepath.Join("testdata", "lab.summary.json"), []byte(got+"\n"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want := strings.TrimSpace(readFixture(t, "lab.summary.json"))
	if got != want {
		t.Errorf("JSON of the lab summary differs from testdata/lab.summary.json\ngot:\n%s", got)
	}
	var back Summary
	if err := json.Unmarshal([]byte(got), &back); err != nil {
		t.Fatal(err)
	}
	assertSummary(t, back, a.Result())
}

// TestAggregator_RecentEvents: the latest events are kept whole, in time
// order across sources, with the failure reason, and bounded.
func TestAggregator_RecentEvents(t *testing.T) {
	a := New(Options{KeepEvents: 3})
	ctx := context.Background()
	podA := `{"action":"cmek.rotation.completed","outcome":"success","tenant":"t-1","ts":100}
{"action":"cmek.rotation.failed","outcome":"failure","tenantId":"t-2","time":"1970-01-01T00:05:00Z","reason":"permission denied"}
`
	podB := `{"action":"cmek.rotation.completed","outcome":"success","tenant_id":"t-3","ts":200}
{"action":"cmek.rotation.started","outcome":"success","ts":50}
{"level":"info","msg":"not an event"}
`
	if err := a.Read(ctx, "a", strings.NewReader(podA)); err != nil {
		t.Fatal(err)
	}
	if err := a.Read(ctx, "b", strings.NewReader(podB)); err != nil {
		t.Fatal(err)
	}
	got := a.Result().RecentEvents
	var ids []string
	for _, e := range got {
		ids = append(ids, fmt.Sprintf("%s/%s/%s/%d", e.Tenant, e.Outcome, e.Source, e.Time.Unix()))
	}
	want := []string{"t-1/success/a/100", "t-3/success/b/200", "t-2/failure/a/300"}
	if strings.Join(ids, " ") != strings.Join(want, " ") {
		t.Errorf("recent events = %v, want %v (latest 3 by time)", ids, want)
	}
	if got[2].Reason != "permission denied" || got[0].Reason != "" {
		t.Errorf("reasons = %q, %q", got[2].Reason, got[0].Reason)
	}
	none := New(Options{KeepEvents: -1})
	_ = none.Read(ctx, "a", strings.NewReader(podA))
	if n := len(none.Result().RecentEvents); n != 0 {
		t.Errorf("KeepEvents -1 kept %d events", n)
	}
}

// TestAggregator_ReadAfterMerge: events read after a Merge still name
// the tenants the merged summary brought in.
func TestAggregator_ReadAfterMerge(t *testing.T) {
	first := New(Options{})
	if err := first.Read(context.Background(), "a", strings.NewReader(`{"action":"cmek.rotation.completed","outcome":"success","tenant":"t-1","ts":1796126400}`+"\n")); err != nil {
		t.Fatal(err)
	}
	a := New(Options{})
	a.Merge(first.Result())
	if err := a.Read(context.Background(), "b", strings.NewReader(`{"action":"cmek.rotation.failed","outcome":"failure","tenant":"t-1","ts":1796126460}`+"\n")); err != nil {
		t.Fatal(err)
	}
	evs := a.Result().RecentEvents
	if len(evs) != 2 || evs[0].Tenant != "t-1" || evs[1].Tenant != "t-1" {
		t.Errorf("recent events = %+v, want both naming t-1", evs)
	}
}

// TestAggregator_Read_fastPaths covers what the fast paths decide: lines
// ruled out by one pass over pairs of bytes (candidatesAVX2), and strings
// found in a plain line's quote bitmap (plainQuotes), beside lines read
// byte by byte.
func TestAggregator_Read_fastPaths(t *testing.T) {
	at := "2026-11-24T06:00:14Z"
	tests := []struct {
		name string
		in   string
		want Summary
	}{
		{
			name: "an escaped quote: the string runs on past it",
			in:   `{"action":"cmek.rotation.failed","outcome":"failure","tenant":"t-1","reason":"key \"cmek\" not found","ts":1795500014}` + "\n",
			want: Summary{
				Lines: 1, Objects: 1, Events: 1, FirstEvent: tp(t, at), LastEvent: tp(t, at),
				Counts: map[string]map[string]int{failed: {"failure": 1}},
				Tenants: map[string]TenantSummary{"t-1": {LastFailure: tp(t, at), LastFailureReason: `key "cmek" not found`,
					Failures: 1, LastAction: failed, LastEvent: tp(t, at)}},
			},
		},
		{
			name: "unicode escapes in the action and the type: only the \\u finder sees them",
			in: `{"action":"\u0063mek.rotation.completed","outcome":"success","tenant":"t-1","ts":1795500014}` + "\n" +
				`{"type":"\u0061udit","msg":"no action here, said twice to pass 32 bytes"}` + "\n",
			want: Summary{
				Lines: 2, Objects: 2, Events: 1, AuditTypeEvents: 1, MissingAction: 1,
				FirstEvent: tp(t, at), LastEvent: tp(t, at),
				Counts:  map[string]map[string]int{completed: {"success": 1}},
				Tenants: map[string]TenantSummary{"t-1": {LastSuccess: tp(t, at), Successes: 1, LastAction: completed, LastEvent: tp(t, at)}},
			},
		},
		{
			name: "a key given twice, escaped the second time: the last wins",
			in:   `{"action":"cmek.rotation.completed","act\u0069on":"cmek.rotation.failed","outcome":"failure","tenant":"t-2"}` + "\n",
			want: Summary{
				Lines: 1, Objects: 1, Events: 1, UndatedEvents: 1,
				Counts:  map[string]map[string]int{failed: {"failure": 1}},
				Tenants: map[string]TenantSummary{"t-2": {Failures: 1, LastAction: failed}},
			},
		},
		{
			name: "members of a nested object are not the top-level ones",
			in: `{"action":"cmek.rotation.completed","outcome":"success","details":{"tenant":"nested","ts":1,"outcome":"failure","action":"x"},"tenant":"t-3"}` + "\n" +
				`{"details":{"action":"cmek.rotation.completed","type":"audit"},"level":"info"}` + "\n",
			want: Summary{
				Lines: 2, Objects: 2, Events: 1, UndatedEvents: 1, MissingAction: 1,
				Counts:  map[string]map[string]int{completed: {"success": 1}},
				Tenants: map[string]TenantSummary{"t-3": {Successes: 1, LastAction: completed}},
			},
		},
		{
			name: "CRLF after a plain line, the patterns in its last bytes",
			in: `{"outcome":"success","tenant":"t-4","ts":1795500014,"action":"cmek.rotation.completed"}` + "\r\n" +
				`{"level":"info","msg":"nothing to see in this line"}` + "\r\n" +
				`{"level":"info","msg":"the type of this one is audit"}` + "\r\n",
			want: Summary{
				Lines: 3, Objects: 2, Unexamined: 1, Events: 1, MissingAction: 1,
				FirstEvent: tp(t, at), LastEvent: tp(t, at),
				Counts:  map[string]map[string]int{completed: {"success": 1}},
				Tenants: map[string]TenantSummary{"t-4": {LastSuccess: tp(t, at), Successes: 1, LastAction: completed, LastEvent: tp(t, at)}},
			},
		},
		{
			name: "lines shorter than one 32-byte window",
			in:   `{"action":"cmek.rotation.x"}` + "\n" + `{"a":"audit"}` + "\n" + `{"a":1}` + "\n" + `{"a":"` + "\n",
			want: Summary{
				Lines: 4, Objects: 2, Unexamined: 2, Events: 1, UndatedEvents: 1, MissingAction: 1,
				Counts: map[string]map[string]int{"cmek.rotation.x": {"": 1}},
			},
		},
		{
			name: "a 100 kB plain line",
			in:   `{"pad":"` + strings.Repeat("abc ", 25000) + `","action":"cmek.rotation.completed","outcome":"success","tenant":"t-5","ts":1795500014}` + "\n",
			want: Summary{
				Lines: 1, Objects: 1, Events: 1, FirstEvent: tp(t, at), LastEvent: tp(t, at),
				Counts:  map[string]map[string]int{completed: {"success": 1}},
				Tenants: map[string]TenantSummary{"t-5": {LastSuccess: tp(t, at), Successes: 1, LastAction: completed, LastEvent: tp(t, at)}},
			},
		},
		{
			name: "a byte >= 0x80, a tab between tokens, a tab in a string, no closing quote",
			in: `{"action":"cmek.rotation.completed","outcome":"success","tenant":"t-é","ts":1795500014}` + "\n" +
				"{\"action\":\t\"cmek.rotation.completed\",\"outcome\":\"success\"}\n" +
				"{\"action\":\"cmek.rotation.completed\",\"outcome\":\"succ\tess\"}\n" +
				`{"action":"cmek.rotation.completed","outcome":"success}` + "\n",
			want: Summary{
				Lines: 4, Objects: 2, NotJSON: 2, Events: 2, UndatedEvents: 1,
				FirstEvent: tp(t, at), LastEvent: tp(t, at),
				Counts:  map[string]map[string]int{completed: {"success": 2}},
				Tenants: map[string]TenantSummary{"t-é": {LastSuccess: tp(t, at), Successes: 1, LastAction: completed, LastEvent: tp(t, at)}},
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := New(Options{})
			if err := a.Read(context.Background(), "pod", strings.NewReader(tt.in)); err != nil {
				t.Fatalf("Read: %v", err)
			}
			want := tt.want
			want.Sources = []string{"pod"}
			want.Bytes = int64(len(tt.in))
			assertSummary(t, a.Result(), want)
		})
	}
}
