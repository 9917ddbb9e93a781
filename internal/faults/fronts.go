package faults

import (
	"bytes"
	"crypto/tls"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// Front is an HTTP or HTTPS server of the test's own on 127.0.0.1, put in
// front of (or instead of) a real server.
type Front struct {
	// URL is http(s)://127.0.0.1:PORT.
	URL string
	// Addr is 127.0.0.1:PORT.
	Addr string
	// CA signed the front's certificate (nil for plain HTTP).
	CA  *CA
	srv *http.Server
}

// StartFront serves h over plain HTTP until the test ends.
func StartFront(tb testing.TB, h http.Handler) *Front {
	tb.Helper()
	return startFront(tb, h, nil)
}

// StartTLSFront serves h over HTTPS with a certificate signed by a CA of
// the test's own (Front.CA), which no client trusts unless told to.
func StartTLSFront(tb testing.TB, h http.Handler) *Front {
	tb.Helper()
	return startFront(tb, h, MustCA(tb, "fault front"))
}

func startFront(tb testing.TB, h http.Handler, ca *CA) *Front {
	tb.Helper()
	var ln net.Listener
	var err error
	scheme := "http"
	if ca != nil {
		ln, err = tls.Listen("tcp", "127.0.0.1:0", ca.TLSConfig())
		scheme = "https"
	} else {
		ln, err = net.Listen("tcp", "127.0.0.1:0")
	}
	if err != nil {
		tb.Fatalf("front listen: %v", err)
	}
	f := &Front{Addr: ln.Addr().String(), CA: ca}
	f.URL = scheme + "://" + f.Addr
	f.srv = &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second, ErrorLog: discardLog()}
	go func() { _ = f.srv.Serve(ln) }()
	tb.Cleanup(func() { _ = f.srv.Close() })
	return f
}

// Respond answers every request with status, the content type and body,
// and the extra headers given as name, value pairs.
func Respond(status int, contentType, body string, header ...string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		for i := 0; i+1 < len(header); i += 2 {
			w.Header().Set(header[i], header[i+1])
		}
		w.Header().Set("Content-Type", contentType)
		w.Header().Set("Content-Length", strconv.Itoa(len(body)))
		w.WriteHeader(status)
		_, _ = io.WriteString(w, body)
	})
}

// HTMLPage is what a login portal or a misrouted ingress serves where an
// API was expected.
const HTMLPage = `<!DOCTYPE html>
<html><head><title>Sign in</title></head>
<body><h1>Sign in to continue</h1><form method="post" action="/login"><input name="user"></form></body></html>
`

// Forward is a reverse proxy to upstream (an http URL).
func Forward(upstream string) http.Handler {
	u, err := url.Parse(upstream)
	if err != nil {
		panic(fmt.Sprintf("faults.Forward(%q): %v", upstream, err))
	}
	rp := httputil.NewSingleHostReverseProxy(u)
	rp.ErrorLog = discardLog()
	return rp
}

// Route sends the requests whose path starts with Prefix to Handler.
type Route struct {
	Prefix  string
	Handler http.Handler
}

// Routes serves each request with the first route whose prefix matches its
// path, else with fallback.
func Routes(fallback http.Handler, routes ...Route) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		for _, rt := range routes {
			if strings.HasPrefix(r.URL.Path, rt.Prefix) {
				rt.Handler.ServeHTTP(w, r)
				return
			}
		}
		fallback.ServeHTTP(w, r)
	})
}

// ResetMidResponse serves each request with upstream, then sends the
// client the status line, the headers (with the full Content-Length) and
// the first half of the body, and resets the connection (TCP RST): the
// answer breaks off in the middle. The front must be plain HTTP/1.1 (it
// hijacks the connection).
func ResetMidResponse(upstream http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rec := httptest.NewRecorder()
		upstream.ServeHTTP(rec, r)
		body := rec.Body.Bytes()
		if len(body) < 2 {
			body = append(body, bytes.Repeat([]byte(" "), 64)...)
		}
		hj, ok := w.(http.Hijacker)
		if !ok {
			http.Error(w, "faults.ResetMidResponse needs HTTP/1.1", http.StatusInternalServerError)
			return
		}
		conn, buf, err := hj.Hijack()
		if err != nil {
			return
		}
		fmt.Fprintf(buf, "HTTP/1.1 %d %s\r\n", rec.Code, http.StatusText(rec.Code))
		for k, vs := range rec.Header() {
			if k == "Content-Length" {
				continue
			}
			for _, v := range vs {
				fmt.Fprintf(buf, "%s: %s\r\n", k, v)
			}
		}
		fmt.Fprintf(buf, "Content-Length: %d\r\n\r\n", len(body))
		_, _ = buf.Write(body[:len(body)/2])
		_ = buf.Flush()
		reset(conn)
	})
}

// reset closes conn with SO_LINGER 0, so the kernel sends a RST.
func reset(conn net.Conn) {
	if tc, ok := conn.(*net.TCPConn); ok {
		_ = tc.SetLinger(0)
	}
	_ = conn.Close()
}

// Silent is a listener that accepts connections (and completes the TLS
// handshake when it has a CA), reads what the client sends and never
// answers: a server that is up and hangs.
type Silent struct {
	// URL is https://Addr (or http:// without TLS).
	URL  string
	Addr string
	// CA signed its certificate; nil for plain TCP.
	CA *CA

	ln    net.Listener
	mu    sync.Mutex
	conns []net.Conn
}

// StartSilent starts a silent listener until the test ends; with tlsOn it
// completes TLS handshakes with a certificate of its own CA.
func StartSilent(tb testing.TB, tlsOn bool) *Silent {
	tb.Helper()
	s := &Silent{}
	var err error
	scheme := "http"
	if tlsOn {
		s.CA = MustCA(tb, "silent server")
		s.ln, err = tls.Listen("tcp", "127.0.0.1:0", s.CA.TLSConfig())
		scheme = "https"
	} else {
		s.ln, err = net.Listen("tcp", "127.0.0.1:0")
	}
	if err != nil {
		tb.Fatalf("silent listen: %v", err)
	}
	s.Addr = s.ln.Addr().String()
	s.URL = scheme + "://" + s.Addr
	go s.serve()
	tb.Cleanup(s.close)
	return s
}

func (s *Silent) serve() {
	for {
		c, err := s.ln.Accept()
		if err != nil {
			return
		}
		s.mu.Lock()
		s.conns = append(s.conns, c)
		s.mu.Unlock()
		go func() {
			if tc, ok := c.(*tls.Conn); ok {
				if err := tc.Handshake(); err != nil {
					return
				}
			}
			_, _ = io.Copy(io.Discard, c) // until the client gives up
		}()
	}
}

func (s *Silent) close() {
	_ = s.ln.Close()
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, c := range s.conns {
		_ = c.Close()
	}
}
