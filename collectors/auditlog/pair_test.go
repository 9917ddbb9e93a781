package auditlog

import (
	"bytes"
	"slices"
	"testing"
)

// background returns n bytes of JSON-like text holding none of the bytes
// the tests plant ('#', '@', '"', '\\', control and high bytes).
func background(n int) []byte {
	const text = `level:info msg:request completed path:/api/v1/tenants status:200 `
	b := make([]byte, n)
	for i := range b {
		b[i] = text[i%len(text)]
	}
	return b
}

// The kernels treat windows of 32 and the last bytes differently: every
// length up to 200 and every position of the planted bytes is tried.

func TestIndexPair_everyPosition(t *testing.T) {
	for _, d := range []int{0, 1, 2, 16, 31, 40} {
		for n := d; n <= 200; n++ {
			s := background(n)
			if got := indexPair(s, '#', '@', d); got != -1 {
				t.Fatalf("d=%d n=%d: indexPair of an absent pair = %d, want -1", d, n, got)
			}
			for j := 0; j+d < n; j++ {
				s := background(n)
				s[j] = '#'
				if d > 0 {
					s[j+d] = '@'
					if got := indexPair(s, '#', '@', d); got != j {
						t.Fatalf("d=%d n=%d: indexPair with the pair at %d = %d", d, n, j, got)
					}
					s[j+d] = 'x' // the first byte alone is no match
					if got := indexPair(s, '#', '@', d); got != -1 {
						t.Fatalf("d=%d n=%d: indexPair with '#' alone at %d = %d, want -1", d, n, j, got)
					}
				} else if got := indexPair(s, '#', '#', 0); got != j {
					t.Fatalf("n=%d: indexPair(d=0) with '#' at %d = %d", n, j, got)
				}
			}
		}
	}
}

// TestPairSet_candidates: candidates never rules out a pattern whose pair
// is in the line; with AVX2 it says exactly the patterns whose pair is
// there (candidatesGeneric), without it maybe for every pattern.
func TestPairSet_candidates(t *testing.T) {
	ps := pairSet{c0: [4]byte{'#', '#', '#', '#'}, c1: [4]byte{'@', '!', '%', '#'}, d: [4]int{31, 1, 17, 0}}
	exact := func(s []byte) uint32 { // what candidates says on this processor
		if useAVX2 {
			return ps.candidatesGeneric(s)
		}
		return 0xf
	}
	for n := ps.minLen(); n <= 200; n++ {
		if g := ps.candidatesGeneric(background(n)); g != 0 {
			t.Fatalf("n=%d: the background holds a pair: %04b", n, g)
		}
		if got, want := ps.candidates(background(n)), exact(background(n)); got != want {
			t.Fatalf("n=%d: no pair planted, candidates = %04b, want %04b (AVX2 %v)", n, got, want, useAVX2)
		}
		for k := range 4 {
			for j := 0; j+ps.d[k] < n; j++ {
				s := background(n)
				s[j], s[j+ps.d[k]] = ps.c0[k], ps.c1[k]
				got, want := ps.candidates(s), exact(s)
				if got != want || got&(1<<k) == 0 {
					t.Fatalf("n=%d: pair %d at %d: candidates = %04b, want %04b (AVX2 %v)", n, k, j, got, want, useAVX2)
				}
			}
		}
	}
}

func TestScanBuf_plainQuotes(t *testing.T) {
	var sb scanBuf
	for n := 0; n <= 200; n++ {
		for j := 0; j < n; j++ {
			for _, c := range []byte{'"', '\\', 0x1f, '\t', 0x80, 0xff} {
				s := background(n)
				s[j] = c
				if j < n-1 {
					s[n-1] = '"' // a quote in the last byte, in the tail window
				}
				if j > 0 && (j-1)%64 == 63 {
					s[j-1] = '"'
				}
				checkQuotes(t, s)
				if c != '"' && sb.plainQuotes(s) != nil {
					t.Fatalf("plainQuotes(%q) says plain with %q at %d", s, c, j)
				}
			}
		}
	}
}

func TestFinder_index(t *testing.T) {
	for _, pat := range []string{DefaultActionPrefix, DefaultRenewalMarker, "audit", `\u`, "a"} {
		for n := 0; n <= 130; n++ {
			for j := 0; j+len(pat) <= n; j++ {
				s := background(n)
				copy(s[j:], pat)
				if j+len(pat) < n {
					s[j+len(pat)] = '"'
				}
				checkFinder(t, s)
			}
			checkFinder(t, background(n))
		}
	}
}

func TestScanObject_plainLines(t *testing.T) {
	// Quotes at the edges of the bitmap's words (bytes 63, 64, 127, 128)
	// and of the 32-byte windows.
	for pad := range 140 {
		for _, line := range []string{
			`{"pad":"` + string(background(pad)) + `","action":"cmek.rotation.completed","outcome":"success"}`,
			`{"action":"cmek.rotation.completed","pad":"` + string(background(pad)) + `","tenant":"t-1"}` + "\r",
			`{"a":` + string(bytes.Repeat([]byte(`{"b":"x",`), pad%9)) + `"c":1` + closing(pad%9) + `,"ts":1}`,
			`{"pad":"` + string(background(pad)) + `","action":"cmek.rotation.completed","outcome":"unterminated}`,
		} {
			checkScan(t, []byte(line))
		}
	}
}

// closing returns n closing braces.
func closing(n int) string { return string(slices.Repeat([]byte{'}'}, n)) }
