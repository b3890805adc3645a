/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* MPTCP key material (RFC 8684 3.1, 3.2): SHA-256 and HMAC-SHA256 via OpenSSL. */
#ifndef MPXDP_LIB_KEYS_H
#define MPXDP_LIB_KEYS_H

#include <linux/types.h>

/* token = most significant 32 bits of SHA-256(key),
 * idsn  = least significant 64 bits; key in host order, hashed as on the wire */
void mpx_key_token_idsn(__u64 key, __u32 *token, __u64 *idsn);

/* HMAC-SHA256 with key = key_a || key_b (8 bytes each, network order) over
 * msg; out receives all 32 bytes. Returns 0 on success. */
int mpx_hmac(__u64 key_a, __u64 key_b, const __u8 *msg, unsigned len,
	     __u8 out[32]);

/* MP_JOIN: HMAC(key_a || key_b, nonce_a || nonce_b) (3.2) */
int mpx_join_hmac(__u64 key_a, __u64 key_b, __u32 nonce_a,
		  __u32 nonce_b, __u8 out[32]);

/* Fill buf with n cryptographically random bytes. Returns 0 on success. */
int mpx_random(void *buf, unsigned n);

#endif
