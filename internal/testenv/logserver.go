package testenv

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"fmt"
	"math/big"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"
)

// LogServer stands in for the kubelet's log endpoint. A Node registered with
// RegisterNode points the API server at it, so client-go's GetLogs goes
// through the API server's real pods/log path and reaches
// GET /containerLogs/{namespace}/{pod}/{container}?tailLines=N&sinceTime=T&limitBytes=M
// here (tail first, then the lines since T, then at most M bytes, as the
// kubelet applies them). Tests and the lab put the log text in with Set.
type LogServer struct {
	Port int

	srv *http.Server
	ln  net.Listener

	mu       sync.Mutex
	logs     map[string][]byte
	requests []string
	// waiting holds the kubelet's answer for containers that never
	// started (Waiting).
	waiting map[string]string
}

// StartLogServer listens on 127.0.0.1 with a self-signed certificate (the
// API server does not verify kubelet certificates when it has no kubelet CA).
func StartLogServer() (*LogServer, error) {
	cert, err := selfSigned()
	if err != nil {
		return nil, err
	}
	ln, err := tls.Listen("tcp", "127.0.0.1:0", &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12})
	if err != nil {
		return nil, fmt.Errorf("log server listen: %w", err)
	}
	s := &LogServer{Port: ln.Addr().(*net.TCPAddr).Port, ln: ln, logs: map[string][]byte{}}
	s.srv = &http.Server{Handler: http.HandlerFunc(s.serve), ReadHeaderTimeout: 5 * time.Second}
	go func() { _ = s.srv.Serve(ln) }()
	return s, nil
}

func logKey(ns, pod, container string) string { return ns + "/" + pod + "/" + container }

// Set makes data the log of the container.
func (s *LogServer) Set(ns, pod, container string, data []byte) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.logs[logKey(ns, pod, container)] = append([]byte(nil), data...)
}

// Requests returns the request URIs served so far (to prove a read went
// through the kubelet path with the expected bounds).
func (s *LogServer) Requests() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.requests...)
}

// Close stops the server.
func (s *LogServer) Close() { _ = s.srv.Close() }

func (s *LogServer) serve(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	s.requests = append(s.requests, r.URL.RequestURI())
	s.mu.Unlock()
	rest, ok := strings.CutPrefix(r.URL.Path, "/containerLogs/")
	parts := strings.Split(rest, "/")
	if !ok || len(parts) != 3 {
		http.Error(w, "not found", http.StatusNotFound)
		return
	}
	s.mu.Lock()
	data, found := s.logs[logKey(parts[0], parts[1], parts[2])]
	why, waits := s.waiting[logKey(parts[0], parts[1], parts[2])]
	s.mu.Unlock()
	if waits {
		// The kubelet's 400 for a container that has not started; the API
		// server passes it on as "the server rejected our request".
		http.Error(w, fmt.Sprintf("container %q in pod %q is waiting to start: %s", parts[2], parts[1], why), http.StatusBadRequest)
		return
	}
	if !found {
		// The kubelet's answer for a container it does not know.
		http.Error(w, fmt.Sprintf("container %q in pod %q is not available", parts[2], parts[1]), http.StatusNotFound)
		return
	}
	q := r.URL.Query()
	if v := q.Get("tailLines"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			http.Error(w, "bad tailLines", http.StatusBadRequest)
			return
		}
		data = tailLines(data, n)
	}
	if v := q.Get("sinceTime"); v != "" {
		since, err := time.Parse(time.RFC3339, v)
		if err != nil {
			http.Error(w, "bad sinceTime", http.StatusBadRequest)
			return
		}
		data = linesSince(data, since)
	}
	if v := q.Get("limitBytes"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			http.Error(w, "bad limitBytes", http.StatusBadRequest)
			return
		}
		if len(data) > n {
			data = data[:n]
		}
	}
	w.Header().Set("Content-Type", "text/plain")
	_, _ = w.Write(data)
}

// linesSince returns data from its first line written at or after since,
// as the kubelet does with the runtime's time of each line. The harness
// keeps no write times, so a line's time is the one it carries (a leading
// RFC 3339 stamp, or a JSON "timestamp", "time" or "ts"), and a line with
// none was written with the line before it; the lines of a log are in time
// order (Set and Append write them so), which lets a binary search find the
// first one without reading the others.
func linesSince(data []byte, since time.Time) []byte {
	// starts of lines are found on demand: lineAt(i) is the start of the
	// first line beginning at or after byte i
	lineAt := func(i int) int {
		if i == 0 {
			return 0
		}
		j := bytes.IndexByte(data[i-1:], '\n')
		if j < 0 {
			return len(data)
		}
		return i + j
	}
	// timeFrom is the time of the first timed line starting at or after
	// byte i, and that line's start; ok false when none has a time
	timeFrom := func(i int) (time.Time, int, bool) {
		for st := lineAt(i); st < len(data); {
			end := bytes.IndexByte(data[st:], '\n')
			line := data[st:]
			next := len(data)
			if end >= 0 {
				line, next = data[st:st+end], st+end+1
			}
			if t, ok := lineTime(line); ok {
				return t, st, true
			}
			st = next
		}
		return time.Time{}, len(data), false
	}
	// the smallest byte offset whose next timed line is at or after since
	lo, hi := 0, len(data)
	for lo < hi {
		mid := (lo + hi) / 2
		t, _, ok := timeFrom(mid)
		if !ok || !t.Before(since) {
			hi = mid
		} else {
			lo = mid + 1
		}
	}
	if lo == 0 {
		return data // no line is older than since
	}
	_, st, ok := timeFrom(lo)
	if !ok {
		return nil
	}
	// untimed lines just before it were written with the line before them
	return data[st:]
}

// lineTime reads the time a log line carries.
func lineTime(line []byte) (time.Time, bool) {
	line = bytes.TrimSpace(line)
	if len(line) == 0 {
		return time.Time{}, false
	}
	if line[0] != '{' {
		word, _, _ := bytes.Cut(line, []byte(" "))
		t, err := time.Parse(time.RFC3339Nano, string(word))
		return t, err == nil
	}
	for _, k := range []string{`"timestamp":`, `"time":`, `"ts":`} {
		i := bytes.Index(line, []byte(k))
		if i < 0 {
			continue
		}
		v := bytes.TrimLeft(line[i+len(k):], " ")
		if len(v) > 0 && v[0] == '"' {
			if j := bytes.IndexByte(v[1:], '"'); j >= 0 {
				if t, err := time.Parse(time.RFC3339Nano, string(v[1:1+j])); err == nil {
					return t, true
				}
			}
			continue
		}
		j := 0
		for j < len(v) && (v[j] >= '0' && v[j] <= '9' || v[j] == '.') {
			j++
		}
		if f, err := strconv.ParseFloat(string(v[:j]), 64); err == nil && f > 0 {
			if f > 1e12 {
				f /= 1000
			}
			return time.Unix(int64(f), 0), true
		}
	}
	return time.Time{}, false
}

// tailLines returns the last n lines of data (a final line without a
// newline counts as a line), as the kubelet does.
func tailLines(data []byte, n int) []byte {
	if n == 0 || len(data) == 0 {
		return nil
	}
	i := len(data) - 1 // skip the final newline
	for ; i >= 0; i-- {
		if data[i] == '\n' && i != len(data)-1 {
			n--
			if n == 0 {
				return data[i+1:]
			}
		}
	}
	return data
}

func selfSigned() (tls.Certificate, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return tls.Certificate{}, err
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(time.Now().UnixNano()),
		Subject:      pkix.Name{CommonName: "kubectl-rotation test kubelet"},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(24 * time.Hour),
		IPAddresses:  []net.IP{net.ParseIP("127.0.0.1")},
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return tls.Certificate{}, err
	}
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}, nil
}

// Forget removes a container's log, so the kubelet answers 404 for it.
func (s *LogServer) Forget(ns, pod, container string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.logs, logKey(ns, pod, container))
}

// Append adds data to the end of a container's log.
func (s *LogServer) Append(ns, pod, container string, data []byte) {
	s.mu.Lock()
	defer s.mu.Unlock()
	k := logKey(ns, pod, container)
	s.logs[k] = append(s.logs[k], data...)
}

// Waiting makes the container answer as the kubelet does for one that has
// not started: 400 "container ... is waiting to start: <why>" (the kubelet
// says "trying and failing to pull image" for ImagePullBackOff, the reason
// itself for others, such as ContainerCreating).
func (s *LogServer) Waiting(ns, pod, container, why string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.waiting == nil {
		s.waiting = map[string]string{}
	}
	s.waiting[logKey(ns, pod, container)] = why
}
