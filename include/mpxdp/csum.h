/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Internet checksums (RFC 1071) and the MPTCP DSS checksum (RFC 8684 3.3.1).
 *
 * The gateway never reads payload to checksum it. A segment's TCP checksum
 * already covers its payload, so the payload's sum is the old checksum
 * minus the old pseudo-header and header; the new checksum is that sum
 * plus the new pseudo-header and header. The same payload sum gives the
 * DSS checksum of a one-segment mapping. A segment that arrived corrupted
 * therefore leaves corrupted, and the receiver's own check drops it.
 */
#ifndef MPXDP_CSUM_H
#define MPXDP_CSUM_H

#include "types.h"

MPX_INLINE __u16 mpx_csum_fold(__u64 sum)
{
	sum = (sum & 0xffffffff) + (sum >> 32);
	sum = (sum & 0xffffffff) + (sum >> 32);
	sum = (sum & 0xffff) + (sum >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	return (__u16)sum;
}

/* Sum of len bytes at p (len <= max, a compile-time bound for the verifier);
 * an odd trailing byte is padded with zero as the checksum defines. */
#define MPX_CSUM_BYTES_FN(name, max)                                           \
	MPX_INLINE __u64 name(const __u8 *p, __u32 len)                        \
	{                                                                      \
		__u64 sum = 0;                                                 \
		for (__u32 i = 0; i < (max); i += 2) {                         \
			if (i + 1 < len)                                       \
				sum += mpx_get16(p + i);                       \
			else if (i < len)                                      \
				sum += (__u16)p[i] << 8;                       \
		}                                                              \
		return sum;                                                    \
	}

MPX_CSUM_BYTES_FN(mpx_csum_bytes40, 40)
MPX_CSUM_BYTES_FN(mpx_csum_bytes60, 60)

/* Ones' complement subtraction a - b on folded 16-bit values. */
MPX_INLINE __u16 mpx_csum_sub(__u16 a, __u16 b)
{
	return mpx_csum_fold((__u64)a + (__u16)~b);
}

/* TCP pseudo-header sum. Addresses are 4 (IPv4) or 16 (IPv6) bytes in
 * network order; len is the TCP length (header + payload). */
MPX_INLINE __u64 mpx_csum_pseudo(const __u8 *saddr, const __u8 *daddr,
				 int v6, __u32 tcp_len)
{
	__u64 sum = 0;
	int n = v6 ? 16 : 4;

	for (int i = 0; i < 16; i += 2) {
		if (i < n)
			sum += mpx_get16(saddr + i) + mpx_get16(daddr + i);
	}
	return sum + 6 /* IPPROTO_TCP */ + (tcp_len >> 16) + (tcp_len & 0xffff);
}

/* DSS checksum pseudo-header: 64-bit DSN, 32-bit relative subflow
 * sequence number, 16-bit data-level length, 16 zero bits. */
MPX_INLINE __u64 mpx_csum_dss_pseudo(__u64 dsn, __u32 ssn, __u16 dlen)
{
	return (dsn >> 48) + ((dsn >> 32) & 0xffff) + ((dsn >> 16) & 0xffff) +
	       (dsn & 0xffff) + (ssn >> 16) + (ssn & 0xffff) + dlen;
}

/* The DSS checksum of a mapping whose payload sums (folded) to psum. */
MPX_INLINE __u16 mpx_csum_dss(__u64 dsn, __u32 ssn, __u16 dlen, __u16 psum)
{
	return (__u16)~mpx_csum_fold(mpx_csum_dss_pseudo(dsn, ssn, dlen) + psum);
}

/* IPv4 header checksum over a 20-byte header (checksum field included;
 * the caller zeroes it first). */
MPX_INLINE __u16 mpx_csum_ip4(const __u8 *h)
{
	__u64 sum = 0;

	for (int i = 0; i < 20; i += 2)
		sum += mpx_get16(h + i);
	return (__u16)~mpx_csum_fold(sum);
}

#endif
