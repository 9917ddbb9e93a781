//go:build !amd64 || purego

package auditlog

const useAVX2 = false

func indexPairAVX2(t []byte, c0, c1 byte, d int) int { panic("auditlog: indexPairAVX2 without AVX2") }

func classifyAVX2(s []byte, q []uint64) bool { panic("auditlog: classifyAVX2 without AVX2") }

func candidatesAVX2(s []byte, ps *pairSet) uint32 { panic("auditlog: candidatesAVX2 without AVX2") }
