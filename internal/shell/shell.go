// Package shell builds the POSIX shell words of the commands the tool
// shows: values quoted when they need it, the runbook's placeholders left
// as they are, and the kubectl and vault invocations that reach the
// servers the tool read.
package shell

import (
	"regexp"
	"strings"
)

// Quote is s as one POSIX shell word: as is when it holds nothing the
// shell reads specially, else in single quotes.
func Quote(s string) string {
	if s != "" && strings.IndexFunc(s, func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("-_./=:,@+", r))
	}) < 0 {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// placeholder is the runbook's placeholder for a value nothing read names
// (<tenant-id>, <failed-job-name>).
var placeholder = regexp.MustCompile(`<[a-z][a-z0-9-]*>`)

// Word is s quoted as Quote does, except the placeholders it holds, which
// stay bare: a shell refuses a command that still holds one (it reads
// <tenant-id> as a redirection from a file that is not there) rather than
// running it on a tenant named "<tenant-id>".
func Word(s string) string {
	locs := placeholder.FindAllStringIndex(s, -1)
	if len(locs) == 0 {
		return Quote(s)
	}
	var b strings.Builder
	at := 0
	for _, l := range locs {
		if l[0] > at {
			b.WriteString(Quote(s[at:l[0]]))
		}
		b.WriteString(s[l[0]:l[1]])
		at = l[1]
	}
	if at < len(s) {
		b.WriteString(Quote(s[at:]))
	}
	return b.String()
}

// Pair is name=value as one shell word: each side quoted when it needs it
// (TENANT_ID='acme corp'), an empty value left empty (REASON=).
func Pair(name, value string) string {
	if value == "" {
		return Quote(name) + "="
	}
	return Quote(name) + "=" + Quote(value)
}

// Kubectl is the kubectl invocation with the connection flags (each one
// word, "--context=prod"), quoted: "kubectl" alone when there is none.
func Kubectl(flags []string) string {
	w := []string{"kubectl"}
	for _, f := range flags {
		w = append(w, Word(f))
	}
	return strings.Join(w, " ")
}

// Vault is the vault invocation with the environment that reaches the
// same Vault (each "NAME=value"; the value quoted): "vault" alone when
// there is none.
func Vault(env []string) string {
	var w []string
	for _, e := range env {
		name, value, _ := strings.Cut(e, "=")
		w = append(w, name+"="+Quote(value))
	}
	return strings.Join(append(w, "vault"), " ")
}
