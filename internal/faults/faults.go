// Package faults puts faults between kubectl-rotation and the real test
// servers, for the fault suite (cmd/kubectl-rotation/faults_test.go) and the
// dashboard's fault tests: a real fault-injecting TCP proxy (Shopify's
// toxiproxy, run in-process as a library) for latency and black holes, and
// a few small servers of its own where a proxy cannot make the fault (an
// HTML page instead of JSON, a 422, a 429 with Retry-After, 500/503 on some
// paths, a reset in the middle of a response, a TLS front with a
// certificate nobody trusts, a listener that accepts and never answers, a
// closed port). It also builds the kubeconfigs and Nodes that point the tool
// through them.
//
// Everything listens on 127.0.0.1 and is closed when the test ends.
package faults

import (
	"fmt"
	"net"
	"strings"
	"testing"
	"time"

	toxiproxy "github.com/Shopify/toxiproxy/v2"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/rs/zerolog"
)

// Proxy is a toxiproxy TCP proxy on 127.0.0.1 in front of one upstream.
// Without toxics it passes everything through unchanged (TLS included, so
// the upstream's certificate still verifies for 127.0.0.1).
type Proxy struct {
	// Addr is the proxy's host:port.
	Addr string
	p    *toxiproxy.Proxy
}

// NewProxy starts a proxy to upstream (host:port); it stops when the test
// ends. It fails the test when the proxy cannot listen.
func NewProxy(tb testing.TB, upstream string) *Proxy {
	tb.Helper()
	srv := toxiproxy.NewServer(toxiproxy.NewMetricsContainer(prometheus.NewRegistry()), zerolog.Nop())
	name := strings.NewReplacer("/", "-", " ", "-").Replace(tb.Name())
	p := toxiproxy.NewProxy(srv, name, "127.0.0.1:0", upstream)
	if err := p.Start(); err != nil {
		tb.Fatalf("toxiproxy in front of %s: %v", upstream, err)
	}
	tb.Cleanup(p.Stop)
	return &Proxy{Addr: p.Listen, p: p}
}

// URL is scheme://Addr.
func (p *Proxy) URL(scheme string) string { return scheme + "://" + p.Addr }

// Latency delays everything the upstream sends by d (toxiproxy's latency
// toxic on the downstream stream): every answer, and the TLS handshake,
// arrives d late.
func (p *Proxy) Latency(tb testing.TB, d time.Duration) {
	tb.Helper()
	p.toxic(tb, fmt.Sprintf(`{"name":"latency","type":"latency","stream":"downstream","attributes":{"latency":%d}}`, d.Milliseconds()))
}

// Blackhole makes the proxy accept connections and pass the requests on,
// but drop every byte the upstream sends back, forever (toxiproxy's timeout
// toxic with timeout 0): the server looks up and never answers.
func (p *Proxy) Blackhole(tb testing.TB) {
	tb.Helper()
	p.toxic(tb, `{"name":"blackhole","type":"timeout","stream":"downstream","attributes":{"timeout":0}}`)
}

func (p *Proxy) toxic(tb testing.TB, spec string) {
	tb.Helper()
	if _, err := p.p.Toxics.AddToxicJson(strings.NewReader(spec)); err != nil {
		tb.Fatalf("toxiproxy %s: add toxic %s: %v", p.Addr, spec, err)
	}
}

// ClosedAddr returns a 127.0.0.1 host:port where nothing listens (it was
// free a moment ago): connecting to it is refused at once.
func ClosedAddr(tb testing.TB) string {
	tb.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatalf("find a free port: %v", err)
	}
	addr := ln.Addr().String()
	if err := ln.Close(); err != nil {
		tb.Fatal(err)
	}
	return addr
}
