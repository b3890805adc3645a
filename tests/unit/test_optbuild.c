// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * 2. Option rebuilding: mpx_opts_copy_kept(), mpx_optbuf_append/pad/
 * clamp_mss and the option builders, checked against the independent
 * walker in util.c and against real kernel option bytes.
 */
#include <criterion/criterion.h>
#include "tcore.h"

static void check_kept(const uint8_t *area, int len, const char *what, unsigned n)
{
	struct mpx_optbuf ob;
	uint8_t want[40];
	int wl = ref_strip_mptcp(area, len, want);

	copy_kept(&ob, area, len, MPX_SACK_MAX);
	cr_expect_eq(ob.len, wl, "%s%s%u: kept %d bytes, want %d (%s)", what, n ? "#" : "", n,
		     ob.len, wl, hexs(area, (size_t)len));
	cr_expect_arr_eq(ob.b, want, (size_t)wl, "%s%s%u: got %s want %s", what, n ? "#" : "", n,
			 hexs(ob.b, ob.len), hexs(want, (size_t)wl));
	cr_expect_eq(ref_count_mptcp(ob.b, ob.len), 0, "%s: MPTCP option left", what);

	/* padded: a multiple of 4, NOPs only at the end */
	mpx_optbuf_pad(&ob);
	wl = ref_strip_mptcp_pad(area, len, want);
	cr_expect_eq(ob.len, wl, "%s%s%u padded", what, n ? "#" : "", n);
	cr_expect_arr_eq(ob.b, want, (size_t)wl, "%s padded", what);
}

Test(optbuild, copy_kept_every_vector)
{
	cr_assert_gt(vec_n_options, 0);
	for (unsigned i = 0; i < vec_n_options; i++)
		check_kept(vec_options[i].area, vec_options[i].area_len, vec_options[i].id, 0);
}

Test(optbuild, copy_kept_every_frame)
{
	unsigned n = 0;

	for (unsigned i = 0; i < vec_n_frames; i++) {
		struct ref_hdr h;

		if (ref_parse(vec_frames[i].data, vec_frames[i].len, &h))
			continue;
		check_kept(h.opt, (int)h.optlen, vec_frames[i].id, vec_frames[i].frame);
		n++;
	}
	cr_assert_gt(n, 0);
}

Test(optbuild, copy_kept_layouts)
{
	/* MPTCP first, NOPs, then a kept option; MPTCP between two kept ones;
	 * only MPTCP; unknown kinds are kept verbatim */
	static const struct {
		int len;
		uint8_t a[40];
	} cases[] = {
		{ 16, { 30, 4, 0x20, 0, 1, 1, 8, 10, 1, 2, 3, 4, 5, 6, 7, 8 } },
		{ 20, { 2, 4, 5, 0xb4, 30, 8, 0x20, 1, 9, 9, 9, 9, 1, 3, 3, 7, 1, 1, 1, 1 } },
		{ 12, { 30, 12, 0x70, 0, 1, 2, 3, 4, 5, 6, 7, 8 } },
		{ 16, { 254, 6, 0xf9, 0x89, 1, 2, 30, 4, 0x80, 0, 253, 4, 0xab, 0xcd, 1, 1 } },
		{ 40, { 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
			1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 2, 4 } },
	};

	for (unsigned k = 0; k < sizeof(cases) / sizeof(cases[0]); k++)
		check_kept(cases[k].a, cases[k].len, "layout", k + 1);
}

static int mk_sack_area(uint8_t *a, int with_ts, int n)
{
	int o = 0;

	if (with_ts) {
		memcpy(a, "\x01\x01\x08\x0a\x00\x00\x00\x05\x00\x00\x00\x06", 12);
		o = 12;
	}
	a[o++] = 1;
	a[o++] = 1;
	a[o++] = 5;
	a[o++] = (uint8_t)(2 + 8 * n);
	for (int b = 0; b < n; b++) {
		wbe32(a + o, 1000u * (b + 1));
		wbe32(a + o + 4, 1000u * (b + 1) + 500);
		o += 8;
	}
	return o;
}

Test(optbuild, sack_trim)
{
	for (int ts = 0; ts < 2; ts++) {
		for (int n = 1; n <= (ts ? 3 : 4); n++) {
			uint8_t a[40];
			int len = mk_sack_area(a, ts, n);

			for (int max = 0; max <= 4; max++) {
				struct mpx_optbuf ob;
				struct mpx_opts o;
				int keep = n < max ? n : max;

				copy_kept(&ob, a, len, max);
				parse_area(&o, ob.b, ob.len);
				cr_expect_eq(o.malformed, 0, "ts %d n %d max %d", ts, n, max);
				cr_expect_eq(o.sack_n, keep, "ts %d n %d max %d: %d blocks", ts, n, max, o.sack_n);
				cr_expect_eq(!!(o.has & MPX_HAS_TS), ts, "ts %d n %d max %d", ts, n, max);
				for (int b = 0; b < keep; b++) {
					cr_expect_eq(o.sack[b][0], 1000u * (b + 1), "first blocks are kept");
					cr_expect_eq(o.sack[b][1], 1000u * (b + 1) + 500);
				}
				/* no SACK kept: the area is the TS part only */
				cr_expect_eq(ob.len, keep ? (ts ? 12 : 0) + 4 + 8 * keep : (ts ? 12 : 0),
					     "ts %d n %d max %d: len %d", ts, n, max, ob.len);
			}
		}
	}
}

Test(optbuild, append_pad_limits)
{
	struct mpx_optbuf ob;
	uint8_t opt[40];

	for (int i = 0; i < 40; i++)
		opt[i] = (uint8_t)(0xa0 + i);
	for (int start = 0; start <= 40; start++) {
		for (int n = 0; n <= 40; n++) {
			memset(&ob, 0, sizeof(ob));
			memset(ob.b, 0xee, sizeof(ob.b));
			ob.len = (uint8_t)start;
			int rc = mpx_optbuf_append(&ob, opt, (__u32)n);

			if (start + n <= 40) {
				cr_expect_eq(rc, 0, "start %d n %d", start, n);
				cr_expect_eq(ob.len, start + n);
				cr_expect_arr_eq(ob.b + start, opt, (size_t)n, "start %d n %d", start, n);
			} else {
				cr_expect_neq(rc, 0, "start %d + n %d > 40 accepted", start, n);
				cr_expect_eq(ob.len, start, "start %d n %d: length changed", start, n);
			}
			for (int k = 0; k < (int)sizeof(ob.b); k++)
				if (k < start || k >= start + n || start + n > 40)
					cr_expect_eq(ob.b[k], 0xee, "start %d n %d: byte %d touched", start, n, k);
		}
		memset(&ob, 0, sizeof(ob));
		memset(ob.b, 0xee, sizeof(ob.b));
		ob.len = (uint8_t)start;
		mpx_optbuf_pad(&ob);
		cr_expect_eq(ob.len, (start + 3) & ~3, "pad from %d", start);
		cr_expect_leq(ob.len, 40);
		for (int k = start; k < ob.len; k++)
			cr_expect_eq(ob.b[k], MPX_OPT_NOP, "pad from %d", start);
		for (int k = ob.len; k < (int)sizeof(ob.b); k++)
			cr_expect_eq(ob.b[k], 0xee, "pad from %d wrote past its end", start);
	}
}

/* the RFC 9293 3.7.1 floor: lower by dec, never below 536, never raise */
static unsigned mss_rule(unsigned mss, unsigned dec)
{
	unsigned lowered = mss > dec ? mss - dec : 0;
	unsigned floor = mss < 536 ? mss : 536;

	return lowered > floor ? lowered : floor;
}

Test(optbuild, clamp_mss)
{
	const unsigned mss[] = { 1460, 1440, 9000, 65535, 1220, 600, 565, 564, 563, 550, 537, 536, 500, 88, 0 };
	const unsigned decs[] = { 0, 1, 28, 100, 1000 };

	for (unsigned i = 0; i < sizeof(mss) / sizeof(mss[0]); i++) {
		for (unsigned d = 0; d < sizeof(decs) / sizeof(decs[0]); d++) {
			/* MSS first, and MSS after NOPs/TS/WS */
			for (int layout = 0; layout < 2; layout++) {
				uint8_t a[24];
				int len, at;
				struct mpx_optbuf ob;
				struct mpx_opts o;

				if (!layout) {
					memcpy(a, "\x02\x04\x00\x00\x04\x02\x08\x0a\x01\x02\x03\x04\x00\x00\x00\x00\x01\x03\x03\x07", 20);
					at = 0;
				} else {
					memcpy(a, "\x01\x01\x08\x0a\x01\x02\x03\x04\x00\x00\x00\x00\x01\x03\x03\x07\x02\x04\x00\x00", 20);
					at = 16;
				}
				len = 20;
				wbe16(a + at + 2, (uint16_t)mss[i]);
				copy_kept(&ob, a, len, 4);
				mpx_optbuf_clamp_mss(&ob, (__u16)decs[d]);
				parse_area(&o, ob.b, ob.len);
				cr_expect_eq(o.mss, mss_rule(mss[i], decs[d]), "mss %u dec %u layout %d: %u",
					     mss[i], decs[d], layout, o.mss);
				cr_expect_eq(ob.len, len);
				/* everything else unchanged */
				for (int k = 0; k < len; k++)
					if (k < at + 2 || k >= at + 4)
						cr_expect_eq(ob.b[k], a[k], "mss %u layout %d byte %d", mss[i], layout, k);
			}
		}
	}
	/* no MSS option: nothing changes */
	uint8_t b[12] = { 1, 1, 8, 10, 0, 0, 2, 4, 0, 0, 5, 0xb4 };
	struct mpx_optbuf ob;

	copy_kept(&ob, b, 12, 4);
	mpx_optbuf_clamp_mss(&ob, 28);
	cr_expect_arr_eq(ob.b, b, 12, "bytes inside a TS that look like an MSS were changed");
}

/* ---- builders ------------------------------------------------------------ */

Test(optbuild, build_dss_reparses)
{
	const uint64_t vals[] = { 0, 1, 0xffffffffull, 0x100000000ull, 0x8000000000000000ull,
				  0xffffffffffffffffull, 0x0123456789abcdefull };
	unsigned n = 0;

	for (unsigned i = 0; i < 7; i++) {
		for (int with_map = 0; with_map < 2; with_map++) {
			for (int fin = 0; fin < 2; fin++) {
				for (int csum = 0; csum < 2; csum++) {
					uint8_t out[40];
					struct mpx_opts o;
					struct ref_dss d;
					uint64_t ack = vals[i], dsn = vals[(i + 3) % 7];
					uint32_t ssn = (uint32_t)(vals[(i + 5) % 7] >> 7);
					uint16_t dlen = (uint16_t)(1400 + i), cs = (uint16_t)(0xbeef ^ i);
					__u32 len;

					memset(out, 0xcc, sizeof(out));
					len = mpx_build_dss(out, ack, with_map, dsn, ssn, dlen, fin, csum, cs);
					cr_expect_eq(len, with_map ? (csum ? 28u : 26u) : 12u);
					cr_expect_eq(out[len], 0xcc, "wrote past its length");
					parse_area(&o, out, (int)len);
					ref_dss_of_area(out, (int)len, &d);
					cr_expect_eq(o.mp.present, 1u << MPX_MP_DSS, "len %u", len);
					cr_expect_eq(o.mp.malformed, 0);
					cr_expect(d.present && d.has_ack && d.ack8);
					cr_expect_eq(d.data_ack, ack);
					cr_expect_eq(o.mp.dss.data_ack, ack);
					cr_expect_eq(d.has_map, with_map);
					cr_expect_eq(d.fin, with_map && fin, "F only with a mapping");
					if (with_map) {
						cr_expect(d.dsn8);
						cr_expect_eq(d.dsn, dsn);
						cr_expect_eq(d.ssn, ssn);
						cr_expect_eq(d.dlen, dlen);
						cr_expect_eq(d.has_csum, csum);
						cr_expect_eq(o.mp.dss.dsn, dsn);
						cr_expect_eq(o.mp.dss.ssn, ssn);
						cr_expect_eq(o.mp.dss.dlen, dlen);
						if (csum) {
							cr_expect_eq(d.csum, cs);
							cr_expect_eq(o.mp.dss.csum, cs);
						}
					}
					n++;
				}
			}
		}
	}
	cr_assert_gt(n, 0);
}

/* mpx_build_dss() given the kernel's values writes the kernel's bytes
 * (the 12-byte DATA_ACK form, the 26-byte mapping form, with DATA_FIN, and
 * the 28-byte checksum form). */
Test(optbuild, build_dss_matches_kernel)
{
	unsigned n12 = 0, n26 = 0, n28 = 0;

	for (unsigned i = 0; i < vec_n_options; i++) {
		const struct vec_option *v = &vec_options[i];
		const struct vec_opt_dss *d = &v->dss;
		uint8_t out[40];
		__u32 len;

		if (v->subtype != MPX_MP_DSS || !d->has_data_ack || !d->ack8 ||
		    (d->has_map && !d->dsn8) || (d->fin && !d->has_map))
			continue; /* forms the gateway never builds */
		memset(out, 0, sizeof(out));
		len = mpx_build_dss(out, d->data_ack, d->has_map, d->dsn, d->ssn, d->dlen, d->fin,
				    d->has_csum, d->csum);
		cr_expect_eq(len, v->opt_len, "%s", v->id);
		cr_expect_arr_eq(out, v->opt, v->opt_len, "%s: built %s, kernel %s", v->id,
				 hexs(out, len), hexs(v->opt, v->opt_len));
		n12 += v->opt_len == 12;
		n26 += v->opt_len == 26;
		n28 += v->opt_len == 28;
	}
	cr_assert_gt(n12, 0);
	cr_assert_gt(n26, 0);
	cr_assert_gt(n28, 0);
}

Test(optbuild, build_mpc_synack)
{
	unsigned n = 0;

	/* the kernel's SYN/ACK MP_CAPABLE options */
	for (unsigned i = 0; i < vec_n_options; i++) {
		const struct vec_option *v = &vec_options[i];
		uint8_t out[40];

		if (v->subtype != MPX_MP_CAPABLE || v->opt_len != MPX_MPC_LEN_SYNACK)
			continue;
		cr_expect_eq(mpx_build_mpc_synack(out, v->mpc.flags, v->mpc.key_a), 12u);
		cr_expect_arr_eq(out, v->opt, 12, "%s", v->id);
		n++;
	}
	cr_assert_gt(n, 0);

	/* and it parses back */
	uint8_t out[40];
	struct mpx_opts o;

	mpx_build_mpc_synack(out, MPX_MPC_FLAG_A | MPX_MPC_FLAG_H, 0x0102030405060708ull);
	parse_area(&o, out, 12);
	cr_expect_eq(o.mp.present, 1u << MPX_MP_CAPABLE);
	cr_expect_eq(o.mp.mpc.len, 12);
	cr_expect_eq(o.mp.mpc.version, MPX_MPTCP_VERSION);
	cr_expect_eq(o.mp.mpc.flags, MPX_MPC_FLAG_A | MPX_MPC_FLAG_H);
	cr_expect_eq(o.mp.mpc.key_a, 0x0102030405060708ull);
}

Test(optbuild, build_fastclose_tcprst)
{
	const uint64_t keys[] = { 0, 0xffffffffffffffffull, 0x67902b1b2f3ddad0ull, 0x8000000000000001ull };

	for (unsigned i = 0; i < 4; i++) {
		uint8_t out[40];
		struct mpx_opts o;

		memset(out, 0xcc, sizeof(out));
		cr_expect_eq(mpx_build_fastclose(out, keys[i]), 12u);
		cr_expect_eq(out[12], 0xcc);
		parse_area(&o, out, 12);
		cr_expect_eq(o.mp.present, 1u << MPX_MP_FASTCLOSE);
		cr_expect_eq(o.mp.fastclose_key, keys[i]);
		cr_expect_eq(be64(out + 4), keys[i], "key in network order at byte 4");
		cr_expect_eq(out[2], MPX_MP_FASTCLOSE << 4);
		cr_expect_eq(out[3], 0, "reserved");
	}
	for (int flags = 0; flags < 16; flags++) {
		for (int reason = 0; reason < 256; reason += 17) {
			uint8_t out[40];
			struct mpx_opts o;

			cr_expect_eq(mpx_build_tcprst(out, (__u8)flags, (__u8)reason), 4u);
			parse_area(&o, out, 4);
			cr_expect_eq(o.mp.present, 1u << MPX_MP_TCPRST);
			cr_expect_eq(o.mp.tcprst_flags, flags);
			cr_expect_eq(o.mp.tcprst_reason, reason);
		}
	}
	/* high bits of flags do not leak into the subtype */
	uint8_t out[4];

	mpx_build_tcprst(out, 0xff, 3);
	cr_expect_eq(out[2] >> 4, MPX_MP_TCPRST);

	/* held-out kinds (none in the public set): the kernel's own bytes */
	for (unsigned i = 0; i < vec_n_fastcloses; i++) {
		const struct vec_fastclose *v = &vec_fastcloses[i];
		uint8_t b[40];

		if (v->opt_len != 12)
			continue;
		mpx_build_fastclose(b, v->key);
		cr_expect_arr_eq(b, v->opt, 12, "%s", v->id);
	}
	for (unsigned i = 0; i < vec_n_tcprsts; i++) {
		const struct vec_tcprst *v = &vec_tcprsts[i];
		uint8_t b[40];

		if (v->opt_len != 4)
			continue;
		mpx_build_tcprst(b, v->flags, v->reason);
		cr_expect_arr_eq(b, v->opt, 4, "%s", v->id);
	}
}

/* SACK options of a length other than 2 + 8n are not SACK blocks (the
 * parser ignores them); the copy must not turn them into well-formed ones
 * by cutting them short. Kept verbatim or dropped are both acceptable. */
Test(optbuild, copy_kept_bad_sack_not_rewritten)
{
	int rewritten = 0, first = 0;

	for (int l = 3; l <= 28; l++) { /* 12 + l <= 40 */
		uint8_t a[40], want[40];
		struct mpx_optbuf ob;
		int len, wl;

		if ((l - 2) % 8 == 0)
			continue;
		memset(a, 0, sizeof(a));
		memcpy(a, "\x01\x01\x08\x0a\x00\x00\x00\x05\x00\x00\x00\x06", 12);
		a[12] = 5;
		a[13] = (uint8_t)l;
		for (int k = 2; k < l; k++)
			a[12 + k] = (uint8_t)(0x10 + k);
		len = 12 + l;
		copy_kept(&ob, a, len, MPX_SACK_MAX);
		wl = ref_strip_mptcp(a, len, want);
		if (!(ob.len == wl && !memcmp(ob.b, want, (size_t)wl)) && !(ob.len == 12 && !memcmp(ob.b, a, 12))) {
			rewritten++;
			first = first ? first : l;
		}
	}
	cr_expect_eq(rewritten, 0, "%d malformed SACK lengths rewritten into other bytes, first: length %d",
		     rewritten, first);
}
