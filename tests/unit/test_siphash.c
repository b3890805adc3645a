// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * 5. SipHash-2-4 against the published reference vectors, mpx_derive_key()
 * and mpx_widen().
 */
#include <criterion/criterion.h>
#include "tcore.h"

/* The 64 reference outputs of SipHash-2-4 (Aumasson & Bernstein, the
 * reference implementation's vectors.h / the paper's Appendix A): key
 * 00 01 .. 0f, message 00 01 .. (n-1), for n = 0..63. */
static const uint64_t sip_ref[64] = {
	0x726fdb47dd0e0e31ull, 0x74f839c593dc67fdull, 0x0d6c8009d9a94f5aull, 0x85676696d7fb7e2dull,
	0xcf2794e0277187b7ull, 0x18765564cd99a68dull, 0xcbc9466e58fee3ceull, 0xab0200f58b01d137ull,
	0x93f5f5799a932462ull, 0x9e0082df0ba9e4b0ull, 0x7a5dbbc594ddb9f3ull, 0xf4b32f46226bada7ull,
	0x751e8fbc860ee5fbull, 0x14ea5627c0843d90ull, 0xf723ca908e7af2eeull, 0xa129ca6149be45e5ull,
	0x3f2acc7f57c29bdbull, 0x699ae9f52cbe4794ull, 0x4bc1b3f0968dd39cull, 0xbb6dc91da77961bdull,
	0xbed65cf21aa2ee98ull, 0xd0f2cbb02e3b67c7ull, 0x93536795e3a33e88ull, 0xa80c038ccd5ccec8ull,
	0xb8ad50c6f649af94ull, 0xbce192de8a85b8eaull, 0x17d835b85bbb15f3ull, 0x2f2e6163076bcfadull,
	0xde4daaaca71dc9a5ull, 0xa6a2506687956571ull, 0xad87a3535c49ef28ull, 0x32d892fad841c342ull,
	0x7127512f72f27cceull, 0xa7f32346f95978e3ull, 0x12e0b01abb051238ull, 0x15e034d40fa197aeull,
	0x314dffbe0815a3b4ull, 0x027990f029623981ull, 0xcadcd4e59ef40c4dull, 0x9abfd8766a33735cull,
	0x0e3ea96b5304a7d0ull, 0xad0c42d6fc585992ull, 0x187306c89bc215a9ull, 0xd4a60abcf3792b95ull,
	0xf935451de4f21df2ull, 0xa9538f0419755787ull, 0xdb9acddff56ca510ull, 0xd06c98cd5c0975ebull,
	0xe612a3cb9ecba951ull, 0xc766e62cfcadaf96ull, 0xee64435a9752fe72ull, 0xa192d576b245165aull,
	0x0a8787bf8ecb74b2ull, 0x81b3e73d20b49b6full, 0x7fa8220ba3b2eceaull, 0x245731c13ca42499ull,
	0xb78dbfaf3a8d83bdull, 0xea1ad565322a1a0bull, 0x60e61c23a3795013ull, 0x6606d7e446282b93ull,
	0x6ca4ecb15c5f91e1ull, 0x9f626da15c9625f3ull, 0xe51b38608ef25f57ull, 0x958a324ceb064572ull,
};

Test(siphash, reference_vectors)
{
	uint8_t key[16], msg[64];

	for (int i = 0; i < 16; i++)
		key[i] = (uint8_t)i;
	for (int i = 0; i < 64; i++)
		msg[i] = (uint8_t)i;
	for (uint32_t n = 0; n < 64; n++) {
		uint64_t h = mpx_siphash24(key, msg, n);

		cr_expect_eq(h, sip_ref[n], "n=%u: %016llx, want %016llx", n, (unsigned long long)h,
			     (unsigned long long)sip_ref[n]);
	}
}

Test(siphash, reads_only_len_bytes)
{
	uint8_t key[16], a[MPX_SIPHASH_MAX + 8], b[MPX_SIPHASH_MAX + 8];

	for (int i = 0; i < 16; i++)
		key[i] = (uint8_t)i;
	for (uint32_t n = 0; n <= MPX_SIPHASH_MAX; n++) {
		memset(a, 0x00, sizeof(a));
		memset(b, 0xff, sizeof(b));
		for (uint32_t i = 0; i < n; i++)
			a[i] = b[i] = (uint8_t)i;
		cr_expect_eq(mpx_siphash24(key, a, n), mpx_siphash24(key, b, n), "n=%u", n);
	}
}

static struct mpx_flow_key base_key(void)
{
	struct mpx_flow_key k;

	memset(&k, 0, sizeof(k));
	memcpy(k.c_addr, "\xc6\x12\x01\x01", 4);
	memcpy(k.s_addr, "\xc6\x12\x01\x02", 4);
	k.c_port = 56892;
	k.s_port = 5001;
	return k;
}

Test(siphash, derive_key)
{
	uint8_t secret[16];
	struct mpx_flow_key k = base_key(), k2;
	uint32_t seq = 259890524, ack = 4050946805u;
	uint64_t base, x;
	unsigned changed = 0, tried = 0;

	for (int i = 0; i < 16; i++)
		secret[i] = (uint8_t)(0x30 + i);
	base = mpx_derive_key(secret, &k, seq, ack);
	cr_expect_eq(mpx_derive_key(secret, &k, seq, ack), base, "deterministic");
	k2 = k;
	cr_expect_eq(mpx_derive_key(secret, &k2, seq, ack), base, "same input, other copy");

	/* every bit of every meaningful byte of the flow key matters */
	for (unsigned off = 0; off < offsetof(struct mpx_flow_key, pad); off++) {
		for (int bit = 0; bit < 8; bit++) {
			k2 = k;
			((uint8_t *)&k2)[off] ^= (uint8_t)(1 << bit);
			x = mpx_derive_key(secret, &k2, seq, ack);
			changed += x != base;
			tried++;
		}
	}
	cr_expect_eq(changed, tried, "%u of %u single-bit flow-key changes left Kg unchanged",
		     tried - changed, tried);
	for (int bit = 0; bit < 32; bit++) {
		cr_expect_neq(mpx_derive_key(secret, &k, seq ^ (1u << bit), ack), base, "seq bit %d", bit);
		cr_expect_neq(mpx_derive_key(secret, &k, seq, ack ^ (1u << bit)), base, "ack bit %d", bit);
	}
	cr_expect_neq(mpx_derive_key(secret, &k, ack, seq), base, "seq and ack swapped");
	for (int i = 0; i < 16; i++) {
		uint8_t s2[16];

		memcpy(s2, secret, 16);
		s2[i] ^= 0x80;
		cr_expect_neq(mpx_derive_key(s2, &k, seq, ack), base, "secret byte %d", i);
	}
	/* the message is the flow key followed by seq and ack in network order */
	uint8_t msg[sizeof(k) + 8];

	memcpy(msg, &k, sizeof(k));
	wbe32(msg + sizeof(k), seq);
	wbe32(msg + sizeof(k) + 4, ack);
	cr_expect_eq(mpx_siphash24(secret, msg, sizeof(msg)), base);
}

/* The daemon re-derives Kg from a pure third ACK as (ack - 1, seq). */
Test(siphash, derive_key_from_third_ack)
{
	unsigned n = 0;
	uint8_t secret[16] = "0123456789abcdef";

	for (unsigned i = 0; i < vec_n_conns; i++) {
		const struct vec_conn *c = &vec_conns[i];
		const struct vec_frame *sa = vec_frame_get(c->pcap, c->synack_frame);
		const struct vec_frame *ac = vec_frame_get(c->pcap, c->ack_frame);
		struct mpx_pkt ps, pa;
		struct mpx_flow_key ks, ka;

		if (!sa || !ac)
			continue;
		cr_assert_eq(mpx_pkt_load(&ps, sa->data, sa->len), MPX_PKT_OK);
		cr_assert_eq(mpx_pkt_load(&pa, ac->data, ac->len), MPX_PKT_OK);
		mpx_flow_key_of(&ks, &ps, 0);
		mpx_flow_key_of(&ka, &pa, 1);
		cr_expect(!memcmp(&ks, &ka, sizeof(ks)), "%s: flow keys of both directions differ", c->id);
		cr_expect_eq(mpx_derive_key(secret, &ks, ps.seq, ps.ack),
			     mpx_derive_key(secret, &ka, pa.ack - 1, pa.seq), "%s", c->id);
		n++;
	}
	cr_assert_gt(n, 0);
}

/* nearest 64-bit value to ref with these low 32 bits, by brute force */
static uint64_t widen_ref(uint64_t ref, uint32_t low)
{
	uint64_t best = 0, bestd = UINT64_MAX;

	for (int d = -1; d <= 1; d++) {
		uint64_t cand = (((ref >> 32) + (uint64_t)(int64_t)d) << 32) | low;
		uint64_t dist = cand > ref ? cand - ref : ref - cand;

		if (dist < bestd) {
			bestd = dist;
			best = cand;
		}
	}
	return best;
}

Test(siphash, widen_wrap)
{
	/* just below and just above a 2^32 boundary, both directions */
	const uint64_t refs[] = { 0x1fffffff0ull, 0x200000005ull, 0xfffffffeull, 0x100000001ull,
				  0x0000000100000000ull, 0xffffffff00000010ull, 0x7fffffffffffff00ull,
				  0x123456789abcdef0ull, 0x80000000ull, 0x17fffffffull };
	unsigned n = 0;

	for (unsigned i = 0; i < sizeof(refs) / sizeof(refs[0]); i++) {
		for (int64_t delta = -70000; delta <= 70000; delta += 997) {
			uint64_t truth = refs[i] + (uint64_t)delta;
			uint64_t got = mpx_widen(refs[i], (uint32_t)truth);

			cr_expect_eq(got, truth, "ref %#llx delta %lld: %#llx", (unsigned long long)refs[i],
				     (long long)delta, (unsigned long long)got);
			cr_expect_eq(got, widen_ref(refs[i], (uint32_t)truth));
			n++;
		}
		/* up to 2^31 - 1 either way */
		cr_expect_eq(mpx_widen(refs[i], (uint32_t)(refs[i] + 0x7fffffffu)), refs[i] + 0x7fffffffu);
		cr_expect_eq(mpx_widen(refs[i], (uint32_t)(refs[i] - 0x7fffffffu)), refs[i] - 0x7fffffffu);
	}
	/* explicit crossings */
	cr_expect_eq(mpx_widen(0x1fffffff0ull, 0x10), 0x200000010ull, "forward across 2^33");
	cr_expect_eq(mpx_widen(0x200000010ull, 0xfffffff0u), 0x1fffffff0ull, "backward across 2^33");
	cr_assert_gt(n, 0);
}
