//go:build !purego

#include "textflag.h"

// func indexPairAVX2(t []byte, c0, c1 byte, d int) int
//
// Returns the smallest j with j+d < len(t), t[j] == c0 and t[j+d] == c1
// (d >= 0), or -1. Requires AVX2 and n = len(t)-d >= 32 positions.
// Positions are tested 32 at a time: one window of t at j and one at j+d,
// each compared with its byte, the two masks ANDed. The positions left
// after the last whole window are tested by one more window ending at the
// last position, its mask shifted past those already tested.
TEXT ·indexPairAVX2(SB), NOSPLIT, $0-48
	MOVQ	t_base+0(FP), SI
	MOVQ	t_len+8(FP), BX
	MOVBLZX	c0+24(FP), AX
	MOVBLZX	c1+25(FP), CX
	MOVQ	d+32(FP), DX

	LEAQ	(SI)(DX*1), R9 // R9 = &t[d]
	SUBQ	DX, BX         // BX = n, the number of positions
	LEAQ	-32(BX), R8    // R8 = n-32, the last window's first position

	MOVD	AX, X0
	VPBROADCASTB	X0, Y0
	MOVD	CX, X1
	VPBROADCASTB	X1, Y1

	XORQ	DI, DI // DI = j, the window's first position

loop:
	CMPQ	DI, R8
	JGT	last
	VPCMPEQB	(SI)(DI*1), Y0, Y2
	VPCMPEQB	(R9)(DI*1), Y1, Y3
	VPAND	Y2, Y3, Y2
	VPMOVMSKB	Y2, R10
	TESTL	R10, R10
	JNZ	found
	ADDQ	$32, DI
	JMP	loop

last:
	// Positions DI..n-1 are left, fewer than 32: test the window at n-32
	// and drop the bits of the DI-(n-32) positions before DI.
	CMPQ	DI, BX
	JGE	notfound
	VPCMPEQB	(SI)(R8*1), Y0, Y2
	VPCMPEQB	(R9)(R8*1), Y1, Y3
	VPAND	Y2, Y3, Y2
	VPMOVMSKB	Y2, R10
	MOVQ	DI, CX
	SUBQ	R8, CX
	SHRL	CX, R10
	TESTL	R10, R10
	JZ	notfound

found:
	BSFL	R10, R10
	ADDQ	DI, R10
	MOVQ	R10, ret+40(FP)
	VZEROUPPER
	RET

notfound:
	MOVQ	$-1, ret+40(FP)
	VZEROUPPER
	RET

// func classifyAVX2(s []byte, q []uint64) bool
//
// Sets bit i%64 of q[i/64] for each '"' at s[i], clearing the other bits of
// the words it writes, and returns whether s holds no '\\', no byte below
// 0x20 and no byte >= 0x80. Requires AVX2, len(s) >= 32 and
// len(q) >= (len(s)+63)/64; writes 32 bits at a time, so the last word's
// upper half is left alone when the last 32-bit slot is in its lower half.
// 32 bytes at a time; the bytes after the last whole 32 are taken from one
// more window ending at len(s), its quote mask shifted past those already
// stored.
TEXT ·classifyAVX2(SB), NOSPLIT, $0-49
	MOVQ	s_base+0(FP), SI
	MOVQ	s_len+8(FP), BX
	MOVQ	q_base+24(FP), DI

	MOVL	$0x22, AX
	MOVD	AX, X0
	VPBROADCASTB	X0, Y0 // '"'
	MOVL	$0x5c, AX
	MOVD	AX, X1
	VPBROADCASTB	X1, Y1 // '\\'
	MOVL	$0x20, AX
	MOVD	AX, X2
	VPBROADCASTB	X2, Y2 // 0x20
	VPXOR	Y7, Y7, Y7     // the bytes that are not plain, ORed

	XORQ	R10, R10    // R10 = the window's offset in s
	LEAQ	-32(BX), R8 // R8 = len(s)-32, the last window's offset

loop:
	CMPQ	R10, R8
	JGT	tail
	VMOVDQU	(SI)(R10*1), Y3
	VPCMPEQB	Y0, Y3, Y4
	VPMOVMSKB	Y4, AX
	MOVQ	R10, DX
	SHRQ	$3, DX
	MOVL	AX, (DI)(DX*1)
	VPCMPEQB	Y1, Y3, Y5
	VPCMPGTB	Y3, Y2, Y6 // signed 0x20 > byte: below 0x20, or >= 0x80
	VPOR	Y5, Y6, Y5
	VPOR	Y5, Y7, Y7
	ADDQ	$32, R10
	JMP	loop

tail:
	CMPQ	R10, BX
	JGE	done
	// len(s)-R10 bytes are left, fewer than 32: the window at len(s)-32
	// holds them in its last bits; shift its mask by R10-(len(s)-32).
	VMOVDQU	(SI)(R8*1), Y3
	VPCMPEQB	Y0, Y3, Y4
	VPMOVMSKB	Y4, AX
	MOVQ	R10, CX
	SUBQ	R8, CX
	SHRL	CX, AX
	MOVQ	R10, DX
	SHRQ	$3, DX
	MOVL	AX, (DI)(DX*1)
	VPCMPEQB	Y1, Y3, Y5
	VPCMPGTB	Y3, Y2, Y6
	VPOR	Y5, Y6, Y5
	VPOR	Y5, Y7, Y7

done:
	VPMOVMSKB	Y7, AX
	TESTL	AX, AX
	SETEQ	ret+48(FP)
	VZEROUPPER
	RET

// func candidatesAVX2(s []byte, ps *pairSet) uint32
//
// Returns a bit per pair k of ps, set when some j with j+ps.d[k] < len(s)
// has s[j] == ps.c0[k] and s[j+ps.d[k]] == ps.c1[k]. Requires AVX2, every
// d[k] < 32 and len(s) >= max(d)+32. Windows of 32 positions at 0, 32, ...
// while all four pairs fit, one more window ending at the last position
// that all of them have, then for each pair a window ending at its own last
// position; overlaps are tested twice, which does not change an OR.
TEXT ·candidatesAVX2(SB), NOSPLIT, $0-36
	MOVQ	s_base+0(FP), SI
	MOVQ	s_len+8(FP), BX
	MOVQ	ps+24(FP), AX

	VPBROADCASTB	0(AX), Y0 // c0[0..3]
	VPBROADCASTB	1(AX), Y1
	VPBROADCASTB	2(AX), Y2
	VPBROADCASTB	3(AX), Y3
	VPBROADCASTB	4(AX), Y4 // c1[0..3]
	VPBROADCASTB	5(AX), Y5
	VPBROADCASTB	6(AX), Y6
	VPBROADCASTB	7(AX), Y7
	VPXOR	Y8, Y8, Y8 // the candidates of each pair, ORed
	VPXOR	Y9, Y9, Y9
	VPXOR	Y10, Y10, Y10
	VPXOR	Y11, Y11, Y11

	MOVQ	8(AX), R8 // R8..R11 = &s[d[k]]
	MOVQ	16(AX), R9
	MOVQ	24(AX), R10
	MOVQ	32(AX), R11
	MOVQ	R8, DX // DX = max(d)
	CMPQ	R9, DX
	CMOVQGT	R9, DX
	CMPQ	R10, DX
	CMOVQGT	R10, DX
	CMPQ	R11, DX
	CMOVQGT	R11, DX
	ADDQ	SI, R8
	ADDQ	SI, R9
	ADDQ	SI, R10
	ADDQ	SI, R11
	MOVQ	BX, R13 // R13 = len(s)-max(d)-32, the last window all pairs fit
	SUBQ	DX, R13
	SUBQ	$32, R13

	XORQ	DI, DI

loop:
	VMOVDQU	(SI)(DI*1), Y12
	VPCMPEQB	Y0, Y12, Y13
	VPCMPEQB	(R8)(DI*1), Y4, Y14
	VPAND	Y13, Y14, Y13
	VPOR	Y13, Y8, Y8
	VPCMPEQB	Y1, Y12, Y13
	VPCMPEQB	(R9)(DI*1), Y5, Y14
	VPAND	Y13, Y14, Y13
	VPOR	Y13, Y9, Y9
	VPCMPEQB	Y2, Y12, Y13
	VPCMPEQB	(R10)(DI*1), Y6, Y14
	VPAND	Y13, Y14, Y13
	VPOR	Y13, Y10, Y10
	VPCMPEQB	Y3, Y12, Y13
	VPCMPEQB	(R11)(DI*1), Y7, Y14
	VPAND	Y13, Y14, Y13
	VPOR	Y13, Y11, Y11
	CMPQ	DI, R13
	JEQ	tail
	ADDQ	$32, DI
	CMPQ	DI, R13
	JLE	loop
	MOVQ	R13, DI // one more window, ending where the loop could not go
	JMP	loop

tail:
	// Pair k's last window starts at len(s)-d[k]-32; its second bytes are
	// the last 32 of s, the same for every pair.
	LEAQ	-32(SI)(BX*1), R14
	VMOVDQU	(R14), Y15
	MOVQ	R14, R15
	SUBQ	8(AX), R15
	VPCMPEQB	(R15), Y0, Y13
	VPCMPEQB	Y15, Y4, Y14
	VPAND	Y13, Y14, Y13
	VPOR	Y13, Y8, Y8
	MOVQ	R14, R15
	SUBQ	16(AX), R15
	VPCMPEQB	(R15), Y1, Y13
	VPCMPEQB	Y15, Y5, Y14
	VPAND	Y13, Y14, Y13
	VPOR	Y13, Y9, Y9
	MOVQ	R14, R15
	SUBQ	24(AX), R15
	VPCMPEQB	(R15), Y2, Y13
	VPCMPEQB	Y15, Y6, Y14
	VPAND	Y13, Y14, Y13
	VPOR	Y13, Y10, Y10
	MOVQ	R14, R15
	SUBQ	32(AX), R15
	VPCMPEQB	(R15), Y3, Y13
	VPCMPEQB	Y15, Y7, Y14
	VPAND	Y13, Y14, Y13
	VPOR	Y13, Y11, Y11

	XORL	CX, CX
	VPMOVMSKB	Y8, DX
	TESTL	DX, DX
	SETNE	CL
	VPMOVMSKB	Y9, DX
	TESTL	DX, DX
	SETNE	R12B
	MOVBLZX	R12B, R12
	SHLL	$1, R12
	ORL	R12, CX
	VPMOVMSKB	Y10, DX
	TESTL	DX, DX
	SETNE	R12B
	MOVBLZX	R12B, R12
	SHLL	$2, R12
	ORL	R12, CX
	VPMOVMSKB	Y11, DX
	TESTL	DX, DX
	SETNE	R12B
	MOVBLZX	R12B, R12
	SHLL	$3, R12
	ORL	R12, CX
	MOVL	CX, ret+32(FP)
	VZEROUPPER
	RET
