//go:build !purego

package auditlog

import "golang.org/x/sys/cpu"

// useAVX2 says indexPair may call indexPairAVX2. It is set once, from the
// processor's features, before any Aggregator exists.
var useAVX2 = cpu.X86.HasAVX2

// indexPairAVX2 is indexPair for len(t)-d >= pairMinLen, on a processor
// with AVX2.
//
//go:noescape
func indexPairAVX2(t []byte, c0, c1 byte, d int) int

// classifyAVX2 is classify for len(s) >= 32 on a processor with AVX2; it
// leaves the upper half of q's last word alone when it holds no byte of s.
//
//go:noescape
func classifyAVX2(s []byte, q []uint64) bool

// candidatesAVX2 is pairSet.candidates for len(s) >= ps.minLen() on a
// processor with AVX2.
//
//go:noescape
func candidatesAVX2(s []byte, ps *pairSet) uint32
