// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * What the fuzzers (tests/fuzz/, docs/fuzzing.md) found, one test each,
 * so that a finding stays fixed.
 */
#include "synth.h"

/* frames up to a full 64 KiB IP packet */
static uint8_t big_frame[MPX_ETH_HLEN + 0x10000], big_out[sizeof(big_frame) + 64];
static uint8_t big_payload[0x10000];

/* A server segment of plen payload bytes, no options, into big_frame. */
static size_t big_seg(struct env *e, struct mpx_pkt *p, uint32_t seq, uint8_t flags, int plen)
{
	struct fb f;
	size_t len;

	memset(&f, 0, sizeof(f));
	memcpy(f.saddr, e->saddr, 16);
	memcpy(f.daddr, e->caddr, 16);
	f.sport = e->sport;
	f.dport = e->cport;
	f.seq = seq;
	f.ack = e->c.c_seq0;
	f.flags = flags;
	f.win = 502;
	f.payload = big_payload;
	f.plen = plen;
	len = fb_build(big_frame, sizeof(big_frame), &f);
	cr_assert_gt(len, 0);
	cr_assert_eq(mpx_pkt_load(p, big_frame, (uint32_t)len), MPX_PKT_OK);
	return len;
}

/*
 * fuzz_xlate: a server segment filling a whole IP packet (IP length
 * 65535) left with a DSS 28 bytes longer than 64 KiB, and mpx_emit() wrote
 * the truncated length into the IP header. The gateway can only drop it
 * (DSSNoRoom; the server's retransmission is MSS-sized). Its RST keeps no
 * payload instead, its SYN-ACKs go on as plain TCP.
 */
Test(fuzz_found, no_room_in_a_64k_packet)
{
	/* IPv4, no options: 40 header bytes, 28 of DSS (26 padded) */
	const int fits = 0xffff - 40 - 28, full = 0xffff - 40;
	struct env e;
	struct mpx_pkt p;
	struct mpx_tx tx;
	struct mpx_verdict v;
	struct ref_dss d;
	struct ref_hdr h;
	struct mpx_halfopen ho = { .state = MPX_HO_SYN };
	struct mpx_config cfg;
	struct mpx_flow_key k;
	size_t len;

	env_init(&e, 100, 200, 1000, 5000, 0);
	big_seg(&e, &p, 5000, MPX_TCP_ACK, fits);
	run_s2c(&e, &p, &tx, &v, &d);
	cr_assert_eq(v.act, MPX_ACT_FWD, "%s", evs(&v));
	len = emit_frame(big_out, big_frame, &p, &tx, 0);
	cr_assert_eq(ref_parse(big_out, len, &h), 0);
	cr_expect_eq(h.ip_len, 0xffff);
	cr_expect(ref_tcp_ok(h.ip, h.ip_len));

	big_seg(&e, &p, 5000, MPX_TCP_ACK, fits + 1);
	run_s2c(&e, &p, &tx, &v, &d);
	cr_expect_eq(v.act, MPX_ACT_DROP);
	cr_expect(has_ev(&v, MPX_ST_DSS_NO_ROOM), "%s", evs(&v));

	big_seg(&e, &p, 5000, MPX_TCP_RST | MPX_TCP_ACK, full);
	run_s2c(&e, &p, &tx, &v, &d);
	cr_expect_eq(v.act, MPX_ACT_FWD);
	cr_expect_eq(tx.plen, 0);
	cr_expect_geq(ref_find_mptcp(tx.opt.b, tx.opt.len, MPX_MP_FASTCLOSE), 0);

	big_seg(&e, &p, 4999, MPX_TCP_SYN | MPX_TCP_ACK, full);
	run_s2c(&e, &p, &tx, &v, &d);
	cr_expect_eq(v.act, MPX_ACT_PASS);

	memset(&cfg, 0, sizeof(cfg));
	mpx_flow_key_of(&k, &p, 0);
	memset(&tx, 0, sizeof(tx));
	memset(&v, 0, sizeof(v));
	mpx_server_synack(&cfg, 1, &ho, &k, &p, &tx, &v);
	cr_expect_eq(v.act, MPX_ACT_PASS);
	cr_expect_eq(ho.state, MPX_HO_FALLBACK);
	cr_expect(has_ev(&v, MPX_ST_FB_SYNACK_ROOM), "%s", evs(&v));
}

/*
 * fuzz_xlate: data on a segment whose DSS is a DATA_FIN alone (SSN 0,
 * length 1) has no mapping, yet went to the server at c_nxt with a FIN,
 * and the subflow recorded no mapping for it, so its bytes could never be
 * acknowledged. Such data is dropped like any the mappings do not cover.
 */
Test(fuzz_found, data_beside_a_lone_data_fin)
{
	struct env e;
	struct mpx_pkt p;
	struct mpx_tx tx;
	struct mpx_verdict v;
	uint8_t o[40];
	int n;

	/* IDSNs 1000 and 2000: the DATA_FIN at DSN 1001, before any data */
	env_init(&e, 1000, 2000, 10, 20, 0);
	n = o_pad(o, o_dss(o, 8, 2001, 8, 1001, 0, 1, 1, 0, 0));
	seg(&e, &p, 1, 10, 20, MPX_TCP_ACK, o, n, 16);
	run_c2s(&e, &p, &tx, &v);
	cr_expect_eq(v.act, MPX_ACT_DROP, "%s", evs(&v));
	cr_expect(has_ev(&v, MPX_ST_DSS_NOT_MATCHING), "%s", evs(&v));
	cr_expect_eq(e.c.c_nxt, 10);
	cr_expect_not(e.c.state & MPX_CS_C_DATAFIN);

	/* the same DATA_FIN on a pure ACK is the connection's end */
	seg(&e, &p, 1, 10, 20, MPX_TCP_ACK, o, n, 0);
	run_c2s(&e, &p, &tx, &v);
	cr_expect_eq(v.act, MPX_ACT_FWD, "%s", evs(&v));
	cr_expect(tx.flags & MPX_TCP_FIN);
	cr_expect_eq(tx.seq, 10);
}
