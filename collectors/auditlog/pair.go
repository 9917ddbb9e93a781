package auditlog

import "bytes"

// indexPair returns the smallest j with j+d < len(t), t[j] == c0 and
// t[j+d] == c1, or -1, for d >= 0. Looking for two bytes of a
// pattern at once skips the many places where one of them alone occurs:
// "audit" has no byte rarer than 'u', found every 60 bytes of a JSON log.
//
// On amd64 with AVX2 it compares 32 positions at a time (pair_amd64.s);
// elsewhere, and for fewer than pairMinLen positions, indexPairGeneric.
func indexPair(t []byte, c0, c1 byte, d int) int {
	if useAVX2 && len(t)-d >= pairMinLen {
		return indexPairAVX2(t, c0, c1, d)
	}
	return indexPairGeneric(t, c0, c1, d)
}

// pairMinLen is the fewest positions indexPairAVX2 takes: one 32-byte
// window.
const pairMinLen = 32

// indexPairGeneric is indexPair with bytes.IndexByte looking for c0.
func indexPairGeneric(t []byte, c0, c1 byte, d int) int {
	for lo, hi := 0, len(t)-d; lo < hi; {
		j := bytes.IndexByte(t[lo:hi], c0)
		if j < 0 {
			return -1
		}
		if t[lo+j+d] == c1 {
			return lo + j
		}
		lo += j + 1
	}
	return -1
}

// pairSet is the pairs of bytes of four patterns, looked for together in
// one pass over a line (candidatesAVX2 reads its fields by offset: keep
// the layout).
type pairSet struct {
	c0, c1 [4]byte
	d      [4]int // each below maxPairDist
}

// maxPairDist bounds the distance between a pattern's two bytes in a
// pairSet, so that candidatesAVX2's last windows leave no gap.
const maxPairDist = 32

// set makes pair k of ps that of f.
func (ps *pairSet) set(k int, f *finder) {
	if len(f.pat) < 2 { // one byte: itself twice
		ps.c0[k], ps.c1[k], ps.d[k] = f.pat[0], f.pat[0], 0
		return
	}
	ps.c0[k], ps.c1[k], ps.d[k] = f.pat[f.p0], f.pat[f.p1], f.p1-f.p0
}

// minLen is the shortest line candidatesAVX2 takes.
func (ps *pairSet) minLen() int { return max(ps.d[0], ps.d[1], ps.d[2], ps.d[3]) + 32 }

// candidates returns a bit per pair k, clear when no j has s[j] == c0[k]
// and s[j+d[k]] == c1[k]: then pattern k is not in s. A set bit says
// nothing (all four are set without AVX2, or for a short line).
func (ps *pairSet) candidates(s []byte) uint32 {
	if useAVX2 && len(s) >= ps.minLen() {
		return candidatesAVX2(s, ps)
	}
	return 0xf
}

// candidatesGeneric is candidatesAVX2 without its conditions, to test it.
func (ps *pairSet) candidatesGeneric(s []byte) uint32 {
	var bits uint32
	for k := range 4 {
		if indexPairGeneric(s, ps.c0[k], ps.c1[k], ps.d[k]) >= 0 {
			bits |= 1 << k
		}
	}
	return bits
}
