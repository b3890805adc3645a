// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Drops and special cases on an established connection (s01's, installed
 * as the daemon would: conn, initial subflow, token, flow): bad DATA_ACKs,
 * MP_FASTCLOSE, resets both ways (on the gateway's own numbers toward the
 * server), DSS checksums, data no mapping covers, option space and the
 * server's SACK blocks, ECN bits, the gateway's own ACKs once the
 * connection is closed, a flow without its subflow, and a SYN that reuses
 * the 4-tuple. Every expected frame is built here from RFC 8684's layouts.
 */
#include <string.h>
#include <bpf/bpf.h>
#include <criterion/criterion.h>
#include "bt.h"
#include "est.h"

TestSuite(established, .init = est_setup, .fini = est_teardown);

/* ---- DATA_ACK ----------------------------------------------------------- */

static void data_ack_beyond(void)
{
	uint8_t opt[40], in[256], exp[256];
	uint64_t b[MPX_ST__MAX], a[MPX_ST__MAX];
	struct mpx_conn c;
	size_t on, n, en;

	/* the server has sent nothing yet: s2c_ref = idsn_g + 1 */
	on = ts(opt, 10, 20);
	on += dss_ack64(opt + on, C.s2c_ref + 1);
	n = bt_build(in, &C2S, C.c_seq0, C.s_seq0 + 1, 0x10, 500, opt, on, NULL, 0);
	bt_set_role(MPX_ROLE_CLIENT);
	bt_stats(b);
	bt_run(in, n, &O);
	bt_stats(a);
	cr_expect_eq(O.ret, XDP_DROP);
	bt_expect_deltas(b, a, MPX_ST_DATA_ACK_INVALID, 1, -1);

	/* 32-bit form, widened against the server's DSN */
	on = ts(opt, 10, 20);
	opt[on] = 30, opt[on + 1] = 8, opt[on + 2] = 0x20, opt[on + 3] = 0x01;
	bt_put32(opt + on + 4, (uint32_t)(C.s2c_ref + 1000));
	on += 8;
	n = bt_build(in, &C2S, C.c_seq0, C.s_seq0 + 1000, 0x10, 500, opt, on, NULL, 0);
	bt_stats(b);
	bt_run(in, n, &O);
	bt_stats(a);
	cr_expect_eq(O.ret, XDP_DROP);
	bt_expect_deltas(b, a, MPX_ST_DATA_ACK_INVALID, 1, -1);

	/* exactly what the server sent is fine: ack = s_seq0 */
	on = ts(opt, 10, 20);
	on += dss_ack64(opt + on, C.s2c_ref);
	n = bt_build(in, &C2S, C.c_seq0, 12345, 0x10, 500, opt, on, NULL, 0);
	bt_stats(b);
	bt_run(in, n, &O);
	bt_stats(a);
	cr_expect_eq(O.ret, XDP_PASS);
	bt_put32(in + (C2S.v6 ? 54 : 34) + 8, C.s_seq0);
	bt_fix_csum(in, n);
	en = stripped(in, n, 0x10, exp);
	cr_expect(bt_same("DATA_ACK at the server's edge", O.d, O.len, exp, en));
	bt_expect_deltas(b, a, MPX_ST_XLAT_C2S, 1, MPX_ST_FIB_PASS, 1, -1);
	conn_get(&c);
	cr_expect_eq(c.s2c_ref, C.s2c_ref);
	cr_expect_eq(c.state, 0);
}

Test(established, data_ack_beyond_server_data) { data_ack_beyond(); }
Test(established, data_ack_beyond_server_data_v6)
{
	est_go_v6();
	data_ack_beyond();
}

/* ---- MP_FASTCLOSE and resets -------------------------------------------- */

static size_t fastclose(uint8_t *o, uint64_t key)
{
	o[0] = 30, o[1] = 12, o[2] = 0x70, o[3] = 0;
	bt_put64(o + 4, key);
	return 12;
}

Test(established, fastclose_wrong_key)
{
	uint8_t opt[40], in[256];
	uint64_t b[MPX_ST__MAX], a[MPX_ST__MAX];
	struct mpx_conn c;
	size_t on, n;

	on = ts(opt, 10, 20);
	on += fastclose(opt + on, C.key_g ^ 0x100);
	n = bt_build(in, &C2S, C.c_seq0, C.s_seq0, 0x10, 500, opt, on, NULL, 0);
	bt_set_role(MPX_ROLE_CLIENT);
	bt_stats(b);
	bt_run(in, n, &O);
	bt_stats(a);
	cr_expect_eq(O.ret, XDP_DROP);
	bt_expect_deltas(b, a, MPX_ST_FASTCLOSE_BAD, 1, -1);
	conn_get(&c);
	cr_expect_eq(c.state & MPX_CS_RST, 0, "connection still open");
	/* the client's own key is not the one it must quote either */
	on = ts(opt, 10, 20);
	on += fastclose(opt + on, C.key_c);
	n = bt_build(in, &C2S, C.c_seq0, C.s_seq0, 0x10, 500, opt, on, NULL, 0);
	bt_run(in, n, &O);
	cr_expect_eq(O.ret, XDP_DROP);
}

static void fastclose_right(void)
{
	uint8_t opt[40], in[256], exp[256];
	uint64_t b[MPX_ST__MAX], a[MPX_ST__MAX];
	struct mpx_conn c;
	size_t on, n, en;

	/* the subflow's own numbers need not be the server's: the RST goes
	 * on the gateway's (c_nxt, c_ack) */
	on = ts(opt, 10, 20);
	on += fastclose(opt + on, C.key_g);
	n = bt_build(in, &C2S, C.c_seq0 + 4242, C.s_seq0 + 777, 0x10, 500, opt, on, NULL, 0);
	bt_set_role(MPX_ROLE_CLIENT);
	bt_stats(b);
	bt_run(in, n, &O);
	bt_stats(a);
	cr_expect_eq(O.ret, XDP_PASS);
	/* RFC 8684 3.5: the server hears a RST */
	en = with_numbers(in, n, C.c_seq0, C.s_seq0, 0x14, exp);
	cr_expect(bt_same("MP_FASTCLOSE -> RST", O.d, O.len, exp, en));
	cr_expect(bt_csum_ok(O.d, O.len));
	bt_expect_deltas(b, a, MPX_ST_FASTCLOSE_RX, 1, MPX_ST_XLAT_C2S, 1, MPX_ST_FIB_PASS, 1, -1);
	conn_get(&c);
	cr_expect(c.state & MPX_CS_RST);
	cr_expect(MPX_CS_CLOSED(c.state));
}

Test(established, fastclose_right_key) { fastclose_right(); }
Test(established, fastclose_right_key_v6)
{
	est_go_v6();
	fastclose_right();
}

Test(established, client_rst_linux_form)
{
	/* Linux closes abruptly with RST + MP_FASTCLOSE + MP_TCPRST */
	uint8_t opt[40], in[256], exp[256];
	uint64_t b[MPX_ST__MAX], a[MPX_ST__MAX];
	struct mpx_conn c;
	size_t on, n, en;

	on = fastclose(opt, C.key_g);
	opt[on] = 30, opt[on + 1] = 4, opt[on + 2] = 0x80, opt[on + 3] = 0;
	on += 4;
	n = bt_build(in, &C2S, C.c_seq0 + 99, C.s_seq0 + 5, 0x14, 0, opt, on, NULL, 0);
	bt_set_role(MPX_ROLE_CLIENT);
	bt_stats(b);
	bt_run(in, n, &O);
	bt_stats(a);
	cr_expect_eq(O.ret, XDP_PASS);
	en = with_numbers(in, n, C.c_seq0, C.s_seq0, 0x14, exp);
	cr_expect(bt_same("client RST", O.d, O.len, exp, en));
	cr_expect(bt_csum_ok(O.d, O.len));
	bt_expect_deltas(b, a, MPX_ST_RST_RX, 1, MPX_ST_TCPRST_RX, 1, MPX_ST_XLAT_C2S, 1,
			 MPX_ST_FIB_PASS, 1, -1);
	conn_get(&c);
	cr_expect(c.state & MPX_CS_RST);
}

/*
 * A client RST after some traffic: it goes on the gateway's numbers, the
 * next client byte the server expects (c_nxt) and the last ack the server
 * got (c_ack), whatever its own say; the bytes a RST may carry (RFC 9293
 * 3.5.3 diagnostics) are not the server's to read and are cut.
 */
static void client_rst_after_data(void)
{
	uint8_t opt[40], in[2048], exp[2048];
	uint64_t b[MPX_ST__MAX], a[MPX_ST__MAX];
	struct mpx_conn c;
	size_t on, n, en;

	/* the server sends 300 bytes, the client 700 (acking 300) */
	on = ts(opt, 5, 6);
	n = bt_build(in, &S2C, C.s_seq0, C.c_seq0, 0x18, 300, opt, on, PAY, 300);
	bt_run_as(MPX_ROLE_SERVER, in, n, &O);
	cr_assert_eq(O.ret, XDP_PASS);
	on = ts(opt, 1, 2);
	on += dss_map(opt + on, C.idsn_g + 1 + 300, C.idsn_c + 1, 1, 700, 0, 0, 0);
	on = bt_opt_pad(opt, on);
	n = bt_build(in, &C2S, C.c_seq0, C.s_seq0 + 300, 0x18, 500, opt, on, PAY, 700);
	bt_run_as(MPX_ROLE_CLIENT, in, n, &O);
	cr_assert_eq(O.ret, XDP_PASS);
	conn_get(&c);
	cr_expect_eq(c.c_nxt, C.c_seq0 + 700);
	cr_expect_eq(c.c_ack, C.s_seq0 + 300);

	/* RST with 20 bytes and numbers of its own */
	n = bt_build(in, &C2S, 0xdeadbeef, 0x01020304, 0x14, 0, NULL, 0, PAY, 20);
	bt_stats(b);
	bt_run(in, n, &O);
	bt_stats(a);
	cr_expect_eq(O.ret, XDP_PASS);
	en = without_payload(in, n, exp);
	bt_put32(exp + (C2S.v6 ? 54 : 34) + 4, C.c_seq0 + 700);
	bt_put32(exp + (C2S.v6 ? 54 : 34) + 8, C.s_seq0 + 300);
	bt_fix_csum(exp, en);
	cr_expect(bt_same("client RST after data", O.d, ip_packet(O.d, O.len), exp, en));
	cr_expect(bt_csum_ok(O.d, O.len));
	bt_expect_deltas(b, a, MPX_ST_RST_RX, 1, MPX_ST_XLAT_C2S, 1, MPX_ST_BYTES_C2S, 20,
			 MPX_ST_FIB_PASS, 1, -1);
	conn_get(&c);
	cr_expect(c.state & MPX_CS_RST);
	cr_expect_eq(c.c_nxt, C.c_seq0 + 700, "a RST moves nothing");
}

Test(established, client_rst_after_data) { client_rst_after_data(); }
Test(established, client_rst_after_data_v6)
{
	est_go_v6();
	client_rst_after_data();
}

static void server_rst(int with_ts)
{
	uint8_t opt[40], in[256], exp[256], eopt[40];
	uint64_t b[MPX_ST__MAX], a[MPX_ST__MAX];
	struct mpx_conn c;
	size_t on = 0, n, en, eon = 0;

	if (with_ts)
		on = ts(opt, 77, 88);
	n = bt_build(in, &S2C, C.s_seq0 + 5, C.c_seq0 + 9, 0x14, 0, opt, on, NULL, 0);
	bt_set_role(MPX_ROLE_SERVER);
	bt_stats(b);
	bt_run(in, n, &O);
	bt_stats(a);
	cr_expect_eq(O.ret, XDP_PASS);
	/* RST + MP_FASTCLOSE(client's key) + MP_TCPRST(unspecified) */
	if (with_ts)
		eon = ts(eopt, 77, 88);
	eon += fastclose(eopt + eon, C.key_c);
	eopt[eon] = 30, eopt[eon + 1] = 4, eopt[eon + 2] = 0x80, eopt[eon + 3] = 0;
	eon += 4;
	/* on the subflow's numbers: its next byte (nothing went out on it
	 * yet) and the acknowledgement it has earned (no client data yet) */
	bt_put32(in + (S2C.v6 ? 54 : 34) + 4, C.s_seq0);
	bt_put32(in + (S2C.v6 ? 54 : 34) + 8, C.c_seq0);
	en = bt_reframe(in, n, eopt, eon, 0x14, exp);
	cr_expect(bt_same("server RST", O.d, O.len, exp, en));
	cr_expect(bt_csum_ok(O.d, O.len));
	bt_expect_deltas(b, a, MPX_ST_FASTCLOSE_TX, 1, MPX_ST_XLAT_S2C, 1, MPX_ST_FIB_PASS, 1, -1);
	conn_get(&c);
	cr_expect(c.state & MPX_CS_RST);
}

Test(established, server_rst) { server_rst(0); }
Test(established, server_rst_with_timestamps) { server_rst(1); }
Test(established, server_rst_v6)
{
	est_go_v6();
	server_rst(1);
}

Test(established, mp_capable_with_wrong_keys)
{
	uint8_t opt[40], in[256];
	uint64_t b[MPX_ST__MAX], a[MPX_ST__MAX];
	size_t on, n;

	on = ts(opt, 1, 2);
	opt[on] = 30, opt[on + 1] = 20, opt[on + 2] = 0x01, opt[on + 3] = 0x01;
	bt_put64(opt + on + 4, C.key_c);
	bt_put64(opt + on + 12, C.key_g + 1);
	on += 20;
	n = bt_build(in, &C2S, C.c_seq0, C.s_seq0, 0x10, 500, opt, on, NULL, 0);
	bt_set_role(MPX_ROLE_CLIENT);
	bt_stats(b);
	bt_run(in, n, &O);
	bt_stats(a);
	cr_expect_eq(O.ret, XDP_DROP);
	bt_expect_deltas(b, a, MPX_ST_MPC_KEY_MISMATCH, 1, -1);
}

/* ---- mappings ----------------------------------------------------------- */

static void set_csum(int on)
{
	struct mpx_conn c;

	conn_get(&c);
	c.flags = on ? MPX_CF_CSUM : 0;
	conn_put(&c);
}

Test(established, dss_checksum_checked)
{
	uint8_t opt[40], in[2048], exp[2048];
	uint64_t b[MPX_ST__MAX], a[MPX_ST__MAX];
	uint16_t plen = 700, good = dss_csum(C.idsn_c + 1, 1, plen, PAY, plen);
	size_t on, n, en;
	int ok;

	set_csum(1);
	bt_set_role(MPX_ROLE_CLIENT);
	/* wrong checksum: dropped */
	on = ts(opt, 1, 2);
	on += dss_map(opt + on, C.s2c_ref, C.idsn_c + 1, 1, plen, 0, 1, (uint16_t)(good ^ 0x0101));
	n = bt_build(in, &C2S, C.c_seq0, C.s_seq0, 0x18, 500, opt, on, PAY, plen);
	bt_stats(b);
	bt_run(in, n, &O);
	bt_stats(a);
	cr_expect_eq(O.ret, XDP_DROP);
	bt_expect_deltas(b, a, MPX_ST_DATA_CSUM_ERR, 1, -1);

	/* right checksum: on its way */
	on = ts(opt, 1, 2);
	on += dss_map(opt + on, C.s2c_ref, C.idsn_c + 1, 1, plen, 0, 1, good);
	n = bt_build(in, &C2S, C.c_seq0, C.s_seq0, 0x18, 500, opt, on, PAY, plen);
	bt_stats(b);
	bt_run(in, n, &O);
	bt_stats(a);
	cr_expect_eq(O.ret, XDP_PASS);
	en = stripped(in, n, 0x18, exp);
	cr_expect(bt_same("checksummed mapping", O.d, O.len, exp, en));
	cr_expect(bt_csum_ok(O.d, O.len));
	ok = bt_stat_must("DataCsumVerified");
	bt_expect_deltas(b, a, MPX_ST_XLAT_C2S, 1, MPX_ST_BYTES_C2S, plen, MPX_ST_FIB_PASS, 1,
			 ok, 1, -1);

	/* a DSS checksum over the payload of the wrong DSN is wrong too */
	on = ts(opt, 1, 2);
	on += dss_map(opt + on, C.s2c_ref, C.idsn_c + 1 + plen, 1 + plen, plen, 0, 1, good);
	n = bt_build(in, &C2S, C.c_seq0 + plen, C.s_seq0, 0x18, 500, opt, on, PAY, plen);
	bt_run(in, n, &O);
	cr_expect_eq(O.ret, XDP_DROP);
}

Test(established, dss_checksum_multi_segment_mapping)
{
	/* one checksummed mapping over two segments: the gateway cannot sum
	 * it from one segment, so both go on, mapped */
	uint8_t opt[40], in[2048], exp[2048];
	uint64_t b[MPX_ST__MAX], a[MPX_ST__MAX];
	uint16_t dlen = 1200, csum = dss_csum(C.idsn_c + 1, 1, dlen, PAY, dlen);
	int un = bt_stat_must("DataCsumUnverified");
	size_t on, n, en;

	set_csum(1);
	bt_set_role(MPX_ROLE_CLIENT);
	on = ts(opt, 1, 2);
	on += dss_map(opt + on, C.s2c_ref, C.idsn_c + 1, 1, dlen, 0, 1, csum);
	for (int seg = 0; seg < 2; seg++) {
		n = bt_build(in, &C2S, C.c_seq0 + 600 * (uint32_t)seg, C.s_seq0, 0x18, 500, opt, on,
			     PAY + 600 * seg, 600);
		bt_stats(b);
		bt_run(in, n, &O);
		bt_stats(a);
		cr_expect_eq(O.ret, XDP_PASS, "segment %d", seg);
		en = stripped(in, n, 0x18, exp);
		cr_expect(bt_same("segment of a checksummed mapping", O.d, O.len, exp, en));
		/* only the mapping's first segment tells it is unverified */
		bt_expect_deltas(b, a, MPX_ST_XLAT_C2S, 1, MPX_ST_BYTES_C2S, 600, MPX_ST_FIB_PASS, 1,
				 un, seg == 0 ? 1 : 0, -1);
	}
}

Test(established, dss_checksum_added_toward_client)
{
	uint8_t opt[40], in[2048], exp[2048], eopt[40];
	uint16_t plen = 1000;
	size_t on, n, en, eon;

	set_csum(1);
	/* the client's first 500 bytes */
	on = ts(opt, 1, 2);
	on += dss_map(opt + on, C.s2c_ref, C.idsn_c + 1, 1, 500, 0, 1,
		      dss_csum(C.idsn_c + 1, 1, 500, PAY, 500));
	n = bt_build(in, &C2S, C.c_seq0, C.s_seq0, 0x18, 500, opt, on, PAY, 500);
	bt_run_as(MPX_ROLE_CLIENT, in, n, &O);
	cr_assert_eq(O.ret, XDP_PASS);
	/* the server sends its first 1000 bytes, acking them */
	on = ts(opt, 5, 6);
	n = bt_build(in, &S2C, C.s_seq0, C.c_seq0 + 500, 0x18, 300, opt, on, PAY, plen);
	bt_run_as(MPX_ROLE_SERVER, in, n, &O);
	cr_expect_eq(O.ret, XDP_PASS);
	eon = ts(eopt, 5, 6);
	eon += dss_map(eopt + eon, C.idsn_c + 1 + 500, C.idsn_g + 1, 1, plen, 0, 1,
		       dss_csum(C.idsn_g + 1, 1, plen, PAY, plen));
	cr_assert_eq(eon, 40);
	en = bt_reframe(in, n, eopt, eon, 0x18, exp);
	cr_expect(bt_same("server data, checksummed DSS", O.d, O.len, exp, en));
	cr_expect(bt_csum_ok(O.d, O.len));
}

/* RFC 8684 3.3.1: data its mapping does not cover is a protocol violation;
 * the gateway cannot know where it belongs and drops it */
Test(established, dss_not_matching_dropped)
{
	uint8_t opt[40], in[2048];
	uint64_t b[MPX_ST__MAX], a[MPX_ST__MAX];
	struct mpx_conn c;
	struct mpx_sf sf;
	size_t on, n;

	/* the mapping says SSN 5000, the segment sits at SSN 1 */
	on = ts(opt, 1, 2);
	on += dss_map(opt + on, C.s2c_ref, C.idsn_c + 1 + 4999, 5000, 100, 0, 0, 0);
	on = bt_opt_pad(opt, on);
	n = bt_build(in, &C2S, C.c_seq0, C.s_seq0, 0x18, 500, opt, on, PAY, 100);
	bt_set_role(MPX_ROLE_CLIENT);
	bt_stats(b);
	bt_run(in, n, &O);
	bt_stats(a);
	cr_expect_eq(O.ret, XDP_DROP);
	bt_expect_deltas(b, a, MPX_ST_DSS_NOT_MATCHING, 1, -1);

	/* the segment overruns its mapping by one byte */
	on = ts(opt, 1, 2);
	on += dss_map(opt + on, C.s2c_ref, C.idsn_c + 1, 1, 99, 0, 0, 0);
	on = bt_opt_pad(opt, on);
	n = bt_build(in, &C2S, C.c_seq0, C.s_seq0, 0x18, 500, opt, on, PAY, 100);
	bt_stats(b);
	bt_run(in, n, &O);
	bt_stats(a);
	cr_expect_eq(O.ret, XDP_DROP);
	bt_expect_deltas(b, a, MPX_ST_DSS_NOT_MATCHING, 1, -1);

	/* data with no DSS on a subflow that has had no mapping yet */
	on = ts(opt, 1, 2);
	n = bt_build(in, &C2S, C.c_seq0, C.s_seq0, 0x18, 500, opt, on, PAY, 100);
	bt_stats(b);
	bt_run(in, n, &O);
	bt_stats(a);
	cr_expect_eq(O.ret, XDP_DROP);
	bt_expect_deltas(b, a, MPX_ST_DSS_NOT_MATCHING, 1, -1);

	/* nothing of them reached the connection or the subflow */
	conn_get(&c);
	cr_expect_eq(c.c_nxt, C.c_seq0);
	cr_expect_eq(c.c2s_ref, C.c2s_ref);
	s01_sf_get(1, 0, &sf);
	cr_expect_eq(sf.cm_head, 0, "no mapping recorded");
	cr_expect_eq(sf.rcv_hi, C.c_seq0);
}

/*
 * An infinite mapping (RFC 8684 3.7, after MP_FAIL): the connection goes on
 * as plain TCP, the subflow's numbers taken as the data's (translate.h,
 * docs/stats.md "InfiniteMapRx"). On the initial subflow that places the
 * segment where it is: SSN 1 = c_seq0, which is also where the mapping's
 * DSN (IDSN + 1) puts it, so either reading gives the same frame.
 */
Test(established, infinite_mapping)
{
	uint8_t opt[40], in[2048], exp[2048];
	uint64_t b[MPX_ST__MAX], a[MPX_ST__MAX];
	size_t on, n, en;

	on = ts(opt, 1, 2);
	on += dss_map(opt + on, C.s2c_ref, C.idsn_c + 1, 1, 0, 0, 0, 0);
	on = bt_opt_pad(opt, on);
	n = bt_build(in, &C2S, C.c_seq0, C.s_seq0, 0x18, 500, opt, on, PAY, 300);
	bt_set_role(MPX_ROLE_CLIENT);
	bt_stats(b);
	bt_run(in, n, &O);
	bt_stats(a);
	cr_expect_eq(O.ret, XDP_PASS);
	en = stripped(in, n, 0x18, exp);
	cr_expect(bt_same("infinite mapping", O.d, O.len, exp, en));
	bt_expect_deltas(b, a, MPX_ST_INFINITE_MAP_RX, 1, MPX_ST_XLAT_C2S, 1, MPX_ST_BYTES_C2S,
			 300, MPX_ST_FIB_PASS, 1, -1);
}

Test(established, data_fin_on_data)
{
	/* 200 bytes + DATA_FIN in one mapping (length 201): FIN on the segment */
	uint8_t opt[40], in[2048], exp[2048];
	struct mpx_conn c;
	size_t on, n, en;

	on = ts(opt, 1, 2);
	on += dss_map(opt + on, C.s2c_ref, C.idsn_c + 1, 1, 201, 1, 0, 0);
	on = bt_opt_pad(opt, on);
	n = bt_build(in, &C2S, C.c_seq0, C.s_seq0, 0x18, 500, opt, on, PAY, 200);
	bt_run_as(MPX_ROLE_CLIENT, in, n, &O);
	cr_expect_eq(O.ret, XDP_PASS);
	en = stripped(in, n, 0x19, exp);
	cr_expect(bt_same("data + DATA_FIN", O.d, O.len, exp, en));
	conn_get(&c);
	cr_expect(c.state & MPX_CS_C_DATAFIN);
	cr_expect_eq(c.c_fin_seq, C.c_seq0 + 200);
}

/* ---- option space toward the client ------------------------------------- */

/* The server's SACK blocks name the client's data in the server's space,
 * not the client's subflow bytes: they do not go on to the client. */
Test(established, server_sack_blocks_removed)
{
	uint8_t opt[40], in[2048], exp[2048], eopt[40];
	size_t on, n, en, eon;
	uint32_t blk = C.c_seq0 + 5000;

	/* pure ACK, 3 SACK blocks: all gone, the 12-byte DSS in their place */
	on = ts(opt, 5, 6);
	on += sack(opt + on, 3, blk);
	cr_assert_eq(on, 40);
	n = bt_build(in, &S2C, C.s_seq0, C.c_seq0, 0x10, 300, opt, on, NULL, 0);
	bt_run_as(MPX_ROLE_SERVER, in, n, &O);
	cr_expect_eq(O.ret, XDP_PASS);
	eon = ts(eopt, 5, 6);
	eon += dss_ack64(eopt + eon, C.idsn_c + 1);
	en = bt_reframe(in, n, eopt, eon, 0x10, exp);
	cr_expect(bt_same("SACK removed", O.d, O.len, exp, en));
	cr_expect(bt_csum_ok(O.d, O.len));

	/* one block, with data: the mapping, no SACK */
	on = ts(opt, 5, 6);
	on += sack(opt + on, 1, blk);
	n = bt_build(in, &S2C, C.s_seq0, C.c_seq0, 0x18, 300, opt, on, PAY, 100);
	bt_run_as(MPX_ROLE_SERVER, in, n, &O);
	cr_expect_eq(O.ret, XDP_PASS);
	eon = ts(eopt, 5, 6);
	eon += dss_map(eopt + eon, C.idsn_c + 1, C.idsn_g + 1, 1, 100, 0, 0, 0);
	eopt[eon++] = 1;
	eopt[eon++] = 1;
	en = bt_reframe(in, n, eopt, eon, 0x18, exp);
	cr_expect(bt_same("SACK removed, mapping added", O.d, O.len, exp, en));
	cr_expect(bt_csum_ok(O.d, O.len));

	/* SACK first, options behind it: those stay, in order */
	on = sack(opt, 2, blk);
	on += ts(opt + on, 5, 6);
	/* (the server's next byte, behind the 100 it sent) */
	n = bt_build(in, &S2C, C.s_seq0 + 100, C.c_seq0, 0x10, 300, opt, on, NULL, 0);
	bt_run_as(MPX_ROLE_SERVER, in, n, &O);
	cr_expect_eq(O.ret, XDP_PASS);
	eon = 0;
	eopt[eon++] = 1, eopt[eon++] = 1; /* the NOPs in front of the SACK */
	eon += ts(eopt + eon, 5, 6);
	eon += dss_ack64(eopt + eon, C.idsn_c + 1);
	eon = bt_opt_pad(eopt, eon);
	en = bt_reframe(in, n, eopt, eon, 0x10, exp);
	cr_expect(bt_same("SACK removed from the front", O.d, O.len, exp, en));

	/* a SACK of impossible length is not the gateway's to repair: verbatim */
	on = ts(opt, 5, 6);
	opt[on] = 1, opt[on + 1] = 1, opt[on + 2] = 5, opt[on + 3] = 12;
	memset(opt + on + 4, 0x5a, 10);
	on += 14;
	opt[on++] = 1;
	opt[on++] = 1;
	n = bt_build(in, &S2C, C.s_seq0 + 100, C.c_seq0, 0x10, 300, opt, on, NULL, 0);
	bt_run_as(MPX_ROLE_SERVER, in, n, &O);
	cr_expect_eq(O.ret, XDP_PASS);
	eon = ts(eopt, 5, 6);
	memcpy(eopt + eon, opt + 12, 14);
	eon += 14;
	eon += dss_ack64(eopt + eon, C.idsn_c + 1);
	eon = bt_opt_pad(eopt, eon);
	en = bt_reframe(in, n, eopt, eon, 0x10, exp);
	cr_expect(bt_same("malformed SACK kept verbatim", O.d, O.len, exp, en));

	/* client SACK blocks are in the server's space already: kept */
	on = ts(opt, 5, 6);
	on += sack(opt + on, 1, C.s_seq0 + 3000);
	on += dss_ack64(opt + on, C.s2c_ref);
	n = bt_build(in, &C2S, C.c_seq0, C.s_seq0, 0x10, 300, opt, on, NULL, 0);
	bt_run_as(MPX_ROLE_CLIENT, in, n, &O);
	cr_expect_eq(O.ret, XDP_PASS);
	en = stripped(in, n, 0x10, exp);
	cr_expect(bt_same("client SACK", O.d, O.len, exp, en));
}

/* ECE and CWR belong to the segment: they go on both ways (the flags byte
 * is emitted whole) */
Test(established, ecn_flags_forwarded)
{
	uint8_t opt[40], in[2048], exp[2048], eopt[40];
	size_t on, n, en, eon;

	on = ts(opt, 1, 2);
	on += dss_map(opt + on, C.s2c_ref, C.idsn_c + 1, 1, 100, 0, 0, 0);
	on = bt_opt_pad(opt, on);
	n = bt_build(in, &C2S, C.c_seq0, C.s_seq0, 0xd8, 500, opt, on, PAY, 100);
	bt_run_as(MPX_ROLE_CLIENT, in, n, &O);
	cr_expect_eq(O.ret, XDP_PASS);
	en = stripped(in, n, 0xd8, exp);
	cr_expect(bt_same("client data with ECE|CWR", O.d, O.len, exp, en));

	on = ts(opt, 5, 6);
	n = bt_build(in, &S2C, C.s_seq0, C.c_seq0 + 100, 0x50, 300, opt, on, NULL, 0);
	bt_run_as(MPX_ROLE_SERVER, in, n, &O);
	cr_expect_eq(O.ret, XDP_PASS);
	eon = ts(eopt, 5, 6);
	eon += dss_ack64(eopt + eon, C.idsn_c + 1 + 100);
	en = bt_reframe(in, n, eopt, eon, 0x50, exp);
	cr_expect(bt_same("server ACK with ECE", O.d, O.len, exp, en));
}

Test(established, no_room_for_dss)
{
	/* TCP-MD5 (18) + timestamps: 32 bytes, no SACK to give up */
	uint8_t opt[40] = { 19, 18, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 1, 1 };
	uint8_t in[2048];
	uint64_t b[MPX_ST__MAX], a[MPX_ST__MAX];
	size_t on = 20, n;

	on += ts(opt + on, 5, 6);
	n = bt_build(in, &S2C, C.s_seq0, C.c_seq0, 0x18, 300, opt, on, PAY, 100);
	bt_set_role(MPX_ROLE_SERVER);
	bt_stats(b);
	bt_run(in, n, &O);
	bt_stats(a);
	cr_expect_eq(O.ret, XDP_DROP);
	bt_expect_deltas(b, a, MPX_ST_DSS_NO_ROOM, 1, -1);
}

/* ---- the gateway's own ACK ---------------------------------------------- */

/* both FINs exchanged and acknowledged */
static void closed_conn(struct mpx_conn *c)
{
	conn_get(c);
	c->state = MPX_CS_C_DATAFIN | MPX_CS_C_FIN_ACKED | MPX_CS_S_FIN | MPX_CS_S_FIN_ACKED;
	c->c_fin_seq = C.c_seq0 + 1500;
	c->s_fin_seq = C.s_seq0 + 3000;
	c->c2s_ref = C.idsn_c + 1 + 1501;
	c->s2c_ref = C.idsn_g + 1 + 3001;
	c->s_nxt = C.s_seq0 + 3001;
	/* all of it went out on the initial subflow, and was acknowledged */
	c->s_hi = c->sf_snd_nxt[0] = c->sf_snd_una[0] = C.s_seq0 + 3001;
	c->s_win = 69;
	c->s_tsval = 0x8f68fdb0;
	conn_put(c);
}

static size_t reply_expected(const uint8_t *in, size_t n, const struct mpx_conn *c, uint8_t *out)
{
	struct bt_view v;
	uint8_t opt[40];
	size_t on;
	int t;

	cr_assert_eq(bt_parse(in, n, &v), 0);
	t = bt_opt_find(in + v.opt, v.optlen, 8);
	/* back to the client: Ethernet, addresses and ports swapped; the
	 * server's sequence number, window and TSval; the client's FIN acked */
	on = ts(opt, c->s_tsval, t >= 0 ? bt_get32(in + v.opt + t + 2) : 0);
	on += dss_ack64(opt + on, c->idsn_c + 1 + (uint32_t)(c->c_fin_seq + 1 - c->c_seq0));
	memcpy(out, in + 6, 6);
	memcpy(out + 6, in, 6);
	memcpy(out + 12, in + 12, 2);
	memcpy(out + 14, in + 14, v.l3len);
	if (v.v6) {
		memcpy(out + 14 + 8, in + 14 + 24, 16);
		memcpy(out + 14 + 24, in + 14 + 8, 16);
		bt_put16(out + 14 + 4, (uint16_t)(20 + on));
	} else {
		memcpy(out + 14 + 12, in + 14 + 16, 4);
		memcpy(out + 14 + 16, in + 14 + 12, 4);
		bt_put16(out + 14 + 2, (uint16_t)(20 + 20 + on));
	}
	memset(out + v.tcp, 0, 20);
	bt_put16(out + v.tcp, bt_get16(in + v.tcp + 2));
	bt_put16(out + v.tcp + 2, bt_get16(in + v.tcp));
	bt_put32(out + v.tcp + 4, c->s_nxt);
	bt_put32(out + v.tcp + 8, v.seq + (uint32_t)v.plen + 1);
	out[v.tcp + 12] = (uint8_t)(((20 + on) / 4) << 4);
	out[v.tcp + 13] = 0x10;
	bt_put16(out + v.tcp + 14, c->s_win);
	memcpy(out + v.tcp + 20, opt, on);
	bt_fix_csum(out, v.tcp + 20 + on);
	return v.tcp + 20 + on;
}

static void late_fin(void)
{
	uint8_t opt[40], in[256], exp[256];
	uint64_t b[MPX_ST__MAX], a[MPX_ST__MAX];
	struct mpx_conn c;
	size_t on, n, en;

	closed_conn(&c);
	on = ts(opt, 0xe7ad7347, c.s_tsval);
	on += dss_ack64(opt + on, c.s2c_ref);
	n = bt_build(in, &C2S, C.c_seq0 + 1500, C.s_seq0 + 3001, 0x11, 72, opt, on, NULL, 0);
	bt_set_role(MPX_ROLE_CLIENT);
	bt_stats(b);
	bt_run(in, n, &O);
	bt_stats(a);
	cr_expect_eq(O.ret, XDP_TX);
	en = reply_expected(in, n, &c, exp);
	cr_expect(bt_same("gateway ACK of a late subflow FIN", O.d, O.len, exp, en));
	cr_expect(bt_csum_ok(O.d, O.len));
	bt_expect_deltas(b, a, MPX_ST_REPLY_TX, 1, -1);
	conn_get(&c);
	cr_expect(c.state & MPX_CS_C_SUBFIN);

	/* anything else from the client now has nobody to go to */
	n = bt_build(in, &C2S, C.c_seq0 + 1501, C.s_seq0 + 3001, 0x10, 72, opt, on, NULL, 0);
	bt_stats(b);
	bt_run(in, n, &O);
	bt_stats(a);
	cr_expect_eq(O.ret, XDP_DROP);
	bt_expect_deltas(b, a, bt_stat_must("ClosedDrop"), 1, -1);
	n = bt_build(in, &C2S, C.c_seq0 + 1501, C.s_seq0 + 3001, 0x18, 72, opt, on, PAY, 50);
	bt_stats(b);
	bt_run(in, n, &O);
	bt_stats(a);
	cr_expect_eq(O.ret, XDP_DROP);
	bt_expect_deltas(b, a, MPX_ST_CLOSED_DROP, 1, -1);
	/* a RST still goes on (the server has nothing left to reset) */
	n = bt_build(in, &C2S, C.c_seq0 + 1501, C.s_seq0 + 3001, 0x14, 0, NULL, 0, NULL, 0);
	bt_run(in, n, &O);
	cr_expect_eq(O.ret, XDP_PASS);
}

Test(established, subflow_fin_after_close_acked_by_gateway) { late_fin(); }
Test(established, subflow_fin_after_close_acked_by_gateway_v6)
{
	est_go_v6();
	late_fin();
}

/* A client segment (flags, payload) after both FINs were acknowledged:
 * the gateway answers it with an ACK in the server's name. */
static void gateway_acks(const char *what, uint8_t flags, const uint8_t *pay, uint16_t plen)
{
	uint8_t opt[40], in[256], exp[256];
	struct mpx_conn c;
	size_t on, n, en;

	closed_conn(&c);
	on = ts(opt, 0xe7ad7347, c.s_tsval);
	on += dss_ack64(opt + on, c.s2c_ref);
	n = bt_build(in, &C2S, C.c_seq0 + 1500, C.s_seq0 + 3001, flags, 72, opt, on, pay, plen);
	bt_run_as(MPX_ROLE_CLIENT, in, n, &O);
	cr_expect_eq(O.ret, XDP_TX, "%s: action %u", what, O.ret);
	en = reply_expected(in, n, &c, exp);
	cr_expect(bt_same(what, O.d, O.len, exp, en));
}

/* A subflow FIN that carries data: the gateway's ACK must not send the
 * client's bytes back to it as server data (it did before e60081b). */
Test(established, reply_ack_carries_no_payload)
{
	gateway_acks("gateway ACK of a FIN with data", 0x19, PAY, 10);
}

/*
 * The received segment's ECE/CWR bits are right for a forwarded segment
 * but not for the ACK the gateway makes up in the server's name: the
 * client would be told the server saw congestion (ECE) or reduced its
 * window (CWR).
 */
Test(established, reply_ack_has_no_ecn_flags)
{
	gateway_acks("gateway ACK of a FIN with ECE|CWR", 0xd1, NULL, 0);
}

/*
 * A server RST whose own options take more than 24 bytes (TCP-MD5 +
 * timestamps here) leaves no room for MP_FASTCLOSE + MP_TCPRST. RFC 8684
 * 3.5 wants the client to hear MP_FASTCLOSE; the RST's other options
 * matter less than that.
 */
Test(established, server_rst_keeps_fastclose_with_md5)
{
	uint8_t opt[40] = { 19, 18, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 1, 1 };
	uint8_t in[256];
	struct bt_view v;
	size_t on = 20, n;
	int fc, rst;

	on += ts(opt + on, 5, 6);
	n = bt_build(in, &S2C, C.s_seq0 + 5, C.c_seq0 + 9, 0x14, 0, opt, on, NULL, 0);
	bt_run_as(MPX_ROLE_SERVER, in, n, &O);
	cr_expect_eq(O.ret, XDP_PASS);
	cr_assert_eq(bt_parse(O.d, O.len, &v), 0);
	cr_expect(bt_csum_ok(O.d, O.len));
	fc = bt_opt_find_mptcp(O.d + v.opt, v.optlen, 7);
	rst = bt_opt_find_mptcp(O.d + v.opt, v.optlen, 8);
	cr_expect_geq(fc, 0, "MP_FASTCLOSE on the RST");
	cr_expect_geq(rst, 0, "MP_TCPRST on the RST");
	if (fc >= 0)
		cr_expect_eq(bt_get64(O.d + v.opt + fc + 4), C.key_c);
}

/* ---- a new SYN on the 4-tuple ------------------------------------------- */

Test(established, syn_replaces_connection)
{
	uint8_t f[2048], exp[2048];
	uint64_t b[MPX_ST__MAX], a[MPX_ST__MAX];
	struct mpx_flow_key k;
	struct mpx_flow fl;
	struct mpx_halfopen ho;
	struct mpx_conn c;
	size_t n;

	memcpy(f, S.pc.f[S.syn].d, S.pc.f[S.syn].len);
	n = S.pc.f[S.syn].len;
	bt_set_role(MPX_ROLE_CLIENT);
	bt_stats(b);
	bt_run(f, n, &O);
	bt_stats(a);
	cr_expect_eq(O.ret, XDP_PASS);
	bt_expect_deltas(b, a, MPX_ST_CONN_REPLACED, 1, MPX_ST_MPC_SYN_RX, 1, MPX_ST_XLAT_C2S, 1,
			 MPX_ST_FIB_PASS, 1, -1);
	conn_get(&c);
	cr_expect(c.state & MPX_CS_DEAD);
	bt_flow_key(&k, &C2S);
	cr_expect_neq(bpf_map_lookup_elem(bt_map_fd("flows"), &k, &fl), 0, "flow removed");
	cr_assert_eq(bpf_map_lookup_elem(bt_map_fd("halfopen"), &k, &ho), 0, "new handshake");
	cr_expect_eq(ho.state, MPX_HO_SYN);
	/* the SYN itself is handled as a new one: stripped, MSS lowered */
	{
		struct bt_view v;
		uint8_t opt[40];
		size_t on;
		int m;

		bt_parse(f, n, &v);
		on = bt_opt_strip_mptcp(f + v.opt, v.optlen, opt);
		m = bt_opt_find(opt, on, 2);
		bt_put16(opt + m + 2, (uint16_t)(bt_get16(opt + m + 2) - MPX_DSS_ROOM));
		on = bt_opt_pad(opt, on);
		cr_expect(bt_same("replacing SYN", O.d, O.len, exp, bt_reframe(f, n, opt, on, 0x02, exp)));
	}
}

/* ---- incomplete state ----------------------------------------------------- */

/* The daemon writes conns and subflows before the flow, and GC removes
 * them the other way round: a flow whose subflow (or connection) is not
 * there is left alone, both ways. */
Test(established, flow_without_subflow_or_conn)
{
	struct mpx_sf_key sk = { .conn_id = 1, .idx = 0 };
	struct mpx_sf sf;
	uint8_t opt[40], in[2048];
	uint32_t id = 1;
	size_t on, n;

	s01_sf_get(1, 0, &sf);
	cr_assert_eq(bpf_map_delete_elem(bt_map_fd("subflows"), &sk), 0);
	on = ts(opt, 1, 2);
	on += dss_map(opt + on, C.s2c_ref, C.idsn_c + 1, 1, 100, 0, 0, 0);
	on = bt_opt_pad(opt, on);
	n = bt_build(in, &C2S, C.c_seq0, C.s_seq0, 0x18, 500, opt, on, PAY, 100);
	bt_set_role(MPX_ROLE_CLIENT);
	bt_expect_untouched("client data, no subflow", in, n, MPX_ST_PKT_NOT_OURS);
	on = ts(opt, 5, 6);
	n = bt_build(in, &S2C, C.s_seq0, C.c_seq0, 0x18, 300, opt, on, PAY, 100);
	bt_set_role(MPX_ROLE_SERVER);
	bt_expect_untouched("server data, no subflow", in, n, MPX_ST_PKT_NOT_OURS);

	/* the subflow back, the connection gone */
	cr_assert_eq(bpf_map_update_elem(bt_map_fd("subflows"), &sk, &sf, BPF_NOEXIST), 0);
	cr_assert_eq(bpf_map_delete_elem(bt_map_fd("conns"), &id), 0);
	bt_expect_untouched("server data, no connection", in, n, MPX_ST_PKT_NOT_OURS);
	on = ts(opt, 1, 2);
	n = bt_build(in, &C2S, C.c_seq0, C.s_seq0, 0x10, 500, opt, on, NULL, 0);
	bt_set_role(MPX_ROLE_CLIENT);
	bt_expect_untouched("client ACK, no connection", in, n, MPX_ST_PKT_NOT_OURS);
}
