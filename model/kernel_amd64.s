//go:build !noasm

#include "textflag.h"

// AVX2+FMA and AVX-512 kernels of the model's step; see kernel.go for
// their contracts and kernel_amd64.go for the Go wrappers that check
// bounds. Constants are replicated sixteen times (64 bytes) so they serve
// directly as memory operands of 256- and 512-bit instructions.

DATA k_one<>+0(SB)/4, $0x3f800000
DATA k_one<>+4(SB)/4, $0x3f800000
DATA k_one<>+8(SB)/4, $0x3f800000
DATA k_one<>+12(SB)/4, $0x3f800000
DATA k_one<>+16(SB)/4, $0x3f800000
DATA k_one<>+20(SB)/4, $0x3f800000
DATA k_one<>+24(SB)/4, $0x3f800000
DATA k_one<>+28(SB)/4, $0x3f800000
DATA k_one<>+32(SB)/4, $0x3f800000
DATA k_one<>+36(SB)/4, $0x3f800000
DATA k_one<>+40(SB)/4, $0x3f800000
DATA k_one<>+44(SB)/4, $0x3f800000
DATA k_one<>+48(SB)/4, $0x3f800000
DATA k_one<>+52(SB)/4, $0x3f800000
DATA k_one<>+56(SB)/4, $0x3f800000
DATA k_one<>+60(SB)/4, $0x3f800000
GLOBL k_one<>(SB), RODATA|NOPTR, $64

DATA k_two<>+0(SB)/4, $0x40000000
DATA k_two<>+4(SB)/4, $0x40000000
DATA k_two<>+8(SB)/4, $0x40000000
DATA k_two<>+12(SB)/4, $0x40000000
DATA k_two<>+16(SB)/4, $0x40000000
DATA k_two<>+20(SB)/4, $0x40000000
DATA k_two<>+24(SB)/4, $0x40000000
DATA k_two<>+28(SB)/4, $0x40000000
DATA k_two<>+32(SB)/4, $0x40000000
DATA k_two<>+36(SB)/4, $0x40000000
DATA k_two<>+40(SB)/4, $0x40000000
DATA k_two<>+44(SB)/4, $0x40000000
DATA k_two<>+48(SB)/4, $0x40000000
DATA k_two<>+52(SB)/4, $0x40000000
DATA k_two<>+56(SB)/4, $0x40000000
DATA k_two<>+60(SB)/4, $0x40000000
GLOBL k_two<>(SB), RODATA|NOPTR, $64

DATA k_expmax<>+0(SB)/4, $0x42ae0000
DATA k_expmax<>+4(SB)/4, $0x42ae0000
DATA k_expmax<>+8(SB)/4, $0x42ae0000
DATA k_expmax<>+12(SB)/4, $0x42ae0000
DATA k_expmax<>+16(SB)/4, $0x42ae0000
DATA k_expmax<>+20(SB)/4, $0x42ae0000
DATA k_expmax<>+24(SB)/4, $0x42ae0000
DATA k_expmax<>+28(SB)/4, $0x42ae0000
DATA k_expmax<>+32(SB)/4, $0x42ae0000
DATA k_expmax<>+36(SB)/4, $0x42ae0000
DATA k_expmax<>+40(SB)/4, $0x42ae0000
DATA k_expmax<>+44(SB)/4, $0x42ae0000
DATA k_expmax<>+48(SB)/4, $0x42ae0000
DATA k_expmax<>+52(SB)/4, $0x42ae0000
DATA k_expmax<>+56(SB)/4, $0x42ae0000
DATA k_expmax<>+60(SB)/4, $0x42ae0000
GLOBL k_expmax<>(SB), RODATA|NOPTR, $64

DATA k_expmin<>+0(SB)/4, $0xc2ae0000
DATA k_expmin<>+4(SB)/4, $0xc2ae0000
DATA k_expmin<>+8(SB)/4, $0xc2ae0000
DATA k_expmin<>+12(SB)/4, $0xc2ae0000
DATA k_expmin<>+16(SB)/4, $0xc2ae0000
DATA k_expmin<>+20(SB)/4, $0xc2ae0000
DATA k_expmin<>+24(SB)/4, $0xc2ae0000
DATA k_expmin<>+28(SB)/4, $0xc2ae0000
DATA k_expmin<>+32(SB)/4, $0xc2ae0000
DATA k_expmin<>+36(SB)/4, $0xc2ae0000
DATA k_expmin<>+40(SB)/4, $0xc2ae0000
DATA k_expmin<>+44(SB)/4, $0xc2ae0000
DATA k_expmin<>+48(SB)/4, $0xc2ae0000
DATA k_expmin<>+52(SB)/4, $0xc2ae0000
DATA k_expmin<>+56(SB)/4, $0xc2ae0000
DATA k_expmin<>+60(SB)/4, $0xc2ae0000
GLOBL k_expmin<>(SB), RODATA|NOPTR, $64

DATA k_log2e<>+0(SB)/4, $0x3fb8aa3b
DATA k_log2e<>+4(SB)/4, $0x3fb8aa3b
DATA k_log2e<>+8(SB)/4, $0x3fb8aa3b
DATA k_log2e<>+12(SB)/4, $0x3fb8aa3b
DATA k_log2e<>+16(SB)/4, $0x3fb8aa3b
DATA k_log2e<>+20(SB)/4, $0x3fb8aa3b
DATA k_log2e<>+24(SB)/4, $0x3fb8aa3b
DATA k_log2e<>+28(SB)/4, $0x3fb8aa3b
DATA k_log2e<>+32(SB)/4, $0x3fb8aa3b
DATA k_log2e<>+36(SB)/4, $0x3fb8aa3b
DATA k_log2e<>+40(SB)/4, $0x3fb8aa3b
DATA k_log2e<>+44(SB)/4, $0x3fb8aa3b
DATA k_log2e<>+48(SB)/4, $0x3fb8aa3b
DATA k_log2e<>+52(SB)/4, $0x3fb8aa3b
DATA k_log2e<>+56(SB)/4, $0x3fb8aa3b
DATA k_log2e<>+60(SB)/4, $0x3fb8aa3b
GLOBL k_log2e<>(SB), RODATA|NOPTR, $64

DATA k_c1<>+0(SB)/4, $0x3f318000
DATA k_c1<>+4(SB)/4, $0x3f318000
DATA k_c1<>+8(SB)/4, $0x3f318000
DATA k_c1<>+12(SB)/4, $0x3f318000
DATA k_c1<>+16(SB)/4, $0x3f318000
DATA k_c1<>+20(SB)/4, $0x3f318000
DATA k_c1<>+24(SB)/4, $0x3f318000
DATA k_c1<>+28(SB)/4, $0x3f318000
DATA k_c1<>+32(SB)/4, $0x3f318000
DATA k_c1<>+36(SB)/4, $0x3f318000
DATA k_c1<>+40(SB)/4, $0x3f318000
DATA k_c1<>+44(SB)/4, $0x3f318000
DATA k_c1<>+48(SB)/4, $0x3f318000
DATA k_c1<>+52(SB)/4, $0x3f318000
DATA k_c1<>+56(SB)/4, $0x3f318000
DATA k_c1<>+60(SB)/4, $0x3f318000
GLOBL k_c1<>(SB), RODATA|NOPTR, $64

DATA k_c2<>+0(SB)/4, $0xb95e8083
DATA k_c2<>+4(SB)/4, $0xb95e8083
DATA k_c2<>+8(SB)/4, $0xb95e8083
DATA k_c2<>+12(SB)/4, $0xb95e8083
DATA k_c2<>+16(SB)/4, $0xb95e8083
DATA k_c2<>+20(SB)/4, $0xb95e8083
DATA k_c2<>+24(SB)/4, $0xb95e8083
DATA k_c2<>+28(SB)/4, $0xb95e8083
DATA k_c2<>+32(SB)/4, $0xb95e8083
DATA k_c2<>+36(SB)/4, $0xb95e8083
DATA k_c2<>+40(SB)/4, $0xb95e8083
DATA k_c2<>+44(SB)/4, $0xb95e8083
DATA k_c2<>+48(SB)/4, $0xb95e8083
DATA k_c2<>+52(SB)/4, $0xb95e8083
DATA k_c2<>+56(SB)/4, $0xb95e8083
DATA k_c2<>+60(SB)/4, $0xb95e8083
GLOBL k_c2<>(SB), RODATA|NOPTR, $64

DATA k_p0<>+0(SB)/4, $0x39506967
DATA k_p0<>+4(SB)/4, $0x39506967
DATA k_p0<>+8(SB)/4, $0x39506967
DATA k_p0<>+12(SB)/4, $0x39506967
DATA k_p0<>+16(SB)/4, $0x39506967
DATA k_p0<>+20(SB)/4, $0x39506967
DATA k_p0<>+24(SB)/4, $0x39506967
DATA k_p0<>+28(SB)/4, $0x39506967
DATA k_p0<>+32(SB)/4, $0x39506967
DATA k_p0<>+36(SB)/4, $0x39506967
DATA k_p0<>+40(SB)/4, $0x39506967
DATA k_p0<>+44(SB)/4, $0x39506967
DATA k_p0<>+48(SB)/4, $0x39506967
DATA k_p0<>+52(SB)/4, $0x39506967
DATA k_p0<>+56(SB)/4, $0x39506967
DATA k_p0<>+60(SB)/4, $0x39506967
GLOBL k_p0<>(SB), RODATA|NOPTR, $64

DATA k_p1<>+0(SB)/4, $0x3ab743ce
DATA k_p1<>+4(SB)/4, $0x3ab743ce
DATA k_p1<>+8(SB)/4, $0x3ab743ce
DATA k_p1<>+12(SB)/4, $0x3ab743ce
DATA k_p1<>+16(SB)/4, $0x3ab743ce
DATA k_p1<>+20(SB)/4, $0x3ab743ce
DATA k_p1<>+24(SB)/4, $0x3ab743ce
DATA k_p1<>+28(SB)/4, $0x3ab743ce
DATA k_p1<>+32(SB)/4, $0x3ab743ce
DATA k_p1<>+36(SB)/4, $0x3ab743ce
DATA k_p1<>+40(SB)/4, $0x3ab743ce
DATA k_p1<>+44(SB)/4, $0x3ab743ce
DATA k_p1<>+48(SB)/4, $0x3ab743ce
DATA k_p1<>+52(SB)/4, $0x3ab743ce
DATA k_p1<>+56(SB)/4, $0x3ab743ce
DATA k_p1<>+60(SB)/4, $0x3ab743ce
GLOBL k_p1<>(SB), RODATA|NOPTR, $64

DATA k_p2<>+0(SB)/4, $0x3c088908
DATA k_p2<>+4(SB)/4, $0x3c088908
DATA k_p2<>+8(SB)/4, $0x3c088908
DATA k_p2<>+12(SB)/4, $0x3c088908
DATA k_p2<>+16(SB)/4, $0x3c088908
DATA k_p2<>+20(SB)/4, $0x3c088908
DATA k_p2<>+24(SB)/4, $0x3c088908
DATA k_p2<>+28(SB)/4, $0x3c088908
DATA k_p2<>+32(SB)/4, $0x3c088908
DATA k_p2<>+36(SB)/4, $0x3c088908
DATA k_p2<>+40(SB)/4, $0x3c088908
DATA k_p2<>+44(SB)/4, $0x3c088908
DATA k_p2<>+48(SB)/4, $0x3c088908
DATA k_p2<>+52(SB)/4, $0x3c088908
DATA k_p2<>+56(SB)/4, $0x3c088908
DATA k_p2<>+60(SB)/4, $0x3c088908
GLOBL k_p2<>(SB), RODATA|NOPTR, $64

DATA k_p3<>+0(SB)/4, $0x3d2aa9c1
DATA k_p3<>+4(SB)/4, $0x3d2aa9c1
DATA k_p3<>+8(SB)/4, $0x3d2aa9c1
DATA k_p3<>+12(SB)/4, $0x3d2aa9c1
DATA k_p3<>+16(SB)/4, $0x3d2aa9c1
DATA k_p3<>+20(SB)/4, $0x3d2aa9c1
DATA k_p3<>+24(SB)/4, $0x3d2aa9c1
DATA k_p3<>+28(SB)/4, $0x3d2aa9c1
DATA k_p3<>+32(SB)/4, $0x3d2aa9c1
DATA k_p3<>+36(SB)/4, $0x3d2aa9c1
DATA k_p3<>+40(SB)/4, $0x3d2aa9c1
DATA k_p3<>+44(SB)/4, $0x3d2aa9c1
DATA k_p3<>+48(SB)/4, $0x3d2aa9c1
DATA k_p3<>+52(SB)/4, $0x3d2aa9c1
DATA k_p3<>+56(SB)/4, $0x3d2aa9c1
DATA k_p3<>+60(SB)/4, $0x3d2aa9c1
GLOBL k_p3<>(SB), RODATA|NOPTR, $64

DATA k_p4<>+0(SB)/4, $0x3e2aaaaa
DATA k_p4<>+4(SB)/4, $0x3e2aaaaa
DATA k_p4<>+8(SB)/4, $0x3e2aaaaa
DATA k_p4<>+12(SB)/4, $0x3e2aaaaa
DATA k_p4<>+16(SB)/4, $0x3e2aaaaa
DATA k_p4<>+20(SB)/4, $0x3e2aaaaa
DATA k_p4<>+24(SB)/4, $0x3e2aaaaa
DATA k_p4<>+28(SB)/4, $0x3e2aaaaa
DATA k_p4<>+32(SB)/4, $0x3e2aaaaa
DATA k_p4<>+36(SB)/4, $0x3e2aaaaa
DATA k_p4<>+40(SB)/4, $0x3e2aaaaa
DATA k_p4<>+44(SB)/4, $0x3e2aaaaa
DATA k_p4<>+48(SB)/4, $0x3e2aaaaa
DATA k_p4<>+52(SB)/4, $0x3e2aaaaa
DATA k_p4<>+56(SB)/4, $0x3e2aaaaa
DATA k_p4<>+60(SB)/4, $0x3e2aaaaa
GLOBL k_p4<>(SB), RODATA|NOPTR, $64

DATA k_p5<>+0(SB)/4, $0x3f000000
DATA k_p5<>+4(SB)/4, $0x3f000000
DATA k_p5<>+8(SB)/4, $0x3f000000
DATA k_p5<>+12(SB)/4, $0x3f000000
DATA k_p5<>+16(SB)/4, $0x3f000000
DATA k_p5<>+20(SB)/4, $0x3f000000
DATA k_p5<>+24(SB)/4, $0x3f000000
DATA k_p5<>+28(SB)/4, $0x3f000000
DATA k_p5<>+32(SB)/4, $0x3f000000
DATA k_p5<>+36(SB)/4, $0x3f000000
DATA k_p5<>+40(SB)/4, $0x3f000000
DATA k_p5<>+44(SB)/4, $0x3f000000
DATA k_p5<>+48(SB)/4, $0x3f000000
DATA k_p5<>+52(SB)/4, $0x3f000000
DATA k_p5<>+56(SB)/4, $0x3f000000
DATA k_p5<>+60(SB)/4, $0x3f000000
GLOBL k_p5<>(SB), RODATA|NOPTR, $64

DATA k_tsmall<>+0(SB)/4, $0x3f200000
DATA k_tsmall<>+4(SB)/4, $0x3f200000
DATA k_tsmall<>+8(SB)/4, $0x3f200000
DATA k_tsmall<>+12(SB)/4, $0x3f200000
DATA k_tsmall<>+16(SB)/4, $0x3f200000
DATA k_tsmall<>+20(SB)/4, $0x3f200000
DATA k_tsmall<>+24(SB)/4, $0x3f200000
DATA k_tsmall<>+28(SB)/4, $0x3f200000
DATA k_tsmall<>+32(SB)/4, $0x3f200000
DATA k_tsmall<>+36(SB)/4, $0x3f200000
DATA k_tsmall<>+40(SB)/4, $0x3f200000
DATA k_tsmall<>+44(SB)/4, $0x3f200000
DATA k_tsmall<>+48(SB)/4, $0x3f200000
DATA k_tsmall<>+52(SB)/4, $0x3f200000
DATA k_tsmall<>+56(SB)/4, $0x3f200000
DATA k_tsmall<>+60(SB)/4, $0x3f200000
GLOBL k_tsmall<>(SB), RODATA|NOPTR, $64

DATA k_tbig<>+0(SB)/4, $0x41100000
DATA k_tbig<>+4(SB)/4, $0x41100000
DATA k_tbig<>+8(SB)/4, $0x41100000
DATA k_tbig<>+12(SB)/4, $0x41100000
DATA k_tbig<>+16(SB)/4, $0x41100000
DATA k_tbig<>+20(SB)/4, $0x41100000
DATA k_tbig<>+24(SB)/4, $0x41100000
DATA k_tbig<>+28(SB)/4, $0x41100000
DATA k_tbig<>+32(SB)/4, $0x41100000
DATA k_tbig<>+36(SB)/4, $0x41100000
DATA k_tbig<>+40(SB)/4, $0x41100000
DATA k_tbig<>+44(SB)/4, $0x41100000
DATA k_tbig<>+48(SB)/4, $0x41100000
DATA k_tbig<>+52(SB)/4, $0x41100000
DATA k_tbig<>+56(SB)/4, $0x41100000
DATA k_tbig<>+60(SB)/4, $0x41100000
GLOBL k_tbig<>(SB), RODATA|NOPTR, $64

DATA k_tp0<>+0(SB)/4, $0xbbbaf0ea
DATA k_tp0<>+4(SB)/4, $0xbbbaf0ea
DATA k_tp0<>+8(SB)/4, $0xbbbaf0ea
DATA k_tp0<>+12(SB)/4, $0xbbbaf0ea
DATA k_tp0<>+16(SB)/4, $0xbbbaf0ea
DATA k_tp0<>+20(SB)/4, $0xbbbaf0ea
DATA k_tp0<>+24(SB)/4, $0xbbbaf0ea
DATA k_tp0<>+28(SB)/4, $0xbbbaf0ea
DATA k_tp0<>+32(SB)/4, $0xbbbaf0ea
DATA k_tp0<>+36(SB)/4, $0xbbbaf0ea
DATA k_tp0<>+40(SB)/4, $0xbbbaf0ea
DATA k_tp0<>+44(SB)/4, $0xbbbaf0ea
DATA k_tp0<>+48(SB)/4, $0xbbbaf0ea
DATA k_tp0<>+52(SB)/4, $0xbbbaf0ea
DATA k_tp0<>+56(SB)/4, $0xbbbaf0ea
DATA k_tp0<>+60(SB)/4, $0xbbbaf0ea
GLOBL k_tp0<>(SB), RODATA|NOPTR, $64

DATA k_tp1<>+0(SB)/4, $0x3ca9134e
DATA k_tp1<>+4(SB)/4, $0x3ca9134e
DATA k_tp1<>+8(SB)/4, $0x3ca9134e
DATA k_tp1<>+12(SB)/4, $0x3ca9134e
DATA k_tp1<>+16(SB)/4, $0x3ca9134e
DATA k_tp1<>+20(SB)/4, $0x3ca9134e
DATA k_tp1<>+24(SB)/4, $0x3ca9134e
DATA k_tp1<>+28(SB)/4, $0x3ca9134e
DATA k_tp1<>+32(SB)/4, $0x3ca9134e
DATA k_tp1<>+36(SB)/4, $0x3ca9134e
DATA k_tp1<>+40(SB)/4, $0x3ca9134e
DATA k_tp1<>+44(SB)/4, $0x3ca9134e
DATA k_tp1<>+48(SB)/4, $0x3ca9134e
DATA k_tp1<>+52(SB)/4, $0x3ca9134e
DATA k_tp1<>+56(SB)/4, $0x3ca9134e
DATA k_tp1<>+60(SB)/4, $0x3ca9134e
GLOBL k_tp1<>(SB), RODATA|NOPTR, $64

DATA k_tp2<>+0(SB)/4, $0xbd5c1e2d
DATA k_tp2<>+4(SB)/4, $0xbd5c1e2d
DATA k_tp2<>+8(SB)/4, $0xbd5c1e2d
DATA k_tp2<>+12(SB)/4, $0xbd5c1e2d
DATA k_tp2<>+16(SB)/4, $0xbd5c1e2d
DATA k_tp2<>+20(SB)/4, $0xbd5c1e2d
DATA k_tp2<>+24(SB)/4, $0xbd5c1e2d
DATA k_tp2<>+28(SB)/4, $0xbd5c1e2d
DATA k_tp2<>+32(SB)/4, $0xbd5c1e2d
DATA k_tp2<>+36(SB)/4, $0xbd5c1e2d
DATA k_tp2<>+40(SB)/4, $0xbd5c1e2d
DATA k_tp2<>+44(SB)/4, $0xbd5c1e2d
DATA k_tp2<>+48(SB)/4, $0xbd5c1e2d
DATA k_tp2<>+52(SB)/4, $0xbd5c1e2d
DATA k_tp2<>+56(SB)/4, $0xbd5c1e2d
DATA k_tp2<>+60(SB)/4, $0xbd5c1e2d
GLOBL k_tp2<>(SB), RODATA|NOPTR, $64

DATA k_tp3<>+0(SB)/4, $0x3e088393
DATA k_tp3<>+4(SB)/4, $0x3e088393
DATA k_tp3<>+8(SB)/4, $0x3e088393
DATA k_tp3<>+12(SB)/4, $0x3e088393
DATA k_tp3<>+16(SB)/4, $0x3e088393
DATA k_tp3<>+20(SB)/4, $0x3e088393
DATA k_tp3<>+24(SB)/4, $0x3e088393
DATA k_tp3<>+28(SB)/4, $0x3e088393
DATA k_tp3<>+32(SB)/4, $0x3e088393
DATA k_tp3<>+36(SB)/4, $0x3e088393
DATA k_tp3<>+40(SB)/4, $0x3e088393
DATA k_tp3<>+44(SB)/4, $0x3e088393
DATA k_tp3<>+48(SB)/4, $0x3e088393
DATA k_tp3<>+52(SB)/4, $0x3e088393
DATA k_tp3<>+56(SB)/4, $0x3e088393
DATA k_tp3<>+60(SB)/4, $0x3e088393
GLOBL k_tp3<>(SB), RODATA|NOPTR, $64

DATA k_tp4<>+0(SB)/4, $0xbeaaaa99
DATA k_tp4<>+4(SB)/4, $0xbeaaaa99
DATA k_tp4<>+8(SB)/4, $0xbeaaaa99
DATA k_tp4<>+12(SB)/4, $0xbeaaaa99
DATA k_tp4<>+16(SB)/4, $0xbeaaaa99
DATA k_tp4<>+20(SB)/4, $0xbeaaaa99
DATA k_tp4<>+24(SB)/4, $0xbeaaaa99
DATA k_tp4<>+28(SB)/4, $0xbeaaaa99
DATA k_tp4<>+32(SB)/4, $0xbeaaaa99
DATA k_tp4<>+36(SB)/4, $0xbeaaaa99
DATA k_tp4<>+40(SB)/4, $0xbeaaaa99
DATA k_tp4<>+44(SB)/4, $0xbeaaaa99
DATA k_tp4<>+48(SB)/4, $0xbeaaaa99
DATA k_tp4<>+52(SB)/4, $0xbeaaaa99
DATA k_tp4<>+56(SB)/4, $0xbeaaaa99
DATA k_tp4<>+60(SB)/4, $0xbeaaaa99
GLOBL k_tp4<>(SB), RODATA|NOPTR, $64

DATA k_absmask<>+0(SB)/4, $0x7fffffff
DATA k_absmask<>+4(SB)/4, $0x7fffffff
DATA k_absmask<>+8(SB)/4, $0x7fffffff
DATA k_absmask<>+12(SB)/4, $0x7fffffff
DATA k_absmask<>+16(SB)/4, $0x7fffffff
DATA k_absmask<>+20(SB)/4, $0x7fffffff
DATA k_absmask<>+24(SB)/4, $0x7fffffff
DATA k_absmask<>+28(SB)/4, $0x7fffffff
DATA k_absmask<>+32(SB)/4, $0x7fffffff
DATA k_absmask<>+36(SB)/4, $0x7fffffff
DATA k_absmask<>+40(SB)/4, $0x7fffffff
DATA k_absmask<>+44(SB)/4, $0x7fffffff
DATA k_absmask<>+48(SB)/4, $0x7fffffff
DATA k_absmask<>+52(SB)/4, $0x7fffffff
DATA k_absmask<>+56(SB)/4, $0x7fffffff
DATA k_absmask<>+60(SB)/4, $0x7fffffff
GLOBL k_absmask<>(SB), RODATA|NOPTR, $64

DATA k_signmask<>+0(SB)/4, $0x80000000
DATA k_signmask<>+4(SB)/4, $0x80000000
DATA k_signmask<>+8(SB)/4, $0x80000000
DATA k_signmask<>+12(SB)/4, $0x80000000
DATA k_signmask<>+16(SB)/4, $0x80000000
DATA k_signmask<>+20(SB)/4, $0x80000000
DATA k_signmask<>+24(SB)/4, $0x80000000
DATA k_signmask<>+28(SB)/4, $0x80000000
DATA k_signmask<>+32(SB)/4, $0x80000000
DATA k_signmask<>+36(SB)/4, $0x80000000
DATA k_signmask<>+40(SB)/4, $0x80000000
DATA k_signmask<>+44(SB)/4, $0x80000000
DATA k_signmask<>+48(SB)/4, $0x80000000
DATA k_signmask<>+52(SB)/4, $0x80000000
DATA k_signmask<>+56(SB)/4, $0x80000000
DATA k_signmask<>+60(SB)/4, $0x80000000
GLOBL k_signmask<>(SB), RODATA|NOPTR, $64

DATA k_bias127<>+0(SB)/4, $0x0000007f
DATA k_bias127<>+4(SB)/4, $0x0000007f
DATA k_bias127<>+8(SB)/4, $0x0000007f
DATA k_bias127<>+12(SB)/4, $0x0000007f
DATA k_bias127<>+16(SB)/4, $0x0000007f
DATA k_bias127<>+20(SB)/4, $0x0000007f
DATA k_bias127<>+24(SB)/4, $0x0000007f
DATA k_bias127<>+28(SB)/4, $0x0000007f
DATA k_bias127<>+32(SB)/4, $0x0000007f
DATA k_bias127<>+36(SB)/4, $0x0000007f
DATA k_bias127<>+40(SB)/4, $0x0000007f
DATA k_bias127<>+44(SB)/4, $0x0000007f
DATA k_bias127<>+48(SB)/4, $0x0000007f
DATA k_bias127<>+52(SB)/4, $0x0000007f
DATA k_bias127<>+56(SB)/4, $0x0000007f
DATA k_bias127<>+60(SB)/4, $0x0000007f
GLOBL k_bias127<>(SB), RODATA|NOPTR, $64
// EXP sets X = e^X (X clamped to ±87), with Cephes expf's range reduction
// and polynomial, as exp32 in activation.go. FX, R and T are clobbered.
// MAXPS and MINPS return their second source when either is NaN, so X is
// that operand: NaN propagates, as in the Go kernels.
#define EXP(X, FX, R, T) \
	VMOVUPS      k_expmin<>(SB), T; \
	VMAXPS       X, T, X; \
	VMOVUPS      k_expmax<>(SB), T; \
	VMINPS       X, T, X; \
	VMULPS       k_log2e<>(SB), X, FX; \
	VROUNDPS     $0, FX, FX; \
	VFNMADD231PS k_c1<>(SB), FX, X; \
	VFNMADD231PS k_c2<>(SB), FX, X; \
	VMULPS       X, X, R; \
	VMOVUPS      k_p0<>(SB), T; \
	VFMADD213PS  k_p1<>(SB), X, T; \
	VFMADD213PS  k_p2<>(SB), X, T; \
	VFMADD213PS  k_p3<>(SB), X, T; \
	VFMADD213PS  k_p4<>(SB), X, T; \
	VFMADD213PS  k_p5<>(SB), X, T; \
	VFMADD213PS  X, R, T; \
	VADDPS       k_one<>(SB), T, T; \
	VCVTPS2DQ    FX, FX; \
	VPADDD       k_bias127<>(SB), FX, FX; \
	VPSLLD       $23, FX, FX; \
	VMULPS       FX, T, X

// SIGMOID sets X = 1/(1+e^−X). FX, R and T are clobbered.
#define SIGMOID(X, FX, R, T) \
	VXORPS  k_signmask<>(SB), X, X; \
	EXP(X, FX, R, T); \
	VADDPS  k_one<>(SB), X, X; \
	VMOVUPS k_one<>(SB), T; \
	VDIVPS  X, T, X

// TANH sets X = tanh(X): an odd polynomial for |X| < 0.625, else
// 1 − 2/(e^{2|X|}+1) with X's sign, as tanh32. A, FX, R, T, S and M are
// clobbered.
#define TANH(X, A, FX, R, T, S, M) \
	VMULPS      X, X, R; \
	VMOVUPS     k_tp0<>(SB), S; \
	VFMADD213PS k_tp1<>(SB), R, S; \
	VFMADD213PS k_tp2<>(SB), R, S; \
	VFMADD213PS k_tp3<>(SB), R, S; \
	VFMADD213PS k_tp4<>(SB), R, S; \
	VMULPS      R, S, S; \
	VFMADD213PS X, X, S; \
	VANDPS      k_absmask<>(SB), X, A; \
	VCMPPS      $1, k_tsmall<>(SB), A, M; \
	VMOVUPS     k_tbig<>(SB), T; \
	VMINPS      A, T, A; \
	VADDPS      A, A, A; \
	EXP(A, FX, R, T); \
	VADDPS      k_one<>(SB), A, A; \
	VMOVUPS     k_two<>(SB), T; \
	VDIVPS      A, T, T; \
	VMOVUPS     k_one<>(SB), A; \
	VSUBPS      T, A, A; \
	VANDPS      k_signmask<>(SB), X, T; \
	VORPS       T, A, A; \
	VBLENDVPS   M, S, A, X

// func gemmAVX2(c *float32, ldc int, a *float32, lda int, w *float32, k int, panels int, rows int, init *float32, ldinit int)
//
// Rows go in blocks of four: for each panel of 16 output columns, eight
// accumulators (4 rows × 2 vectors) start from init and gain A[row][kk]
// (broadcast) × the panel's row kk, for kk < k. Leftover rows go one at a
// time with the same single accumulator chain per column, so that every
// row's sum is formed in the same order (init, then kk = 0, 1, ...) and a
// key's result is bit-identical whatever the number of rows in the call
// and its place among them: forecasts must not depend on the micro-batch
// a reading lands in. (Splitting k over two accumulators would hide FMA
// latency but change the rounding.)
TEXT ·gemmAVX2(SB), NOSPLIT, $0-80
	MOVQ c+0(FP), DI
	MOVQ ldc+8(FP), R8
	SHLQ $2, R8
	MOVQ a+16(FP), SI
	MOVQ lda+24(FP), R9
	SHLQ $2, R9
	LEAQ (R9)(R9*2), R10
	MOVQ rows+56(FP), R11
	MOVQ init+64(FP), R12
	MOVQ ldinit+72(FP), R13
	SHLQ $2, R13

block4:
	CMPQ R11, $4
	JLT  tail
	MOVQ w+32(FP), BX
	XORQ R14, R14
	MOVQ panels+48(FP), R15

panel4:
	LEAQ    (R12)(R14*1), AX
	VMOVUPS (AX), Y0
	VMOVUPS 32(AX), Y1
	VMOVUPS (AX)(R13*1), Y2
	VMOVUPS 32(AX)(R13*1), Y3
	VMOVUPS (AX)(R13*2), Y4
	VMOVUPS 32(AX)(R13*2), Y5
	ADDQ    R13, AX
	VMOVUPS (AX)(R13*2), Y6
	VMOVUPS 32(AX)(R13*2), Y7
	MOVQ    SI, AX
	MOVQ    k+40(FP), CX
	TESTQ   CX, CX
	JZ      store4

k4:
	VMOVUPS      (BX), Y12
	VMOVUPS      32(BX), Y13
	VBROADCASTSS (AX), Y8
	VFMADD231PS  Y12, Y8, Y0
	VFMADD231PS  Y13, Y8, Y1
	VBROADCASTSS (AX)(R9*1), Y9
	VFMADD231PS  Y12, Y9, Y2
	VFMADD231PS  Y13, Y9, Y3
	VBROADCASTSS (AX)(R9*2), Y10
	VFMADD231PS  Y12, Y10, Y4
	VFMADD231PS  Y13, Y10, Y5
	VBROADCASTSS (AX)(R10*1), Y11
	VFMADD231PS  Y12, Y11, Y6
	VFMADD231PS  Y13, Y11, Y7
	ADDQ         $4, AX
	ADDQ         $64, BX
	DECQ         CX
	JNZ          k4

store4:
	LEAQ    (DI)(R14*1), AX
	VMOVUPS Y0, (AX)
	VMOVUPS Y1, 32(AX)
	VMOVUPS Y2, (AX)(R8*1)
	VMOVUPS Y3, 32(AX)(R8*1)
	VMOVUPS Y4, (AX)(R8*2)
	VMOVUPS Y5, 32(AX)(R8*2)
	ADDQ    R8, AX
	VMOVUPS Y6, (AX)(R8*2)
	VMOVUPS Y7, 32(AX)(R8*2)
	ADDQ    $64, R14
	DECQ    R15
	JNZ     panel4

	LEAQ (DI)(R8*4), DI
	LEAQ (SI)(R9*4), SI
	LEAQ (R12)(R13*4), R12
	SUBQ $4, R11
	JMP  block4

tail:
	TESTQ R11, R11
	JZ    done

row1:
	MOVQ w+32(FP), BX
	XORQ R14, R14
	MOVQ panels+48(FP), R15

panel1:
	VMOVUPS (R12)(R14*1), Y0
	VMOVUPS 32(R12)(R14*1), Y1
	MOVQ    SI, AX
	MOVQ    k+40(FP), CX
	TESTQ   CX, CX
	JZ      store1

k1:
	VBROADCASTSS (AX), Y8
	VFMADD231PS  (BX), Y8, Y0
	VFMADD231PS  32(BX), Y8, Y1
	ADDQ         $4, AX
	ADDQ         $64, BX
	DECQ         CX
	JNZ          k1

store1:
	VMOVUPS Y0, (DI)(R14*1)
	VMOVUPS Y1, 32(DI)(R14*1)
	ADDQ    $64, R14
	DECQ    R15
	JNZ     panel1

	ADDQ R8, DI
	ADDQ R9, SI
	ADDQ R13, R12
	DECQ R11
	JNZ  row1

done:
	VZEROUPPER
	RET

// func rnnAVX2(h *float32, ldh int, gates *float32, ldg int, hp int, rows int, relu bool)
TEXT ·rnnAVX2(SB), NOSPLIT, $0-49
	MOVQ    h+0(FP), DI
	MOVQ    ldh+8(FP), R8
	SHLQ    $2, R8
	MOVQ    gates+16(FP), SI
	MOVQ    ldg+24(FP), R9
	SHLQ    $2, R9
	MOVQ    rows+40(FP), R11
	MOVBQZX relu+48(FP), DX
	VXORPS  Y15, Y15, Y15

rnnrow:
	MOVQ DI, R12
	MOVQ SI, R13
	MOVQ hp+32(FP), CX
	SHRQ $3, CX

rnnlane:
	VMOVUPS (R13), Y0
	TESTQ   DX, DX
	JZ      rnntanh
	VMAXPS  Y0, Y15, Y0
	JMP     rnnstore

rnntanh:
	TANH(Y0, Y8, Y9, Y10, Y11, Y12, Y13)

rnnstore:
	VMOVUPS Y0, (R12)
	ADDQ    $32, R12
	ADDQ    $32, R13
	DECQ    CX
	JNZ     rnnlane

	ADDQ R8, DI
	ADDQ R9, SI
	DECQ R11
	JNZ  rnnrow
	VZEROUPPER
	RET

// func lstmAVX2(h *float32, c *float32, ldh int, gates *float32, ldg int, hp int, rows int)
//
// Per row, short passes whose lanes are independent keep the out-of-order
// core busy (one long sigmoid→tanh chain per vector would leave it waiting
// on latency): sigmoid in place over the i, f blocks, then the o block,
// tanh in place over the g block, then c' = f·c + i·g, h' = o·tanh(c').
TEXT ·lstmAVX2(SB), NOSPLIT, $0-56
	MOVQ h+0(FP), DI
	MOVQ c+8(FP), BX
	MOVQ ldh+16(FP), R8
	SHLQ $2, R8
	MOVQ gates+24(FP), SI
	MOVQ ldg+32(FP), R9
	SHLQ $2, R9
	MOVQ hp+40(FP), R10
	SHLQ $2, R10
	LEAQ (R10)(R10*2), R15
	MOVQ rows+48(FP), R11

lstmrow:
	MOVQ SI, R13
	MOVQ hp+40(FP), CX
	SHRQ $2, CX

lstmif:
	VMOVUPS (R13), Y0
	SIGMOID(Y0, Y8, Y9, Y10)
	VMOVUPS Y0, (R13)
	ADDQ    $32, R13
	DECQ    CX
	JNZ     lstmif

	LEAQ (SI)(R15*1), R13
	MOVQ hp+40(FP), CX
	SHRQ $3, CX

lstmo:
	VMOVUPS (R13), Y0
	SIGMOID(Y0, Y8, Y9, Y10)
	VMOVUPS Y0, (R13)
	ADDQ    $32, R13
	DECQ    CX
	JNZ     lstmo

	LEAQ (SI)(R10*2), R13
	MOVQ hp+40(FP), CX
	SHRQ $3, CX

lstmg:
	VMOVUPS (R13), Y0
	TANH(Y0, Y8, Y9, Y10, Y11, Y12, Y13)
	VMOVUPS Y0, (R13)
	ADDQ    $32, R13
	DECQ    CX
	JNZ     lstmg

	MOVQ DI, R12
	MOVQ BX, R14
	MOVQ SI, R13
	MOVQ hp+40(FP), CX
	SHRQ $3, CX

lstmch:
	VMOVUPS     (R13)(R10*1), Y1
	VMULPS      (R14), Y1, Y4
	VMOVUPS     (R13), Y0
	VFMADD231PS (R13)(R10*2), Y0, Y4
	VMOVUPS     Y4, (R14)
	TANH(Y4, Y8, Y9, Y10, Y11, Y12, Y13)
	VMULPS      (R13)(R15*1), Y4, Y4
	VMOVUPS     Y4, (R12)
	ADDQ        $32, R12
	ADDQ        $32, R13
	ADDQ        $32, R14
	DECQ        CX
	JNZ         lstmch

	ADDQ R8, DI
	ADDQ R8, BX
	ADDQ R9, SI
	DECQ R11
	JNZ  lstmrow
	VZEROUPPER
	RET

// func gruAVX2(h *float32, ldh int, gi *float32, gh *float32, ldg int, hp int, rows int)
//
// Per row, two passes (see lstmAVX2 for why): r, z = σ(gi + gh) in place
// over gi's r and z blocks, then n = tanh(gi_n + r·gh_n) and
// h' = n + z·(h − n).
TEXT ·gruAVX2(SB), NOSPLIT, $0-56
	MOVQ h+0(FP), DI
	MOVQ ldh+8(FP), R8
	SHLQ $2, R8
	MOVQ gi+16(FP), SI
	MOVQ gh+24(FP), DX
	MOVQ ldg+32(FP), R9
	SHLQ $2, R9
	MOVQ hp+40(FP), R10
	SHLQ $2, R10
	MOVQ rows+48(FP), R11

grurow:
	MOVQ SI, R13
	MOVQ DX, R14
	MOVQ hp+40(FP), CX
	SHRQ $2, CX

grurz:
	VMOVUPS (R13), Y0
	VADDPS  (R14), Y0, Y0
	SIGMOID(Y0, Y8, Y9, Y10)
	VMOVUPS Y0, (R13)
	ADDQ    $32, R13
	ADDQ    $32, R14
	DECQ    CX
	JNZ     grurz

	MOVQ DI, R12
	MOVQ SI, R13
	MOVQ DX, R14
	MOVQ hp+40(FP), CX
	SHRQ $3, CX

grun:
	VMOVUPS     (R14)(R10*2), Y2
	VMOVUPS     (R13), Y0
	VFMADD213PS (R13)(R10*2), Y0, Y2
	TANH(Y2, Y8, Y9, Y10, Y11, Y12, Y13)
	VMOVUPS     (R12), Y3
	VSUBPS      Y2, Y3, Y3
	VMOVUPS     (R13)(R10*1), Y1
	VFMADD213PS Y2, Y1, Y3
	VMOVUPS     Y3, (R12)
	ADDQ        $32, R12
	ADDQ        $32, R13
	ADDQ        $32, R14
	DECQ        CX
	JNZ         grun

	ADDQ R8, DI
	ADDQ R9, SI
	ADDQ R9, DX
	DECQ R11
	JNZ  grurow
	VZEROUPPER
	RET

// func tanhAVX2(dst *float32, src *float32, n int)
TEXT ·tanhAVX2(SB), NOSPLIT, $0-24
	MOVQ dst+0(FP), DI
	MOVQ src+8(FP), SI
	MOVQ n+16(FP), CX
	SHRQ $3, CX
	JZ   tanhdone

tanhloop:
	VMOVUPS (SI), Y0
	TANH(Y0, Y8, Y9, Y10, Y11, Y12, Y13)
	VMOVUPS Y0, (DI)
	ADDQ    $32, SI
	ADDQ    $32, DI
	DECQ    CX
	JNZ     tanhloop

tanhdone:
	VZEROUPPER
	RET

// func sigmoidAVX2(dst *float32, src *float32, n int)
TEXT ·sigmoidAVX2(SB), NOSPLIT, $0-24
	MOVQ dst+0(FP), DI
	MOVQ src+8(FP), SI
	MOVQ n+16(FP), CX
	SHRQ $3, CX
	JZ   sigdone

sigloop:
	VMOVUPS (SI), Y0
	SIGMOID(Y0, Y8, Y9, Y10)
	VMOVUPS Y0, (DI)
	ADDQ    $32, SI
	ADDQ    $32, DI
	DECQ    CX
	JNZ     sigloop

sigdone:
	VZEROUPPER
	RET

// func gemmAVX512(c *float32, ldc int, a *float32, lda int, w *float32, k int, panels int, rows int, init *float32, ldinit int)
//
// gemm for rows a multiple of 8 and an even number of panels (the Go
// wrapper gives the rest to gemmAVX2): 8 rows × 2 panels (32 columns) in
// sixteen 16-lane accumulators; per kk, two panel loads and eight
// broadcasts feed sixteen FMAs. k ≥ 1.
TEXT ·gemmAVX512(SB), NOSPLIT, $0-80
	MOVQ c+0(FP), DI
	MOVQ ldc+8(FP), R8
	SHLQ $2, R8
	MOVQ a+16(FP), SI
	MOVQ lda+24(FP), R9
	SHLQ $2, R9
	LEAQ (R9)(R9*2), R10
	MOVQ rows+56(FP), R11
	MOVQ init+64(FP), R12
	MOVQ ldinit+72(FP), R13
	SHLQ $2, R13
	MOVQ k+40(FP), R15
	SHLQ $6, R15

blk8:
	MOVQ w+32(FP), BX
	XORQ R14, R14

pair:
	LEAQ    (R12)(R14*8), AX
	VMOVUPS (AX), Z0
	VMOVUPS 64(AX), Z1
	ADDQ    R13, AX
	VMOVUPS (AX), Z2
	VMOVUPS 64(AX), Z3
	ADDQ    R13, AX
	VMOVUPS (AX), Z4
	VMOVUPS 64(AX), Z5
	ADDQ    R13, AX
	VMOVUPS (AX), Z6
	VMOVUPS 64(AX), Z7
	ADDQ    R13, AX
	VMOVUPS (AX), Z8
	VMOVUPS 64(AX), Z9
	ADDQ    R13, AX
	VMOVUPS (AX), Z10
	VMOVUPS 64(AX), Z11
	ADDQ    R13, AX
	VMOVUPS (AX), Z12
	VMOVUPS 64(AX), Z13
	ADDQ    R13, AX
	VMOVUPS (AX), Z14
	VMOVUPS 64(AX), Z15
	MOVQ    SI, AX
	LEAQ    (SI)(R9*4), DX
	MOVQ    k+40(FP), CX

k8:
	VMOVUPS      (BX), Z16
	VMOVUPS      (BX)(R15*1), Z17
	VBROADCASTSS (AX), Z18
	VFMADD231PS  Z16, Z18, Z0
	VFMADD231PS  Z17, Z18, Z1
	VBROADCASTSS (AX)(R9*1), Z19
	VFMADD231PS  Z16, Z19, Z2
	VFMADD231PS  Z17, Z19, Z3
	VBROADCASTSS (AX)(R9*2), Z20
	VFMADD231PS  Z16, Z20, Z4
	VFMADD231PS  Z17, Z20, Z5
	VBROADCASTSS (AX)(R10*1), Z21
	VFMADD231PS  Z16, Z21, Z6
	VFMADD231PS  Z17, Z21, Z7
	VBROADCASTSS (DX), Z22
	VFMADD231PS  Z16, Z22, Z8
	VFMADD231PS  Z17, Z22, Z9
	VBROADCASTSS (DX)(R9*1), Z23
	VFMADD231PS  Z16, Z23, Z10
	VFMADD231PS  Z17, Z23, Z11
	VBROADCASTSS (DX)(R9*2), Z24
	VFMADD231PS  Z16, Z24, Z12
	VFMADD231PS  Z17, Z24, Z13
	VBROADCASTSS (DX)(R10*1), Z25
	VFMADD231PS  Z16, Z25, Z14
	VFMADD231PS  Z17, Z25, Z15
	ADDQ         $4, AX
	ADDQ         $4, DX
	ADDQ         $64, BX
	DECQ         CX
	JNZ          k8

	ADDQ    R15, BX
	LEAQ    (DI)(R14*8), AX
	VMOVUPS Z0, (AX)
	VMOVUPS Z1, 64(AX)
	ADDQ    R8, AX
	VMOVUPS Z2, (AX)
	VMOVUPS Z3, 64(AX)
	ADDQ    R8, AX
	VMOVUPS Z4, (AX)
	VMOVUPS Z5, 64(AX)
	ADDQ    R8, AX
	VMOVUPS Z6, (AX)
	VMOVUPS Z7, 64(AX)
	ADDQ    R8, AX
	VMOVUPS Z8, (AX)
	VMOVUPS Z9, 64(AX)
	ADDQ    R8, AX
	VMOVUPS Z10, (AX)
	VMOVUPS Z11, 64(AX)
	ADDQ    R8, AX
	VMOVUPS Z12, (AX)
	VMOVUPS Z13, 64(AX)
	ADDQ    R8, AX
	VMOVUPS Z14, (AX)
	VMOVUPS Z15, 64(AX)
	ADDQ    $16, R14
	MOVQ    panels+48(FP), AX
	SHLQ    $3, AX
	CMPQ    R14, AX
	JLT     pair

	LEAQ (DI)(R8*8), DI
	LEAQ (SI)(R9*8), SI
	LEAQ (R12)(R13*8), R12
	SUBQ $8, R11
	JNZ  blk8
	VZEROUPPER
	RET

// EXPZ, SIGMOIDZ and TANHZ are EXP, SIGMOID and TANH on 16 lanes with
// AVX512F instructions only: VRNDSCALEPS for VROUNDPS, integer logic for
// the float logic (which needs AVX512DQ), and a K1 mask for the blend.
#define EXPZ(X, FX, R, T) \
	VMOVUPS      k_expmin<>(SB), T; \
	VMAXPS       X, T, X; \
	VMOVUPS      k_expmax<>(SB), T; \
	VMINPS       X, T, X; \
	VMULPS       k_log2e<>(SB), X, FX; \
	VRNDSCALEPS  $0, FX, FX; \
	VFNMADD231PS k_c1<>(SB), FX, X; \
	VFNMADD231PS k_c2<>(SB), FX, X; \
	VMULPS       X, X, R; \
	VMOVUPS      k_p0<>(SB), T; \
	VFMADD213PS  k_p1<>(SB), X, T; \
	VFMADD213PS  k_p2<>(SB), X, T; \
	VFMADD213PS  k_p3<>(SB), X, T; \
	VFMADD213PS  k_p4<>(SB), X, T; \
	VFMADD213PS  k_p5<>(SB), X, T; \
	VFMADD213PS  X, R, T; \
	VADDPS       k_one<>(SB), T, T; \
	VCVTPS2DQ    FX, FX; \
	VPADDD       k_bias127<>(SB), FX, FX; \
	VPSLLD       $23, FX, FX; \
	VMULPS       FX, T, X

#define SIGMOIDZ(X, FX, R, T) \
	VPXORD  k_signmask<>(SB), X, X; \
	EXPZ(X, FX, R, T); \
	VADDPS  k_one<>(SB), X, X; \
	VMOVUPS k_one<>(SB), T; \
	VDIVPS  X, T, X

#define TANHZ(X, A, FX, R, T, S) \
	VMULPS      X, X, R; \
	VMOVUPS     k_tp0<>(SB), S; \
	VFMADD213PS k_tp1<>(SB), R, S; \
	VFMADD213PS k_tp2<>(SB), R, S; \
	VFMADD213PS k_tp3<>(SB), R, S; \
	VFMADD213PS k_tp4<>(SB), R, S; \
	VMULPS      R, S, S; \
	VFMADD213PS X, X, S; \
	VPANDD      k_absmask<>(SB), X, A; \
	VCMPPS      $1, k_tsmall<>(SB), A, K1; \
	VMOVUPS     k_tbig<>(SB), T; \
	VMINPS      A, T, A; \
	VADDPS      A, A, A; \
	EXPZ(A, FX, R, T); \
	VADDPS      k_one<>(SB), A, A; \
	VMOVUPS     k_two<>(SB), T; \
	VDIVPS      A, T, T; \
	VMOVUPS     k_one<>(SB), A; \
	VSUBPS      T, A, A; \
	VPANDD      k_signmask<>(SB), X, T; \
	VPORD       T, A, A; \
	VBLENDMPS   S, A, K1, X

// func gruAVX512(h *float32, ldh int, gi *float32, gh *float32, ldg int, hp int, rows int)
//
// gruAVX2 on 16 lanes; hp is a multiple of 16.
TEXT ·gruAVX512(SB), NOSPLIT, $0-56
	MOVQ h+0(FP), DI
	MOVQ ldh+8(FP), R8
	SHLQ $2, R8
	MOVQ gi+16(FP), SI
	MOVQ gh+24(FP), DX
	MOVQ ldg+32(FP), R9
	SHLQ $2, R9
	MOVQ hp+40(FP), R10
	SHLQ $2, R10
	MOVQ rows+48(FP), R11

zgrurow:
	MOVQ SI, R13
	MOVQ DX, R14
	MOVQ hp+40(FP), CX
	SHRQ $3, CX

zgrurz:
	VMOVUPS (R13), Z0
	VADDPS  (R14), Z0, Z0
	SIGMOIDZ(Z0, Z8, Z9, Z10)
	VMOVUPS Z0, (R13)
	ADDQ    $64, R13
	ADDQ    $64, R14
	DECQ    CX
	JNZ     zgrurz

	MOVQ DI, R12
	MOVQ SI, R13
	MOVQ DX, R14
	MOVQ hp+40(FP), CX
	SHRQ $4, CX

zgrun:
	VMOVUPS     (R14)(R10*2), Z2
	VMOVUPS     (R13), Z0
	VFMADD213PS (R13)(R10*2), Z0, Z2
	TANHZ(Z2, Z8, Z9, Z10, Z11, Z12)
	VMOVUPS     (R12), Z3
	VSUBPS      Z2, Z3, Z3
	VMOVUPS     (R13)(R10*1), Z1
	VFMADD213PS Z2, Z1, Z3
	VMOVUPS     Z3, (R12)
	ADDQ        $64, R12
	ADDQ        $64, R13
	ADDQ        $64, R14
	DECQ        CX
	JNZ         zgrun

	ADDQ R8, DI
	ADDQ R9, SI
	ADDQ R9, DX
	DECQ R11
	JNZ  zgrurow
	VZEROUPPER
	RET

// func tanhAVX512(dst *float32, src *float32, n int)
TEXT ·tanhAVX512(SB), NOSPLIT, $0-24
	MOVQ dst+0(FP), DI
	MOVQ src+8(FP), SI
	MOVQ n+16(FP), CX
	SHRQ $4, CX
	JZ   ztanhdone

ztanhloop:
	VMOVUPS (SI), Z0
	TANHZ(Z0, Z8, Z9, Z10, Z11, Z12)
	VMOVUPS Z0, (DI)
	ADDQ    $64, SI
	ADDQ    $64, DI
	DECQ    CX
	JNZ     ztanhloop

ztanhdone:
	VZEROUPPER
	RET

// func sigmoidAVX512(dst *float32, src *float32, n int)
TEXT ·sigmoidAVX512(SB), NOSPLIT, $0-24
	MOVQ dst+0(FP), DI
	MOVQ src+8(FP), SI
	MOVQ n+16(FP), CX
	SHRQ $4, CX
	JZ   zsigdone

zsigloop:
	VMOVUPS (SI), Z0
	SIGMOIDZ(Z0, Z8, Z9, Z10)
	VMOVUPS Z0, (DI)
	ADDQ    $64, SI
	ADDQ    $64, DI
	DECQ    CX
	JNZ     zsigloop

zsigdone:
	VZEROUPPER
	RET

// func lstmAVX512(h *float32, c *float32, ldh int, gates *float32, ldg int, hp int, rows int)
//
// lstmAVX2 on 16 lanes; hp is a multiple of 16.
TEXT ·lstmAVX512(SB), NOSPLIT, $0-56
	MOVQ h+0(FP), DI
	MOVQ c+8(FP), BX
	MOVQ ldh+16(FP), R8
	SHLQ $2, R8
	MOVQ gates+24(FP), SI
	MOVQ ldg+32(FP), R9
	SHLQ $2, R9
	MOVQ hp+40(FP), R10
	SHLQ $2, R10
	LEAQ (R10)(R10*2), R15
	MOVQ rows+48(FP), R11

zlstmrow:
	MOVQ SI, R13
	MOVQ hp+40(FP), CX
	SHRQ $3, CX

zlstmif:
	VMOVUPS (R13), Z0
	SIGMOIDZ(Z0, Z8, Z9, Z10)
	VMOVUPS Z0, (R13)
	ADDQ    $64, R13
	DECQ    CX
	JNZ     zlstmif

	LEAQ (SI)(R15*1), R13
	MOVQ hp+40(FP), CX
	SHRQ $4, CX

zlstmo:
	VMOVUPS (R13), Z0
	SIGMOIDZ(Z0, Z8, Z9, Z10)
	VMOVUPS Z0, (R13)
	ADDQ    $64, R13
	DECQ    CX
	JNZ     zlstmo

	LEAQ (SI)(R10*2), R13
	MOVQ hp+40(FP), CX
	SHRQ $4, CX

zlstmg:
	VMOVUPS (R13), Z0
	TANHZ(Z0, Z8, Z9, Z10, Z11, Z12)
	VMOVUPS Z0, (R13)
	ADDQ    $64, R13
	DECQ    CX
	JNZ     zlstmg

	MOVQ DI, R12
	MOVQ BX, R14
	MOVQ SI, R13
	MOVQ hp+40(FP), CX
	SHRQ $4, CX

zlstmch:
	VMOVUPS     (R13)(R10*1), Z1
	VMULPS      (R14), Z1, Z4
	VMOVUPS     (R13), Z0
	VFMADD231PS (R13)(R10*2), Z0, Z4
	VMOVUPS     Z4, (R14)
	TANHZ(Z4, Z8, Z9, Z10, Z11, Z12)
	VMULPS      (R13)(R15*1), Z4, Z4
	VMOVUPS     Z4, (R12)
	ADDQ        $64, R12
	ADDQ        $64, R13
	ADDQ        $64, R14
	DECQ        CX
	JNZ         zlstmch

	ADDQ R8, DI
	ADDQ R8, BX
	ADDQ R9, SI
	DECQ R11
	JNZ  zlstmrow
	VZEROUPPER
	RET
