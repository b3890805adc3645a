// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The numbers of an established connection (s01's, installed as the daemon
 * does), on synthetic segments where the subflow's sequence space and the
 * server's part: what the client's reinjections and reorderings do.
 *
 * Client -> server: data goes where its mapping's DSN puts it, data without
 * a DSS rides on the subflow's latest mapping, segments without data carry
 * the gateway's next number (c_nxt), and the ack is the DATA_ACK or, without
 * one, the last ack the server got (c_ack), never the segment's own.
 *
 * Server -> client: the TCP ack is the subflow's own: the client's subflow
 * bytes whose data the server has acknowledged, through the mappings the
 * client used on it. The test keeps its own account of the client's
 * mappings and derives every expected ack from it by hand, with the
 * server's DATA_ACK next to it unchanged.
 *
 * Numbers below: DSN d means client DSN idsn_c + 1 + d (server-side seq
 * c_seq0 + d), SSN s the subflow's relative sequence number (client seq
 * c_seq0 - 1 + s on the initial subflow).
 */
#include <stdio.h>
#include <string.h>
#include <bpf/bpf.h>
#include <criterion/criterion.h>
#include "bt.h"
#include "est.h"

TestSuite(subflow, .init = est_setup, .fini = est_teardown);

#define NO_ACK UINT64_MAX

/* DSS: optional 64-bit DATA_ACK, optional 64-bit mapping; NOP padded */
static size_t dss(uint8_t *o, uint64_t data_ack, int map, uint64_t dsn, uint32_t ssn,
		  uint16_t dlen, int fin)
{
	size_t n = 4;

	o[0] = 30, o[2] = 0x20, o[3] = 0;
	if (data_ack != NO_ACK) {
		o[3] |= 0x03;
		bt_put64(o + n, data_ack);
		n += 8;
	}
	if (map) {
		o[3] |= (uint8_t)(0x0c | (fin ? 0x10 : 0));
		bt_put64(o + n, dsn);
		bt_put32(o + n + 8, ssn);
		bt_put16(o + n + 12, dlen);
		n += 14;
	}
	o[1] = (uint8_t)n;
	while (n & 3)
		o[n++] = 1;
	return n;
}

/* client DSN d as the 64-bit number, and as the server-side seq */
static uint64_t cdsn(uint32_t d) { return C.idsn_c + 1 + d; }
static uint32_t cseq(uint32_t d) { return C.c_seq0 + d; }
/* client subflow SSN s as a client seq */
static uint32_t ssn_seq(uint32_t s) { return C.c_seq0 - 1 + s; }

/*
 * A client segment at SSN ssn with plen bytes of PAY[poff...], a DSS
 * (DATA_ACK unless NO_ACK, mapping when map) and TCP ack tcp_ack; it must
 * go to the server at exp_seq with exp_ack, options stripped.
 */
static void client(const char *what, uint32_t ssn, uint32_t tcp_ack, uint64_t data_ack,
		   int map, uint32_t m_dsn, uint32_t m_ssn, uint16_t m_len, uint16_t plen,
		   uint16_t poff, uint8_t flags, uint32_t exp_seq, uint32_t exp_ack)
{
	uint8_t opt[40], in[2048], exp[2048];
	size_t on, n, en;

	on = ts(opt, 1000 + ssn, 2000);
	if (data_ack != NO_ACK || map)
		on += dss(opt + on, data_ack, map, cdsn(m_dsn), m_ssn, m_len, 0);
	n = bt_build(in, &C2S, ssn_seq(ssn), tcp_ack, flags, 500, opt, on, PAY + poff, plen);
	bt_run_as(MPX_ROLE_CLIENT, in, n, &O);
	cr_expect_eq(O.ret, XDP_PASS, "%s: action %u", what, O.ret);
	en = with_numbers(in, n, exp_seq, exp_ack, flags, exp);
	cr_expect(bt_same(what, O.d, O.len, exp, en), "%s", what);
	cr_expect(bt_csum_ok(O.d, O.len), "%s: checksums", what);
}

/* the same, expected to be dropped with DSSNotMatching */
static void client_not_matching(const char *what, uint32_t ssn, int map, uint32_t m_dsn,
				uint32_t m_ssn, uint16_t m_len, uint16_t plen)
{
	uint8_t opt[40], in[2048];
	uint64_t b[MPX_ST__MAX], a[MPX_ST__MAX];
	size_t on, n;

	on = ts(opt, 1000 + ssn, 2000);
	if (map)
		on += dss(opt + on, NO_ACK, 1, cdsn(m_dsn), m_ssn, m_len, 0);
	n = bt_build(in, &C2S, ssn_seq(ssn), C.s_seq0, 0x18, 500, opt, on, PAY, plen);
	bt_set_role(MPX_ROLE_CLIENT);
	bt_stats(b);
	bt_run(in, n, &O);
	bt_stats(a);
	cr_expect_eq(O.ret, XDP_DROP, "%s: action %u", what, O.ret);
	bt_expect_deltas(b, a, MPX_ST_DSS_NOT_MATCHING, 1, -1);
}

/*
 * A server segment: seq s_seq0 + soff, ack c_seq0 + dack (server space),
 * plen bytes, optional SACK blocks; it must reach the client with TCP ack
 * exp_ack and a DSS whose DATA_ACK is the server's ack as a DSN.
 */
static void server(const char *what, uint32_t soff, uint32_t dack, uint16_t plen, int nsack,
		   uint32_t exp_ack)
{
	uint8_t opt[40], in[2048], exp[2048], eopt[40];
	size_t on, n, en, eon;

	on = ts(opt, 3000 + soff, 4000);
	if (nsack)
		on += sack(opt + on, nsack, cseq(dack + 500));
	n = bt_build(in, &S2C, C.s_seq0 + soff, cseq(dack), plen ? 0x18 : 0x10, 300, opt, on,
		     PAY, plen);
	bt_run_as(MPX_ROLE_SERVER, in, n, &O);
	cr_expect_eq(O.ret, XDP_PASS, "%s: action %u", what, O.ret);
	/* the server's options without SACK, then the DSS */
	eon = ts(eopt, 3000 + soff, 4000);
	if (plen) {
		eon += dss_map(eopt + eon, cdsn(dack), C.idsn_g + 1 + soff, soff + 1, plen, 0, 0, 0);
		eon = bt_opt_pad(eopt, eon);
	} else {
		eon += dss_ack64(eopt + eon, cdsn(dack));
	}
	bt_put32(in + (C2S.v6 ? 54 : 34) + 8, exp_ack);
	bt_fix_csum(in, n);
	en = bt_reframe(in, n, eopt, eon, plen ? 0x18 : 0x10, exp);
	cr_expect(bt_same(what, O.d, O.len, exp, en), "%s: expected TCP ack %u (c_seq0 + %d)",
		  what, exp_ack, (int)(exp_ack - C.c_seq0));
	cr_expect(bt_csum_ok(O.d, O.len), "%s: checksums", what);
}

static void sf_expect(const char *what, uint32_t ack, uint32_t rcv_hi, uint32_t cm_head)
{
	struct mpx_sf sf;

	s01_sf_get(1, 0, &sf);
	cr_expect_eq(sf.ack, ack, "%s: subflow ack c_seq0 + %d, expected + %d", what,
		     (int)(sf.ack - C.c_seq0), (int)(ack - C.c_seq0));
	cr_expect_eq(sf.rcv_hi, rcv_hi, "%s: rcv_hi c_seq0 + %d, expected + %d", what,
		     (int)(sf.rcv_hi - C.c_seq0), (int)(rcv_hi - C.c_seq0));
	cr_expect_eq(sf.cm_head, cm_head, "%s: %u mappings recorded, expected %u", what,
		     sf.cm_head, cm_head);
}

/* ---- client -> server ------------------------------------------------- */

/* Segments without data go on c_nxt and c_ack, whatever their own
 * numbers: the subflow's need not be the server's. */
static void dataless_numbers(void)
{
	struct mpx_conn c;

	/* the server sends 300 bytes */
	server("server data", 0, 0, 300, 0, C.c_seq0);
	/* 1000 bytes at SSN 1 = DSN 0, acking the 300 */
	client("data", 1, C.s_seq0 + 300, C.idsn_g + 1 + 300, 1, 0, 1, 1000, 1000, 0, 0x18,
	       cseq(0), C.s_seq0 + 300);
	conn_get(&c);
	cr_expect_eq(c.c_nxt, cseq(1000));
	cr_expect_eq(c.c_ack, C.s_seq0 + 300);
	/* a pure ACK whose own numbers are elsewhere */
	client("pure ACK, DATA_ACK only", 77, C.s_seq0 + 12, C.idsn_g + 1 + 300, 0, 0, 0, 0, 0, 0,
	       0x10, cseq(1000), C.s_seq0 + 300);
	/* no DSS at all: c_nxt and c_ack */
	client("pure ACK, no DSS", 5000, 0x12345678, NO_ACK, 0, 0, 0, 0, 0, 0, 0x10, cseq(1000),
	       C.s_seq0 + 300);
	/* a DATA_ACK that moves back still goes on as sent */
	client("older DATA_ACK", 1001, C.s_seq0, C.idsn_g + 1 + 100, 0, 0, 0, 0, 0, 0, 0x10,
	       cseq(1000), C.s_seq0 + 100);
	conn_get(&c);
	cr_expect_eq(c.c_nxt, cseq(1000), "pure ACKs do not move c_nxt");
	cr_expect_eq(c.c_ack, C.s_seq0 + 100);
}

Test(subflow, dataless_segments_on_gateway_numbers) { dataless_numbers(); }
Test(subflow, dataless_segments_on_gateway_numbers_v6)
{
	est_go_v6();
	dataless_numbers();
}

/* Data without a DATA_ACK carries the last ack the server got */
Test(subflow, ack_without_data_ack_is_last_sent)
{
	server("server data", 0, 0, 400, 0, C.c_seq0);
	client("DATA_ACK 400", 1, C.s_seq0 + 400, C.idsn_g + 1 + 400, 1, 0, 1, 100, 100, 0, 0x18,
	       cseq(0), C.s_seq0 + 400);
	/* mapping only; its TCP ack (an older one) is not passed on */
	client("mapping, no DATA_ACK", 101, C.s_seq0 + 50, NO_ACK, 1, 100, 101, 100, 100, 100,
	       0x18, cseq(100), C.s_seq0 + 400);
	/* the DATA_ACK in its 32-bit form, widened */
	{
		uint8_t opt[40], in[2048], exp[2048];
		size_t on, n, en;

		on = ts(opt, 1, 2);
		opt[on] = 30, opt[on + 1] = 8, opt[on + 2] = 0x20, opt[on + 3] = 0x01;
		bt_put32(opt + on + 4, (uint32_t)(C.idsn_g + 1 + 250));
		on += 8;
		n = bt_build(in, &C2S, ssn_seq(201), C.s_seq0 + 1, 0x10, 500, opt, on, NULL, 0);
		bt_run_as(MPX_ROLE_CLIENT, in, n, &O);
		cr_expect_eq(O.ret, XDP_PASS);
		en = with_numbers(in, n, cseq(200), C.s_seq0 + 250, 0x10, exp);
		cr_expect(bt_same("32-bit DATA_ACK", O.d, O.len, exp, en));
	}
}

/*
 * Data without a DSS rides on the subflow's latest mapping, wherever that
 * puts it: here a reinjection maps SSN 501.. to DSN 0.., so the segment at
 * SSN 701 goes to DSN 200, not where its subflow number would put it.
 */
Test(subflow, data_without_dss_rides_latest_mapping)
{
	client("SSN 1-500 = DSN 0-499", 1, C.s_seq0, C.s2c_ref, 1, 0, 1, 500, 500, 0, 0x18, cseq(0),
	       C.s_seq0);
	/* the mapping of SSN 501-900 to DSN 0-399 on its first 200 bytes */
	client("SSN 501-700 = DSN 0-199", 501, C.s_seq0, NO_ACK, 1, 0, 501, 400, 200, 0, 0x18,
	       cseq(0), C.s_seq0);
	client("SSN 701-900, no DSS", 701, C.s_seq0, NO_ACK, 0, 0, 0, 0, 200, 200, 0x18, cseq(200),
	       C.s_seq0);
	/* beyond the mapping: nothing says where it goes */
	client_not_matching("SSN 901, no DSS", 901, 0, 0, 0, 0, 100);
	client_not_matching("SSN 851-950, no DSS", 851, 0, 0, 0, 0, 100);
	sf_expect("after", C.c_seq0, ssn_seq(901), 2);
}

/* ---- server -> client: the subflow's acknowledgement -------------------- */

/*
 * A reinjection: the client re-sends data the server already acknowledged
 * as new subflow bytes with a new mapping (Linux does so on one subflow
 * when its data-level timer fires before the DATA_ACK arrives). The server
 * sees a duplicate and its ack does not move; the client's subflow must
 * still see its new bytes acknowledged, or it retransmits them forever.
 */
static void reinjection(void)
{
	uint8_t opt[40], in[2048];
	struct mpx_conn c;
	size_t on, n;

	client("SSN 1-1000 = DSN 0-999", 1, C.s_seq0, C.s2c_ref, 1, 0, 1, 1000, 1000, 0, 0x18,
	       cseq(0), C.s_seq0);
	server("server acks DSN 1000", 0, 1000, 0, 0, ssn_seq(1001));
	sf_expect("before the reinjection", ssn_seq(1001), ssn_seq(1001), 1);
	/* SSN 1001-2000 carry DSN 0-999 again: to the server as a duplicate */
	client("reinjected: SSN 1001-2000 = DSN 0-999", 1001, C.s_seq0, C.s2c_ref, 1, 0, 1001,
	       1000, 1000, 0, 0x18, cseq(0), C.s_seq0);
	conn_get(&c);
	cr_expect_eq(c.c_nxt, cseq(1000), "a duplicate does not move c_nxt");
	/* the server's answer: its ack stays at DSN 1000 */
	server("server dup ACK", 0, 1000, 0, 0, ssn_seq(2001));
	sf_expect("after the reinjection", ssn_seq(2001), ssn_seq(2001), 2);
	/* the same ack again, and server data: the subflow ack stays */
	server("server data after it", 0, 1000, 700, 0, ssn_seq(2001));
	/* and the client's pure ACK of that data goes on c_nxt */
	on = ts(opt, 9, 9);
	on += dss(opt + on, C.idsn_g + 1 + 700, 0, 0, 0, 0, 0);
	n = bt_build(in, &C2S, ssn_seq(2001), C.s_seq0 + 700, 0x10, 500, opt, on, NULL, 0);
	bt_run_as(MPX_ROLE_CLIENT, in, n, &O);
	cr_expect_eq(O.ret, XDP_PASS);
	cr_expect_eq(bt_get32(O.d + (C2S.v6 ? 54 : 34) + 4), cseq(1000));
}

Test(subflow, reinjection_acknowledged) { reinjection(); }
Test(subflow, reinjection_acknowledged_v6)
{
	est_go_v6();
	reinjection();
}

/* A reinjection that is half new data: its old half is acknowledged at
 * once, its new half once the server has it, not before. */
Test(subflow, reinjection_partly_new)
{
	client("SSN 1-1000 = DSN 0-999", 1, C.s_seq0, C.s2c_ref, 1, 0, 1, 1000, 1000, 0, 0x18,
	       cseq(0), C.s_seq0);
	server("server acks DSN 1000", 0, 1000, 0, 0, ssn_seq(1001));
	client("SSN 1001-2000 = DSN 500-1499", 1001, C.s_seq0, C.s2c_ref, 1, 500, 1001, 1000, 1000,
	       500, 0x18, cseq(500), C.s_seq0);
	server("server still at DSN 1000", 0, 1000, 0, 0, ssn_seq(1501));
	server("server at DSN 1200", 0, 1200, 0, 0, ssn_seq(1701));
	server("server at DSN 1500", 0, 1500, 0, 0, ssn_seq(2001));
	sf_expect("end", ssn_seq(2001), ssn_seq(2001), 2);
}

/* Bytes the server has not acknowledged are not acknowledged to the
 * client: a loss between the gateway and the server reaches the client's
 * subflow as duplicate ACKs. */
static void unacked_not_acked(void)
{
	/* nothing sent yet: whatever the server says, nothing to acknowledge */
	server("server acks ahead of the client", 0, 500, 0, 0, C.c_seq0);
	sf_expect("nothing sent", C.c_seq0, C.c_seq0, 0);

	client("A: SSN 1-500 = DSN 0-499", 1, C.s_seq0, C.s2c_ref, 1, 0, 1, 500, 500, 0, 0x18,
	       cseq(0), C.s_seq0);
	client("B: SSN 501-1000 = DSN 500-999", 501, C.s_seq0, C.s2c_ref, 1, 500, 501, 500, 500,
	       500, 0x18, cseq(500), C.s_seq0);
	/* A is lost beyond the gateway: the server holds B, acks 0 and SACKs
	 * B; the client hears a duplicate ACK, without the server's SACK */
	server("dup ACK with SACK", 0, 0, 0, 1, C.c_seq0);
	server("dup ACK with SACK again", 0, 0, 0, 1, C.c_seq0);
	/* part of A */
	server("server at DSN 200", 0, 200, 0, 0, ssn_seq(201));
	/* the client retransmits A: the server has everything */
	client("A again", 1, C.s_seq0, C.s2c_ref, 1, 0, 1, 500, 500, 0, 0x18, cseq(0), C.s_seq0);
	server("server at DSN 1000", 0, 1000, 0, 0, ssn_seq(1001));
	/* and never more than the client sent */
	server("server beyond", 0, 1300, 0, 0, ssn_seq(1001));
	/* A's mapping again is a new entry (only a repeat of the latest is not) */
	sf_expect("end", ssn_seq(1001), ssn_seq(1001), 3);
}

Test(subflow, unacknowledged_bytes_not_acknowledged) { unacked_not_acked(); }
Test(subflow, unacknowledged_bytes_not_acknowledged_v6)
{
	est_go_v6();
	unacked_not_acked();
}

/*
 * The client sent its data out of order on the subflow (SSN 1-1000 carry
 * DSN 1000-1999, SSN 1001-2000 carry DSN 0-999). When the server has only
 * DSN 0-999, its ack (c_seq0 + 1000) would, passed on, acknowledge SSN
 * 1-1000, whose data it does not have: the subflow ack must stay put.
 */
Test(subflow, reordered_mappings)
{
	client("SSN 1-1000 = DSN 1000-1999", 1, C.s_seq0, C.s2c_ref, 1, 1000, 1, 1000, 1000, 0,
	       0x18, cseq(1000), C.s_seq0);
	client("SSN 1001-2000 = DSN 0-999", 1001, C.s_seq0, C.s2c_ref, 1, 0, 1001, 1000, 1000, 0,
	       0x18, cseq(0), C.s_seq0);
	server("server has DSN 0-999 only", 0, 1000, 0, 0, C.c_seq0);
	server("server has DSN 0-1499", 0, 1500, 0, 0, ssn_seq(501));
	server("server has it all", 0, 2000, 0, 0, ssn_seq(2001));
	sf_expect("end", ssn_seq(2001), ssn_seq(2001), 2);
}

/*
 * The client's DATA_FIN rides on its last data (mapping of 201 = 200 bytes
 * + DATA_FIN) and goes to the server as a FIN. The server's ack of that
 * FIN acknowledges no subflow byte (the subflow has sent no FIN): the
 * client gets the 200 bytes acknowledged. Its subflow FIN, when it comes,
 * is the FIN again for the server, and acknowledged with the next ack.
 */
Test(subflow, data_fin_not_a_subflow_byte)
{
	uint8_t opt[40], in[2048], exp[2048];
	struct mpx_conn c;
	struct mpx_sf sf;
	size_t on, n, en;

	on = ts(opt, 1, 2);
	on += dss(opt + on, C.s2c_ref, 1, cdsn(0), 1, 201, 1);
	n = bt_build(in, &C2S, ssn_seq(1), C.s_seq0, 0x18, 500, opt, on, PAY, 200);
	bt_run_as(MPX_ROLE_CLIENT, in, n, &O);
	cr_expect_eq(O.ret, XDP_PASS);
	en = with_numbers(in, n, cseq(0), C.s_seq0, 0x19, exp);
	cr_expect(bt_same("data + DATA_FIN", O.d, O.len, exp, en));
	conn_get(&c);
	cr_expect_eq(c.c_fin_seq, cseq(200));
	cr_expect_eq(c.c_nxt, cseq(201));

	server("server acks the FIN", 0, 201, 0, 0, ssn_seq(201));
	conn_get(&c);
	cr_expect(c.state & MPX_CS_C_FIN_ACKED);

	/* the subflow's FIN (SSN 201), acking nothing new: the FIN again */
	on = ts(opt, 3, 4);
	n = bt_build(in, &C2S, ssn_seq(201), C.s_seq0, 0x11, 500, opt, on, NULL, 0);
	bt_run_as(MPX_ROLE_CLIENT, in, n, &O);
	cr_expect_eq(O.ret, XDP_PASS);
	en = with_numbers(in, n, cseq(200), C.s_seq0, 0x11, exp);
	cr_expect(bt_same("subflow FIN after DATA_FIN", O.d, O.len, exp, en));
	s01_sf_get(1, 0, &sf);
	cr_expect(sf.flags & MPX_SF_C_FIN);
	cr_expect_eq(sf.fin_seq, ssn_seq(201));
	cr_expect_eq(sf.rcv_hi, ssn_seq(202));
	conn_get(&c);
	cr_expect_eq(c.c_nxt, cseq(201), "the FIN again does not move c_nxt");

	server("server acks the FIN again", 0, 201, 0, 0, ssn_seq(202));
	sf_expect("end", ssn_seq(202), ssn_seq(202), 1);
}

/*
 * As many mappings outstanding as the ring holds, and one more, all
 * acknowledged by one server ACK (a stretch ACK after small writes): every
 * one of them is acknowledged to the client. With fewer acknowledged on
 * that ACK, the client's subflow waits on bytes the server has, and if the
 * server has nothing more to say, until its retransmission timer fires.
 */
static void many_mappings(uint32_t nmap)
{
	char what[64];

	for (uint32_t i = 0; i < nmap; i++) {
		snprintf(what, sizeof(what), "mapping %u of %u", i + 1, nmap);
		client(what, 1 + 100 * i, C.s_seq0, C.s2c_ref, 1, 100 * i, 1 + 100 * i, 100, 100, 0,
		       0x18, cseq(100 * i), C.s_seq0);
	}
	snprintf(what, sizeof(what), "one ACK for %u mappings", nmap);
	server(what, 0, 100 * nmap, 0, 0, ssn_seq(1 + 100 * nmap));
	sf_expect(what, ssn_seq(1 + 100 * nmap), ssn_seq(1 + 100 * nmap), nmap);
}

Test(subflow, ring_full_of_mappings_acknowledged) { many_mappings(MPX_CMAP); }
Test(subflow, ring_overflow_mappings_acknowledged) { many_mappings(MPX_CMAP + 1); }

/* Mappings older than the ring holds count as acknowledged once the oldest
 * one it remembers is (state.h): 40 outstanding, acknowledged in steps. */
Test(subflow, ring_overflow_in_steps)
{
	char what[64];

	for (uint32_t i = 0; i < 40; i++) {
		snprintf(what, sizeof(what), "mapping %u of 40", i + 1);
		client(what, 1 + 100 * i, C.s_seq0, C.s2c_ref, 1, 100 * i, 1 + 100 * i, 100, 100, 0,
		       0x18, cseq(100 * i), C.s_seq0);
	}
	/* the first 8 have left the ring: DSN 0-1049 acknowledged covers
	 * them and the remembered ones up to SSN 1050 */
	server("server at DSN 1050", 0, 1050, 0, 0, ssn_seq(1051));
	server("server at DSN 2000", 0, 2000, 0, 0, ssn_seq(2001));
	server("server at DSN 4000", 0, 4000, 0, 0, ssn_seq(4001));
}

/*
 * With DSS checksums, a segment whose checksum fails is dropped (the
 * client retransmits it). The checksum covers the mapping too: a mapping
 * that fails it is no more trustworthy than the data, and must not count
 * as the client's for the subflow's acknowledgement. Here it names DSN 0
 * (already acknowledged) for SSN 101-200, whose real data (DSN 100-199)
 * the server has not acknowledged yet.
 */
Test(subflow, mapping_of_checksum_failure_not_used)
{
	uint8_t opt[40], in[2048];
	uint64_t b[MPX_ST__MAX], a[MPX_ST__MAX];
	struct mpx_conn c;
	size_t on, n;

	conn_get(&c);
	c.flags = MPX_CF_CSUM;
	conn_put(&c);
	bt_set_role(MPX_ROLE_CLIENT);
	/* SSN 1-100 = DSN 0-99, checksum right */
	on = ts(opt, 1, 2);
	on += dss_map(opt + on, C.s2c_ref, cdsn(0), 1, 100, 0, 1,
		      dss_csum(cdsn(0), 1, 100, PAY, 100));
	n = bt_build(in, &C2S, ssn_seq(1), C.s_seq0, 0x18, 500, opt, on, PAY, 100);
	bt_run(in, n, &O);
	cr_assert_eq(O.ret, XDP_PASS);
	server("server at DSN 100", 0, 100, 0, 0, ssn_seq(101));
	/* SSN 101-200 with its DSN damaged (0 instead of 100): checksum fails */
	on = ts(opt, 1, 2);
	on += dss_map(opt + on, C.s2c_ref, cdsn(0), 101, 100, 0, 1,
		      dss_csum(cdsn(100), 101, 100, PAY + 100, 100));
	n = bt_build(in, &C2S, ssn_seq(101), C.s_seq0, 0x18, 500, opt, on, PAY + 100, 100);
	bt_set_role(MPX_ROLE_CLIENT);
	bt_stats(b);
	bt_run(in, n, &O);
	bt_stats(a);
	cr_expect_eq(O.ret, XDP_DROP);
	bt_expect_deltas(b, a, MPX_ST_DATA_CSUM_ERR, 1, -1);
	/* the retransmission, intact */
	on = ts(opt, 1, 2);
	on += dss_map(opt + on, C.s2c_ref, cdsn(100), 101, 100, 0, 1,
		      dss_csum(cdsn(100), 101, 100, PAY + 100, 100));
	n = bt_build(in, &C2S, ssn_seq(101), C.s_seq0, 0x18, 500, opt, on, PAY + 100, 100);
	bt_run_as(MPX_ROLE_CLIENT, in, n, &O);
	cr_assert_eq(O.ret, XDP_PASS);
	/* the server has not got it yet: SSN 101-200 are not acknowledged */
	server("server still at DSN 100", 0, 100, 0, 0, ssn_seq(101));
	server("server at DSN 200", 0, 200, 0, 0, ssn_seq(201));
}

/*
 * Data with a subflow FIN after the DATA_FIN went: the client's last data
 * retransmitted with the subflow's FIN on it (Linux collapses a FIN into
 * the segment in front of it on retransmission). The data still goes where
 * its mapping puts it, ending on the FIN's number, where the FIN is again.
 */
Test(subflow, data_with_subflow_fin_after_data_fin)
{
	uint8_t opt[40], in[2048], exp[2048];
	size_t on, n, en;

	client("SSN 1-300 = DSN 0-299", 1, C.s_seq0, C.s2c_ref, 1, 0, 1, 300, 300, 0, 0x18,
	       cseq(0), C.s_seq0);
	/* DATA_FIN alone at DSN 300: a FIN at c_seq0 + 300 */
	on = ts(opt, 1, 2);
	on += dss(opt + on, C.s2c_ref, 1, cdsn(300), 0, 1, 1);
	n = bt_build(in, &C2S, ssn_seq(301), C.s_seq0, 0x10, 500, opt, on, NULL, 0);
	bt_run_as(MPX_ROLE_CLIENT, in, n, &O);
	cr_expect_eq(O.ret, XDP_PASS);
	en = with_numbers(in, n, cseq(300), C.s_seq0, 0x11, exp);
	cr_expect(bt_same("DATA_FIN", O.d, O.len, exp, en));
	/* SSN 101-300 again (mapping SSN 1 = DSN 0, 300) + FIN */
	on = ts(opt, 1, 2);
	on += dss(opt + on, C.s2c_ref, 1, cdsn(0), 1, 300, 0);
	n = bt_build(in, &C2S, ssn_seq(101), C.s_seq0, 0x19, 500, opt, on, PAY + 100, 200);
	bt_run_as(MPX_ROLE_CLIENT, in, n, &O);
	cr_expect_eq(O.ret, XDP_PASS);
	en = with_numbers(in, n, cseq(100), C.s_seq0, 0x19, exp);
	cr_expect(bt_same("data + subflow FIN after the DATA_FIN", O.d, O.len, exp, en),
		  "the data belongs at c_seq0 + 100 (its mapping), its FIN at c_fin_seq");
}
