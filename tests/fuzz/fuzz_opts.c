// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * libFuzzer harness: the TCP/MPTCP option parser, the option-area
 * rebuilding and every option builder (options.h, join.h).
 *
 * Input: one byte for the area's length (mod 41), the area, then the
 * builders' parameters (zeros once the input runs out).
 *
 *   parse    framing as the independent walker sees it; TCP options
 *            decoded as the walker's bytes say (the last one of a kind
 *            wins); each MPTCP option decoded the same inside the area as
 *            alone (no state leaks between options), the first
 *            well-formed one of a subtype kept, the others counted as
 *            duplicates, malformed or unknown; DSS fields as util.c's
 *            decoder reads them
 *   copy     for every SACK budget 0..4: the kept area is exactly what
 *            the spec in options.h gives (computed here independently),
 *            well framed, MPTCP-free; padding makes a multiple of 4
 *   build    each builder's option parses back, alone and appended to the
 *            kept area, to the fields it was given; append refuses
 *            exactly what would not fit; the MSS clamp changes only the
 *            MSS value, as documented
 */
#include "fuzz.h"
#include "mpxdp/join.h"

/* Do two parses agree on the fields of MPTCP subtype st? */
static int mp_same(const struct mpx_mptcp *a, const struct mpx_mptcp *b, int st)
{
	switch (st) {
	case MPX_MP_CAPABLE:
		return !memcmp(&a->mpc, &b->mpc, sizeof(a->mpc));
	case MPX_MP_JOIN:
		return !memcmp(&a->join, &b->join, sizeof(a->join));
	case MPX_MP_DSS:
		return !memcmp(&a->dss, &b->dss, sizeof(a->dss));
	case MPX_MP_ADD_ADDR:
		return !memcmp(&a->add, &b->add, sizeof(a->add));
	case MPX_MP_REMOVE_ADDR:
		return a->rm_n == b->rm_n && !memcmp(a->rm_ids, b->rm_ids, sizeof(a->rm_ids));
	case MPX_MP_PRIO:
		return a->prio_backup == b->prio_backup && a->prio_addr_id == b->prio_addr_id;
	case MPX_MP_FAIL:
		return a->fail_dsn == b->fail_dsn;
	case MPX_MP_FASTCLOSE:
		return a->fastclose_key == b->fastclose_key;
	case MPX_MP_TCPRST:
		return a->tcprst_flags == b->tcprst_flags && a->tcprst_reason == b->tcprst_reason;
	}
	return 1;
}

/* The fields of a well-formed MPTCP option p of length l other than a
 * DSS, read here from RFC 8684's layouts. */
static void check_fields(const struct mpx_mptcp *m, const uint8_t *p, unsigned l)
{
	unsigned base = l >= 20 ? 20 : 8, n = l - 3;

	switch (p[2] >> 4) {
	case MPX_MP_CAPABLE:
		CHECK(m->mpc.len == l && m->mpc.version == (p[2] & 15) && m->mpc.flags == p[3]);
		CHECK(l < 12 || m->mpc.key_a == be64(p + 4));
		CHECK(l < 20 || m->mpc.key_b == be64(p + 12));
		CHECK(l < 22 || m->mpc.dlen == be16(p + 20));
		CHECK(l < 24 || m->mpc.csum == be16(p + 22));
		break;
	case MPX_MP_JOIN:
		CHECK(m->join.len == l && m->join.flags == (p[2] & 15) && m->join.addr_id == p[3]);
		CHECK(l != 12 || (m->join.token == be32(p + 4) && m->join.nonce == be32(p + 8)));
		CHECK(l != 16 || (m->join.hmac64 == be64(p + 4) && m->join.nonce == be32(p + 12)));
		CHECK(l != 24 || !memcmp(m->join.hmac, p + 4, 20));
		break;
	case MPX_MP_ADD_ADDR:
		/* the length tells the family, the port and the HMAC */
		CHECK(m->add.echo == (p[2] & 1) && m->add.addr_id == p[3]);
		CHECK(m->add.v6 == (base == 20) && !memcmp(m->add.addr, p + 4, base - 4));
		CHECK(m->add.has_port == (l - base == 2 || l - base == 10));
		CHECK(!m->add.has_port || m->add.port == be16(p + base));
		CHECK(m->add.has_hmac == (l - base >= 8));
		CHECK(!m->add.has_hmac || m->add.hmac == be64(p + l - 8));
		break;
	case MPX_MP_REMOVE_ADDR:
		CHECK(m->rm_n == n);
		for (unsigned i = 0; i < n && i < MPX_RM_MAX; i++)
			CHECK(m->rm_ids[i] == p[3 + i]);
		break;
	case MPX_MP_PRIO:
		CHECK(m->prio_backup == (p[2] & 1) && m->prio_addr_id == (l == 4 ? p[3] : 0xff));
		break;
	case MPX_MP_FAIL:
		CHECK(m->fail_dsn == be64(p + 4));
		break;
	case MPX_MP_FASTCLOSE:
		CHECK(m->fastclose_key == be64(p + 4));
		break;
	case MPX_MP_TCPRST:
		CHECK(m->tcprst_flags == (p[2] & 15) && m->tcprst_reason == p[3]);
		break;
	}
}

/* One MPTCP option parsed alone: its fields as its bytes say them (a DSS
 * as util.c's decoder reads it). */
static void parse_one(struct mpx_opts *o, const uint8_t *opt, int len)
{
	struct ref_dss d;

	parse_area(o, opt, len);
	CHECK(!o->malformed && o->mptcp_bytes == len);
	if (o->mp.present)
		check_fields(&o->mp, opt, (unsigned)len);
	if (!MPX_MP_HAS(o, MPX_MP_DSS))
		return;
	ref_dss_of_area(opt, len, &d);
	CHECK(d.present && d.len == o->mp.dss.len && d.flags == o->mp.dss.flags);
	CHECK(!d.has_ack || d.data_ack == o->mp.dss.data_ack);
	CHECK(!d.has_map || (d.dsn == o->mp.dss.dsn && d.ssn == o->mp.dss.ssn &&
			     d.dlen == o->mp.dss.dlen));
	CHECK(d.has_csum == o->mp.dss.has_csum && (!d.has_csum || d.csum == o->mp.dss.csum));
}

/* The MPTCP option at p (length l >= 3) in the reference account w of
 * what the whole area's parse o must hold. */
static void want_mptcp(struct mpx_mptcp *w, const struct mpx_opts *o, const uint8_t *p,
		       unsigned l)
{
	unsigned st = p[2] >> 4;
	struct mpx_opts one;

	parse_one(&one, p, (int)l);
	if (w->present & (1u << st)) {
		w->dups++;
	} else if (one.mp.present) {
		CHECK(one.mp.present == 1u << st);
		w->present |= (uint16_t)(1u << st);
		CHECK(mp_same(&o->mp, &one.mp, (int)st));
	} else if (one.mp.unknown) {
		w->unknown++;
	} else {
		CHECK(one.mp.malformed == 1u << st);
		w->malformed |= (uint16_t)(1u << st);
	}
}

static void check_parse(const uint8_t *a, int len)
{
	struct ref_opt it[MPX_TCP_OPT_MAX];
	struct mpx_opts o;
	struct mpx_mptcp w = {};
	const uint8_t *mss = NULL, *ws = NULL, *ts = NULL, *sack = NULL;
	unsigned mptcp_bytes = 0, has = 0, sack_n = 0;
	int bad, n = ref_opt_walk(a, len, it, MPX_TCP_OPT_MAX, &bad);

	parse_area(&o, a, len);
	CHECK(o.len == len && o.malformed == bad);
	/* TCP options: the last well-formed one of a kind wins */
	for (int i = 0; i < n; i++) {
		const uint8_t *p = a + it[i].off;
		unsigned l = it[i].len;

		if (it[i].kind == MPX_OPT_MSS && l == 4)
			mss = p;
		else if (it[i].kind == MPX_OPT_WS && l == 3)
			ws = p;
		else if (it[i].kind == MPX_OPT_SACK_PERM && l == 2)
			has |= MPX_HAS_SACK_PERM;
		else if (it[i].kind == MPX_OPT_TS && l == 10)
			ts = p;
		else if (it[i].kind == MPX_OPT_SACK && l >= 10 && (l - 2) % 8 == 0)
			sack = p;
		else if (it[i].kind == MPX_OPT_TFO)
			has |= MPX_HAS_TFO;
		else if (it[i].kind == MPX_OPT_MPTCP && l < 3)
			w.malformed |= 1u << 15;
		else if (it[i].kind == MPX_OPT_MPTCP)
			want_mptcp(&w, &o, p, l);
		if (it[i].kind == MPX_OPT_MPTCP)
			mptcp_bytes += l;
	}
	has |= (mss ? MPX_HAS_MSS : 0) | (ws ? MPX_HAS_WS : 0) | (ts ? MPX_HAS_TS : 0) |
	       (sack ? MPX_HAS_SACK : 0);
	CHECK(o.has == has && o.mptcp_bytes == mptcp_bytes);
	CHECK(!mss || o.mss == be16(mss + 2));
	CHECK(!ws || o.ws == ws[2]);
	CHECK(!ts || (o.tsval == be32(ts + 2) && o.tsecr == be32(ts + 6)));
	if (sack) {
		sack_n = (sack[1] - 2u) / 8;
		CHECK(o.sack_n == sack_n);
		for (unsigned b = 0; b < sack_n; b++)
			CHECK(o.sack[b][0] == be32(sack + 2 + 8 * b) &&
			      o.sack[b][1] == be32(sack + 6 + 8 * b));
	}
	CHECK(o.mp.present == w.present && o.mp.malformed == w.malformed);
	CHECK(o.mp.dups == w.dups && o.mp.unknown == w.unknown);
}

/* The kept area, from the spec: options in order without MPTCP ones and
 * without trailing NOPs; a well-formed SACK cut to max_sack blocks (left
 * out at 0); framing errors end the area. */
static int kept_ref(const uint8_t *a, int len, int max_sack, uint8_t *out)
{
	struct ref_opt it[MPX_TCP_OPT_MAX];
	int n = ref_opt_walk(a, len, it, MPX_TCP_OPT_MAX, NULL), o = 0, end = 0;

	for (int i = 0; i < n; i++) {
		int l = it[i].len;

		if (it[i].kind == MPX_OPT_MPTCP)
			continue;
		if (it[i].kind == MPX_OPT_SACK && l >= 10 && (l - 2) % 8 == 0 &&
		    (l - 2) / 8 > max_sack)
			l = max_sack ? 2 + 8 * max_sack : 0;
		if (!l)
			continue;
		memcpy(out + o, a + it[i].off, (size_t)l);
		if (it[i].kind == MPX_OPT_SACK)
			out[o + 1] = (uint8_t)l;
		o += l;
		if (it[i].kind != MPX_OPT_NOP)
			end = o;
	}
	return end;
}

static void check_copy(const uint8_t *a, int len)
{
	for (int max_sack = 0; max_sack <= MPX_SACK_MAX; max_sack++) {
		struct mpx_optbuf ob;
		uint8_t want[MPX_TCP_OPT_MAX];
		int wl = kept_ref(a, len, max_sack, want);

		copy_kept(&ob, a, len, max_sack);
		CHECK(ob.len == wl && !memcmp(ob.b, want, (size_t)wl));
		check_area(ob.b, ob.len, 0);
		mpx_optbuf_pad(&ob);
		CHECK((ob.len & 3) == 0 && ob.len < wl + 4);
		for (int i = wl; i < ob.len; i++)
			CHECK(ob.b[i] == MPX_OPT_NOP);
	}
}

/* What a builder wrote: one MPTCP option that parses alone into *o. */
static void check_built(struct mpx_opts *o, const uint8_t *opt, uint32_t n, int st)
{
	CHECK(n >= 3 && n <= MPX_DSS_ROOM && opt[0] == MPX_OPT_MPTCP && opt[1] == n);
	parse_one(o, opt, (int)n);
	CHECK(o->mp.present == 1u << st && !o->mp.malformed);
}

/* Append a built option to the kept area: all or nothing, and it reads
 * back the same; then the MSS clamp touches the MSS value only. */
static void check_append(const uint8_t *a, int len, const uint8_t *opt, uint32_t n,
			 const struct mpx_opts *alone, int st, uint16_t dec)
{
	struct mpx_optbuf ob, before;
	struct ref_opt it[MPX_TCP_OPT_MAX];
	struct mpx_opts o;
	int k, cnt;

	copy_kept(&ob, a, len, MPX_SACK_MAX);
	before = ob;
	if (mpx_optbuf_append(&ob, opt, n)) {
		CHECK(before.len + n > MPX_TCP_OPT_MAX && ob.len == before.len);
		return;
	}
	CHECK(ob.len == before.len + n && !memcmp(ob.b, before.b, before.len));
	mpx_optbuf_pad(&ob);
	check_area(ob.b, ob.len, (int)n);
	parse_area(&o, ob.b, ob.len);
	CHECK(o.mp.present == 1u << st && mp_same(&o.mp, &alone->mp, st));

	before = ob;
	mpx_optbuf_clamp_mss(&ob, dec);
	cnt = ref_opt_walk(before.b, before.len, it, MPX_TCP_OPT_MAX, NULL);
	for (k = 0; k < cnt; k++)
		if (it[k].kind == MPX_OPT_MSS && it[k].len == 4)
			break;
	if (k < cnt) {
		unsigned off = it[k].off + 2u, old = be16(before.b + off), now = be16(ob.b + off);

		CHECK(now == (old > 536u + dec ? old - dec : old > 536 ? 536 : old));
		wbe16(ob.b + off, (uint16_t)old);
	}
	CHECK(ob.len == before.len && !memcmp(ob.b, before.b, ob.len));
}

static void check_builders(struct in *in, const uint8_t *a, int len)
{
	uint8_t opt[MPX_DSS_ROOM];
	struct mpx_opts o;
	uint64_t x = in_u64(in), y = in_u64(in);
	uint32_t ssn = in_u32(in), n;
	uint16_t dlen = in_u16(in), csum = in_u16(in), dec = in_u16(in);
	uint8_t f = in_u8(in), r = in_u8(in);
	int with_map = f & 1, fin = !!(f & 2), csum_on = !!(f & 4);

	n = mpx_build_dss(opt, x, with_map, y, ssn, dlen, fin, csum_on, csum);
	check_built(&o, opt, n, MPX_MP_DSS);
	CHECK(o.mp.dss.data_ack == x && (o.mp.dss.flags & (MPX_DSS_A | MPX_DSS_a)) ==
					       (MPX_DSS_A | MPX_DSS_a));
	if (with_map)
		CHECK(o.mp.dss.flags == (MPX_DSS_A | MPX_DSS_a | MPX_DSS_M | MPX_DSS_m |
					 (fin ? MPX_DSS_F : 0)) &&
		      o.mp.dss.dsn == y && o.mp.dss.ssn == ssn && o.mp.dss.dlen == dlen &&
		      o.mp.dss.has_csum == csum_on && (!csum_on || o.mp.dss.csum == csum));
	else
		CHECK(o.mp.dss.flags == (MPX_DSS_A | MPX_DSS_a));
	check_append(a, len, opt, n, &o, MPX_MP_DSS, dec);

	n = mpx_build_mpc_synack(opt, r, y);
	check_built(&o, opt, n, MPX_MP_CAPABLE);
	CHECK(o.mp.mpc.len == MPX_MPC_LEN_SYNACK && o.mp.mpc.version == MPX_MPTCP_VERSION &&
	      o.mp.mpc.flags == r && o.mp.mpc.key_a == y);
	check_append(a, len, opt, n, &o, MPX_MP_CAPABLE, dec);

	n = mpx_build_fastclose(opt, x);
	check_built(&o, opt, n, MPX_MP_FASTCLOSE);
	CHECK(o.mp.fastclose_key == x);
	check_append(a, len, opt, n, &o, MPX_MP_FASTCLOSE, dec);

	n = mpx_build_tcprst(opt, f, r);
	check_built(&o, opt, n, MPX_MP_TCPRST);
	CHECK(o.mp.tcprst_flags == (f & 0x0f) && o.mp.tcprst_reason == r);
	check_append(a, len, opt, n, &o, MPX_MP_TCPRST, dec);
}

/* The join.h segments, answering a segment whose options are a: their
 * option areas are well framed and say what they were given. */
static void check_join(struct in *in, const uint8_t *a, int len)
{
	struct mpx_pkt p = {};
	struct mpx_tx tx = {};
	struct mpx_opts o;
	uint64_t hmac = in_u64(in), dack = in_u64(in);
	uint32_t isn = in_u32(in), tsval = in_u32(in), nonce = in_u32(in);
	uint16_t mss = in_u16(in), win = in_u16(in);
	uint8_t ws = in_u8(in), bits = in_u8(in), id = in_u8(in);
	int ts;

	parse_area(&p.opts, a, len);
	ts = !!(p.opts.has & MPX_HAS_TS);
	p.seq = in_u32(in);
	p.ack = in_u32(in);
	p.plen = in_u16(in);
	p.flags = bits & 0x3f;

	mpx_join_synack(&tx, &p, isn, mss, ws, tsval, bits & 0x40, id, hmac, nonce);
	check_area(tx.opt.b, tx.opt.len, MPX_JOIN_LEN_SYNACK);
	CHECK((tx.opt.len & 3) == 0);
	parse_area(&o, tx.opt.b, tx.opt.len);
	CHECK(o.mp.present == 1u << MPX_MP_JOIN && o.mp.join.len == MPX_JOIN_LEN_SYNACK);
	CHECK(o.mp.join.flags == ((bits & 0x40) ? MPX_JOIN_FLAG_B : 0) &&
	      o.mp.join.addr_id == id && o.mp.join.hmac64 == hmac && o.mp.join.nonce == nonce);
	CHECK((o.has & MPX_HAS_MSS) && o.mss == mss);
	CHECK(!!(o.has & MPX_HAS_TS) == ts && (!ts || (o.tsval == tsval &&
						       o.tsecr == p.opts.tsval)));
	CHECK(!!(o.has & MPX_HAS_WS) == !!(p.opts.has & MPX_HAS_WS) && (!(o.has & MPX_HAS_WS) ||
									 o.ws == ws));
	CHECK(tx.ack == p.seq + 1 && tx.flags == (MPX_TCP_SYN | MPX_TCP_ACK) && !tx.plen);

	mpx_join_ack(&tx, &p, isn, win, tsval, dack);
	check_area(tx.opt.b, tx.opt.len, 12);
	CHECK((tx.opt.len & 3) == 0);
	parse_area(&o, tx.opt.b, tx.opt.len);
	CHECK(o.mp.present == 1u << MPX_MP_DSS && o.mp.dss.data_ack == dack &&
	      o.mp.dss.flags == (MPX_DSS_A | MPX_DSS_a));
	CHECK(!!(o.has & MPX_HAS_TS) == ts);
	CHECK(tx.seq == isn && tx.ack == (uint32_t)(p.seq + p.plen) && tx.win == win);

	mpx_reset_reply(&tx, &p, (bits & 0x80) ? -1 : id);
	check_area(tx.opt.b, tx.opt.len, (bits & 0x80) ? 0 : 4);
	CHECK((tx.opt.len & 3) == 0 && (tx.flags & MPX_TCP_RST) && !tx.plen);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct in in = { data, size };
	uint8_t a[MPX_TCP_OPT_MAX];
	int len = in_u8(&in) % (MPX_TCP_OPT_MAX + 1);

	in_bytes(&in, a, (size_t)len);
	check_parse(a, len);
	check_copy(a, len);
	check_builders(&in, a, len);
	check_join(&in, a, len);
	return 0;
}
