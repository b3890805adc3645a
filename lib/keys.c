// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include "keys.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>
#include "mpxdp/types.h"

void mpx_key_token_idsn(__u64 key, __u32 *token, __u64 *idsn)
{
	__u8 k[8], d[32];
	unsigned dl = sizeof(d);

	mpx_put64(k, key);
	EVP_Digest(k, sizeof(k), d, &dl, EVP_sha256(), NULL);
	*token = mpx_get32(d);
	*idsn = mpx_get64(d + 24);
}

int mpx_hmac(__u64 key_a, __u64 key_b, const __u8 *msg, unsigned len,
	     __u8 out[32])
{
	__u8 k[16];
	unsigned ol = 32;

	mpx_put64(k, key_a);
	mpx_put64(k + 8, key_b);
	return HMAC(EVP_sha256(), k, sizeof(k), msg, len, out, &ol) ? 0 : -1;
}

int mpx_join_hmac(__u64 key_a, __u64 key_b, __u32 nonce_a,
		  __u32 nonce_b, __u8 out[32])
{
	__u8 m[8];

	mpx_put32(m, nonce_a);
	mpx_put32(m + 4, nonce_b);
	return mpx_hmac(key_a, key_b, m, sizeof(m), out);
}

int mpx_random(void *buf, unsigned n)
{
	return RAND_bytes(buf, (int)n) == 1 ? 0 : -1;
}
