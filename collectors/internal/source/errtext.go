// Package source holds what the source sub-packages share: the wording of
// network errors, the problems of a partial read, the List page size.
package source

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"io"
	"net"
	"net/url"
	"regexp"
	"sort"
	"strings"
	"syscall"

	"github.com/oss-ai-agent-tool/kubectl-rotation/collectors"
)

// NetFault is what went wrong on the way to a server, as far as the error
// tells; kubeErr, vaultErr and promErr word each for their server.
type NetFault int

const (
	faultOther       NetFault = iota
	FaultRefused              // nothing listens at the address
	FaultTimeout              // no answer within the deadline
	FaultCanceled             // the caller gave up (the dashboard quit)
	FaultUntrusted            // the server's TLS certificate is not trusted
	FaultNotTLS               // https to a plain-HTTP server, or the reverse
	FaultReset                // the connection broke mid-request
	FaultNoHost               // the name does not resolve
	FaultUnreachable          // no route to the address
)

// ClassifyNet tells what err says about the connection. It looks at the
// error chain first and at the text second, because servers that proxy
// (the API server to a kubelet) forward the text of their own dial errors.
func ClassifyNet(err error) NetFault {
	if err == nil {
		return faultOther
	}
	var dnsErr *net.DNSError
	var unknownAuth x509.UnknownAuthorityError
	var invalidCert x509.CertificateInvalidError
	var hostname x509.HostnameError
	var verify *tls.CertificateVerificationError
	var recordHeader tls.RecordHeaderError
	var ne net.Error
	msg := err.Error()
	switch {
	case errors.Is(err, context.Canceled):
		return FaultCanceled
	case errors.Is(err, context.DeadlineExceeded), errors.As(err, &ne) && ne.Timeout(),
		strings.Contains(msg, "i/o timeout"), strings.Contains(msg, "deadline exceeded"), strings.Contains(msg, "Client.Timeout exceeded"):
		return FaultTimeout
	case errors.Is(err, syscall.ECONNREFUSED), strings.Contains(msg, "connection refused"):
		return FaultRefused
	case errors.As(err, &unknownAuth), errors.As(err, &invalidCert), errors.As(err, &hostname), errors.As(err, &verify),
		strings.Contains(msg, "x509: "), strings.Contains(msg, "tls: failed to verify certificate"):
		return FaultUntrusted
	case errors.As(err, &recordHeader), strings.Contains(msg, "server gave HTTP response to HTTPS client"),
		strings.Contains(msg, "first record does not look like a TLS handshake"):
		return FaultNotTLS
	case errors.As(err, &dnsErr), strings.Contains(msg, "no such host"):
		return FaultNoHost
	case errors.Is(err, syscall.EHOSTUNREACH), errors.Is(err, syscall.ENETUNREACH),
		strings.Contains(msg, "no route to host"), strings.Contains(msg, "network is unreachable"):
		return FaultUnreachable
	case errors.Is(err, syscall.ECONNRESET), errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, io.EOF),
		strings.Contains(msg, "connection reset by peer"), strings.HasSuffix(msg, ": EOF"), msg == "EOF",
		strings.Contains(msg, "unexpected EOF"), strings.Contains(msg, "broken pipe"):
		return FaultReset
	}
	return faultOther
}

// requestURL matches the `Get "https://host:port/path?query": ` prefix that
// Go's HTTP client puts before a transport error, also when a proxying
// server forwards that text.
var requestURL = regexp.MustCompile(`\b(?:Get|Head|Post|Put|Patch|Delete|GET|HEAD|POST|PUT|PATCH|DELETE) "([^"]*)": `)

// ErrDetail returns err's text without request URLs: the client's
// `Get "https://h:p/v1/sys/health?seven=query&parameters=…": dial tcp h:p:
// connect: connection refused` becomes `dial tcp h:p: connect: connection
// refused`, and a cause that does not name the address (EOF, a TLS error)
// gets the host:port in front of it.
func ErrDetail(err error) string {
	if err == nil {
		return ""
	}
	var ue *url.Error
	if errors.As(err, &ue) && ue.Err != nil {
		msg := StripRequestURLs(ue.Err.Error())
		if host := hostOf(ue.URL); host != "" && !strings.Contains(msg, host) {
			msg = host + ": " + msg
		}
		return msg
	}
	return StripRequestURLs(err.Error())
}

// StripRequestURLs replaces each request-URL prefix in s by the URL's
// host:port, or by nothing when the text after it names that address
// already (a dial error).
func StripRequestURLs(s string) string {
	locs := requestURL.FindAllStringSubmatchIndex(s, -1)
	if locs == nil {
		return s
	}
	var b strings.Builder
	last := 0
	for _, l := range locs {
		b.WriteString(s[last:l[0]])
		host := hostOf(s[l[2]:l[3]])
		rest := s[l[1]:]
		if next := requestURL.FindStringIndex(rest); next != nil {
			rest = rest[:next[0]]
		}
		if host != "" && !strings.Contains(rest, host) {
			b.WriteString(host + ": ")
		}
		last = l[1]
	}
	b.WriteString(s[last:])
	return b.String()
}

// hostOf returns the host:port of a URL, or "" when it has none.
func hostOf(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return ""
	}
	return u.Host
}

// Problems collects the parts of a source that failed.
type Problems struct{ List []collectors.Problem }

// Add records that a part failed, with the message a person reads.
func (p *Problems) Add(part, msg string) {
	p.List = append(p.List, collectors.Problem{Part: part, Error: msg})
}

// Sorted returns the problems ordered by part.
func (p *Problems) Sorted() []collectors.Problem {
	sort.SliceStable(p.List, func(i, j int) bool { return p.List[i].Part < p.List[j].Part })
	return p.List
}

// JoinNote joins two notes with "; ", either of which may be empty.
func JoinNote(a, b string) string {
	if a == "" {
		return b
	}
	return a + "; " + b
}

// PageSize is the List page size (continue tokens page through the rest).
const PageSize = 250
