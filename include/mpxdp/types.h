/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Types and byte helpers shared by the BPF programs and the host code.
 *
 * Everything under include/mpxdp/ is compiled twice: by clang -target bpf
 * into the XDP program and by the host compiler into the daemon, the CLI,
 * the unit tests and the fuzzers. So: no libc, no kernel calls, no
 * unbounded loops, and every function is always-inline.
 */
#ifndef MPXDP_TYPES_H
#define MPXDP_TYPES_H

#include <linux/types.h>

#define MPX_INLINE static inline __attribute__((always_inline))

#if defined(__bpf__)
#define MPX_BPF 1
#else
#define MPX_BPF 0
#endif

#ifndef NULL
#define NULL ((void *)0)
#endif

/*
 * MPX_LOOP(n, fn, ctx): call fn(i, ctx) for i = 0..n-1 until it returns
 * non-zero. In BPF this is bpf_loop(), so the verifier checks fn's body
 * once instead of exploring every iteration of a data-dependent walk
 * (option parsing would otherwise exceed its instruction budget).
 * Callbacks are plain static functions: long fn(__u32 i, void *ctx).
 */
/* Make the compiler forget what it knows about v, so that a mask written
 * for the verifier's sake is not optimised away. */
#if MPX_BPF
#define MPX_OPAQUE(v) asm volatile("" : "+r"(v))
#else
#define MPX_OPAQUE(v) ((void)0)
#endif

#define MPX_CALLBACK static long __attribute__((unused))
#if MPX_BPF
#define MPX_LOOP(n, fn, ctx) bpf_loop((n), (fn), (ctx), 0)
#else
#define MPX_LOOP(n, fn, ctx)                                                   \
	do {                                                                   \
		for (__u32 mpx_i_ = 0; mpx_i_ < (n); mpx_i_++)                 \
			if ((fn)(mpx_i_, (ctx)))                               \
				break;                                         \
	} while (0)
#endif

/* Sequence-number comparisons on 32-bit TCP spaces (RFC 1982 style). */
MPX_INLINE int mpx_seq_before(__u32 a, __u32 b)
{
	return (__s32)(a - b) < 0;
}

MPX_INLINE int mpx_seq_after(__u32 a, __u32 b)
{
	return (__s32)(b - a) < 0;
}

MPX_INLINE __u32 mpx_seq_max(__u32 a, __u32 b)
{
	return mpx_seq_after(a, b) ? a : b;
}

/* Network byte order accessors on byte arrays: the core never casts
 * packet bytes to wider types, so it needs no alignment and no endian
 * macros and reads the same on every target. */
MPX_INLINE __u16 mpx_get16(const __u8 *p)
{
	return (__u16)((__u16)p[0] << 8 | p[1]);
}

MPX_INLINE __u32 mpx_get32(const __u8 *p)
{
	return (__u32)p[0] << 24 | (__u32)p[1] << 16 | (__u32)p[2] << 8 | p[3];
}

MPX_INLINE __u64 mpx_get64(const __u8 *p)
{
	return (__u64)mpx_get32(p) << 32 | mpx_get32(p + 4);
}

MPX_INLINE void mpx_put16(__u8 *p, __u16 v)
{
	p[0] = v >> 8;
	p[1] = v;
}

MPX_INLINE void mpx_put32(__u8 *p, __u32 v)
{
	p[0] = v >> 24;
	p[1] = v >> 16;
	p[2] = v >> 8;
	p[3] = v;
}

MPX_INLINE void mpx_put64(__u8 *p, __u64 v)
{
	mpx_put32(p, v >> 32);
	mpx_put32(p + 4, (__u32)v);
}

#endif
