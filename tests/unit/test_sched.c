// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The gateway's sending side on two subflows (sched.h): where server
 * segments go, and when a subflow is declared dead.
 */
#include "synth.h"

#define STALL 1000000000ull /* --subflow-timeout 1000 */

/* The connection of env with a second subflow joined at time 0, as the
 * daemon and mpx_join_established() leave it. */
static void join_second(struct env *e, struct mpx_sf *sf1)
{
	memset(sf1, 0, sizeof(*sf1));
	sf1->key = e->c.key0;
	memcpy(sf1->key.c_addr, "\x0a\x01\x00\x02", 4);
	sf1->idx = 1;
	sf1->flags = MPX_SF_ACTIVE;
	sf1->snd_isn = 0x70000000u;
	sf1->ssn_base = 0x30000000u;
	sf1->rcv_hi = sf1->ack = sf1->ack_sent = sf1->ssn_base + 1;
	e->c.nsf = 2;
	e->c.sf_snd_nxt[1] = e->c.sf_snd_una[1] = sf1->snd_isn + 1;
}

/* A server data segment at seq, 100 bytes, at time now. */
static void s_data(struct env *e, struct mpx_sf *sf1, uint32_t seq, uint64_t now, struct mpx_tx *tx,
		   struct mpx_verdict *v)
{
	struct mpx_pkt p;

	seg(e, &p, 0, seq, e->c.c_seq0, MPX_TCP_ACK, NULL, 0, 100);
	memset(tx, 0, sizeof(*tx));
	memset(v, 0, sizeof(*v));
	s2c_multi(&e->c, (struct mpx_sf *[]){ &e->sf, sf1 }, 2, &p, tx, v, now, STALL);
	cr_assert_eq(v->act, MPX_ACT_FWD, "%s", evs(v));
}

/* Did tx go to the second subflow? */
static int on_second(const struct mpx_tx *tx)
{
	return !memcmp(tx->daddr, "\x0a\x01\x00\x02", 4);
}

/*
 * A path dies with server data in flight on it. The server, its window
 * full, sends nothing new: only retransmissions, which go back to the
 * subflow bytes they first went out as while that subflow lives. Once its
 * data has gone unacknowledged for the stall time while the other subflow
 * moves, it is dead, and the next retransmission goes to the other one as
 * new bytes. Declaring subflows dead only when new data was scheduled left
 * every retransmission on the dead path (x_failover's download stopped).
 */
Test(sched, retransmission_leaves_a_stalled_subflow)
{
	struct env e;
	struct mpx_sf sf1;
	struct mpx_tx tx;
	struct mpx_verdict v;
	struct mpx_pkt p;
	const uint32_t c0 = 1000, s0 = 0x10000;
	uint32_t ssn0, nxt1;

	env_init(&e, 0x100, 0x200, c0, s0, 0);
	join_second(&e, &sf1);
	/* the first segment on subflow 0, the second (least in flight) on 1 */
	s_data(&e, &sf1, s0, 0, &tx, &v);
	cr_assert(!on_second(&tx));
	ssn0 = tx.seq;
	e.c.sched_left = 0;
	s_data(&e, &sf1, s0 + 100, 0, &tx, &v);
	cr_assert(on_second(&tx));
	/* the client acknowledges subflow 1's at 0.2 s; subflow 0's path is dead */
	nxt1 = e.c.sf_snd_nxt[1];
	seg(&e, &p, 1, sf1.ssn_base + 1, nxt1, MPX_TCP_ACK, NULL, 0, 0);
	memset(&v, 0, sizeof(v));
	mpx_c2s(&e.c, &sf1, &p, &tx, &v, 200000000ull);
	cr_assert_eq(e.c.sf_snd_una[1], nxt1);

	/* a retransmission within the stall time: its own subflow bytes */
	s_data(&e, &sf1, s0, STALL / 2, &tx, &v);
	cr_expect(!on_second(&tx));
	cr_expect_eq(tx.seq, ssn0);
	cr_expect(!has_ev(&v, MPX_ST_SF_STALLED), "%s", evs(&v));
	/* after it: subflow 0 is dead, the data goes to subflow 1 as new bytes */
	s_data(&e, &sf1, s0, STALL + STALL / 2, &tx, &v);
	cr_expect(has_ev(&v, MPX_ST_SF_STALLED), "%s", evs(&v));
	cr_expect(has_ev(&v, MPX_ST_REINJECT), "%s", evs(&v));
	cr_expect(on_second(&tx), "the retransmission went to the dead subflow");
	cr_expect_eq(tx.seq, nxt1);
	cr_expect_eq(e.c.sf_dead, 1u);
	/* and so does the rest */
	s_data(&e, &sf1, s0 + 200, STALL + STALL / 2, &tx, &v);
	cr_expect(on_second(&tx));
	cr_expect_eq(tx.seq, nxt1 + 100);
}
