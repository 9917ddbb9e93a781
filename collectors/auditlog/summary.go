package auditlog

import "time"

// Summary is what an Aggregator learned from the logs it read. It is plain
// data, safe to serialise to JSON; the JSON names are stable.
//
// Every line read is counted in exactly one of Blank, Oversized, NotJSON,
// Objects and Unexamined, so
//
//	Lines == Blank + Oversized + NotJSON + Objects + Unexamined
//
// Renewal lines are counted a second time in Renewals, and the events in
// Events, both as well as in one of those classes.
type Summary struct {
	// Lines is the number of lines read: every "\n", plus a last line
	// without one when it is not empty.
	Lines int `json:"lines"`
	// Bytes is the number of bytes read, line ends included.
	Bytes int64 `json:"bytes"`
	// Blank counts lines holding nothing but spaces, tabs and "\r".
	Blank int `json:"blank"`
	// Oversized counts lines longer than Options.MaxLineBytes (not counting
	// the "\n"). They are skipped unread.
	Oversized int `json:"oversized"`
	// NotJSON counts lines that are not one JSON object: plain text (the
	// first character other than white space is not '{'), and lines that
	// start with '{' and were examined but are not valid JSON (truncated,
	// broken, trailing text). A line starting with '{' that was not
	// examined is counted in Unexamined, never here.
	NotJSON int `json:"notJSON"`
	// Objects counts lines examined and found to be exactly one valid JSON
	// object (by encoding/json's rules).
	Objects int `json:"objects"`
	// Unexamined counts lines that start with '{' but contain neither
	// Options.ActionPrefix, nor Options.RenewalMarker, nor "audit", nor a
	// "\u" escape: they cannot hold a rotation event, a renewal line or a
	// "type":"audit" object, so they are not decoded and may or may not be
	// valid JSON. (When ActionPrefix holds a byte other than printable
	// ASCII, or '"', '\\' or '/', which escapes other than "\u" can
	// write, every such line is examined and this is 0.)
	Unexamined int `json:"unexamined"`
	// MissingAction counts Objects without a string "action" member, not
	// counting renewal lines. Since only examined lines are decoded, these
	// are objects that mention the action prefix or "audit" (in another
	// member, say "msg") but carry no action.
	MissingAction int `json:"missingAction"`
	// Sources names the sources read, in the order first read.
	Sources []string `json:"sources"`
	// Events counts objects whose string "action" starts with
	// Options.ActionPrefix.
	Events int `json:"events"`
	// UndatedEvents counts Events without a time that parses. They count
	// everywhere else but move no time (FirstEvent, LastSuccess, ...).
	UndatedEvents int `json:"undatedEvents"`
	// FirstEvent and LastEvent are the earliest and latest event times, in
	// UTC; nil when no event has a time.
	FirstEvent *time.Time `json:"firstEvent"`
	LastEvent  *time.Time `json:"lastEvent"`
	// Counts maps an event's action to its outcome to the number of such
	// events. An event without a string outcome is counted under "".
	Counts map[string]map[string]int `json:"counts"`
	// Initiators maps an event's "initiator" to the number of events it
	// started; events without one are not counted here.
	Initiators map[string]int `json:"initiators"`
	// Tenants holds, per tenant, the events that name one (in "tenant",
	// "tenantId" or "tenant_id", the first non-empty one).
	Tenants map[string]TenantSummary `json:"tenants"`
	// AuditTypeEvents counts Objects with "type":"audit", whatever their
	// action.
	AuditTypeEvents int `json:"auditTypeEvents"`
	// Renewals summarises the lines containing Options.RenewalMarker.
	Renewals RenewalSummary `json:"renewals"`
	// RecentEvents are the latest Options.KeepEvents events, oldest first.
	RecentEvents []Event `json:"recentEvents"`
	// Phrases counts the lines holding each of Options.Phrases, in its
	// order; nil when none was asked for (and in snapshots taken before
	// they were counted).
	Phrases []PhraseCount `json:"phrases,omitempty"`
}

// TenantSummary is the rotation history of one tenant. Times are in UTC.
//
// An event is a success when its outcome is "success" (any case); it is a
// failure when its outcome is "failure", "failed" or "error" (any case).
type TenantSummary struct {
	// LastSuccess is the time of the latest dated success, nil if none.
	LastSuccess *time.Time `json:"lastSuccess"`
	// LastFailure is the time of the latest dated failure, nil if none.
	LastFailure *time.Time `json:"lastFailure"`
	// LastFailureReason is the "reason", "error" or "message" (the first
	// non-empty one, redacted and cut to 1 KiB) of the latest dated failure;
	// when no failure is dated, of the last failure read.
	LastFailureReason string `json:"lastFailureReason"`
	// Successes and Failures count the tenant's successes and failures.
	Successes int `json:"successes"`
	Failures  int `json:"failures"`
	// LastAction is the action of the tenant's latest dated event; when no
	// event is dated, of the last event read.
	LastAction string `json:"lastAction"`
	// LastEvent is the time of the tenant's latest dated event, nil if none.
	LastEvent *time.Time `json:"lastEvent"`
}

// RenewalSummary counts the token-renewal lines: every line (JSON or not)
// containing Options.RenewalMarker. A renewal line is an error when its
// "level" (or "severity") is error, err or fatal, or when its message
// contains "fail" or "error"; case is ignored. Otherwise it is OK.
type RenewalSummary struct {
	// OK and Errors count the renewal lines.
	OK     int `json:"ok"`
	Errors int `json:"errors"`
	// LastOK and LastError are the latest dated OK and error lines' times.
	LastOK    *time.Time `json:"lastOK"`
	LastError *time.Time `json:"lastError"`
	// RecentErrors are the last Options.MaxRenewalErrors error lines read,
	// oldest first.
	RecentErrors []RenewalLine `json:"recentErrors"`
}

// Event is one rotation audit event, as kept for the event stream.
type Event struct {
	Time    *time.Time `json:"time"`
	Action  string     `json:"action"`
	Outcome string     `json:"outcome"`
	Tenant  string     `json:"tenant,omitempty"`
	// Reason is the failure reason (redacted, cut to 1 KiB) of a failure.
	Reason string `json:"reason,omitempty"`
	Source string `json:"source"`
}

// RenewalLine is one renewal error line.
type RenewalLine struct {
	// Time is the line's time, nil when it has none. For a JSON line it is
	// read like an event's; for a plain line, from a leading RFC 3339
	// timestamp (as `kubectl logs --timestamps` writes).
	Time *time.Time `json:"time"`
	// Message is the "msg" or "message" member, followed by ": " and the
	// "error" member when there is one; for a plain line (or a JSON line
	// with none of these) the whole line. It is redacted with
	// Options.Redact and cut to 1 KiB.
	Message string `json:"message"`
	// Source is the source the line was read from.
	Source string `json:"source"`
}
