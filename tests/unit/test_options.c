// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * 1. Option parsing: mpx_parse_opts() against every real-kernel `options`
 * vector, then the malformed-input rule documented at the top of
 * include/mpxdp/options.h.
 */
#include <criterion/criterion.h>
#include "tcore.h"

/* Check the decoded fields of one vector against what the core parsed. */
static void check_vector(const struct vec_option *v, const struct mpx_opts *o,
			 const char *what)
{
	const struct mpx_mptcp *mp = &o->mp;

	cr_expect(mp->present & (1u << v->subtype), "%s %s: subtype %d not present (present=%#x malformed=%#x)",
		  v->id, what, v->subtype, mp->present, mp->malformed);
	cr_expect_eq(mp->malformed, 0, "%s %s: malformed=%#x", v->id, what, mp->malformed);
	cr_expect_eq(mp->unknown, 0, "%s %s", v->id, what);
	cr_expect_eq(mp->dups, 0, "%s %s", v->id, what);
	cr_expect_eq(o->malformed, 0, "%s %s", v->id, what);

	switch (v->subtype) {
	case MPX_MP_CAPABLE:
		cr_expect_eq(mp->mpc.len, v->length, "%s", v->id);
		cr_expect_eq(mp->mpc.version, v->mpc.version, "%s", v->id);
		cr_expect_eq(mp->mpc.flags, v->mpc.flags, "%s", v->id);
		if (v->mpc.has_key_a)
			cr_expect_eq(mp->mpc.key_a, v->mpc.key_a, "%s key_a %#llx", v->id,
				     (unsigned long long)mp->mpc.key_a);
		if (v->mpc.has_key_b)
			cr_expect_eq(mp->mpc.key_b, v->mpc.key_b, "%s key_b", v->id);
		if (v->mpc.has_dlen)
			cr_expect_eq(mp->mpc.dlen, v->mpc.dlen, "%s dlen", v->id);
		if (v->mpc.has_csum)
			cr_expect_eq(mp->mpc.csum, v->mpc.csum, "%s csum", v->id);
		break;
	case MPX_MP_JOIN:
		cr_expect_eq(mp->join.len, v->length, "%s", v->id);
		if (v->join.form == VEC_JOIN_SYN) {
			cr_expect_eq(mp->join.flags & MPX_JOIN_FLAG_B, v->join.backup, "%s", v->id);
			cr_expect_eq(mp->join.addr_id, v->join.addr_id, "%s", v->id);
			cr_expect_eq(mp->join.token, v->join.token, "%s token", v->id);
			cr_expect_eq(mp->join.nonce, v->join.nonce, "%s nonce", v->id);
		} else if (v->join.form == VEC_JOIN_SYNACK) {
			cr_expect_eq(mp->join.flags & MPX_JOIN_FLAG_B, v->join.backup, "%s", v->id);
			cr_expect_eq(mp->join.addr_id, v->join.addr_id, "%s", v->id);
			cr_expect_eq(mp->join.hmac64, v->join.hmac64, "%s hmac64", v->id);
			cr_expect_eq(mp->join.nonce, v->join.nonce, "%s nonce", v->id);
		} else {
			cr_expect_arr_eq(mp->join.hmac, v->join.hmac160, 20, "%s hmac160", v->id);
		}
		break;
	case MPX_MP_DSS:
		cr_expect_eq(mp->dss.len, v->length, "%s", v->id);
		cr_expect_eq(mp->dss.flags, v->dss.flags, "%s", v->id);
		cr_expect_eq(!!(mp->dss.flags & MPX_DSS_A), v->dss.has_data_ack, "%s", v->id);
		cr_expect_eq(!!(mp->dss.flags & MPX_DSS_a), v->dss.ack8, "%s", v->id);
		cr_expect_eq(!!(mp->dss.flags & MPX_DSS_M), v->dss.has_map, "%s", v->id);
		cr_expect_eq(!!(mp->dss.flags & MPX_DSS_m), v->dss.dsn8, "%s", v->id);
		cr_expect_eq(!!(mp->dss.flags & MPX_DSS_F), v->dss.fin, "%s", v->id);
		if (v->dss.has_data_ack)
			cr_expect_eq(mp->dss.data_ack, v->dss.data_ack, "%s data_ack %#llx", v->id,
				     (unsigned long long)mp->dss.data_ack);
		if (v->dss.has_map) {
			cr_expect_eq(mp->dss.dsn, v->dss.dsn, "%s dsn", v->id);
			cr_expect_eq(mp->dss.ssn, v->dss.ssn, "%s ssn", v->id);
			cr_expect_eq(mp->dss.dlen, v->dss.dlen, "%s dlen", v->id);
		}
		cr_expect_eq(mp->dss.has_csum, v->dss.has_csum, "%s has_csum", v->id);
		if (v->dss.has_csum)
			cr_expect_eq(mp->dss.csum, v->dss.csum, "%s csum", v->id);
		break;
	case MPX_MP_ADD_ADDR:
		cr_expect_eq(mp->add.len, v->length, "%s", v->id);
		cr_expect_eq(mp->add.echo, v->add.echo, "%s", v->id);
		cr_expect_eq(mp->add.v6, v->add.family == 6, "%s", v->id);
		cr_expect_eq(mp->add.addr_id, v->add.addr_id, "%s", v->id);
		cr_expect_arr_eq(mp->add.addr, v->add.addr, 16, "%s addr", v->id);
		cr_expect_eq(mp->add.has_port, v->add.has_port, "%s", v->id);
		if (v->add.has_port)
			cr_expect_eq(mp->add.port, v->add.port, "%s port", v->id);
		cr_expect_eq(mp->add.has_hmac, v->add.has_hmac, "%s", v->id);
		if (v->add.has_hmac)
			cr_expect_eq(mp->add.hmac, v->add.hmac, "%s hmac", v->id);
		break;
	case MPX_MP_REMOVE_ADDR:
		cr_expect_eq(mp->rm_n, v->rm.n, "%s", v->id);
		for (int i = 0; i < v->rm.n && i < MPX_RM_MAX; i++)
			cr_expect_eq(mp->rm_ids[i], v->rm.ids[i], "%s id %d", v->id, i);
		break;
	case MPX_MP_PRIO:
		cr_expect_eq(mp->prio_backup, v->prio.backup, "%s", v->id);
		cr_expect_eq(mp->prio_addr_id, v->prio.has_addr_id ? v->prio.addr_id : 0xff, "%s", v->id);
		break;
	case MPX_MP_FAIL:
		cr_expect_eq(mp->fail_dsn, v->fail.dsn, "%s", v->id);
		break;
	case MPX_MP_FASTCLOSE:
		cr_expect_eq(mp->fastclose_key, v->fastclose.key, "%s", v->id);
		break;
	case MPX_MP_TCPRST:
		cr_expect_eq(mp->tcprst_flags, v->tcprst.flags, "%s", v->id);
		cr_expect_eq(mp->tcprst_reason, v->tcprst.reason, "%s", v->id);
		break;
	default:
		cr_expect_fail("%s: subtype %d has no check", v->id, v->subtype);
	}
}

/* The vectors themselves agree with the pcaps (guards the generator). */
Test(options, vectors_match_frames)
{
	cr_assert_gt(vec_n_options, 0);
	for (unsigned i = 0; i < vec_n_options; i++) {
		const struct vec_option *v = &vec_options[i];
		const struct vec_frame *f = vec_frame_get(v->pcap, v->frame);
		struct ref_hdr h;

		cr_assert_not_null(f, "%s: frame %u missing", v->id, v->frame);
		cr_assert_eq(ref_parse(f->data, f->len, &h), 0, "%s", v->id);
		cr_expect_eq(h.optlen, v->area_len, "%s", v->id);
		cr_expect_arr_eq(h.opt, v->area, v->area_len, "%s: area differs from frame", v->id);
		cr_expect_eq(h.flags & 0x3f, v->tcp_flags & 0x3f, "%s", v->id);
		cr_expect_eq(v->opt_len, v->opt[1], "%s", v->id);
		cr_expect_eq(v->opt[0], MPX_OPT_MPTCP, "%s", v->id);
		cr_expect_eq(v->opt[2] >> 4, v->subtype, "%s", v->id);
	}
}

/* Every vector, given its whole TCP option area. */
Test(options, vectors_whole_area)
{
	cr_assert_gt(vec_n_options, 0);
	for (unsigned i = 0; i < vec_n_options; i++) {
		const struct vec_option *v = &vec_options[i];
		struct mpx_opts o;

		parse_area(&o, v->area, v->area_len);
		cr_expect_eq(o.len, v->area_len, "%s", v->id);
		{
			struct ref_opt it[40];
			int n = ref_opt_walk(v->area, v->area_len, it, 40, NULL), mb = 0;

			for (int k = 0; k < n; k++)
				mb += it[k].kind == MPX_OPT_MPTCP ? it[k].len : 0;
			cr_expect_eq(o.mptcp_bytes, mb, "%s", v->id);
		}
		check_vector(v, &o, "area");
	}
}

/* Every vector, given only its MPTCP option (padded with NOPs). */
Test(options, vectors_option_alone)
{
	cr_assert_gt(vec_n_options, 0);
	for (unsigned i = 0; i < vec_n_options; i++) {
		const struct vec_option *v = &vec_options[i];
		uint8_t a[40];
		int n = v->opt_len;
		struct mpx_opts o;

		memcpy(a, v->opt, n);
		while (n & 3)
			a[n++] = MPX_OPT_NOP;
		parse_area(&o, a, n);
		cr_expect_eq(o.mptcp_bytes, v->opt_len, "%s", v->id);
		cr_expect_eq(o.mp.present, 1u << v->subtype, "%s present=%#x", v->id, o.mp.present);
		check_vector(v, &o, "alone");
	}
}

/* The plain TCP options of every real area: MSS, WS, SACK_PERM, TS, and
 * the MPTCP byte count, against the independent walker. */
Test(options, vectors_tcp_options)
{
	unsigned checked = 0;

	for (unsigned i = 0; i < vec_n_frames; i++) {
		const struct vec_frame *f = &vec_frames[i];
		struct ref_hdr h;
		struct ref_opt it[40];
		struct mpx_opts o;
		int n, bad, mptcp = 0;

		if (ref_parse(f->data, f->len, &h))
			continue;
		parse_area(&o, h.opt, (int)h.optlen);
		n = ref_opt_walk(h.opt, (int)h.optlen, it, 40, &bad);
		cr_expect_eq(o.malformed, bad, "%s#%u", f->id, f->frame);
		for (int k = 0; k < n; k++) {
			const uint8_t *p = h.opt + it[k].off;

			switch (it[k].kind) {
			case MPX_OPT_MSS:
				cr_expect(o.has & MPX_HAS_MSS, "%s#%u", f->id, f->frame);
				cr_expect_eq(o.mss, be16(p + 2), "%s#%u", f->id, f->frame);
				break;
			case MPX_OPT_WS:
				cr_expect(o.has & MPX_HAS_WS, "%s#%u", f->id, f->frame);
				cr_expect_eq(o.ws, p[2], "%s#%u", f->id, f->frame);
				break;
			case MPX_OPT_SACK_PERM:
				cr_expect(o.has & MPX_HAS_SACK_PERM, "%s#%u", f->id, f->frame);
				break;
			case MPX_OPT_TS:
				cr_expect(o.has & MPX_HAS_TS, "%s#%u", f->id, f->frame);
				cr_expect_eq(o.tsval, be32(p + 2), "%s#%u", f->id, f->frame);
				cr_expect_eq(o.tsecr, be32(p + 6), "%s#%u", f->id, f->frame);
				break;
			case MPX_OPT_MPTCP:
				mptcp += it[k].len;
				break;
			}
		}
		cr_expect_eq(o.mptcp_bytes, mptcp, "%s#%u", f->id, f->frame);
		checked++;
	}
	cr_assert_gt(checked, 0);
}

/* ---- malformed input ---------------------------------------------------- */

static const uint8_t TS_OPT[12] = { 1, 1, 8, 10, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88 };

Test(options, length_zero_and_one_end_parsing)
{
	for (int bad = 0; bad < 2; bad++) {
		/* MSS, then a WS-kind option whose length is 0/1, then TS */
		uint8_t a[20] = { 2, 4, 0x05, 0xb4, 3, (uint8_t)bad, 7, 1 };
		struct mpx_opts o;

		memcpy(a + 8, TS_OPT, 12);
		parse_area(&o, a, 20);
		cr_expect_eq(o.malformed, 1, "len %d", bad);
		cr_expect(o.has & MPX_HAS_MSS, "len %d: options before it are kept", bad);
		cr_expect_eq(o.mss, 0x05b4);
		cr_expect_not(o.has & (MPX_HAS_WS | MPX_HAS_TS), "len %d: nothing after it is read", bad);
	}
	/* an MPTCP option with length 0 or 1 is a framing error too */
	for (int bad = 0; bad < 2; bad++) {
		uint8_t a[16] = { 30, (uint8_t)bad, 0x20, 0x01 };
		struct mpx_opts o;

		memcpy(a + 4, TS_OPT, 12);
		parse_area(&o, a, 16);
		cr_expect_eq(o.malformed, 1);
		cr_expect_eq(o.mp.present, 0);
		cr_expect_not(o.has & MPX_HAS_TS);
	}
}

Test(options, option_past_area_ends_parsing)
{
	/* TS claims 10 bytes, 6 remain */
	uint8_t a[12] = { 1, 1, 2, 4, 0x05, 0xb4, 8, 10, 1, 2, 3, 4 };
	struct mpx_opts o;

	parse_area(&o, a, 12);
	cr_expect_eq(o.malformed, 1);
	cr_expect(o.has & MPX_HAS_MSS);
	cr_expect_not(o.has & MPX_HAS_TS);

	/* a lone kind byte at the very end (no length byte) */
	uint8_t b[5] = { 2, 4, 0x05, 0xb4, 3 };

	parse_area(&o, b, 5);
	cr_expect_eq(o.malformed, 1);
	cr_expect(o.has & MPX_HAS_MSS);
}

Test(options, truncated_mptcp_options)
{
	/* every real MPTCP option, cut short by the end of the area: framing
	 * error, nothing recorded */
	unsigned n = 0;

	for (unsigned i = 0; i < vec_n_options; i++) {
		const struct vec_option *v = &vec_options[i];

		for (int cut = 2; cut < v->opt_len; cut++) {
			struct mpx_opts o;

			parse_area(&o, v->opt, cut);
			cr_expect_eq(o.malformed, 1, "%s cut at %d", v->id, cut);
			cr_expect_eq(o.mp.present, 0, "%s cut at %d", v->id, cut);
			n++;
		}
	}
	cr_assert_gt(n, 0);

	/* MPTCP option of length 2: no subtype at all */
	uint8_t a[16] = { 30, 2, 1, 1 };
	struct mpx_opts o;

	memcpy(a + 4, TS_OPT, 12);
	parse_area(&o, a, 16);
	cr_expect_eq(o.malformed, 0, "the framing is fine");
	cr_expect_neq(o.mp.malformed, 0);
	cr_expect_eq(o.mp.present, 0);
	cr_expect(o.has & MPX_HAS_TS, "parsing goes on after it");
}

/* Is length len allowed for an MPTCP option whose first bytes are hdr?
 * (RFC 8684 section 3, written from the RFC, not from options.h) */
static int rfc_len_ok(int st, const uint8_t *opt, int len)
{
	switch (st) {
	case 0:
		return len == 4 || len == 12 || len == 20 || len == 22 || len == 24;
	case 1:
		return len == 12 || len == 16 || len == 24;
	case 2: {
		uint8_t f = opt[3];
		int l = 4 + ((f & 1) ? ((f & 2) ? 8 : 4) : 0);

		if (f & 4)
			l += ((f & 8) ? 8 : 4) + 4 + 2;
		return len == l || ((f & 4) && len == l + 2);
	}
	case 3:
		if (opt[2] & 1) /* echo: no HMAC */
			return len == 8 || len == 10 || len == 20 || len == 22;
		return len == 16 || len == 18 || len == 28 || len == 30;
	case 4:
		return len >= 4;
	case 5:
		return len == 3 || len == 4;
	case 6:
	case 7:
		return len == 12;
	case 8:
		return len == 4;
	}
	return 0;
}

static void mk_mptcp(uint8_t *a, int st, int sub_low, int flags, int len)
{
	memset(a, 0, 40);
	for (int i = 4; i < len; i++)
		a[i] = (uint8_t)(0x40 + i);
	a[0] = 30;
	a[1] = (uint8_t)len;
	a[2] = (uint8_t)(st << 4 | sub_low);
	if (len > 3)
		a[3] = (uint8_t)flags;
}

/* every subtype 0..8 at every length 3..40 (DSS with every flag byte,
 * ADD_ADDR with and without echo): well formed -> present, otherwise
 * ignored and flagged; parsing always continues past it */
Test(options, subtype_lengths)
{
	unsigned nbad = 0, ngood = 0;

	for (int st = 0; st <= 8; st++) {
		int nvar = st == 2 ? 32 : st == 3 ? 2 : 1;

		for (int var = 0; var < nvar; var++) {
			for (int len = 3; len <= 40; len++) {
				uint8_t a[40];
				struct mpx_opts o;
				int low = st == 3 ? var : (st == 0 ? 1 : 0);
				int flags = st == 2 ? var : 0x01;
				int ok, total = len;

				if (st == 4 && len > 3 + MPX_RM_MAX)
					continue; /* see remove_addr_long */
				mk_mptcp(a, st, low, flags, len);
				if (len <= 28) { /* room for TS behind it */
					memcpy(a + len, TS_OPT, 12);
					total = len + 12;
				}
				ok = rfc_len_ok(st, a, len);
				parse_area(&o, a, total);
				cr_expect_eq(o.malformed, 0, "st %d var %d len %d", st, var, len);
				cr_expect_eq(o.mptcp_bytes, len, "st %d len %d", st, len);
				if (ok) {
					cr_expect_eq(o.mp.present, 1u << st, "st %d var %d len %d should be accepted",
						     st, var, len);
					cr_expect_eq(o.mp.malformed, 0, "st %d var %d len %d", st, var, len);
					ngood++;
				} else {
					cr_expect_eq(o.mp.present, 0, "st %d var %d len %d should be ignored",
						     st, var, len);
					cr_expect_eq(o.mp.malformed, 1u << st, "st %d var %d len %d malformed=%#x",
						     st, var, len, o.mp.malformed);
					nbad++;
				}
				cr_expect_eq(o.mp.unknown, 0);
				cr_expect_eq(o.mp.dups, 0);
				if (len <= 28)
					cr_expect(o.has & MPX_HAS_TS, "st %d len %d: parsing stopped", st, len);
			}
		}
	}
	cr_assert_gt(nbad, 100);
	cr_assert_gt(ngood, 20);
}

/* RFC 8684 3.4.2: REMOVE_ADDR carries one or more address IDs, length
 * 3 + n; the options.h rule says a length the subtype allows is not
 * malformed. Lengths 12..40 (9..37 IDs) are allowed by the RFC. */
Test(options, remove_addr_long)
{
	int bad = 0, first = 0;

	for (int len = 3 + MPX_RM_MAX + 1; len <= 40; len++) {
		uint8_t a[40];
		struct mpx_opts o;

		mk_mptcp(a, MPX_MP_REMOVE_ADDR, 0, 1, len);
		parse_area(&o, a, len);
		if (o.mp.malformed || !(o.mp.present & (1u << MPX_MP_REMOVE_ADDR))) {
			bad++;
			first = first ? first : len;
		}
	}
	cr_expect_eq(bad, 0,
		     "%d REMOVE_ADDR lengths in %d..40 (more than %d IDs, allowed by RFC 8684 3.4.2) "
		     "are flagged malformed and ignored, first: length %d",
		     bad, 4 + MPX_RM_MAX, MPX_RM_MAX, first);
}

Test(options, unknown_subtypes)
{
	for (int st = 9; st <= 14; st++) {
		for (int len = 3; len <= 28; len++) {
			uint8_t a[40];
			struct mpx_opts o;

			mk_mptcp(a, st, 0, 0, len);
			memcpy(a + len, TS_OPT, 12);
			parse_area(&o, a, len + 12);
			cr_expect_eq(o.mp.unknown, 1, "st %d len %d", st, len);
			cr_expect_eq(o.mp.present, 0, "st %d len %d", st, len);
			cr_expect_eq(o.mp.malformed, 0, "st %d len %d", st, len);
			cr_expect_eq(o.malformed, 0);
			cr_expect(o.has & MPX_HAS_TS);
		}
	}
	/* two unknown options count twice */
	uint8_t b[8] = { 30, 4, 0x90, 0, 30, 4, 0xe0, 0 };
	struct mpx_opts o;

	parse_area(&o, b, 8);
	cr_expect_eq(o.mp.unknown, 2);
}

Test(options, mp_experimental_accepted_ignored)
{
	for (int len = 3; len <= 40; len++) {
		uint8_t a[40];
		struct mpx_opts o;

		mk_mptcp(a, MPX_MP_EXPERIMENTAL, 0x3, 0xff, len);
		parse_area(&o, a, len);
		cr_expect_eq(o.mp.present, 1u << MPX_MP_EXPERIMENTAL, "len %d", len);
		cr_expect_eq(o.mp.malformed, 0, "len %d", len);
		cr_expect_eq(o.mp.unknown, 0, "len %d", len);
		cr_expect_eq(o.mp.dups, 0, "len %d", len);
		cr_expect_eq(o.mptcp_bytes, len);
		cr_expect_eq(o.mp.mpc.len, 0, "nothing else recorded");
		cr_expect_eq(o.mp.dss.len, 0, "nothing else recorded");
	}
	/* it does not hide a DSS next to it */
	uint8_t b[16] = { 30, 4, 0xf0, 0, 30, 8, 0x20, 0x01, 0xde, 0xad, 0xbe, 0xef, 1, 1, 1, 1 };
	struct mpx_opts o;

	parse_area(&o, b, 16);
	cr_expect_eq(o.mp.present, (1u << 15) | (1u << MPX_MP_DSS));
	cr_expect_eq(o.mp.dss.data_ack, 0xdeadbeef);
}

Test(options, duplicate_subtypes)
{
	/* every real option twice in one area (when it fits): the first wins */
	unsigned n = 0;

	for (unsigned i = 0; i < vec_n_options; i++) {
		const struct vec_option *v = &vec_options[i];
		uint8_t a[40], second[40];
		struct mpx_opts o, ref;

		if (2 * v->opt_len > 40)
			continue;
		memcpy(second, v->opt, v->opt_len);
		/* change the second copy's payload bytes: must not leak through */
		for (int k = 4; k < v->opt_len; k++)
			second[k] ^= 0x5a;
		memcpy(a, v->opt, v->opt_len);
		memcpy(a + v->opt_len, second, v->opt_len);
		parse_area(&o, a, 2 * v->opt_len);
		parse_area(&ref, v->opt, v->opt_len);
		cr_expect_eq(o.mp.dups, 1, "%s", v->id);
		cr_expect_eq(o.mp.present, 1u << v->subtype, "%s", v->id);
		cr_expect_eq(o.mp.malformed, 0, "%s", v->id);
		cr_expect_eq(o.mptcp_bytes, 2 * v->opt_len, "%s", v->id);
		cr_expect(!memcmp(&o.mp.mpc, &ref.mp.mpc, sizeof(o.mp.mpc)) &&
			  !memcmp(&o.mp.dss, &ref.mp.dss, sizeof(o.mp.dss)) &&
			  !memcmp(&o.mp.join, &ref.mp.join, sizeof(o.mp.join)) &&
			  !memcmp(&o.mp.add, &ref.mp.add, sizeof(o.mp.add)) &&
			  o.mp.fail_dsn == ref.mp.fail_dsn && o.mp.rm_n == ref.mp.rm_n &&
			  !memcmp(o.mp.rm_ids, ref.mp.rm_ids, sizeof(o.mp.rm_ids)),
			  "%s: the second copy changed the decoded fields", v->id);
		n++;
	}
	cr_assert_gt(n, 0);

	/* three DSS options: two dups */
	uint8_t b[24] = { 30, 8, 0x20, 1, 0, 0, 0, 1, 30, 8, 0x20, 1, 0, 0, 0, 2, 30, 8, 0x20, 1, 0, 0, 0, 3 };
	struct mpx_opts o;

	parse_area(&o, b, 24);
	cr_expect_eq(o.mp.dups, 2);
	cr_expect_eq(o.mp.dss.data_ack, 1);
}

Test(options, eol_stops_parsing)
{
	/* MSS, EOL, then bytes that would be a TS and an MPTCP option */
	uint8_t a[20] = { 2, 4, 0x05, 0xb4, 0, 8, 10, 1, 2, 3, 4, 5, 6, 7, 8, 30, 4, 0x20, 1, 0 };
	struct mpx_opts o;

	parse_area(&o, a, 20);
	cr_expect(o.has & MPX_HAS_MSS);
	cr_expect_not(o.has & MPX_HAS_TS);
	cr_expect_eq(o.mp.present, 0);
	cr_expect_eq(o.mptcp_bytes, 0);
	cr_expect_eq(o.malformed, 0, "EOL is not an error");

	/* EOL first: nothing at all */
	uint8_t b[12] = { 0, 1, 1, 8, 10, 1, 2, 3, 4, 5, 6, 7 };

	parse_area(&o, b, 12);
	cr_expect_eq(o.has, 0);
	cr_expect_eq(o.malformed, 0);
}

Test(options, nop_handling)
{
	uint8_t a[40];
	struct mpx_opts o;

	/* an area of NOPs only */
	memset(a, 1, 40);
	parse_area(&o, a, 40);
	cr_expect_eq(o.has, 0);
	cr_expect_eq(o.malformed, 0);
	cr_expect_eq(o.mp.present, 0);

	/* NOPs everywhere between options, odd alignment */
	uint8_t b[32] = { 1, 2, 4, 0x05, 0xb4, 1, 1, 1, 3, 3, 7, 1, 8, 10, 0, 0, 0, 9,
			  0, 0, 0, 10, 1, 30, 8, 0x20, 1, 0xca, 0xfe, 0xba, 0xbe, 1 };

	parse_area(&o, b, 32);
	cr_expect_eq(o.malformed, 0);
	cr_expect_eq(o.mss, 0x05b4);
	cr_expect_eq(o.ws, 7);
	cr_expect_eq(o.tsval, 9);
	cr_expect_eq(o.tsecr, 10);
	cr_expect_eq(o.mp.present, 1u << MPX_MP_DSS);
	cr_expect_eq(o.mp.dss.data_ack, 0xcafebabe);
}

Test(options, sack_blocks)
{
	for (int n = 1; n <= 4; n++) {
		uint8_t a[40] = { 1, 1, 5, (uint8_t)(2 + 8 * n) };
		struct mpx_opts o;

		for (int b = 0; b < n; b++) {
			wbe32(a + 4 + 8 * b, 0x10000000u * (b + 1) + 7);
			wbe32(a + 8 + 8 * b, 0x10000000u * (b + 1) + 1007);
		}
		parse_area(&o, a, 4 + 8 * n);
		cr_expect(o.has & MPX_HAS_SACK, "%d blocks", n);
		cr_expect_eq(o.sack_n, n);
		for (int b = 0; b < n; b++) {
			cr_expect_eq(o.sack[b][0], 0x10000000u * (b + 1) + 7, "block %d/%d", b, n);
			cr_expect_eq(o.sack[b][1], 0x10000000u * (b + 1) + 1007, "block %d/%d", b, n);
		}
	}
	/* lengths that are not 2 + 8n (n >= 1) are not SACK blocks */
	const int badlens[] = { 2, 3, 9, 11, 12, 17, 19, 25, 33, 35 };

	for (unsigned k = 0; k < sizeof(badlens) / sizeof(badlens[0]); k++) {
		uint8_t a[40] = { 5, (uint8_t)badlens[k] };
		struct mpx_opts o;

		memset(a + 2, 0x11, 38);
		parse_area(&o, a, badlens[k] < 38 ? 40 : badlens[k]);
		cr_expect_not(o.has & MPX_HAS_SACK, "SACK length %d", badlens[k]);
		cr_expect_eq(o.sack_n, 0, "SACK length %d", badlens[k]);
	}
}
