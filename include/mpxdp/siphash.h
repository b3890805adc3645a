/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * SipHash-2-4 (Aumasson & Bernstein), the keyed hash from which the
 * gateway derives its MP_CAPABLE key Kg (docs/design.md "Handshake").
 * It runs in the XDP program on every SYN-ACK and in the daemon on every
 * third ACK, so it must be cheap and bounded: the message is at most
 * MPX_SIPHASH_MAX bytes.
 */
#ifndef MPXDP_SIPHASH_H
#define MPXDP_SIPHASH_H

#include "types.h"

#define MPX_SIPHASH_MAX 64

MPX_INLINE __u64 mpx_rotl64(__u64 x, int b)
{
	return (x << b) | (x >> (64 - b));
}

MPX_INLINE __u64 mpx_get64le(const __u8 *p)
{
	__u64 v = 0;

	for (int i = 7; i >= 0; i--)
		v = v << 8 | p[i];
	return v;
}

#define MPX_SIPROUND(v0, v1, v2, v3)                                           \
	do {                                                                   \
		v0 += v1;                                                      \
		v1 = mpx_rotl64(v1, 13);                                       \
		v1 ^= v0;                                                      \
		v0 = mpx_rotl64(v0, 32);                                       \
		v2 += v3;                                                      \
		v3 = mpx_rotl64(v3, 16);                                       \
		v3 ^= v2;                                                      \
		v0 += v3;                                                      \
		v3 = mpx_rotl64(v3, 21);                                       \
		v3 ^= v0;                                                      \
		v2 += v1;                                                      \
		v1 = mpx_rotl64(v1, 17);                                       \
		v1 ^= v2;                                                      \
		v2 = mpx_rotl64(v2, 32);                                       \
	} while (0)

/* key: 16 bytes; msg: len bytes, len <= MPX_SIPHASH_MAX. */
MPX_INLINE __u64 mpx_siphash24(const __u8 *key, const __u8 *msg, __u32 len)
{
	__u64 k0 = mpx_get64le(key), k1 = mpx_get64le(key + 8);
	__u64 v0 = k0 ^ 0x736f6d6570736575ULL;
	__u64 v1 = k1 ^ 0x646f72616e646f6dULL;
	__u64 v2 = k0 ^ 0x6c7967656e657261ULL;
	__u64 v3 = k1 ^ 0x7465646279746573ULL;
	__u64 b = (__u64)(len & 0xff) << 56, m;
	__u32 full;

	if (len > MPX_SIPHASH_MAX)
		len = MPX_SIPHASH_MAX;
	full = len & ~7u;
	for (__u32 off = 0; off < MPX_SIPHASH_MAX; off += 8) {
		if (off >= full)
			break;
		m = mpx_get64le(msg + off);
		v3 ^= m;
		MPX_SIPROUND(v0, v1, v2, v3);
		MPX_SIPROUND(v0, v1, v2, v3);
		v0 ^= m;
	}
	for (__u32 i = 0; i < 7; i++) {
		if (full + i < len && full + i < MPX_SIPHASH_MAX)
			b |= (__u64)msg[full + i] << (8 * i);
	}
	v3 ^= b;
	MPX_SIPROUND(v0, v1, v2, v3);
	MPX_SIPROUND(v0, v1, v2, v3);
	v0 ^= b;
	v2 ^= 0xff;
	MPX_SIPROUND(v0, v1, v2, v3);
	MPX_SIPROUND(v0, v1, v2, v3);
	MPX_SIPROUND(v0, v1, v2, v3);
	MPX_SIPROUND(v0, v1, v2, v3);
	return v0 ^ v1 ^ v2 ^ v3;
}

#endif
