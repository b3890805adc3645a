// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Issue 3: the translation core with two and three subflows. Joined
 * subflows are set up as daemon/join.c and mpx_join_established() do
 * (synth.h env_join); server segments go through placement, route and
 * mpx_s2c as the XDP glue runs them (tcore.h s2c_multi).
 *
 *   upload     client mappings from several subflows onto the server's
 *              sequence space: numbers, windows, timestamps, 4-tuple;
 *              mappings over several segments, reordering, reinjection,
 *              per-subflow acknowledgements, 32-bit and 64-bit wraps
 *   download   the scheduler (least in flight, bursts, backup, MP_PRIO),
 *              server retransmissions (same subflow bytes, or reinjected),
 *              pure ACK placement, stalled, reset and removed subflows
 *
 * Expectations are worked out in the test from the rules in
 * docs/design.md and the headers' comments, never read back from the core.
 */
#include "synth.h"

#define IDSN_C 0x1000ull
#define IDSN_G 0x2000ull
#define C0 10000u
#define S0 50000u
#define TS0 1000000u	    /* the client's TSval in the initial subflow's third ACK */
#define STALL 1000000000ull /* the daemon's default subflow timeout, 1 s */
#define SEG 1000

/* two joins (the initial subflow: window scale 7, the server's 8) */
static const struct join J1 = { .idx = 1, .caddr = { 10, 1, 1, 1 }, .cport = 40002, .isn_c = 700000,
				.isn_g = 900000, .addr_id = 1, .c_ws = 9, .tsval = 5000, .now = 1500 };
static const struct join J2 = { .idx = 2, .caddr = { 10, 1, 2, 1 }, .cport = 40003, .isn_c = 0x80000000u,
				.isn_g = 0x40000000u, .addr_id = 2, .c_ws = 5, .tsval = 4000000000u, .now = 1600 };

/* the connection with nsf subflows; bit i of backup: subflow i joined as backup */
static void setup(struct env *e, uint32_t nsf, uint32_t backup)
{
	struct join j[3] = { { 0 }, J1, J2 };
	struct mpx_tx tx;
	struct mpx_verdict v;

	env_init_ws(e, IDSN_C, IDSN_G, C0, S0, 0, 7, 8, TS0);
	for (uint32_t i = 1; i < nsf; i++) {
		j[i].backup = (backup >> i) & 1;
		env_join(e, &j[i], &tx, &v);
		cr_assert_eq(v.act, MPX_ACT_TX);
	}
}

/* ---- segments ---------------------------------------------------------------- */

/* A client segment: subflow numbers, a DSS with a 64-bit DATA_ACK (dack;
 * 0: all the server sent) unless no_dack, and a mapping when map. */
struct cs {
	uint32_t seq, ack;
	uint8_t flags; /* 0: ACK */
	int plen;
	int no_dack, dack4;
	uint64_t dack;
	int map, dsn4;
	uint64_t dsn;
	uint32_t ssn;
	uint16_t dlen;
	uint32_t tsval; /* 0: no timestamps */
	const uint8_t *xo; /* further options (MP_PRIO, REMOVE_ADDR) */
	int xlen;
};

static void csend(struct env *e, uint32_t i, const struct cs *s, struct mpx_pkt *p, struct mpx_tx *tx,
		  struct mpx_verdict *v, uint64_t now)
{
	uint8_t o[64];
	int n = s->tsval ? o_ts(o, s->tsval, 1) : 0;

	if (!s->no_dack || s->map)
		n += o_dss(o + n, s->no_dack ? 0 : s->dack4 ? 4 : 8, s->dack ? s->dack : e->c.s2c_ref,
			   s->map ? (s->dsn4 ? 4 : 8) : 0, s->dsn, s->ssn, s->dlen, 0, 0, 0);
	if (s->xlen) {
		memcpy(o + n, s->xo, (size_t)s->xlen);
		n += s->xlen;
	}
	n = o_pad(o, n);
	cr_assert_leq(n, 40);
	seg_sf(e, i, p, 1, s->seq, s->ack, s->flags ? s->flags : MPX_TCP_ACK, o, n, s->plen);
	run_c2s_on(e, i, p, tx, v, now);
}

/* client data on subflow i that is its own mapping (DSN dsn, SSN from seq) */
static void cdata(struct env *e, uint32_t i, uint32_t seq, uint64_t dsn, int plen, struct mpx_tx *tx,
		  struct mpx_verdict *v)
{
	struct mpx_pkt p;

	csend(e, i, &(struct cs){ .seq = seq, .ack = e->c.sf_snd_nxt[i], .plen = plen, .map = 1, .dsn = dsn,
				  .ssn = seq - env_sf(e, i)->ssn_base, .dlen = (uint16_t)plen },
	      &p, tx, v, 3000);
	cr_assert_eq(v->act, MPX_ACT_FWD, "sf %u seq %u: %s", i, seq, evs(v));
}

/* a server segment (with timestamps: TSval 777) at time now */
static void ssend(struct env *e, uint32_t seq, uint32_t ack, uint8_t flags, int plen, uint64_t now,
		  uint64_t stall, struct mpx_pkt *p, struct mpx_tx *tx, struct mpx_verdict *v, struct ref_dss *d)
{
	uint8_t o[12];

	seg(e, p, 0, seq, ack, flags ? flags : MPX_TCP_ACK, o, o_ts(o, 777, 1), plen);
	run_s2c_at(e, p, tx, v, d, now, stall);
}

/* the subflow a segment toward the client went out on, by its 4-tuple */
static uint32_t sf_of(struct env *e, const struct mpx_tx *tx)
{
	for (uint32_t i = 0; i < e->c.nsf; i++) {
		const struct mpx_sf *sf = env_sf(e, i);

		if (tx->dport == sf->key.c_port && !memcmp(tx->daddr, sf->key.c_addr, 16))
			return i;
	}
	cr_assert_fail("a segment to no subflow's 4-tuple (port %u)", tx->dport);
	return 99;
}

/* The segment as it leaves: parsed from the emitted frame, checksums
 * valid; its TSval/TSecr in ts[] (0, 0 without). */
static void leaves(struct env *e, const struct mpx_pkt *p, const struct mpx_tx *tx, struct ref_hdr *h,
		   uint8_t *out, uint32_t ts[2])
{
	struct ref_opt it[40];
	size_t len = emit_frame(out, e->buf, p, tx, 0);
	int n;

	cr_assert_eq(ref_parse(out, len, h), 0);
	cr_expect(ref_tcp_ok(h->ip, h->ip_len), "emitted checksums");
	ts[0] = ts[1] = 0;
	n = ref_opt_walk(h->opt, (int)h->optlen, it, 40, NULL);
	for (int k = 0; k < n && k < 40; k++)
		if (it[k].kind == 8 && it[k].len == 10) {
			ts[0] = be32(h->opt + it[k].off + 2);
			ts[1] = be32(h->opt + it[k].off + 6);
		}
}

/* ... toward the server: always on the initial subflow's 4-tuple, no MPTCP */
static void to_server(struct env *e, const struct mpx_pkt *p, const struct mpx_tx *tx, struct ref_hdr *h,
		      uint32_t ts[2])
{
	static uint8_t out[2048];

	leaves(e, p, tx, h, out, ts);
	cr_expect_arr_eq(h->saddr, e->caddr, 16, "client address of the initial subflow");
	cr_expect_arr_eq(h->daddr, e->saddr, 16);
	cr_expect_eq(h->sport, e->cport);
	cr_expect_eq(h->dport, e->sport);
	cr_expect_eq(ref_count_mptcp(h->opt, (int)h->optlen), 0, "no MPTCP option reaches the server");
}

/* ... toward the client on subflow i */
static void to_client(struct env *e, uint32_t i, const struct mpx_pkt *p, const struct mpx_tx *tx,
		      struct ref_hdr *h, uint32_t ts[2])
{
	static uint8_t out[2048];
	const struct mpx_sf *sf = env_sf(e, i);

	leaves(e, p, tx, h, out, ts);
	cr_expect_arr_eq(h->daddr, sf->key.c_addr, 16, "subflow %u's client address", i);
	cr_expect_eq(h->dport, sf->key.c_port, "subflow %u's client port", i);
	cr_expect_arr_eq(h->saddr, e->saddr, 16);
	cr_expect_eq(h->sport, e->sport);
}

/* ---- joins ------------------------------------------------------------------- */

/* The state a join leaves, and the gateway's ACK of the third ACK. */
Test(multipath, join_established)
{
	struct env e;
	struct mpx_pkt p;
	struct mpx_tx tx;
	struct mpx_verdict v;
	struct ref_dss d;
	struct ref_hdr h;
	uint32_t ts[2];
	struct join j2 = J2;

	env_init_ws(&e, IDSN_C, IDSN_G, C0, S0, 0, 7, 8, TS0);
	/* before the join: 200 client bytes (TSval TS0 + 5), 300 server
	 * bytes acknowledging them */
	csend(&e, 0, &(struct cs){ .seq = C0, .ack = S0, .plen = 200, .dack = IDSN_G + 1, .map = 1,
				   .dsn = IDSN_C + 1, .ssn = 1, .dlen = 200, .tsval = TS0 + 5 },
	      &p, &tx, &v, 1000);
	cr_assert_eq(v.act, MPX_ACT_FWD, "%s", evs(&v));
	ssend(&e, S0, C0 + 200, MPX_TCP_ACK | MPX_TCP_PSH, 300, 1100, STALL, &p, &tx, &v, &d);
	cr_assert_eq(v.act, MPX_ACT_FWD, "%s", evs(&v));

	env_join(&e, &J1, &tx, &v);
	cr_expect_eq(v.act, MPX_ACT_TX);
	cr_expect_eq(e.c.nsf, 2);
	cr_expect_eq(e.c.sf_addr[1], 1);
	cr_expect_eq(e.c.sf_snd_nxt[1], J1.isn_g + 1);
	cr_expect_eq(e.c.sf_snd_una[1], J1.isn_g + 1);
	cr_expect_eq(e.c.sf_una_ns[1], J1.now);
	cr_expect_eq(e.c.sf_backup, 0);
	cr_expect_eq(e.c.sf_dead, 0);
	cr_expect_eq(e.joined[1].flags, MPX_SF_ACTIVE);
	cr_expect_eq(e.joined[1].ts_delta, TS0 + 5 - J1.tsval, "onto the highest TSval sent to the server");
	/* the ACK: the gateway's ISN + 1, the third ACK acknowledged, the
	 * server's latest window and clock, the DATA_ACK of the 200 bytes */
	cr_expect_eq(tx.seq, J1.isn_g + 1);
	cr_expect_eq(tx.ack, J1.isn_c + 1);
	cr_expect_eq(tx.flags, MPX_TCP_ACK);
	cr_expect_eq(tx.win, 502);
	cr_expect_eq(tx.plen, 0);
	ref_dss_of_area(tx.opt.b, tx.opt.len, &d);
	cr_expect(d.present && d.has_ack && d.ack8 && !d.has_map);
	cr_expect_eq(d.data_ack, IDSN_C + 1 + 200);
	seg_sf(&e, 1, &p, 1, J1.isn_c + 1, J1.isn_g + 1, MPX_TCP_ACK, NULL, 0, 0);
	to_client(&e, 1, &p, &tx, &h, ts);
	cr_expect_eq(ts[0], 777, "the server's clock");
	cr_expect_eq(ts[1], J1.tsval, "echoing the third ACK");

	/* a backup join: its bit in the backup mask */
	j2.backup = 1;
	env_join(&e, &j2, &tx, &v);
	cr_expect_eq(e.c.nsf, 3);
	cr_expect_eq(e.c.sf_backup, 1u << 2);
	cr_expect_eq(e.c.sf_addr[2], 2);
	cr_expect_eq(e.joined[2].flags, MPX_SF_ACTIVE | MPX_SF_BACKUP);
	cr_expect_eq(tx.ack, J2.isn_c + 1);
	cr_expect_eq(tx.seq, J2.isn_g + 1);
}

/* ---- upload ------------------------------------------------------------------- */

/*
 * Mappings from three subflows interleaved onto the server's sequence
 * space: each segment lands at c_seq0 + its DSN offset, with the DATA_ACK
 * it carries as acknowledgement, on the initial 4-tuple, the window
 * rescaled from the subflow's scale to the initial one's, the timestamp
 * on the initial subflow's clock and never below the highest one sent.
 */
Test(multipath, upload_interleaved_three)
{
	struct env e;
	struct mpx_pkt p;
	struct mpx_tx tx;
	struct mpx_verdict v;
	struct ref_dss d;
	struct ref_hdr h;
	uint32_t ts[2];
	/* each subflow's client clock: TSval = base + t (ms); joined at t = 0 */
	const uint32_t clock0[3] = { TS0, J1.tsval, J2.tsval };
	/* window fields: 502 on each; scales 7 (initial), 9, 5 */
	const uint16_t win_out[3] = { 502, 502 * 4, 502 / 4 };
	const struct {
		uint32_t sf;
		int len;
		uint32_t t;
	} step[] = {
		{ 0, 1000, 10 }, { 1, 1400, 11 }, { 2, 600, 12 }, { 1, 1000, 13 },
		{ 0, 500, 14 },	 { 2, 800, 9 } /* sent earlier, late */, { 0, 700, 15 }, { 2, 100, 16 },
	};
	uint32_t next[3] = { C0, J1.isn_c + 1, J2.isn_c + 1 }, hi = TS0;
	uint64_t rel = 0;

	setup(&e, 3, 0);
	/* the server sent 3000 bytes first, on the initial subflow */
	for (uint32_t k = 0; k < 3; k++) {
		ssend(&e, S0 + SEG * k, C0, MPX_TCP_ACK, SEG, 2000, STALL, &p, &tx, &v, &d);
		cr_assert_eq(sf_of(&e, &tx), 0);
		cr_assert_eq(tx.seq, S0 + SEG * k);
	}
	for (unsigned k = 0; k < sizeof(step) / sizeof(step[0]); k++) {
		uint32_t i = step[k].sf, want_ts;
		uint32_t tsval = clock0[i] + step[k].t;

		/* the expected TSval: the initial subflow's own; a joined one's
		 * moved by (TS0 - its TSval at the join), and never below the
		 * highest sent */
		want_ts = TS0 + step[k].t;
		if (i && (int32_t)(want_ts - hi) < 0)
			want_ts = hi;
		if ((int32_t)(want_ts - hi) > 0)
			hi = want_ts;

		csend(&e, i, &(struct cs){ .seq = next[i], .ack = i ? e.joined[i].snd_isn + 1 : S0 + 3000,
					   .plen = step[k].len, .dack = IDSN_G + 1 + 300 * k, .dack4 = k & 1,
					   .map = 1, .dsn4 = i == 2, .dsn = IDSN_C + 1 + rel,
					   .ssn = next[i] - (i ? env_sf(&e, i)->ssn_base : C0 - 1),
					   .dlen = (uint16_t)step[k].len, .tsval = tsval },
		      &p, &tx, &v, 3000 + k);
		cr_assert_eq(v.act, MPX_ACT_FWD, "step %u: %s", k, evs(&v));
		cr_expect_eq(tx.seq, C0 + (uint32_t)rel, "step %u: seq %u", k, tx.seq);
		cr_expect_eq(tx.ack, S0 + 300 * k, "step %u", k);
		cr_expect_eq(tx.win, win_out[i], "step %u: window %u", k, tx.win);
		cr_expect_eq(tx.plen, (uint32_t)step[k].len);
		to_server(&e, &p, &tx, &h, ts);
		cr_expect_eq(h.seq, C0 + (uint32_t)rel, "step %u", k);
		cr_expect_eq(h.win, win_out[i], "step %u", k);
		cr_expect_eq(ts[0], want_ts, "step %u: TSval %u want %u", k, ts[0], want_ts);
		cr_expect_eq(ts[1], 1, "step %u: TSecr untouched", k);
		next[i] += (uint32_t)step[k].len;
		rel += (uint64_t)step[k].len;
	}
	cr_expect_eq(e.c.c_nxt, C0 + (uint32_t)rel);
	cr_expect_eq(e.c.c2s_ref, IDSN_C + 1 + rel);
	cr_expect_eq(e.c.c_tsval, hi);

	/* a window too big for the initial scale saturates */
	e.win = 20000;
	csend(&e, 1, &(struct cs){ .seq = next[1], .ack = J1.isn_g + 1, .plen = 10, .map = 1,
				   .dsn = IDSN_C + 1 + rel, .ssn = next[1] - J1.isn_c, .dlen = 10,
				   .dack = IDSN_G + 1 + 3000 },
	      &p, &tx, &v, 4000);
	cr_expect_eq(v.act, MPX_ACT_FWD, "%s", evs(&v));
	cr_expect_eq(tx.win, 0xffff);
	cr_expect_eq(tx.seq, C0 + (uint32_t)rel);
	cr_expect_eq(tx.ack, S0 + 3000);
}

/*
 * One mapping over several segments: the DSS repeated on each, or carried
 * by the first only (the others carry a DATA_ACK alone, or no DSS at
 * all); 32-bit DSNs; a segment beyond its mapping is dropped.
 */
Test(multipath, mapping_spans_segments)
{
	struct env e;
	struct mpx_pkt p;
	struct mpx_tx tx;
	struct mpx_verdict v;
	struct ref_dss d;
	const uint32_t b = J1.isn_c + 1; /* sf1's first data byte */

	setup(&e, 2, 0);
	cdata(&e, 0, C0, IDSN_C + 1, 500, &tx, &v);
	cr_expect_eq(tx.seq, C0);

	/* DSN +500, SSN 1, 3000 bytes in three segments */
	for (uint32_t k = 0; k < 3; k++) {
		struct cs s = { .seq = b + SEG * k, .ack = J1.isn_g + 1, .plen = SEG, .dack = IDSN_G + 1 };

		if (k < 2) { /* the mapping on the first two, the third has the DATA_ACK only */
			s.map = 1;
			s.dsn = IDSN_C + 1 + 500;
			s.ssn = 1;
			s.dlen = 3000;
		}
		csend(&e, 1, &s, &p, &tx, &v, 3000);
		cr_assert_eq(v.act, MPX_ACT_FWD, "k %u: %s", k, evs(&v));
		cr_expect_eq(tx.seq, C0 + 500 + SEG * k, "k %u", k);
	}
	cr_expect_eq(e.joined[1].cm_head, 1, "one mapping remembered");
	/* DSN +3500, SSN 3001, 1000 bytes: the first half with a 32-bit
	 * DSN, the second without any DSS */
	csend(&e, 1, &(struct cs){ .seq = b + 3000, .ack = J1.isn_g + 1, .plen = 500, .no_dack = 1, .map = 1,
				   .dsn4 = 1, .dsn = IDSN_C + 1 + 3500, .ssn = 3001, .dlen = 1000 },
	      &p, &tx, &v, 3000);
	cr_assert_eq(v.act, MPX_ACT_FWD, "%s", evs(&v));
	cr_expect_eq(tx.seq, C0 + 3500);
	csend(&e, 1, &(struct cs){ .seq = b + 3500, .ack = J1.isn_g + 1, .plen = 500, .no_dack = 1 }, &p,
	      &tx, &v, 3000);
	cr_assert_eq(v.act, MPX_ACT_FWD, "%s", evs(&v));
	cr_expect_eq(tx.seq, C0 + 4000);
	cr_expect_eq(e.joined[1].cm_head, 2);
	/* bytes past the mapping's end: no mapping explains them */
	csend(&e, 1, &(struct cs){ .seq = b + 4000, .ack = J1.isn_g + 1, .plen = 200, .no_dack = 1 }, &p, &tx,
	      &v, 3000);
	cr_expect_eq(v.act, MPX_ACT_DROP);
	cr_expect(has_ev(&v, MPX_ST_DSS_NOT_MATCHING), "%s", evs(&v));
	cr_expect_eq(e.c.c_nxt, C0 + 4500);

	/* the server acknowledges everything: the initial subflow first
	 * (500 bytes), then sf1 (4000 bytes; the dropped 200 never count) */
	ssend(&e, S0, C0 + 4500, 0, 0, 4000, STALL, &p, &tx, &v, &d);
	cr_expect_eq(sf_of(&e, &tx), 0);
	cr_expect_eq(tx.ack, C0 + 500);
	cr_expect_eq(d.data_ack, IDSN_C + 1 + 4500);
	ssend(&e, S0, C0 + 4500, 0, 0, 4000, STALL, &p, &tx, &v, &d);
	cr_expect_eq(sf_of(&e, &tx), 1);
	cr_expect_eq(tx.ack, b + 4000);
}

/*
 * Segments out of order, within a subflow and across subflows: each
 * lands where its DSN says; the server-side next sequence number is the
 * highest end seen; a subflow is acknowledged only up to bytes whose data
 * the server acknowledged.
 */
Test(multipath, out_of_order)
{
	struct env e;
	struct mpx_pkt p;
	struct mpx_tx tx;
	struct mpx_verdict v;
	struct ref_dss d;
	const uint32_t b1 = J1.isn_c + 1, b2 = J2.isn_c + 1;

	setup(&e, 3, 0);
	/* sf1 carries DSN +0 (SSN 1) and +2000 (SSN 1001), sf2 +1000 (SSN 1);
	 * they arrive as +2000, +1000, +0 */
	cdata(&e, 1, b1 + 1000, IDSN_C + 1 + 2000, SEG, &tx, &v);
	cr_expect_eq(tx.seq, C0 + 2000);
	cdata(&e, 2, b2, IDSN_C + 1 + 1000, SEG, &tx, &v);
	cr_expect_eq(tx.seq, C0 + 1000);
	cdata(&e, 1, b1, IDSN_C + 1, SEG, &tx, &v);
	cr_expect_eq(tx.seq, C0);
	cr_expect_eq(e.c.c_nxt, C0 + 3000);
	cr_expect_eq(e.joined[1].rcv_hi, b1 + 2000);

	/* a pure ACK (a new window) carries the highest position */
	e.win = 600;
	csend(&e, 0, &(struct cs){ .seq = C0, .ack = S0, .dack = IDSN_G + 1 }, &p, &tx, &v, 3000);
	cr_assert_eq(v.act, MPX_ACT_FWD, "%s", evs(&v));
	cr_expect_eq(tx.seq, C0 + 3000);
	cr_expect_eq(tx.ack, S0);

	/* the server has +0 .. +1000: only sf1's first 1000 bytes; the
	 * second identical ACK moves nobody's: to the subflow heard last */
	ssend(&e, S0, C0 + 1000, 0, 0, 4000, STALL, &p, &tx, &v, &d);
	cr_expect_eq(sf_of(&e, &tx), 1);
	cr_expect_eq(tx.ack, b1 + 1000);
	ssend(&e, S0, C0 + 1000, 0, 0, 4000, STALL, &p, &tx, &v, &d);
	cr_expect_eq(sf_of(&e, &tx), 0);
	cr_expect_eq(tx.ack, C0, "no client byte on the initial subflow");
	cr_expect_eq(e.joined[2].ack, b2, "sf2's data is not acknowledged");
	/* everything: sf1's second mapping, then sf2's */
	ssend(&e, S0, C0 + 3000, 0, 0, 4000, STALL, &p, &tx, &v, &d);
	cr_expect_eq(sf_of(&e, &tx), 1);
	cr_expect_eq(tx.ack, b1 + 2000);
	ssend(&e, S0, C0 + 3000, 0, 0, 4000, STALL, &p, &tx, &v, &d);
	cr_expect_eq(sf_of(&e, &tx), 2);
	cr_expect_eq(tx.ack, b2 + 1000);
	cr_expect_eq(d.data_ack, IDSN_C + 1 + 3000);
}

/*
 * A reinjection: data first sent on one subflow is sent again, same DSN,
 * as new bytes of another. The server sees a retransmission (the same
 * sequence numbers); both subflows' bytes are acknowledged once the
 * server has the data, and reinjected bytes of data the server already
 * acknowledged are acknowledged at the server's next ACK.
 */
Test(multipath, reinjection_on_another_subflow)
{
	struct env e;
	struct mpx_tx tx;
	struct mpx_verdict v;
	struct mpx_pkt p;
	struct ref_dss d;
	const uint32_t b1 = J1.isn_c + 1, b2 = J2.isn_c + 1;

	setup(&e, 3, 0);
	cdata(&e, 1, b1, IDSN_C + 1, SEG, &tx, &v);
	cr_expect_eq(tx.seq, C0);
	/* the same DSN on sf2 */
	cdata(&e, 2, b2, IDSN_C + 1, SEG, &tx, &v);
	cr_expect_eq(tx.seq, C0, "the server sees the same bytes again");
	cr_expect_eq(e.c.c_nxt, C0 + SEG);
	cr_expect_eq(e.c.c2s_ref, IDSN_C + 1 + SEG);
	/* nothing acknowledged yet: no subflow's ACK moves */
	ssend(&e, S0, C0, 0, 0, 4000, STALL, &p, &tx, &v, &d);
	cr_expect_eq(sf_of(&e, &tx), 2, "to the subflow heard last");
	cr_expect_eq(tx.ack, b2);
	/* the server has it: both subflows acknowledged, one ACK each */
	ssend(&e, S0, C0 + SEG, 0, 0, 4000, STALL, &p, &tx, &v, &d);
	cr_expect_eq(sf_of(&e, &tx), 1);
	cr_expect_eq(tx.ack, b1 + SEG);
	ssend(&e, S0, C0 + SEG, 0, 0, 4000, STALL, &p, &tx, &v, &d);
	cr_expect_eq(sf_of(&e, &tx), 2);
	cr_expect_eq(tx.ack, b2 + SEG);
	/* the client reinjects it once more, on the initial subflow: the
	 * server answers with a duplicate ACK, which acknowledges it */
	cdata(&e, 0, C0, IDSN_C + 1, SEG, &tx, &v);
	cr_expect_eq(tx.seq, C0);
	ssend(&e, S0, C0 + SEG, 0, 0, 4000, STALL, &p, &tx, &v, &d);
	cr_expect_eq(sf_of(&e, &tx), 0);
	cr_expect_eq(tx.ack, C0 + SEG);
}

/*
 * Several mappings per subflow, interleaved; the server acknowledges in
 * three steps. After each, its pure ACKs go one by one to every subflow
 * whose acknowledgement moves (lowest index first, as s2c_multi asks
 * them), then to the subflow heard last; each subflow's acknowledgement
 * covers exactly its bytes whose data the server has.
 */
Test(multipath, subflow_acks_per_subflow)
{
	struct env e;
	struct mpx_pkt p;
	struct mpx_tx tx;
	struct mpx_verdict v;
	struct ref_dss d;
	const uint32_t b[3] = { C0, J1.isn_c + 1, J2.isn_c + 1 };
	/* DSN offset, subflow, subflow byte offset, length */
	const struct {
		uint32_t rel, sf, off, len;
	} map[] = {
		{ 0, 0, 0, 1000 },    { 1000, 1, 0, 500 },   { 1500, 2, 0, 1000 },
		{ 2500, 0, 1000, 500 }, { 3000, 1, 500, 1000 }, { 4000, 2, 1000, 200 },
	};
	/* server ACK (DSN offset) -> each subflow's acknowledged bytes */
	const struct {
		uint32_t ack, sf[3];
	} step[] = {
		{ 1200, { 1000, 200, 0 } },
		{ 2600, { 1100, 500, 1000 } },
		{ 4200, { 1500, 1500, 1200 } },
	};
	uint32_t have[3] = { 0, 0, 0 };

	setup(&e, 3, 0);
	for (unsigned k = 0; k < 6; k++) {
		cdata(&e, map[k].sf, b[map[k].sf] + map[k].off, IDSN_C + 1 + map[k].rel, (int)map[k].len, &tx, &v);
		cr_expect_eq(tx.seq, C0 + map[k].rel);
	}
	for (unsigned s = 0; s < 3; s++) {
		for (uint32_t i = 0; i < 3; i++) {
			if (step[s].sf[i] == have[i])
				continue;
			ssend(&e, S0, C0 + step[s].ack, 0, 0, 4000, STALL, &p, &tx, &v, &d);
			cr_expect_eq(v.act, MPX_ACT_FWD);
			cr_expect_eq(sf_of(&e, &tx), i, "ack +%u: to sf %u", step[s].ack, i);
			cr_expect_eq(tx.ack, b[i] + step[s].sf[i], "ack +%u sf %u: %u", step[s].ack, i,
				     tx.ack - b[i]);
			cr_expect_eq(d.data_ack, IDSN_C + 1 + step[s].ack);
			have[i] = step[s].sf[i];
		}
		/* nothing moves any more: the subflow heard last (sf2) */
		ssend(&e, S0, C0 + step[s].ack, 0, 0, 4000, STALL, &p, &tx, &v, &d);
		cr_expect_eq(sf_of(&e, &tx), 2, "ack +%u", step[s].ack);
		cr_expect_eq(tx.ack, b[2] + have[2]);
		for (uint32_t i = 0; i < 3; i++)
			cr_expect_eq(env_sf(&e, i)->ack, b[i] + step[s].sf[i], "ack +%u sf %u", step[s].ack, i);
	}
}

/* MP_PRIO option bytes (RFC 8684 3.3.8: it applies to its own subflow) */
static const uint8_t PRIO_BACKUP[3] = { 30, 3, MPX_MP_PRIO << 4 | 1 };
static const uint8_t PRIO_REGULAR[3] = { 30, 3, MPX_MP_PRIO << 4 };

static void prio(struct env *e, uint32_t i, const uint8_t *o)
{
	struct mpx_pkt p;
	struct mpx_tx tx;
	struct mpx_verdict v;

	csend(e, i, &(struct cs){ .seq = env_sf(e, i)->rcv_hi, .ack = e->c.sf_snd_una[i], .xo = o, .xlen = 3 },
	      &p, &tx, &v, 3000);
	cr_expect(has_ev(&v, MPX_ST_PRIO_RX), "%s", evs(&v));
}

/*
 * 32-bit wraps: the server's sequence numbers, the client's and the
 * gateway's on a joined subflow all wrap during the transfer.
 */
Test(multipath, wrap_32)
{
	struct env e;
	struct mpx_pkt p;
	struct mpx_tx tx;
	struct mpx_verdict v;
	struct ref_dss d;
	const uint32_t c0 = 0xffffff00u, s0 = 0xfffffc00u;
	const struct join j = { .idx = 1, .caddr = { 10, 1, 1, 1 }, .cport = 40002, .isn_c = 0xfffffe00u,
				.isn_g = 0xffffff00u, .addr_id = 1, .c_ws = MPX_WS_NONE, .now = 1500 };
	const uint32_t b = j.isn_c + 1;

	env_init(&e, IDSN_C, IDSN_G, c0, s0, 0);
	env_join(&e, &j, &tx, &v);
	/* upload on sf1: 4 x 300 bytes; the client's subflow numbers wrap
	 * after 511 bytes, the server-side ones after 256 */
	for (uint32_t k = 0; k < 4; k++) {
		cdata(&e, 1, b + 300 * k, IDSN_C + 1 + 300 * k, 300, &tx, &v);
		cr_expect_eq(tx.seq, (uint32_t)(c0 + 300 * k), "k %u: %#x", k, tx.seq);
	}
	cr_expect_eq(e.joined[1].rcv_hi, (uint32_t)(b + 1200));
	ssend(&e, s0, (uint32_t)(c0 + 600), 0, 0, 4000, STALL, &p, &tx, &v, &d);
	cr_expect_eq(sf_of(&e, &tx), 1);
	cr_expect_eq(tx.ack, (uint32_t)(b + 600), "%#x", tx.ack);
	ssend(&e, s0, (uint32_t)(c0 + 1200), 0, 0, 4000, STALL, &p, &tx, &v, &d);
	cr_expect_eq(tx.ack, (uint32_t)(b + 1200), "%#x", tx.ack);
	cr_expect_eq(d.data_ack, IDSN_C + 1 + 1200);

	/* download on sf1 (the initial subflow made backup): 5 x 400 bytes,
	 * the server's numbers wrap after 1024, sf1's after 255 */
	prio(&e, 0, PRIO_BACKUP);
	cr_expect_eq(e.c.sf_backup, 1);
	for (uint32_t k = 0; k < 5; k++) {
		ssend(&e, s0 + 400 * k, (uint32_t)(c0 + 1200), MPX_TCP_ACK, 400, 5000, STALL, &p, &tx, &v, &d);
		cr_expect_eq(sf_of(&e, &tx), 1, "k %u", k);
		cr_expect_eq(tx.seq, (uint32_t)(j.isn_g + 1 + 400 * k), "k %u: %#x", k, tx.seq);
		cr_expect_eq(d.ssn, 1 + 400 * k);
		cr_expect_eq(d.dsn, IDSN_G + 1 + 400 * k);
		cr_expect_eq(d.dlen, 400);
	}
	cr_expect_eq(e.c.sf_snd_nxt[1], (uint32_t)(j.isn_g + 1 + 2000));
	/* the client acknowledges 800 bytes across the wrap */
	csend(&e, 1, &(struct cs){ .seq = b + 1200, .ack = j.isn_g + 1 + 800, .dack = IDSN_G + 1 + 800 }, &p, &tx,
	      &v, 6000);
	cr_expect_eq(v.act, MPX_ACT_FWD, "%s", evs(&v));
	cr_expect_eq(tx.ack, s0 + 800);
	cr_expect_eq(e.c.sf_snd_una[1], (uint32_t)(j.isn_g + 1 + 800));
	/* the server retransmits its fourth segment: the same subflow bytes */
	ssend(&e, s0 + 1200, (uint32_t)(c0 + 1200), MPX_TCP_ACK, 400, 7000, STALL, &p, &tx, &v, &d);
	cr_expect_eq(sf_of(&e, &tx), 1);
	cr_expect_eq(tx.seq, (uint32_t)(j.isn_g + 1 + 1200), "%#x", tx.seq);
	cr_expect_eq(d.ssn, 1201);
	cr_expect_not(has_ev(&v, MPX_ST_REINJECT), "%s", evs(&v));
	cr_expect_eq(e.c.sf_snd_nxt[1], (uint32_t)(j.isn_g + 1 + 2000), "nothing new allocated");
}

/*
 * 64-bit DSN wraps both ways, with three subflows and 32-bit DSNs and
 * DATA_ACKs from the client.
 */
Test(multipath, dsn_wrap_64)
{
	struct env e;
	struct mpx_pkt p;
	struct mpx_tx tx;
	struct mpx_verdict v;
	struct ref_dss d;
	const uint64_t idsn_c = 0xffffffffffffff00ull, idsn_g = 0xfffffffffffffa00ull;
	struct join j1 = J1, j2 = J2;
	const uint32_t b[3] = { C0, J1.isn_c + 1, J2.isn_c + 1 };
	uint32_t off[3] = { 0, 0, 0 };

	env_init_ws(&e, idsn_c, idsn_g, C0, S0, 0, 7, 8, TS0);
	env_join(&e, &j1, &tx, &v);
	env_join(&e, &j2, &tx, &v);
	/* upload: 6 x 200 bytes round the subflows; the DSN passes 2^64 at +255 */
	for (uint32_t k = 0; k < 6; k++) {
		uint32_t i = k % 3;
		uint64_t dsn = idsn_c + 1 + 200 * k;

		csend(&e, i, &(struct cs){ .seq = b[i] + off[i], .ack = e.c.sf_snd_nxt[i], .plen = 200,
					   .dack4 = 1, .dack = idsn_g + 1, .map = 1, .dsn4 = 1, .dsn = dsn,
					   .ssn = off[i] + 1, .dlen = 200 },
		      &p, &tx, &v, 3000);
		cr_assert_eq(v.act, MPX_ACT_FWD, "k %u: %s", k, evs(&v));
		cr_expect_eq(tx.seq, C0 + 200 * k, "k %u", k);
		cr_expect_eq(tx.ack, S0);
		cr_expect_eq(e.c.c2s_ref, idsn_c + 1 + 200 * (k + 1), "k %u: %#llx", k,
			     (unsigned long long)e.c.c2s_ref);
		off[i] += 200;
	}
	cr_expect_eq(e.c.c2s_ref, 0x3b1ull, "wrapped: %#llx", (unsigned long long)e.c.c2s_ref);
	/* the server acknowledges everything: a wrapped 64-bit DATA_ACK, and
	 * each subflow's two mappings acknowledged */
	for (uint32_t i = 0; i < 3; i++) {
		ssend(&e, S0, C0 + 1200, 0, 0, 4000, STALL, &p, &tx, &v, &d);
		cr_expect_eq(sf_of(&e, &tx), i);
		cr_expect_eq(tx.ack, b[i] + 400, "sf %u", i);
		cr_expect_eq(d.data_ack, 0x3b1ull, "%#llx", (unsigned long long)d.data_ack);
	}
	/* download: 3 x 1000 bytes; the gateway's DSN passes 2^64 at +1535 */
	for (uint32_t k = 0; k < 3; k++) {
		ssend(&e, S0 + SEG * k, C0 + 1200, MPX_TCP_ACK, SEG, 5000, STALL, &p, &tx, &v, &d);
		cr_expect_eq(d.dsn, idsn_g + 1 + SEG * k, "k %u: %#llx", k, (unsigned long long)d.dsn);
		cr_expect(d.dsn8);
	}
	cr_expect_eq(e.c.s2c_ref, 0x5b9ull, "%#llx", (unsigned long long)e.c.s2c_ref);
	/* 32-bit DATA_ACK of +2500 (past the wrap): the server's seq + 2500 */
	csend(&e, 0, &(struct cs){ .seq = C0 + 400, .ack = S0 + 2500, .dack4 = 1, .dack = idsn_g + 1 + 2500 },
	      &p, &tx, &v, 6000);
	cr_expect_eq(v.act, MPX_ACT_FWD, "%s", evs(&v));
	cr_expect_eq(tx.ack, S0 + 2500);
	/* ... and one past what the server sent is refused */
	csend(&e, 0, &(struct cs){ .seq = C0 + 400, .ack = S0 + 2500, .dack4 = 1, .dack = idsn_g + 1 + 3001 },
	      &p, &tx, &v, 6000);
	cr_expect_eq(v.act, MPX_ACT_DROP);
	cr_expect(has_ev(&v, MPX_ST_DATA_ACK_INVALID), "%s", evs(&v));
}

/* ---- download ------------------------------------------------------------------ */

/* Where the n-th server segment (SEG bytes each, from S0) went. */
struct sent {
	uint32_t sf, seq;
};

static void sdata(struct env *e, uint32_t k, uint64_t now, struct mpx_tx *tx, struct mpx_verdict *v,
		  struct ref_dss *d)
{
	struct mpx_pkt p;

	ssend(e, S0 + SEG * k, C0, MPX_TCP_ACK | MPX_TCP_PSH, SEG, now, STALL, &p, tx, v, d);
	cr_assert_eq(v->act, MPX_ACT_FWD, "k %u: %s", k, evs(v));
	cr_expect_eq(d->dsn, IDSN_G + 1 + SEG * k, "k %u", k);
	cr_expect_eq(d->dlen, SEG);
	cr_expect_eq(d->data_ack, IDSN_C + 1);
}

/* the client acknowledging n bytes of subflow i's download */
static void cack(struct env *e, uint32_t i, uint32_t n, uint64_t now)
{
	struct mpx_pkt p;
	struct mpx_tx tx;
	struct mpx_verdict v;

	csend(e, i, &(struct cs){ .seq = env_sf(e, i)->rcv_hi, .ack = env_sf(e, i)->snd_isn + 1 + n,
				  .dack = IDSN_G + 1 },
	      &p, &tx, &v, now);
	cr_expect_neq(v.act, MPX_ACT_PASS);
}

/*
 * New server data: MPX_BURST segments on a subflow, then the subflow
 * with the least unacknowledged data (the lowest index on a tie); each
 * subflow numbers its bytes from the gateway's ISN on it.
 */
Test(multipath, scheduler_bursts_least_in_flight)
{
	struct env e;
	struct mpx_tx tx;
	struct mpx_verdict v;
	struct ref_dss d;
	uint32_t n[3] = { 0, 0, 0 };
	const uint32_t isn[3] = { S0 - 1, J1.isn_g, J2.isn_g };

	setup(&e, 3, 0);
	for (uint32_t k = 0; k < 5 * MPX_BURST; k++) {
		/* bursts: sf0, sf1, sf2 (all idle), sf0 (a tie), then sf2:
		 * the client acknowledged 20 of its segments */
		const uint32_t order[5] = { 0, 1, 2, 0, 2 };
		uint32_t want = order[k / MPX_BURST];

		if (k == 4 * MPX_BURST - 1)
			cack(&e, 2, 20 * SEG, 2000 + k);
		sdata(&e, k, 2000 + k, &tx, &v, &d);
		cr_assert_eq(sf_of(&e, &tx), want, "k %u", k);
		cr_expect_eq(tx.seq, isn[want] + 1 + SEG * n[want], "k %u", k);
		cr_expect_eq(d.ssn, 1 + SEG * n[want], "k %u", k);
		cr_expect_eq(tx.ack, want ? env_sf(&e, want)->ssn_base + 1 : C0, "k %u: no client data", k);
		/* a new choice that moves to another subflow is counted */
		cr_expect_eq(has_ev(&v, MPX_ST_SCHED_SWITCH),
			     k % MPX_BURST == 0 && k && order[k / MPX_BURST] != order[k / MPX_BURST - 1],
			     "k %u: %s", k, evs(&v));
		n[want]++;
	}
	for (uint32_t i = 0; i < 3; i++)
		cr_expect_eq(e.c.sf_snd_nxt[i], isn[i] + 1 + SEG * n[i], "sf %u", i);
	cr_expect_eq(e.c.s_hi, S0 + 5 * MPX_BURST * SEG);
	cr_expect_eq(e.c.sf_dead, 0);
}

/*
 * Backup subflows get data only when no other lives: sf1 joined as
 * backup; the initial subflow is reset, sf2's address removed: then sf1.
 */
Test(multipath, backup_only_when_no_other)
{
	struct env e;
	struct mpx_pkt p;
	struct mpx_tx tx;
	struct mpx_verdict v;
	struct ref_dss d;
	const uint8_t rm2[4] = { 30, 4, MPX_MP_REMOVE_ADDR << 4, 2 };
	uint32_t k = 0;

	setup(&e, 3, 1u << 1);
	cr_assert_eq(e.c.sf_backup, 2);
	for (; k < 3 * MPX_BURST; k++) {
		sdata(&e, k, 2000, &tx, &v, &d);
		cr_expect_eq(sf_of(&e, &tx), (k / MPX_BURST) % 2 ? 2 : 0, "k %u", k);
	}
	/* the client resets the initial subflow: sf2 takes everything */
	csend(&e, 0, &(struct cs){ .seq = C0, .ack = S0, .flags = MPX_TCP_RST | MPX_TCP_ACK, .no_dack = 1 }, &p,
	      &tx, &v, 2000);
	cr_expect_eq(v.act, MPX_ACT_DROP);
	for (uint32_t m = 0; m < MPX_BURST + 3; m++, k++) {
		sdata(&e, k, 2000, &tx, &v, &d);
		cr_expect_eq(sf_of(&e, &tx), 2, "k %u", k);
	}
	/* and removes sf2's address (on sf2): now the backup */
	csend(&e, 2, &(struct cs){ .seq = e.joined[2].rcv_hi, .ack = e.c.sf_snd_nxt[2], .xo = rm2, .xlen = 4 },
	      &p, &tx, &v, 2000);
	cr_expect(has_ev(&v, MPX_ST_RM_ADDR_RX), "%s", evs(&v));
	for (uint32_t m = 0; m < 3; m++, k++) {
		sdata(&e, k, 2000, &tx, &v, &d);
		cr_expect_eq(sf_of(&e, &tx), 1, "k %u", k);
		cr_expect_eq(tx.seq, J1.isn_g + 1 + SEG * m);
	}
}

/* MP_PRIO switches a subflow to backup and back, at once (mid-burst). */
Test(multipath, mp_prio_switches_backup)
{
	struct env e;
	struct mpx_tx tx;
	struct mpx_verdict v;
	struct ref_dss d;
	uint32_t k = 0;

	setup(&e, 2, 0);
	for (; k < 5; k++) {
		sdata(&e, k, 2000, &tx, &v, &d);
		cr_expect_eq(sf_of(&e, &tx), 0);
	}
	prio(&e, 0, PRIO_BACKUP);
	cr_expect_eq(e.c.sf_backup, 1);
	for (; k < 10; k++) {
		sdata(&e, k, 2000, &tx, &v, &d);
		cr_expect_eq(sf_of(&e, &tx), 1, "k %u", k);
	}
	/* regular again: sf1 keeps its burst */
	prio(&e, 0, PRIO_REGULAR);
	cr_expect_eq(e.c.sf_backup, 0);
	for (; k < 12; k++) {
		sdata(&e, k, 2000, &tx, &v, &d);
		cr_expect_eq(sf_of(&e, &tx), 1, "k %u", k);
	}
	/* sf1 backup: back to sf0, at its next byte */
	prio(&e, 1, PRIO_BACKUP);
	cr_expect_eq(e.c.sf_backup, 2);
	sdata(&e, k, 2000, &tx, &v, &d);
	cr_expect_eq(sf_of(&e, &tx), 0);
	cr_expect_eq(tx.seq, S0 + 5 * SEG);
	cr_expect_eq(d.ssn, 1 + 5 * SEG);
	/* both backup: both are candidates again, sf0 keeps its burst */
	prio(&e, 0, PRIO_BACKUP);
	k++;
	sdata(&e, k, 2000, &tx, &v, &d);
	cr_expect_eq(sf_of(&e, &tx), 0);
}

/*
 * Server retransmissions: one that went out in one piece lands on the
 * same subflow bytes; one whose bytes went out on two subflows, or whose
 * subflow is dead, is reinjected as new bytes of a live subflow.
 */
Test(multipath, server_retransmissions)
{
	struct env e;
	struct mpx_pkt p;
	struct mpx_tx tx;
	struct mpx_verdict v;
	struct ref_dss d;

	setup(&e, 3, 0);
	for (uint32_t k = 0; k < 3 * MPX_BURST + 5; k++)
		sdata(&e, k, 2000, &tx, &v, &d);
	/* segment 40 went out as sf1's ninth */
	ssend(&e, S0 + 40 * SEG, C0, MPX_TCP_ACK, SEG, 3000, STALL, &p, &tx, &v, &d);
	cr_expect_eq(sf_of(&e, &tx), 1);
	cr_expect_eq(tx.seq, J1.isn_g + 1 + 8 * SEG);
	cr_expect_eq(d.ssn, 1 + 8 * SEG);
	cr_expect_eq(d.dsn, IDSN_G + 1 + 40 * SEG);
	cr_expect_not(has_ev(&v, MPX_ST_REINJECT), "%s", evs(&v));
	cr_expect_eq(e.c.sf_snd_nxt[1], J1.isn_g + 1 + MPX_BURST * SEG, "nothing new allocated");
	/* half of segment 70 (sf2's seventh), from its middle */
	ssend(&e, S0 + 70 * SEG + 500, C0, MPX_TCP_ACK, 500, 3000, STALL, &p, &tx, &v, &d);
	cr_expect_eq(sf_of(&e, &tx), 2);
	cr_expect_eq(tx.seq, J2.isn_g + 1 + 6 * SEG + 500);
	cr_expect_eq(d.dsn, IDSN_G + 1 + 70 * SEG + 500);
	/* the end of segment 31 and the start of 32 in one (sf0's last,
	 * sf1's first): reinjected on sf0, where the current burst is
	 * (segments 96..100) */
	ssend(&e, S0 + 31 * SEG + 500, C0, MPX_TCP_ACK, SEG, 3000, STALL, &p, &tx, &v, &d);
	cr_expect(has_ev(&v, MPX_ST_REINJECT), "%s", evs(&v));
	cr_expect_eq(sf_of(&e, &tx), 0);
	cr_expect_eq(tx.seq, S0 + (MPX_BURST + 5) * SEG, "sf0's next new byte");
	cr_expect_eq(d.ssn, 1 + (MPX_BURST + 5) * SEG);
	cr_expect_eq(d.dsn, IDSN_G + 1 + 31 * SEG + 500);
	cr_expect_eq(d.dlen, SEG);
	cr_expect_eq(e.c.s_hi, S0 + (3 * MPX_BURST + 5) * SEG, "a retransmission is not new data");

	/* sf1 is reset by the client; its segment 40 again: reinjected */
	csend(&e, 1, &(struct cs){ .seq = J1.isn_c + 1, .ack = J1.isn_g + 1, .flags = MPX_TCP_RST | MPX_TCP_ACK,
				   .no_dack = 1 },
	      &p, &tx, &v, 3000);
	cr_expect_eq(v.act, MPX_ACT_DROP);
	ssend(&e, S0 + 40 * SEG, C0, MPX_TCP_ACK, SEG, 3000, STALL, &p, &tx, &v, &d);
	cr_expect(has_ev(&v, MPX_ST_REINJECT), "%s", evs(&v));
	cr_expect_eq(sf_of(&e, &tx), 0);
	cr_expect_eq(tx.seq, S0 + (MPX_BURST + 6) * SEG);
	cr_expect_eq(d.dsn, IDSN_G + 1 + 40 * SEG);
	cr_expect_eq(d.ssn, 1 + (MPX_BURST + 6) * SEG);
	cr_expect_eq(e.c.sf_snd_nxt[1], J1.isn_g + 1 + MPX_BURST * SEG);
	/* a retransmission of sf0's own segment 3 stays where it was */
	ssend(&e, S0 + 3 * SEG, C0, MPX_TCP_ACK, SEG, 3000, STALL, &p, &tx, &v, &d);
	cr_expect_not(has_ev(&v, MPX_ST_REINJECT), "%s", evs(&v));
	cr_expect_eq(tx.seq, S0 + 3 * SEG);
}

/*
 * A subflow whose data goes unacknowledged for the subflow timeout while
 * another's acknowledgements move is declared dead (SubflowStalled): new
 * data and its retransmissions go elsewhere; when its acknowledgement
 * moves again it lives again. No subflow is declared dead when none moves.
 */
Test(multipath, stalled_subflow)
{
	struct env e;
	struct mpx_pkt p;
	struct mpx_tx tx;
	struct mpx_verdict v;
	struct ref_dss d;
	const uint64_t t0 = 10000000, stall = 1000000;
	uint32_t k = 0;

	setup(&e, 2, 0);
	for (; k < 2 * MPX_BURST; k++) {
		sdata(&e, k, t0, &tx, &v, &d);
		cr_expect_eq(sf_of(&e, &tx), k / MPX_BURST);
	}
	/* neither moves for longer than the timeout: nobody is dead */
	ssend(&e, S0 + k * SEG, C0, MPX_TCP_ACK, SEG, t0 + 5 * stall, stall, &p, &tx, &v, &d);
	cr_expect_not(has_ev(&v, MPX_ST_SF_STALLED), "%s", evs(&v));
	cr_expect_eq(e.c.sf_dead, 0);
	cr_expect_eq(sf_of(&e, &tx), 0, "the least in flight");
	k++;
	/* sf1 is acknowledged at t0 + 5.5 ms; at t0 + 6.2 ms sf0 has
	 * waited 6.2 ms, sf1 0.7 ms */
	cack(&e, 1, 10 * SEG, t0 + 5 * stall + stall / 2);
	ssend(&e, S0 + k * SEG, C0, MPX_TCP_ACK, SEG, t0 + 6 * stall + stall / 5, stall, &p, &tx, &v, &d);
	cr_expect(has_ev(&v, MPX_ST_SF_STALLED), "%s", evs(&v));
	cr_expect_eq(e.c.sf_dead, 1);
	cr_expect_eq(e.c.sf_gone, 0);
	cr_expect_eq(sf_of(&e, &tx), 1);
	cr_expect_eq(tx.seq, J1.isn_g + 1 + MPX_BURST * SEG);
	k++;
	/* a retransmission of sf0's segment 2: reinjected on sf1 */
	ssend(&e, S0 + 2 * SEG, C0, MPX_TCP_ACK, SEG, t0 + 6 * stall + stall / 4, stall, &p, &tx, &v, &d);
	cr_expect(has_ev(&v, MPX_ST_REINJECT), "%s", evs(&v));
	cr_expect_eq(sf_of(&e, &tx), 1);
	cr_expect_eq(tx.seq, J1.isn_g + 1 + (MPX_BURST + 1) * SEG);
	/* sf0's acknowledgement moves: alive again, and its own bytes are
	 * found again for the next retransmission */
	cack(&e, 0, 2 * SEG, t0 + 7 * stall);
	cr_expect_eq(e.c.sf_dead, 0);
	ssend(&e, S0 + 2 * SEG, C0, MPX_TCP_ACK, SEG, t0 + 7 * stall, stall, &p, &tx, &v, &d);
	cr_expect_not(has_ev(&v, MPX_ST_REINJECT), "%s", evs(&v));
	cr_expect_eq(sf_of(&e, &tx), 0);
	cr_expect_eq(tx.seq, S0 + 2 * SEG);
}

/*
 * A client RST on one subflow of several: that subflow is gone, the
 * connection lives on; on the last live subflow the RST goes to the
 * server (on the initial 4-tuple even when it came on a joined one).
 */
Test(multipath, subflow_rst)
{
	struct env e;
	struct mpx_pkt p;
	struct mpx_tx tx;
	struct mpx_verdict v;
	struct ref_hdr h;
	uint32_t ts[2];

	setup(&e, 3, 0);
	cdata(&e, 1, J1.isn_c + 1, IDSN_C + 1, 700, &tx, &v);
	csend(&e, 0, &(struct cs){ .seq = C0, .ack = S0, .flags = MPX_TCP_RST | MPX_TCP_ACK, .no_dack = 1 }, &p,
	      &tx, &v, 3000);
	cr_expect_eq(v.act, MPX_ACT_DROP);
	cr_expect(has_ev(&v, MPX_ST_SF_RESET), "%s", evs(&v));
	cr_expect_eq(e.c.sf_gone, 1);
	cr_expect_eq(e.c.sf_dead, 1);
	cr_expect_eq(e.c.state & MPX_CS_RST, 0);
	csend(&e, 2, &(struct cs){ .seq = J2.isn_c + 1, .flags = MPX_TCP_RST, .no_dack = 1 }, &p, &tx, &v, 3000);
	cr_expect_eq(v.act, MPX_ACT_DROP);
	cr_expect_eq(e.c.sf_gone, 5);
	cr_expect_eq(e.c.state & MPX_CS_RST, 0);
	/* the connection lives on sf1 */
	cdata(&e, 1, J1.isn_c + 701, IDSN_C + 701, 300, &tx, &v);
	cr_expect_eq(tx.seq, C0 + 700);
	/* its RST: the server's */
	csend(&e, 1, &(struct cs){ .seq = J1.isn_c + 1001, .ack = J1.isn_g + 1,
				   .flags = MPX_TCP_RST | MPX_TCP_ACK, .no_dack = 1 },
	      &p, &tx, &v, 3000);
	cr_expect_eq(v.act, MPX_ACT_FWD, "%s", evs(&v));
	cr_expect(has_ev(&v, MPX_ST_RST_RX), "%s", evs(&v));
	cr_expect(tx.flags & MPX_TCP_RST);
	cr_expect_eq(tx.seq, C0 + 1000);
	cr_expect_eq(tx.ack, S0);
	cr_expect(e.c.state & MPX_CS_RST);
	to_server(&e, &p, &tx, &h, ts);
}

/*
 * REMOVE_ADDR names address IDs: every subflow on them is gone, whichever
 * subflow carries the option; unknown IDs change nothing.
 */
Test(multipath, remove_addr)
{
	struct env e;
	struct mpx_pkt p;
	struct mpx_tx tx;
	struct mpx_verdict v;
	struct ref_dss d;
	const uint8_t rm[5] = { 30, 5, MPX_MP_REMOVE_ADDR << 4, 9, 2 }, rm0[4] = { 30, 4, MPX_MP_REMOVE_ADDR << 4, 0 };

	setup(&e, 3, 0);
	cr_expect_eq(e.c.sf_addr[0], 0, "the initial subflow's address ID is 0");
	csend(&e, 0, &(struct cs){ .seq = C0, .ack = S0, .xo = rm, .xlen = 5 }, &p, &tx, &v, 3000);
	cr_expect(has_ev(&v, MPX_ST_RM_ADDR_RX), "%s", evs(&v));
	cr_expect_eq(e.c.sf_gone, 4);
	cr_expect_eq(e.c.sf_dead, 4);
	cr_expect_eq(e.c.state & MPX_CS_RST, 0);
	/* address 0, from sf1: the initial subflow is gone, the server-side
	 * 4-tuple stays */
	csend(&e, 1, &(struct cs){ .seq = J1.isn_c + 1, .ack = J1.isn_g + 1, .xo = rm0, .xlen = 4 }, &p, &tx,
	      &v, 3000);
	cr_expect_eq(e.c.sf_gone, 5);
	for (uint32_t k = 0; k < 3; k++) {
		sdata(&e, k, 4000, &tx, &v, &d);
		cr_expect_eq(sf_of(&e, &tx), 1);
		cr_expect_eq(tx.seq, J1.isn_g + 1 + SEG * k);
	}
	cdata(&e, 1, J1.isn_c + 1, IDSN_C + 1, 100, &tx, &v);
	cr_expect_eq(tx.seq, C0);
	cr_expect_eq(tx.sport, e.cport);
}

/*
 * Segments of a connection run on several CPUs at once: a client ACK can
 * stamp its subflow's acknowledgement time (taken when that segment
 * arrived) a little after the time the scheduler took for a server
 * segment arriving at the same moment. That subflow is moving, not
 * stalled (an unsigned now - sf_una_ns wrapped round and declared the
 * subflow just acknowledged dead).
 */
Test(multipath, ack_stamped_after_now_is_moving)
{
	struct env e;
	struct mpx_pkt p;
	struct mpx_tx tx;
	struct mpx_verdict v;
	struct ref_dss d;
	const uint64_t t0 = 10000000, stall = 1000000;
	uint32_t k = 0;

	setup(&e, 2, 0);
	for (; k < 2 * MPX_BURST; k++)
		sdata(&e, k, t0, &tx, &v, &d);
	/* sf1 acknowledged at t0 + 2 ms + 1 us; the scheduler's clock says
	 * t0 + 2 ms: sf0 has waited 2 ms, sf1 not at all */
	cack(&e, 1, 10 * SEG, t0 + 2 * stall + 1000);
	ssend(&e, S0 + k * SEG, C0, MPX_TCP_ACK, SEG, t0 + 2 * stall, stall, &p, &tx, &v, &d);
	cr_expect_eq(e.c.sf_dead, 1, "sf0 stalled, sf1 alive: dead mask %#x", e.c.sf_dead);
	cr_expect_eq(sf_of(&e, &tx), 1);
	/* and sf1 alone moving a little late is no reason to kill it */
	cack(&e, 0, 2 * SEG, t0 + 2 * stall + 3000);
	cr_expect_eq(e.c.sf_dead, 0);
	cack(&e, 1, 12 * SEG, t0 + 2 * stall + 5000);
	ssend(&e, S0 + (k + 1) * SEG, C0, MPX_TCP_ACK, SEG, t0 + 2 * stall + 4000, stall, &p, &tx, &v, &d);
	cr_expect_eq(e.c.sf_dead, 0, "dead mask %#x", e.c.sf_dead);
	cr_expect_not(has_ev(&v, MPX_ST_SF_STALLED), "%s", evs(&v));
}

/*
 * The server's last data with its FIN, while another subflow lives: the
 * DATA_FIN takes no subflow byte (the client closes its subflows itself),
 * so the segment's subflow bytes are its data alone. Its retransmission
 * must land on those same bytes: sent as new bytes instead, it would
 * leave the lost ones a hole in the subflow that nothing ever fills.
 */
Test(multipath, server_data_fin_retransmitted_in_place)
{
	struct env e;
	struct mpx_pkt p;
	struct mpx_tx tx;
	struct mpx_verdict v;
	struct ref_dss d;

	setup(&e, 2, 0);
	for (uint32_t k = 0; k < 3; k++)
		sdata(&e, k, 2000, &tx, &v, &d);
	for (int again = 0; again < 2; again++) {
		ssend(&e, S0 + 3 * SEG, C0, MPX_TCP_ACK | MPX_TCP_FIN, 500, 3000, STALL, &p, &tx, &v, &d);
		cr_expect_eq(v.act, MPX_ACT_FWD, "%s", evs(&v));
		cr_expect_eq(sf_of(&e, &tx), 0, "again %d", again);
		cr_expect_eq(tx.seq, S0 + 3 * SEG, "again %d: %u", again, tx.seq - S0);
		cr_expect_not(tx.flags & MPX_TCP_FIN, "the other subflow lives: no subflow FIN");
		cr_expect(d.has_map && d.fin, "DATA_FIN");
		cr_expect_eq(d.dsn, IDSN_G + 1 + 3 * SEG);
		cr_expect_eq(d.ssn, 1 + 3 * SEG);
		cr_expect_eq(d.dlen, 501);
		cr_expect_not(has_ev(&v, MPX_ST_REINJECT), "again %d: %s", again, evs(&v));
		cr_expect_eq(e.c.sf_snd_nxt[0], S0 + 3 * SEG + 500, "again %d", again);
	}
}
