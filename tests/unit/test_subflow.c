// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * 7 (continued). Subflow acknowledgements (translate.h mpx_sf_acked,
 * docs/design.md "Subflow acknowledgements"), and the client-side rules
 * that feed them.
 *
 * The rule under test: a client subflow byte is acknowledged toward the
 * client once the server has acknowledged the data it carries (its DSN),
 * found through the client's own mappings on that subflow; never beyond
 * the highest byte the client sent; plus one for the subflow's FIN once
 * everything before it is acknowledged. Bytes whose mapping has left the
 * ring of the last MPX_CMAP mappings count as acknowledged once the oldest
 * remembered mapping is.
 *
 * Expectations are worked out by hand from that rule, or (the randomized
 * test at the end) by a reference that remembers every mapping.
 */
#include "synth.h"

/* ---- helpers ------------------------------------------------------------------ */

static int after(uint32_t a, uint32_t b)
{
	return (int32_t)(a - b) > 0;
}

/*
 * A client segment at subflow sequence number seq with plen payload bytes
 * and, when map, a DSS mapping (64-bit DSN dsn, SSN ssn, length dlen, F).
 * The DSS always carries a 64-bit DATA_ACK of everything the server sent
 * (it is checked elsewhere; here it only must be valid).
 */
static void c_seg(struct env *e, uint32_t seq, int map, uint64_t dsn, uint32_t ssn, uint16_t dlen, int dfin,
		  int plen, uint8_t flags, struct mpx_tx *tx, struct mpx_verdict *v)
{
	struct mpx_pkt p;
	uint8_t o[40];
	int n = o_pad(o, o_ts(o, 1, 2) + o_dss(o + 12, 8, e->c.s2c_ref, map ? 8 : 0, dsn, ssn, dlen, dfin, 0, 0));

	seg(e, &p, 1, seq, 4242, flags, o, n, plen);
	run_c2s(e, &p, tx, v);
	if (v->act == MPX_ACT_FWD)
		emit_check(e, &p, tx);
}

/* a client data segment that is its own mapping, DSN given, SSN from seq */
static void c_data(struct env *e, uint32_t seq, uint64_t dsn, int plen, struct mpx_tx *tx, struct mpx_verdict *v)
{
	c_seg(e, seq, 1, dsn, seq - e->sf.ssn_base, (uint16_t)plen, 0, plen, MPX_TCP_ACK | MPX_TCP_PSH, tx, v);
	cr_assert_eq(v->act, MPX_ACT_FWD, "seq %#x dsn %#llx: %s", seq, (unsigned long long)dsn, evs(v));
}

/* The server's pure ACK with acknowledgement number ack (server space)
 * and, when sr != sl, one SACK block [sl, sr); returns the subflow
 * acknowledgement toward the client. */
static uint32_t s_ack_sack(struct env *e, uint32_t ack, uint32_t sl, uint32_t sr, struct ref_dss *d)
{
	struct mpx_pkt p;
	struct mpx_tx tx;
	struct mpx_verdict v;
	struct ref_dss dd;
	uint8_t o[40];
	int n = o_ts(o, 77, 1);

	if (sr != sl) {
		n += o_sack(o + n, 1, &sl);
		wbe32(o + n - 4, sr);
	}
	seg(e, &p, 0, e->c.s_nxt, ack, MPX_TCP_ACK, o, n, 0);
	run_s2c(e, &p, &tx, &v, d ? d : &dd);
	cr_assert_eq(v.act, MPX_ACT_FWD, "%s", evs(&v));
	cr_expect_eq(e->sf.ack, tx.ack, "sf->ack is the acknowledgement sent");
	emit_check(e, &p, &tx);
	return tx.ack;
}

static uint32_t s_ack(struct env *e, uint32_t ack, struct ref_dss *d)
{
	return s_ack_sack(e, ack, 0, 0, d);
}

/* server-side sequence number of client DSN d */
static uint32_t srv(const struct env *e, uint64_t d)
{
	return e->c.c_seq0 + (uint32_t)(d - (e->c.idsn_c + 1));
}

/* ---- (a) reinjection ------------------------------------------------------------ */

/*
 * The client re-sends data the server already has as NEW subflow bytes
 * (an MPTCP reinjection, same DSNs, higher subflow sequence numbers). The
 * server's ACK does not move (it has the data), but those subflow bytes
 * must be acknowledged at once: passing the server's ACK on left them
 * unacknowledged forever (the deadlock the subflow model fixes).
 */
Test(subflow, reinjection_acknowledged_at_once)
{
	struct env e;
	struct mpx_tx tx;
	struct mpx_verdict v;
	struct ref_dss d;
	const uint64_t idsn_c = 0x1000, d0 = idsn_c + 1;
	const uint32_t c0 = 10000, s0 = 50000;

	env_init(&e, idsn_c, 0x2000, c0, s0, 0);
	/* 1000 bytes, DSN = subflow */
	c_data(&e, c0, d0, 1000, &tx, &v);
	cr_expect_eq(tx.seq, c0);
	cr_expect_eq(s_ack(&e, c0 + 1000, &d), c0 + 1000);
	cr_expect_eq(d.data_ack, d0 + 1000);

	/* the last 600 bytes again, as subflow bytes 1001..1600 */
	c_data(&e, c0 + 1000, d0 + 400, 600, &tx, &v);
	cr_expect_eq(tx.seq, c0 + 400, "seq %u: the reinjection goes where its data is", tx.seq);
	cr_expect_eq(tx.plen, 600);
	cr_expect_eq(e.c.c_nxt, c0 + 1000, "c_nxt went back to %u", e.c.c_nxt);
	cr_expect_eq(e.sf.rcv_hi, c0 + 1600);
	/* the server has them: its duplicate ACK stays at 1000 ... */
	cr_expect_eq(s_ack(&e, c0 + 1000, &d), c0 + 1600,
		     "the reinjected subflow bytes are not acknowledged (the server's ACK is %u)", c0 + 1000);
	/* ... and the DATA_ACK is the server's, as always */
	cr_expect_eq(d.data_ack, d0 + 1000);

	/* new data after it: 500 bytes at subflow 1601, DSN 1000 */
	c_data(&e, c0 + 1600, d0 + 1000, 500, &tx, &v);
	cr_expect_eq(tx.seq, c0 + 1000);
	cr_expect_eq(e.c.c_nxt, c0 + 1500);
	cr_expect_eq(s_ack(&e, c0 + 1200, &d), c0 + 1800, "subflow and server numbers 600 apart");
	cr_expect_eq(d.data_ack, d0 + 1200);
	cr_expect_eq(s_ack(&e, c0 + 1500, &d), c0 + 2100);

	/* data lost beyond the gateway, then reinjected: both subflow copies
	 * are acknowledged once the server has the data */
	c_data(&e, c0 + 2100, d0 + 1500, 500, &tx, &v); /* lost */
	cr_expect_eq(tx.seq, c0 + 1500);
	cr_expect_eq(s_ack(&e, c0 + 1500, NULL), c0 + 2100, "lost data acknowledged");
	c_data(&e, c0 + 2600, d0 + 1500, 500, &tx, &v);
	cr_expect_eq(tx.seq, c0 + 1500);
	cr_expect_eq(s_ack(&e, c0 + 1700, NULL), c0 + 2300, "the first copy, up to the data acknowledged");
	cr_expect_eq(s_ack(&e, c0 + 2000, NULL), c0 + 3100, "both copies");
}

/* A reinjection of data the server has NOT acknowledged yet is not
 * acknowledged either, nor is anything behind it on the subflow. */
Test(subflow, reinjection_of_unacknowledged_data_waits)
{
	struct env e;
	struct mpx_tx tx;
	struct mpx_verdict v;
	const uint64_t idsn_c = 0xfeed, d0 = idsn_c + 1;
	const uint32_t c0 = 7, s0 = 9;

	env_init(&e, idsn_c, 0x2000, c0, s0, 0);
	c_data(&e, c0, d0, 300, &tx, &v);	      /* subflow 1..300, DSN 0..299 */
	c_data(&e, c0 + 300, d0 + 300, 300, &tx, &v); /* subflow 301..600, DSN 300..599: lost */
	c_data(&e, c0 + 600, d0 + 300, 300, &tx, &v); /* reinjected at 601..900 */
	cr_expect_eq(tx.seq, c0 + 300);
	c_data(&e, c0 + 900, d0 + 600, 100, &tx, &v); /* 901..1000, DSN 600.. */
	cr_expect_eq(s_ack(&e, c0 + 300, NULL), c0 + 300);
	cr_expect_eq(s_ack(&e, c0 + 450, NULL), c0 + 450, "the original copy, half way");
	cr_expect_eq(s_ack(&e, c0 + 600, NULL), c0 + 900, "the original and the reinjected copy");
	cr_expect_eq(s_ack(&e, c0 + 700, NULL), c0 + 1000);
}

/* ---- (b) losses beyond the gateway ----------------------------------------------- */

/*
 * Bytes the gateway forwarded but the server has not acknowledged are not
 * acknowledged to the client: a loss between gateway and server reaches
 * the client's subflow as duplicate ACKs (its fast retransmit), and the
 * server's SACK blocks, in the server's space, are not passed on.
 */
Test(subflow, losses_beyond_gateway_become_duplicate_acks)
{
	struct env e;
	struct mpx_pkt p;
	struct mpx_tx tx;
	struct mpx_verdict v;
	struct ref_dss d;
	struct mpx_opts po;
	uint8_t o[40];
	const uint64_t idsn_c = 0x77777777ull, d0 = idsn_c + 1;
	const uint32_t c0 = 0x40000000u, s0 = 0x12345678u;
	int n;

	env_init(&e, idsn_c, 0x99, c0, s0, 0);
	for (uint32_t k = 0; k < 4; k++)
		c_data(&e, c0 + 100 * k, d0 + 100 * k, 100, &tx, &v);

	/* the server sends data before it has any of it: nothing acknowledged */
	seg(&e, &p, 0, s0, c0, MPX_TCP_ACK | MPX_TCP_PSH, NULL, 0, 200);
	run_s2c(&e, &p, &tx, &v, &d);
	cr_expect_eq(tx.ack, c0, "ack %#x: 400 bytes forwarded, none acknowledged by the server", tx.ack);
	cr_expect_eq(d.data_ack, d0);

	/* segment 2 lost beyond the gateway: the server acknowledges 100 and
	 * SACKs 200..400 (in its space), three times */
	for (int k = 0; k < 3; k++) {
		uint32_t l[1] = { c0 + 200 };

		n = o_ts(o, 100 + (uint32_t)k, 1);
		n += o_sack(o + n, 1, l);
		wbe32(o + n - 4, c0 + 400); /* block 200..400 */
		seg(&e, &p, 0, s0 + 200, c0 + 100, MPX_TCP_ACK, o, n, 0);
		run_s2c(&e, &p, &tx, &v, &d);
		cr_expect_eq(tx.ack, c0 + 100, "k %d: ack %#x, a duplicate ACK of 100 was due", k, tx.ack);
		cr_expect_eq(d.data_ack, d0 + 100);
		parse_area(&po, tx.opt.b, tx.opt.len);
		cr_expect_eq(po.sack_n, 0, "k %d: the server's SACK went to the client", k);
		cr_expect(po.has & MPX_HAS_TS);
	}
	/* the client's fast retransmission, same mapping; the server has it all */
	c_data(&e, c0 + 100, d0 + 100, 100, &tx, &v);
	cr_expect_eq(tx.seq, c0 + 100);
	cr_expect_eq(e.c.c_nxt, c0 + 400, "a retransmission does not move c_nxt back");
	cr_expect_eq(s_ack(&e, c0 + 400, NULL), c0 + 400);

	/* one mapping over three segments (a GSO burst): acknowledged as far
	 * as the server acknowledged it, not to the mapping's end */
	for (uint32_t k = 0; k < 3; k++)
		c_seg(&e, c0 + 400 + 500 * k, 1, d0 + 400, 401, 1500, 0, 500, MPX_TCP_ACK, &tx, &v);
	/* 4 mappings, the retransmitted one again, and one for the burst */
	cr_expect_eq(e.sf.cm_head, 6, "one slot for a mapping repeated on its segments (%u)", e.sf.cm_head);
	cr_expect_eq(s_ack(&e, c0 + 900, NULL), c0 + 900);
	cr_expect_eq(s_ack(&e, c0 + 900, NULL), c0 + 900, "duplicate");
	cr_expect_eq(s_ack(&e, c0 + 1650, NULL), c0 + 1650, "in the middle of a segment");
	cr_expect_eq(s_ack(&e, c0 + 1900, NULL), c0 + 1900);
}

/*
 * Data lost with another subflow (its path died) leaves a hole in the
 * server's space. This subflow's bytes beyond the hole are acknowledged
 * as far as the server SACKs their data: the client reinjects the lost
 * data only on a subflow with nothing outstanding, so a subflow waiting
 * for the hole to be filled waited forever (x_failover's upload stopped).
 * A hole of this subflow's own still holds its acknowledgement back.
 */
Test(subflow, data_beyond_a_hole_acknowledged_as_sacked)
{
	struct env e;
	struct mpx_tx tx;
	struct mpx_verdict v;
	struct ref_dss d;
	const uint64_t idsn_c = 0xfffffffffffffc00ull, d0 = idsn_c + 1;
	const uint32_t c0 = 0xfffffff0u, s0 = 77;

	env_init(&e, idsn_c, 0x2000, c0, s0, 0);
	/* DSNs 0..999 went out on another subflow and were lost; this one
	 * carries 1000..1299, three mappings */
	for (uint32_t k = 0; k < 3; k++)
		c_data(&e, c0 + 100 * k, d0 + 1000 + 100 * k, 100, &tx, &v);
	cr_expect_eq(s_ack(&e, srv(&e, d0), NULL), c0, "nothing held yet");
	cr_expect_eq(s_ack_sack(&e, srv(&e, d0), srv(&e, d0 + 1000), srv(&e, d0 + 1150), &d), c0 + 150,
		     "as far as the SACK block goes");
	cr_expect_eq(d.data_ack, d0, "the DATA_ACK stays the server's");
	/* 1150..1199 lost on this subflow: a block beyond it moves nothing */
	cr_expect_eq(s_ack_sack(&e, srv(&e, d0), srv(&e, d0 + 1200), srv(&e, d0 + 1300), NULL), c0 + 150);
	/* retransmitted: the server's block grows over it, and beyond what
	 * the client sent on the subflow (that is not acknowledged) */
	c_data(&e, c0 + 150, d0 + 1150, 50, &tx, &v);
	cr_expect_eq(s_ack_sack(&e, srv(&e, d0), srv(&e, d0 + 1000), srv(&e, d0 + 5000), NULL), c0 + 300);
	/* the lost data reinjected here: acknowledged once the server has it */
	c_data(&e, c0 + 300, d0, 1000, &tx, &v);
	cr_expect_eq(s_ack_sack(&e, srv(&e, d0), srv(&e, d0 + 1000), srv(&e, d0 + 1300), NULL), c0 + 300);
	cr_expect_eq(s_ack(&e, srv(&e, d0 + 1300), NULL), c0 + 1300);
}

/* The subflow acknowledgement never moves back (a reordered, older ACK of
 * the server), and nothing is acknowledged before the server says so. */
Test(subflow, ack_never_moves_back)
{
	struct env e;
	struct mpx_tx tx;
	struct mpx_verdict v;
	const uint64_t idsn_c = 5, d0 = idsn_c + 1;
	const uint32_t c0 = 0xffffffffu, s0 = 1;

	env_init(&e, idsn_c, 7, c0, s0, 0);
	cr_expect_eq(s_ack(&e, c0, NULL), c0, "install()'s acknowledgement");
	c_data(&e, c0, d0, 1000, &tx, &v);
	cr_expect_eq(s_ack(&e, c0 + 800, NULL), c0 + 800);
	cr_expect_eq(s_ack(&e, c0 + 300, NULL), c0 + 800, "moved back to an older ACK");
	cr_expect_eq(s_ack(&e, c0, NULL), c0 + 800);
	cr_expect_eq(s_ack(&e, c0 + 1000, NULL), c0 + 1000);
}

/* ---- (c) more mappings than the ring holds ------------------------------------------ */

/* 40 one-segment mappings of 10 bytes, DSN = subflow; the ring keeps the
 * last MPX_CMAP (mappings 8..39) */
static void forty(struct env *e, uint64_t idsn_c, uint32_t c0)
{
	struct mpx_tx tx;
	struct mpx_verdict v;

	env_init(e, idsn_c, 0x5000, c0, 0x6000, 0);
	for (uint32_t k = 0; k < 40; k++) {
		c_data(e, c0 + 10 * k, idsn_c + 1 + 10 * k, 10, &tx, &v);
		cr_assert_eq(tx.seq, c0 + 10 * k);
	}
	cr_assert_eq(e->sf.cm_head, 40);
	cr_assert_eq(MPX_CMAP, 32, "the expectations below assume a ring of 32");
}

/*
 * Bytes whose mapping left the ring count as acknowledged once the oldest
 * remembered mapping (mapping 8, subflow bytes 80..89) is: not before,
 * however far the server acknowledges into them.
 */
Test(subflow, ring_overflow_fallback)
{
	const uint32_t starts[] = { 1000, 0xffffff00u, 0xfffffff8u };
	const uint64_t idsns[] = { 0x100, 0xffffffffffffff00ull, 0x7fffffffffffffa0ull };

	for (int k = 0; k < 3; k++) {
		struct env e;
		const uint32_t c0 = starts[k];

		forty(&e, idsns[k], c0);
		cr_expect_eq(s_ack(&e, c0 + 50, NULL), c0, "start %#x: into the forgotten mappings", c0);
		cr_expect_eq(s_ack(&e, c0 + 80, NULL), c0, "start %#x: up to the oldest remembered one", c0);
		cr_expect_eq(s_ack(&e, c0 + 81, NULL), c0 + 81, "start %#x: its first byte", c0);
		cr_expect_eq(s_ack(&e, c0 + 255, NULL), c0 + 255, "start %#x", c0);
		cr_expect_eq(s_ack(&e, c0 + 400, NULL), c0 + 400, "start %#x: all", c0);
		cr_expect_eq(s_ack(&e, c0 + 400, NULL), c0 + 400, "start %#x: all", c0);
	}
}

/*
 * The same forty mappings, with one ACK of the server for all of them:
 * all 400 subflow bytes are acknowledged (the forgotten ones with the
 * oldest remembered mapping, then the 32 remembered ones).
 */
Test(subflow, ring_overflow_one_ack_covers_all)
{
	struct env e;
	uint32_t a;

	forty(&e, 0x100, 1000);
	a = s_ack(&e, 1000 + 400, NULL);
	cr_expect_eq(a, 1000 + 400,
		     "the server acknowledged all 400 bytes (DATA_ACK %#llx); the subflow got %u, %u short "
		     "(the walk's MPX_CMAP steps: one for the forgotten bytes, 31 for 32 mappings)",
		     (unsigned long long)(0x100 + 1 + 400), a - 1000, 1000 + 400 - a);
}

/* 39 one-segment mappings of 10 bytes (DSN = subflow), then DSN 0..9
 * again at subflow 390..399 (a reinjection); the ring keeps 8..39 */
static void forty_reinjected(struct env *e, uint64_t idsn_c, uint32_t c0)
{
	struct mpx_tx tx;
	struct mpx_verdict v;

	env_init(e, idsn_c, 0x5000, c0, 0x6000, 0);
	for (uint32_t k = 0; k < 39; k++)
		c_data(e, c0 + 10 * k, idsn_c + 1 + 10 * k, 10, &tx, &v);
	c_data(e, c0 + 390, idsn_c + 1, 10, &tx, &v);
	cr_assert_eq(tx.seq, c0);
	cr_assert_eq(e->sf.cm_head, 40);
}

/* From forgotten bytes, the walk goes on at the NEAREST remembered mapping
 * (8, partly acknowledged), not at a farther one whose data is
 * acknowledged too (the reinjection). */
Test(subflow, ring_overflow_fallback_nearest_mapping)
{
	struct env e;

	forty_reinjected(&e, 0x100, 1000);
	cr_expect_eq(s_ack(&e, srv(&e, 0x100 + 1 + 85), NULL), 1000 + 85);
}

/*
 * Forgotten bytes behind the oldest remembered mapping are not taken as
 * acknowledged when a LATER remembered mapping is: here mappings 8..38
 * carry new data the server has not acknowledged (lost beyond the
 * gateway), and the last one re-sends old data the server has.
 */
Test(subflow, ring_overflow_never_skips_unacknowledged_mapping)
{
	struct env e;
	const uint64_t idsn_c = 0x100, d0 = idsn_c + 1;
	const uint32_t c0 = 1000;
	uint32_t a;

	forty_reinjected(&e, idsn_c, c0);
	/* the server has DSN 0..79 (mappings 0..7), not 80..389 */
	a = s_ack(&e, srv(&e, d0 + 80), NULL);
	cr_expect(!after(a, c0 + 80),
		  "subflow ack +%u: it acknowledges subflow bytes +80..+%u, whose data (DSN +80 on) the server has "
		  "not acknowledged (DATA_ACK +80)",
		  a - c0, a - c0);
	cr_expect_eq(a, c0, "subflow ack +%u: the oldest remembered mapping (8, DSN +80) is not acknowledged",
		     a - c0);
}

/* ---- (d) never beyond what the client sent --------------------------------------- */

Test(subflow, ack_never_beyond_rcv_hi)
{
	struct env e;
	struct mpx_tx tx;
	struct mpx_verdict v;
	const uint64_t idsn_c = 0xa0, d0 = idsn_c + 1;
	const uint32_t c0 = 0xfffffe00u;

	env_init(&e, idsn_c, 0xb0, c0, 0x100, 0);
	/* a mapping of 1000 bytes; its first 500 arrive */
	c_seg(&e, c0, 1, d0, 1, 1000, 0, 500, MPX_TCP_ACK, &tx, &v);
	cr_assert_eq(v.act, MPX_ACT_FWD, "%s", evs(&v));
	cr_expect_eq(e.sf.rcv_hi, c0 + 500);
	/* the server acknowledges the whole mapping's data */
	cr_expect_eq(s_ack(&e, c0 + 1000, NULL), c0 + 500, "beyond the highest byte the client sent");
	cr_expect_eq(s_ack(&e, c0 + 1000, NULL), c0 + 500);
	/* the rest arrives */
	c_seg(&e, c0 + 500, 1, d0, 1, 1000, 0, 500, MPX_TCP_ACK, &tx, &v);
	cr_expect_eq(e.sf.rcv_hi, c0 + 500 + 500);
	cr_expect_eq(s_ack(&e, c0 + 1000, NULL), c0 + 1000);

	/* a retransmission below rcv_hi does not lower it */
	c_seg(&e, c0 + 200, 1, d0, 1, 1000, 0, 100, MPX_TCP_ACK, &tx, &v);
	cr_expect_eq(e.sf.rcv_hi, c0 + 1000);

	/* a DATA_FIN on the last data byte: the server acknowledges data and
	 * FIN, the subflow gets its data only (it sent no FIN) */
	c_seg(&e, c0 + 1000, 1, d0 + 1000, 1001, 201, 1, 200, MPX_TCP_ACK, &tx, &v);
	cr_expect(tx.flags & MPX_TCP_FIN);
	cr_expect_eq(e.c.c_fin_seq, c0 + 1200);
	cr_expect_eq(e.sf.rcv_hi, c0 + 1200);
	cr_expect_eq(s_ack(&e, c0 + 1201, NULL), c0 + 1200, "the DATA_FIN's FIN is no subflow byte");
}

/* ---- (e) the subflow's FIN --------------------------------------------------------- */

Test(subflow, subflow_fin_plus_one)
{
	struct env e;
	struct mpx_tx tx;
	struct mpx_verdict v;
	struct ref_dss d;
	const uint64_t idsn_c = 0x3000, d0 = idsn_c + 1;
	const uint32_t c0 = 0xffffffa0u, s0 = 0x1000;

	/* FIN with the data, no DATA_FIN before it */
	env_init(&e, idsn_c, 0x4000, c0, s0, 0);
	c_seg(&e, c0, 1, d0, 1, 200, 0, 200, MPX_TCP_ACK | MPX_TCP_FIN, &tx, &v);
	cr_assert_eq(v.act, MPX_ACT_FWD, "%s", evs(&v));
	cr_expect(e.sf.flags & MPX_SF_C_FIN);
	cr_expect_eq(e.sf.fin_seq, c0 + 200);
	cr_expect_eq(e.sf.rcv_hi, c0 + 201);
	cr_expect_eq(s_ack(&e, c0 + 100, NULL), c0 + 100, "part of the data: no FIN");
	cr_expect_eq(s_ack(&e, c0 + 199, NULL), c0 + 199);
	cr_expect_eq(s_ack(&e, c0 + 201, &d), c0 + 201, "data and FIN");
	cr_expect_eq(d.data_ack, d0 + 201);
	cr_expect_eq(s_ack(&e, c0 + 201, NULL), c0 + 201, "and not one more");

	/* the FIN comes on its own after the data was acknowledged */
	env_init(&e, idsn_c, 0x4000, c0, s0, 0);
	c_data(&e, c0, d0, 100, &tx, &v);
	cr_expect_eq(s_ack(&e, c0 + 100, NULL), c0 + 100);
	c_seg(&e, c0 + 100, 0, 0, 0, 0, 0, 0, MPX_TCP_ACK | MPX_TCP_FIN, &tx, &v);
	cr_expect_eq(tx.seq, c0 + 100);
	cr_expect(tx.flags & MPX_TCP_FIN);
	cr_expect_eq(e.sf.rcv_hi, c0 + 101);
	cr_expect_eq(s_ack(&e, c0 + 101, NULL), c0 + 101);

	/*
	 * DATA_FIN, then the subflow's FIN, after a reinjection moved the
	 * subflow 500 bytes ahead of the server: the DATA_FIN's FIN is at
	 * server seq 1000, the subflow's at subflow seq 1500. The server's ACK
	 * of its FIN covers the subflow bytes; the subflow's FIN once it came.
	 */
	env_init(&e, idsn_c, 0x4000, c0, s0, 0);
	c_data(&e, c0, d0, 1000, &tx, &v);
	cr_expect_eq(s_ack(&e, c0 + 1000, NULL), c0 + 1000);
	c_data(&e, c0 + 1000, d0 + 500, 500, &tx, &v); /* reinjection */
	/* DATA_FIN alone, DSN 1000, on a pure ACK at the subflow's snd_nxt */
	c_seg(&e, c0 + 1500, 1, d0 + 1000, 0, 1, 1, 0, MPX_TCP_ACK, &tx, &v);
	cr_expect(tx.flags & MPX_TCP_FIN);
	cr_expect_eq(tx.seq, c0 + 1000, "the FIN at its DSN's place");
	cr_expect_eq(e.c.c_fin_seq, c0 + 1000);
	cr_expect_eq(e.sf.cm_head, 2, "a DATA_FIN alone is no mapping of subflow bytes");
	cr_expect_eq(s_ack(&e, c0 + 1001, &d), c0 + 1500, "the reinjected bytes, no FIN");
	cr_expect_eq(d.data_ack, d0 + 1001);
	cr_expect(e.c.state & MPX_CS_C_FIN_ACKED);
	/* the subflow's FIN: a duplicate of the FIN the server has */
	c_seg(&e, c0 + 1500, 0, 0, 0, 0, 0, 0, MPX_TCP_ACK | MPX_TCP_FIN, &tx, &v);
	cr_expect_eq(v.act, MPX_ACT_FWD, "%s", evs(&v));
	cr_expect(tx.flags & MPX_TCP_FIN);
	cr_expect_eq(tx.seq, c0 + 1000, "seq %u: the duplicate FIN at c_fin_seq", tx.seq - c0);
	cr_expect_eq(e.c.c_nxt, c0 + 1001);
	cr_expect_eq(e.sf.fin_seq, c0 + 1500);
	cr_expect_eq(s_ack(&e, c0 + 1001, NULL), c0 + 1501, "the subflow's FIN");
}

/* ---- (f) wraps ----------------------------------------------------------------------- */

/*
 * The walk across the 32-bit wrap of the subflow's sequence numbers and the
 * 64-bit wrap of the DSN, with mappings out of DSN order (a reinjection)
 * and the subflow and server numbers drifting apart across the wrap.
 */
Test(subflow, walk_across_wraps)
{
	const struct {
		uint32_t c0;
		uint64_t idsn_c;
	} starts[] = {
		{ 0xffffff00u, 0xffffffffffffff00ull }, { 0xfffffff0u, 0x00000000ffffff80ull },
		{ 0x7fffff00u, 0x7fffffffffffff00ull }, { 0, 0xffffffffffffffffull },
	};

	for (unsigned k = 0; k < sizeof(starts) / sizeof(starts[0]); k++) {
		struct env e;
		struct mpx_tx tx;
		struct mpx_verdict v;
		struct ref_dss d;
		const uint32_t c0 = starts[k].c0;
		const uint64_t d0 = starts[k].idsn_c + 1;

		env_init(&e, starts[k].idsn_c, 0x10, c0, 0x20, 0);
		/* 5 x 100 bytes at subflow 0..499 = DSN 0..499 */
		for (uint32_t i = 0; i < 5; i++)
			c_data(&e, c0 + 100 * i, d0 + 100 * i, 100, &tx, &v);
		cr_expect_eq(s_ack(&e, c0 + 150, &d), c0 + 150, "k %u", k);
		cr_expect_eq(d.data_ack, d0 + 150, "k %u", k);
		cr_expect_eq(s_ack(&e, c0 + 300, NULL), c0 + 300, "k %u", k);
		/* DSN 300..499 again at subflow 500..699 (reinjection) */
		c_data(&e, c0 + 500, d0 + 300, 200, &tx, &v);
		cr_expect_eq(tx.seq, c0 + 300, "k %u", k);
		/* new data DSN 500..799 at subflow 700..999 */
		for (uint32_t i = 0; i < 3; i++)
			c_data(&e, c0 + 700 + 100 * i, d0 + 500 + 100 * i, 100, &tx, &v);
		cr_expect_eq(e.c.c_nxt, c0 + 800, "k %u", k);
		cr_expect_eq(s_ack(&e, c0 + 350, NULL), c0 + 350, "k %u: the original copy", k);
		cr_expect_eq(s_ack(&e, c0 + 500, NULL), c0 + 700, "k %u: both copies", k);
		cr_expect_eq(s_ack(&e, c0 + 650, NULL), c0 + 850, "k %u", k);
		cr_expect_eq(s_ack(&e, c0 + 800, &d), c0 + 1000, "k %u", k);
		cr_expect_eq(d.data_ack, d0 + 800, "k %u", k);
	}
}

/* ---- (g) segments without data ---------------------------------------------------------- */

/*
 * Segments without data carry the gateway's next sequence number c_nxt
 * (not their own, which drifts from it with every reinjection), which
 * moves past the FIN the client's DATA_FIN became; without a DATA_ACK
 * they carry the last acknowledgement sent (not their own TCP ack, which
 * is in the subflow's space).
 */
Test(subflow, pure_acks_carry_c_nxt)
{
	struct env e;
	struct mpx_pkt p;
	struct mpx_tx tx;
	struct mpx_verdict v;
	struct ref_dss d;
	uint8_t o[40];
	const uint64_t idsn_c = 0x10000, d0 = idsn_c + 1, idsn_g = 0x20000;
	const uint32_t c0 = 0xffffffd0u, s0 = 0x500;
	int n;

	env_init(&e, idsn_c, idsn_g, c0, s0, 0);
	/* before any data: install()'s numbers, whatever the segment says */
	n = o_ts(o, 1, 1);
	seg(&e, &p, 1, c0 + 12345, 999, MPX_TCP_ACK, o, n, 0);
	run_c2s(&e, &p, &tx, &v);
	cr_expect_eq(v.act, MPX_ACT_FWD, "%s", evs(&v));
	cr_expect_eq(tx.seq, c0);
	cr_expect_eq(tx.ack, s0, "ack %u: not the segment's own", tx.ack);
	emit_check(&e, &p, &tx);

	/* 300 bytes (across the wrap), then the server sends 50 */
	c_data(&e, c0, d0, 300, &tx, &v);
	cr_expect_eq(e.c.c_nxt, c0 + 300);
	seg(&e, &p, 0, s0, c0 + 300, MPX_TCP_ACK, NULL, 0, 50);
	run_s2c(&e, &p, &tx, &v, &d);
	cr_expect_eq(tx.ack, c0 + 300);
	/* a pure ACK with a DATA_ACK: that is its acknowledgement */
	n = o_pad(o, o_ts(o, 2, 1) + o_dss(o + 12, 8, idsn_g + 1 + 50, 0, 0, 0, 0, 0, 0, 0));
	seg(&e, &p, 1, c0 + 300, s0 + 50, MPX_TCP_ACK, o, n, 0);
	run_c2s(&e, &p, &tx, &v);
	cr_expect_eq(tx.seq, c0 + 300);
	cr_expect_eq(tx.ack, s0 + 50);
	cr_expect_eq(e.c.c_ack, s0 + 50);
	/* one without any DSS: the last acknowledgement again */
	n = o_ts(o, 3, 1);
	seg(&e, &p, 1, c0 + 300, s0 + 7, MPX_TCP_ACK, o, n, 0);
	run_c2s(&e, &p, &tx, &v);
	cr_expect_eq(tx.seq, c0 + 300);
	cr_expect_eq(tx.ack, s0 + 50, "ack %u: the segment's own TCP ack", tx.ack);

	/* a reinjection: the subflow moves 300 ahead of the server side */
	c_data(&e, c0 + 300, d0, 300, &tx, &v);
	cr_expect_eq(tx.seq, c0);
	cr_expect_eq(e.c.c_nxt, c0 + 300);
	/* the client's pure ACK at its snd_nxt (subflow 600) */
	n = o_pad(o, o_ts(o, 4, 1) + o_dss(o + 12, 8, idsn_g + 1 + 50, 0, 0, 0, 0, 0, 0, 0));
	seg(&e, &p, 1, c0 + 600, s0 + 50, MPX_TCP_ACK, o, n, 0);
	run_c2s(&e, &p, &tx, &v);
	cr_expect_eq(tx.seq, c0 + 300, "seq %u: the subflow's own number went to the server", tx.seq - c0);
	/* a retransmission of old data goes where it belongs, c_nxt stays */
	c_seg(&e, c0 + 100, 1, d0, 1, 300, 0, 100, MPX_TCP_ACK, &tx, &v);
	cr_expect_eq(tx.seq, c0 + 100);
	cr_expect_eq(e.c.c_nxt, c0 + 300);
	n = o_ts(o, 5, 1);
	seg(&e, &p, 1, c0 + 600, s0 + 50, MPX_TCP_ACK, o, n, 0);
	run_c2s(&e, &p, &tx, &v);
	cr_expect_eq(tx.seq, c0 + 300);

	/* DATA_FIN alone at DSN 300, on a pure ACK at subflow 600 */
	c_seg(&e, c0 + 600, 1, d0 + 300, 0, 1, 1, 0, MPX_TCP_ACK, &tx, &v);
	cr_expect(tx.flags & MPX_TCP_FIN);
	cr_expect_eq(tx.seq, c0 + 300);
	cr_expect_eq(e.c.c_nxt, c0 + 301);
	/* the DATA_FIN again (retransmitted): the same FIN, c_nxt counts it once */
	c_seg(&e, c0 + 600, 1, d0 + 300, 0, 1, 1, 0, MPX_TCP_ACK, &tx, &v);
	cr_expect(tx.flags & MPX_TCP_FIN);
	cr_expect_eq(tx.seq, c0 + 300);
	cr_expect_eq(e.c.c_nxt, c0 + 301);
	/* pure ACKs from now on: past the FIN, no FIN of their own */
	for (int k = 0; k < 2; k++) {
		n = k ? o_ts(o, 6, 1) : o_pad(o, o_ts(o, 6, 1) + o_dss(o + 12, 8, idsn_g + 1 + 50, 0, 0, 0, 0, 0, 0, 0));
		seg(&e, &p, 1, c0 + 600, s0 + 50, MPX_TCP_ACK, o, n, 0);
		run_c2s(&e, &p, &tx, &v);
		cr_expect_eq(v.act, MPX_ACT_FWD, "%s", evs(&v));
		cr_expect_eq(tx.seq, c0 + 301, "k %d: seq %u", k, tx.seq - c0);
		cr_expect_not(tx.flags & MPX_TCP_FIN);
		cr_expect_eq(tx.ack, s0 + 50);
	}
	/* the server acknowledges the FIN: the subflow, all 600 bytes */
	cr_expect_eq(s_ack(&e, c0 + 301, &d), c0 + 600);
	cr_expect_eq(d.data_ack, d0 + 301);
}

/* ---- (h) data without a DSS -------------------------------------------------------------- */

/*
 * Data without a mapping of its own rides on the subflow's latest mapping
 * when that covers it (RFC 8684 3.3.1 lets a mapping span segments without
 * repeating it); data no mapping covers is dropped (DSSNotMatching) and
 * changes nothing.
 */
Test(subflow, data_without_dss)
{
	struct env e;
	struct mpx_pkt p;
	struct mpx_tx tx;
	struct mpx_verdict v;
	uint8_t o[40];
	const uint64_t idsn_c = 0x1234500, d0 = idsn_c + 1, idsn_g = 0x99;
	const uint32_t c0 = 0xffffff38u, s0 = 77;
	int n;

	env_init(&e, idsn_c, idsn_g, c0, s0, 0);
	/* before any mapping */
	n = o_ts(o, 1, 1);
	seg(&e, &p, 1, c0, s0, MPX_TCP_ACK, o, n, 100);
	run_c2s(&e, &p, &tx, &v);
	cr_expect_eq(v.act, MPX_ACT_DROP);
	cr_expect(has_ev(&v, MPX_ST_DSS_NOT_MATCHING), "%s", evs(&v));
	cr_expect_eq(e.sf.rcv_hi, c0);
	cr_expect_eq(e.c.c_nxt, c0);
	cr_expect_eq(e.sf.cm_head, 0);

	/* a mapping of 300 bytes placed at DSN 4096, only on its first segment */
	c_seg(&e, c0, 1, d0 + 4096, 1, 300, 0, 100, MPX_TCP_ACK, &tx, &v);
	cr_expect_eq(v.act, MPX_ACT_FWD, "%s", evs(&v));
	cr_expect_eq(tx.seq, c0 + 4096);
	for (uint32_t k = 1; k < 3; k++) {
		n = o_ts(o, 2, 1);
		seg(&e, &p, 1, c0 + 100 * k, s0, MPX_TCP_ACK, o, n, 100);
		run_c2s(&e, &p, &tx, &v);
		cr_expect_eq(v.act, MPX_ACT_FWD, "k %u: %s", k, evs(&v));
		cr_expect_eq(tx.seq, c0 + 4096 + 100 * k, "k %u: seq %#x", k, tx.seq);
		cr_expect_eq(tx.plen, 100);
		cr_expect_not(has_ev(&v, MPX_ST_DSS_NOT_MATCHING), "%s", evs(&v));
	}
	cr_expect_eq(e.sf.cm_head, 1, "the same mapping, one slot");
	cr_expect_eq(e.sf.rcv_hi, c0 + 300);
	cr_expect_eq(e.c.c_nxt, c0 + 4096 + 300);
	cr_expect_eq(e.c.c2s_ref, d0 + 4096 + 300);
	/* a DSS with a DATA_ACK only (no mapping): rides on it too */
	c_seg(&e, c0 + 150, 0, 0, 0, 0, 0, 100, MPX_TCP_ACK, &tx, &v);
	cr_expect_eq(v.act, MPX_ACT_FWD, "%s", evs(&v));
	cr_expect_eq(tx.seq, c0 + 4096 + 150);

	/* outside it: beyond, straddling its end, before it */
	const struct {
		uint32_t rel;
		int plen;
	} out[] = { { 300, 100 }, { 250, 100 }, { 299, 2 }, { (uint32_t)-50, 100 }, { 1000, 1 } };

	for (unsigned k = 0; k < sizeof(out) / sizeof(out[0]); k++) {
		n = o_ts(o, 3, 1);
		seg(&e, &p, 1, c0 + out[k].rel, s0, MPX_TCP_ACK, o, n, out[k].plen);
		run_c2s(&e, &p, &tx, &v);
		cr_expect_eq(v.act, MPX_ACT_DROP, "case %u", k);
		cr_expect(has_ev(&v, MPX_ST_DSS_NOT_MATCHING), "case %u: %s", k, evs(&v));
		cr_expect_eq(e.sf.rcv_hi, c0 + 300, "case %u", k);
		cr_expect_eq(e.c.c_nxt, c0 + 4096 + 300, "case %u", k);
		cr_expect_eq(e.sf.cm_head, 1, "case %u", k);
	}

	/* only the LATEST mapping counts: after a second mapping, bytes of
	 * the first without a DSS are not explained */
	c_seg(&e, c0 + 300, 1, d0 + 4396, 301, 100, 0, 100, MPX_TCP_ACK, &tx, &v);
	cr_expect_eq(tx.seq, c0 + 4396);
	n = o_ts(o, 4, 1);
	seg(&e, &p, 1, c0 + 200, s0, MPX_TCP_ACK, o, n, 100);
	run_c2s(&e, &p, &tx, &v);
	cr_expect_eq(v.act, MPX_ACT_DROP);
	cr_expect(has_ev(&v, MPX_ST_DSS_NOT_MATCHING), "%s", evs(&v));

	/* data without DSS within an implicit MP_CAPABLE mapping */
	env_init(&e, idsn_c, idsn_g, c0, s0, 0);
	n = o_pad(o, o_ts(o, 5, 6) + o_mpc(o + 12, 22, 0x01, KEY_C, KEY_G, 500, 0));
	seg(&e, &p, 1, c0, s0, MPX_TCP_ACK, o, n, 250);
	run_c2s(&e, &p, &tx, &v);
	cr_expect_eq(v.act, MPX_ACT_FWD, "%s", evs(&v));
	cr_expect_eq(e.sf.cm_head, 1);
	cr_expect_eq(e.sf.cm[0].dsn, d0);
	cr_expect_eq(e.sf.cm[0].seq, c0);
	cr_expect_eq(e.sf.cm[0].len, 500);
	n = o_ts(o, 7, 6);
	seg(&e, &p, 1, c0 + 250, s0, MPX_TCP_ACK, o, n, 250);
	run_c2s(&e, &p, &tx, &v);
	cr_expect_eq(v.act, MPX_ACT_FWD, "%s", evs(&v));
	cr_expect_eq(tx.seq, c0 + 250);
	cr_expect_eq(s_ack(&e, c0 + 500, NULL), c0 + 500);
}

/* ---- the ring of mappings ----------------------------------------------------------------- */

/* What a client mapping leaves in the ring: its DSN, its first byte's
 * client sequence number, its length in subflow bytes (a DATA_FIN is none);
 * repeated on every segment it covers, it takes one slot. */
Test(subflow, mappings_recorded)
{
	struct env e;
	struct mpx_tx tx;
	struct mpx_verdict v;
	const uint64_t idsn_c = 0xffffffffffffff00ull, d0 = idsn_c + 1;
	const uint32_t c0 = 0xfffffff0u;

	env_init(&e, idsn_c, 1, c0, 2, 0);
	for (uint32_t k = 0; k < 3; k++)
		c_seg(&e, c0 + 100 * k, 1, d0, 1, 300, 0, 100, MPX_TCP_ACK, &tx, &v);
	cr_expect_eq(e.sf.cm_head, 1);
	cr_expect(e.sf.cm[0].dsn == d0 && e.sf.cm[0].seq == c0 && e.sf.cm[0].len == 300, "%#llx %#x %u",
		  (unsigned long long)e.sf.cm[0].dsn, e.sf.cm[0].seq, e.sf.cm[0].len);
	/* data + DATA_FIN: 50 subflow bytes */
	c_seg(&e, c0 + 300, 1, d0 + 300, 301, 51, 1, 50, MPX_TCP_ACK, &tx, &v);
	cr_expect_eq(e.sf.cm_head, 2);
	cr_expect(e.sf.cm[1].dsn == d0 + 300 && e.sf.cm[1].seq == c0 + 300 && e.sf.cm[1].len == 50, "%#llx %#x %u",
		  (unsigned long long)e.sf.cm[1].dsn, e.sf.cm[1].seq, e.sf.cm[1].len);
	/* a DATA_FIN alone: no slot */
	c_seg(&e, c0 + 350, 1, d0 + 350, 0, 1, 1, 0, MPX_TCP_ACK, &tx, &v);
	cr_expect_eq(e.sf.cm_head, 2);
	/* an infinite mapping, even on a pure ACK: the plain data after it
	 * rides on it, anchored at the segment that carried it */
	c_seg(&e, c0 + 350, 1, d0 + 350, 0, 0, 0, 0, MPX_TCP_ACK, &tx, &v);
	cr_expect_eq(e.sf.cm_head, 3);
	cr_expect(e.sf.cm[2].dsn == d0 + 350 && e.sf.cm[2].seq == c0 + 350 && e.sf.cm[2].len == MPX_MAP_INFINITE,
		  "%#llx %#x %u", (unsigned long long)e.sf.cm[2].dsn, e.sf.cm[2].seq, e.sf.cm[2].len);
	/* the ring wraps: slot k % MPX_CMAP */
	env_init(&e, idsn_c, 1, c0, 2, 0);
	for (uint32_t k = 0; k < MPX_CMAP + 3; k++)
		c_data(&e, c0 + 7 * k, d0 + 7 * k, 7, &tx, &v);
	cr_expect_eq(e.sf.cm_head, MPX_CMAP + 3);
	for (uint32_t k = 0; k < 3; k++)
		cr_expect_eq(e.sf.cm[k].seq, c0 + 7 * (MPX_CMAP + k), "slot %u", k);
	cr_expect_eq(e.sf.cm[3].seq, c0 + 7 * 3);
	/* the subflow's time stamp */
	cr_expect_eq(e.sf.last_ns, 1000);
}

/* ---- randomized: the subflow acknowledgement against a reference ------------------------ */

/*
 * A single-subflow client sends D bytes through the gateway to a plain TCP
 * server over a path that loses 15% of what the gateway forwards. The
 * client keeps a window of subflow bytes, retransmits on the subflow when
 * stalled, and now and then reinjects data from its DATA_ACK as new
 * subflow bytes. The server acknowledges in order, on every segment it
 * gets. Each acknowledgement the gateway gives the subflow must be the
 * reference's: every mapping remembered (never more than the ring holds
 * are outstanding), walk from the last acknowledgement while the data is
 * acknowledged. The transfer must end with everything acknowledged on both
 * levels (no deadlock), and the close with the subflow's FIN.
 */
#define SIM_D 60000
#define SIM_MAPS 4096

struct sim {
	struct env e;
	uint64_t rng;
	uint64_t d0;
	/* client */
	uint32_t snxt, suna; /* subflow */
	uint32_t dnxt, duna; /* data, relative to d0 */
	struct {
		uint32_t seq, len, ssn;
		uint64_t dsn;
		uint32_t noted; /* cm_head when last recorded */
		int nsegs;
	} map[SIM_MAPS];
	int nmap;
	struct {
		uint32_t seq, len;
		int m;
	} segs[SIM_MAPS * 2];
	int nseg;
	/* server */
	uint8_t have[SIM_D + 1];
	uint32_t srv_nxt; /* relative to c_seq0 */
	/* reference */
	uint32_t ref_ack, rcv_hi;
	unsigned n_reinj, n_rtx, n_lost, n_acks, n_drift;
};

static uint32_t rnd(struct sim *s, uint32_t n)
{
	s->rng = s->rng * 6364136223846793005ull + 1442695040888963407ull;
	return (uint32_t)(s->rng >> 33) % n;
}

/* the mapping (latest) that holds subflow byte a, or -1 */
static int map_at(const struct sim *s, uint32_t a)
{
	for (int i = s->nmap - 1; i >= 0; i--)
		if (a - s->map[i].seq < s->map[i].len)
			return i;
	return -1;
}

static uint32_t ref_walk(struct sim *s, uint64_t dack, unsigned *steps)
{
	uint32_t a = s->ref_ack;

	*steps = 0;
	for (;;) {
		int i = map_at(s, a);
		uint32_t off, left;
		uint64_t d, room;

		if (i < 0)
			break;
		/* the core remembers only the last MPX_CMAP mappings and walks
		 * MPX_CMAP of them at a time: the simulation stays within that */
		cr_assert_leq(s->e.sf.cm_head - s->map[i].noted, MPX_CMAP,
			      "the simulation outran the ring: mapping %d is outstanding but forgotten", i);
		cr_assert_lt(*steps, MPX_CMAP, "the simulation outran the walk");
		off = a - s->map[i].seq;
		d = s->map[i].dsn + off;
		if ((int64_t)(d - dack) >= 0)
			break;
		room = dack - d;
		left = s->map[i].len - off;
		++*steps;
		a += room < left ? (uint32_t)room : left;
		if (room < left)
			break;
	}
	if (after(a, s->rcv_hi))
		a = s->rcv_hi;
	if (after(a, s->ref_ack))
		s->ref_ack = a;
	return s->ref_ack;
}

/* the server gets (or not) what the gateway forwarded, and answers */
static void sim_deliver(struct sim *s, const struct mpx_tx *tx)
{
	uint32_t rel = tx->seq - s->e.c.c_seq0, got, want;
	struct ref_dss d;
	unsigned steps;

	if (rnd(s, 100) < 15) {
		s->n_lost++;
		return;
	}
	cr_assert_leq(rel + tx->plen, SIM_D);
	for (uint32_t k = 0; k < tx->plen; k++)
		s->have[rel + k] = 1;
	while (s->srv_nxt < SIM_D && s->have[s->srv_nxt])
		s->srv_nxt++;
	got = s_ack(&s->e, s->e.c.c_seq0 + s->srv_nxt, &d);
	cr_assert_eq(d.data_ack, s->d0 + s->srv_nxt);
	want = ref_walk(s, d.data_ack, &steps);
	cr_assert_eq(got, want, "subflow ack %u, reference %u (server ack %u, %u steps)", got - s->e.c.c_seq0,
		     want - s->e.c.c_seq0, s->srv_nxt, steps);
	if (got != s->e.c.c_seq0 + s->srv_nxt)
		s->n_drift++;
	s->n_acks++;
	if (after(got, s->suna))
		s->suna = got;
	if (s->srv_nxt > s->duna)
		s->duna = s->srv_nxt;
}

/* send one segment of mapping m at subflow seq, len bytes */
static void sim_send(struct sim *s, int m, uint32_t seq, uint32_t len)
{
	struct mpx_tx tx;
	struct mpx_verdict v;
	uint32_t h = s->e.sf.cm_head;

	c_seg(&s->e, seq, 1, s->map[m].dsn, s->map[m].ssn, (uint16_t)s->map[m].len, 0, (int)len, MPX_TCP_ACK, &tx,
	      &v);
	cr_assert_eq(v.act, MPX_ACT_FWD, "%s", evs(&v));
	cr_assert_eq(tx.seq, s->e.c.c_seq0 + (uint32_t)(s->map[m].dsn - s->d0) + (seq - s->map[m].seq));
	if (s->e.sf.cm_head != h)
		s->map[m].noted = h;
	if (after(seq + len, s->rcv_hi))
		s->rcv_hi = seq + len;
	sim_deliver(s, &tx);
}

/* a new mapping of len bytes of data at DSN-offset dsn_rel, at snxt, in
 * one to three segments */
static void sim_map(struct sim *s, uint32_t dsn_rel, uint32_t len)
{
	int m = s->nmap++, nsegs = 1 + (int)rnd(s, 3);
	uint32_t off = 0;

	cr_assert_lt(s->nmap, SIM_MAPS);
	s->map[m].seq = s->snxt;
	s->map[m].len = len;
	s->map[m].ssn = s->snxt - s->e.sf.ssn_base;
	s->map[m].dsn = s->d0 + dsn_rel;
	s->snxt += len;
	for (int k = 0; k < nsegs && off < len; k++) {
		uint32_t l = k == nsegs - 1 ? len - off : (len - off) / 2 + 1;

		s->segs[s->nseg].seq = s->map[m].seq + off;
		s->segs[s->nseg].len = l;
		s->segs[s->nseg].m = m;
		s->nseg++;
		sim_send(s, m, s->map[m].seq + off, l);
		off += l;
	}
}

static void sim_run(uint64_t seed, uint32_t c0, uint64_t idsn_c)
{
	static struct sim s;
	const uint32_t W = 5000;
	unsigned idle = 0, rounds = 0;
	uint32_t last_suna;

	memset(&s, 0, sizeof(s));
	s.rng = seed;
	env_init(&s.e, idsn_c, 0x424242, c0, 0x1000, 0);
	s.d0 = idsn_c + 1;
	s.snxt = s.suna = s.ref_ack = s.rcv_hi = c0;
	last_suna = c0;
	while ((s.duna < SIM_D || s.suna != s.snxt) && rounds++ < 200000) {
		uint32_t inflight = s.snxt - s.suna;

		if (s.dnxt < SIM_D && inflight < W) {
			uint32_t len = 400 + rnd(&s, 1001);

			if (len > SIM_D - s.dnxt)
				len = SIM_D - s.dnxt;
			sim_map(&s, s.dnxt, len);
			s.dnxt += len;
		} else if (++idle >= 3) {
			/* stalled: reinject from the DATA_ACK, or retransmit
			 * the first unacknowledged subflow segment */
			idle = 0;
			if (s.duna < s.dnxt && inflight < 2 * W && rnd(&s, 3) == 0) {
				uint32_t len = s.dnxt - s.duna > 1000 ? 1000 : s.dnxt - s.duna;

				sim_map(&s, s.duna, len);
				s.n_reinj++;
			} else if (s.suna != s.snxt) {
				for (int i = s.nseg - 1; i >= 0; i--)
					if (s.suna - s.segs[i].seq < s.segs[i].len) {
						sim_send(&s, s.segs[i].m, s.segs[i].seq, s.segs[i].len);
						s.n_rtx++;
						break;
					}
			}
		}
		if (s.suna != last_suna) {
			idle = 0;
			last_suna = s.suna;
		}
	}
	cr_assert_eq(s.duna, SIM_D, "seed %llu: data acknowledged %u of %u", (unsigned long long)seed, s.duna, SIM_D);
	cr_assert_eq(s.suna, s.snxt, "seed %llu: subflow stuck at %u of %u", (unsigned long long)seed, s.suna - c0,
		     s.snxt - c0);
	cr_expect_gt(s.n_reinj, 0, "seed %llu: no reinjection happened", (unsigned long long)seed);
	cr_expect_gt(s.n_drift, 0, "seed %llu", (unsigned long long)seed);

	/* the close: DATA_FIN alone, then the subflow's FIN */
	{
		struct mpx_tx tx;
		struct mpx_verdict v;

		c_seg(&s.e, s.snxt, 1, s.d0 + SIM_D, 0, 1, 1, 0, MPX_TCP_ACK, &tx, &v);
		cr_assert(tx.flags & MPX_TCP_FIN);
		cr_assert_eq(tx.seq, c0 + SIM_D);
		s.have[SIM_D] = 1;
		cr_expect_eq(s_ack(&s.e, c0 + SIM_D + 1, NULL), s.snxt, "DATA_FIN acknowledged: the subflow's bytes");
		c_seg(&s.e, s.snxt, 0, 0, 0, 0, 0, 0, MPX_TCP_ACK | MPX_TCP_FIN, &tx, &v);
		cr_assert(tx.flags & MPX_TCP_FIN);
		cr_expect_eq(tx.seq, c0 + SIM_D);
		cr_expect_eq(s_ack(&s.e, c0 + SIM_D + 1, NULL), s.snxt + 1, "and its FIN");
	}
	cr_log_info("seed %llu start %#x: %d mappings, %u reinjections, %u retransmissions, %u lost, %u acks "
		    "(%u of them not the server's number)",
		    (unsigned long long)seed, c0, s.nmap, s.n_reinj, s.n_rtx, s.n_lost, s.n_acks, s.n_drift);
}

Test(subflow, randomized_against_reference)
{
	sim_run(1, 1000, 0x1000);
	sim_run(2, 0xffff0000u, 0xffffffffffff0000ull);
	sim_run(3, 0x7fff8000u, 0x00000000ffffc000ull);
	sim_run(4, 0xfffffffeu, 0xfffffffffffffffeull);
}

/*
 * After an infinite mapping the subflow's bytes are the data's for as long
 * as the connection lives: gigabytes later, plain data still lands at its
 * place, acknowledgements follow the server's, and a retransmission from
 * before a re-anchoring still lands where it belongs.
 */
Test(subflow, infinite_mapping_lasts)
{
	struct env e;
	struct mpx_pkt p;
	struct mpx_tx tx;
	struct mpx_verdict v;
	const uint64_t idsn_c = 0x7ffffffffff0ull, d0 = idsn_c + 1;
	const uint32_t c0 = 0x10, s0 = 0x5000;

	env_init(&e, idsn_c, 1, c0, s0, 0);
	c_data(&e, c0, d0, 100, &tx, &v);
	c_seg(&e, c0 + 100, 1, d0 + 100, 0, 0, 0, 100, MPX_TCP_ACK, &tx, &v);
	cr_assert(has_ev(&v, MPX_ST_INFINITE_MAP_RX), "%s", evs(&v));
	cr_assert_eq(tx.seq, c0 + 100);
	/* 7 GiB of plain TCP in steps past each re-anchoring point */
	for (uint64_t off = 200; off < (7ull << 30); off += (MPX_MAP_INFINITE / 2) - 1000) {
		seg(&e, &p, 1, c0 + (uint32_t)off, 4242, MPX_TCP_ACK, NULL, 0, 100);
		run_c2s(&e, &p, &tx, &v);
		cr_assert_eq(v.act, MPX_ACT_FWD, "off %#llx: %s", (unsigned long long)off, evs(&v));
		cr_assert_eq(tx.seq, e.c.c_seq0 + (uint32_t)off, "off %#llx", (unsigned long long)off);
		cr_assert_eq(s_ack(&e, e.c.c_seq0 + (uint32_t)off + 100, NULL), c0 + (uint32_t)off + 100,
			     "off %#llx", (unsigned long long)off);
		/* a retransmission from just before this segment */
		seg(&e, &p, 1, c0 + (uint32_t)off - 50, 4242, MPX_TCP_ACK, NULL, 0, 50);
		run_c2s(&e, &p, &tx, &v);
		cr_assert_eq(v.act, MPX_ACT_FWD, "off %#llx: %s", (unsigned long long)off, evs(&v));
		cr_assert_eq(tx.seq, e.c.c_seq0 + (uint32_t)off - 50);
	}
}
