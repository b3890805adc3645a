// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * 3. Checksums: mpx_csum_dss() against every dss_checksum vector (the
 * payload summed by the test's own RFC 1071 routine), mpx_csum_ip4() and
 * mpx_pkt_payload_sum() against every real frame.
 */
#include <criterion/criterion.h>
#include "tcore.h"

/* ones' complement equality: 0x0000 and 0xffff are both zero */
static int oc_eq(uint16_t a, uint16_t b)
{
	return a == b || ((a == 0 || a == 0xffff) && (b == 0 || b == 0xffff));
}

Test(csum, reference_routine_matches_vectors)
{
	/* guards the test's own routine: it must reproduce the wire value */
	cr_assert_gt(vec_n_dss_csums, 0);
	for (unsigned i = 0; i < vec_n_dss_csums; i++) {
		const struct vec_dss_csum *v = &vec_dss_csums[i];
		uint8_t ph[16];

		wbe64(ph, v->dsn);
		wbe32(ph + 8, v->ssn);
		wbe16(ph + 12, v->dlen);
		wbe16(ph + 14, 0);
		cr_expect_arr_eq(ph, v->pseudo, 16, "%s pseudo-header", v->id);
		if (!v->corrupted)
			cr_expect_eq(ref_dss_csum(v->dsn, v->ssn, v->dlen, v->payload, v->payload_len),
				     v->csum, "%s", v->id);
	}
}

Test(csum, dss_every_vector)
{
	unsigned neg = 0;

	cr_assert_gt(vec_n_dss_csums, 0);
	for (unsigned i = 0; i < vec_n_dss_csums; i++) {
		const struct vec_dss_csum *v = &vec_dss_csums[i];
		uint16_t psum = ref_fold(ref_sum(0, v->payload, v->payload_len));
		uint16_t got = mpx_csum_dss(v->dsn, v->ssn, v->dlen, psum);

		cr_expect_eq(v->payload_len + (v->source == VEC_MAP_DATAFIN), v->dlen, "%s", v->id);
		if (!v->corrupted) {
			cr_expect_eq(got, v->csum, "%s: %#06x, wire %#06x", v->id, got, v->csum);
			cr_expect_eq(got, v->recomputed, "%s", v->id);
			continue;
		}
		/* negative vector: fails over what was received, matches over
		 * what was sent */
		uint16_t osum = ref_fold(ref_sum(0, v->orig_payload, v->orig_len));

		neg++;
		cr_expect_neq(got, v->csum, "%s: corrupted payload passed the check", v->id);
		cr_expect_eq(got, v->recomputed, "%s", v->id);
		cr_expect_eq(mpx_csum_dss(v->dsn, v->ssn, v->dlen, osum), v->csum, "%s original", v->id);
		cr_expect_eq(v->recomputed_orig, v->csum, "%s", v->id);
		cr_expect_eq(v->orig_len, v->payload_len, "%s", v->id);
	}
	if (!neg)
		cr_log_info("no negative dss_checksum vector in this set");
}

/* The DSS checksum the way the gateway computes it: from the frames' TCP
 * checksums via mpx_pkt_payload_sum(), summed over every frame of the
 * mapping. */
Test(csum, dss_from_frames)
{
	unsigned n = 0;

	for (unsigned i = 0; i < vec_n_dss_csums; i++) {
		const struct vec_dss_csum *v = &vec_dss_csums[i];
		/* a DATA_FIN's frames are copies on several subflows: use one */
		unsigned nf = v->source == VEC_MAP_DATAFIN ? 1 : v->nframes;
		uint64_t acc = 0, bytes = 0;
		int aligned = 1;

		for (unsigned k = 0; k < nf; k++) {
			const struct vec_frame *f = vec_frame_get(v->pcap, v->frames[k]);
			struct mpx_pkt p;

			cr_assert_not_null(f, "%s frame %u", v->id, v->frames[k]);
			cr_assert_eq(mpx_pkt_load(&p, f->data, f->len), MPX_PKT_OK, "%s", v->id);
			if (k + 1 < nf && (p.plen & 1))
				aligned = 0; /* the next frame's bytes would sit at odd offsets */
			acc += mpx_pkt_payload_sum(&p);
			bytes += p.plen;
		}
		if (!aligned || bytes + (v->source == VEC_MAP_DATAFIN) != v->dlen)
			continue;
		uint16_t got = mpx_csum_dss(v->dsn, v->ssn, v->dlen, mpx_csum_fold(acc));
		uint16_t want = v->corrupted ? v->recomputed : v->csum;

		cr_expect_eq(got, want, "%s: %#06x want %#06x", v->id, got, want);
		n++;
	}
	cr_assert_gt(n, 0);
}

Test(csum, dss_pseudo_sum)
{
	const uint64_t dsns[] = { 0, 1, 0xffffffffffffffffull, 0x69bd16809d13e500ull, 0xffff0000ffff0000ull };
	const uint32_t ssns[] = { 0, 1, 0xffffffffu, 0x12345678u };
	const uint16_t dlens[] = { 0, 1, 0xffff, 1420 };

	for (unsigned a = 0; a < 5; a++)
		for (unsigned b = 0; b < 4; b++)
			for (unsigned c = 0; c < 4; c++) {
				uint8_t ph[16];

				wbe64(ph, dsns[a]);
				wbe32(ph + 8, ssns[b]);
				wbe16(ph + 12, dlens[c]);
				wbe16(ph + 14, 0);
				cr_expect(oc_eq(mpx_csum_fold(mpx_csum_dss_pseudo(dsns[a], ssns[b], dlens[c])),
						ref_fold(ref_sum(0, ph, 16))),
					  "dsn %#llx ssn %#x dlen %u", (unsigned long long)dsns[a], ssns[b], dlens[c]);
				cr_expect_eq(mpx_csum_dss(dsns[a], ssns[b], dlens[c], 0),
					     ref_dss_csum(dsns[a], ssns[b], dlens[c], NULL, 0));
			}
}

Test(csum, fold_sub_bytes)
{
	const uint64_t sums[] = { 0, 1, 0xffff, 0x10000, 0x1fffe, 0xffffffff, 0x100000000ull,
				  0xffffffffffffffffull, 0x8000000000000000ull, 0x123456789abcdefull };
	uint8_t buf[64];

	for (unsigned i = 0; i < sizeof(sums) / sizeof(sums[0]); i++) {
		/* same value mod 0xffff, in 16 bits */
		uint16_t f = mpx_csum_fold(sums[i]);

		cr_expect(oc_eq(f, ref_fold(sums[i] % 0xffff)), "fold %#llx -> %#x",
			  (unsigned long long)sums[i], f);
	}
	for (uint32_t a = 0; a < 0x10000; a += 0x0fff)
		for (uint32_t b = 0; b < 0x10000; b += 0x0ffd) {
			/* (a - b) + b == a in ones' complement */
			uint16_t d = mpx_csum_sub((uint16_t)a, (uint16_t)b);

			cr_expect(oc_eq(ref_fold((uint64_t)d + b), (uint16_t)a), "%#x - %#x", a, b);
		}
	for (int i = 0; i < 64; i++)
		buf[i] = (uint8_t)(i * 37 + 11);
	for (uint32_t len = 0; len <= 40; len++)
		cr_expect(oc_eq(mpx_csum_fold(mpx_csum_bytes40(buf, len)), ref_fold(ref_sum(0, buf, len))),
			  "bytes40 len %u", len);
	for (uint32_t len = 0; len <= 60; len++)
		cr_expect(oc_eq(mpx_csum_fold(mpx_csum_bytes60(buf, len)), ref_fold(ref_sum(0, buf, len))),
			  "bytes60 len %u", len);
}

Test(csum, ip4_every_frame)
{
	unsigned n = 0;

	for (unsigned i = 0; i < vec_n_frames; i++) {
		const struct vec_frame *f = &vec_frames[i];
		uint8_t h[20];

		if (f->len < 34 || be16(f->data + 12) != 0x0800)
			continue;
		memcpy(h, f->data + 14, 20);
		h[10] = h[11] = 0;
		cr_expect_eq(mpx_csum_ip4(h), be16(f->data + 24), "%s#%u", f->id, f->frame);
		cr_expect_eq(mpx_csum_ip4(h), ref_ip4_csum(f->data + 14), "%s#%u", f->id, f->frame);
		n++;
	}
	cr_assert_gt(n, 0);
}

/* Every real frame: its TCP checksum verifies independently, and the
 * payload sum the core recovers from it equals the payload's own sum. */
Test(csum, payload_sum_every_frame)
{
	unsigned n = 0, with_payload = 0;

	for (unsigned i = 0; i < vec_n_frames; i++) {
		const struct vec_frame *f = &vec_frames[i];
		struct ref_hdr h;
		struct mpx_pkt p;
		uint16_t want, got;

		cr_assert_eq(ref_parse(f->data, f->len, &h), 0, "%s#%u", f->id, f->frame);
		cr_expect(ref_tcp_ok(h.ip, h.ip_len), "%s#%u: the capture's TCP checksum", f->id, f->frame);
		cr_assert_eq(mpx_pkt_load(&p, f->data, f->len), MPX_PKT_OK, "%s#%u", f->id, f->frame);
		want = ref_fold(ref_sum(0, h.payload, h.plen));
		got = mpx_pkt_payload_sum(&p);
		cr_expect(oc_eq(got, want), "%s#%u: payload sum %#06x, want %#06x", f->id, f->frame, got, want);
		n++;
		with_payload += h.plen > 0;
	}
	cr_assert_gt(n, 0);
	cr_assert_gt(with_payload, 0);
}

/* A corrupted frame keeps a valid TCP checksum (changed before it was
 * computed), so its payload sum is that of the corrupted bytes. */
Test(csum, payload_sum_synthetic)
{
	uint8_t pl[1501], fr[1600];
	struct fb f;
	struct mpx_pkt p;

	for (int i = 0; i < 1501; i++)
		pl[i] = (uint8_t)(i ^ (i >> 3));
	for (int v6 = 0; v6 < 2; v6++) {
		for (int plen = 0; plen <= 1501; plen += plen < 8 ? 1 : 331) {
			memset(&f, 0, sizeof(f));
			f.v6 = v6;
			memcpy(f.saddr, "\x20\x01\x0d\xb8\0\1\0\0\0\0\0\0\0\0\0\1", 16);
			memcpy(f.daddr, "\x20\x01\x0d\xb8\0\1\0\0\0\0\0\0\0\0\0\2", 16);
			f.sport = 40000;
			f.dport = 80;
			f.seq = 0xfffffff0u;
			f.ack = 77;
			f.flags = MPX_TCP_ACK | MPX_TCP_PSH;
			f.win = 501;
			f.opt = (const uint8_t *)"\x01\x01\x08\x0a\x00\x00\x00\x01\x00\x00\x00\x02";
			f.optlen = 12;
			f.payload = pl;
			f.plen = plen;
			size_t len = fb_build(fr, sizeof(fr), &f);

			cr_assert_gt(len, 0);
			cr_assert_eq(mpx_pkt_load(&p, fr, (uint32_t)len), MPX_PKT_OK, "v6 %d plen %d", v6, plen);
			cr_expect(oc_eq(mpx_pkt_payload_sum(&p), ref_fold(ref_sum(0, pl, (size_t)plen))),
				  "v6 %d plen %d", v6, plen);
		}
	}
}
