// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Frames the gateway must leave alone: not IP, not TCP, TCP of flows it
 * does not track, IP it does not parse (options, fragments, extension
 * headers), and headers whose lengths do not add up. Each must come back
 * as XDP_PASS, byte for byte unchanged, with the one counter that says why.
 */
#include <string.h>
#include <bpf/bpf.h>
#include <criterion/criterion.h>
#include "bt.h"

TestSuite(notours, .init = bt_setup, .fini = bt_teardown);

static const uint8_t syn_opts[] = { 2, 4, 0x05, 0xb4, 4, 2, 8, 10, 0, 0, 0, 1,
				    0, 0, 0, 0, 1, 3, 3, 7 };
static const uint8_t mpc_syn_opts[] = { 2, 4, 0x05, 0xb4, 4, 2, 8, 10, 0, 0, 0, 1,
					0, 0, 0, 0, 1, 3, 3, 7, 30, 4, 0x01, 0x01 };
static const uint8_t dss_opts[] = { 1, 1, 8, 10, 0, 0, 0, 9, 0, 0, 0, 8,
				    30, 8, 0x20, 0x01, 0, 0, 0, 1 };
static const uint8_t pay[100] = { 'x', 'y', 'z' };

static void t4(struct bt_tuple *t)
{
	bt_tuple4(t, "198.18.1.1", "198.18.1.2", 40000, 5001);
}

static void t6(struct bt_tuple *t)
{
	bt_tuple6(t, "2001:db8:1::1", "2001:db8:1::2", 40000, 5001);
}

Test(notours, non_ip_frames)
{
	uint8_t arp[42] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 2, 0, 0, 0, 0, 1, 0x08, 0x06,
			    0, 1, 0x08, 0, 6, 4, 0, 1 };
	uint8_t eth_only[14] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 0x88, 0xcc };
	uint8_t vlan[64] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 0x81, 0x00, 0, 5, 0x08, 0 };

	bt_expect_untouched("ARP", arp, sizeof(arp), MPX_ST_PKT_NOT_TCP);
	bt_expect_untouched("LLDP header only", eth_only, sizeof(eth_only), MPX_ST_PKT_NOT_TCP);
	/* 802.1Q: the program does not look inside VLAN tags */
	bt_expect_untouched("802.1Q", vlan, sizeof(vlan), MPX_ST_PKT_NOT_TCP);
	bt_set_role(MPX_ROLE_SERVER);
	bt_expect_untouched("ARP (server side)", arp, sizeof(arp), MPX_ST_PKT_NOT_TCP);
}

Test(notours, udp_and_icmp)
{
	struct bt_tuple t;
	uint8_t f[256];
	size_t n;

	t4(&t);
	n = bt_build(f, &t, 1, 0, 0x02, 1000, NULL, 0, pay, 20);
	f[14 + 9] = 17; /* UDP */
	bt_expect_untouched("UDP/IPv4", f, n, MPX_ST_PKT_NOT_TCP);
	f[14 + 9] = 1; /* ICMP */
	bt_expect_untouched("ICMP/IPv4", f, n, MPX_ST_PKT_NOT_TCP);
	t6(&t);
	n = bt_build(f, &t, 1, 0, 0x02, 1000, NULL, 0, pay, 20);
	f[14 + 6] = 17;
	bt_expect_untouched("UDP/IPv6", f, n, MPX_ST_PKT_NOT_TCP);
	f[14 + 6] = 58;
	bt_expect_untouched("ICMPv6", f, n, MPX_ST_PKT_NOT_TCP);
}

Test(notours, plain_tcp_syn)
{
	struct bt_tuple t;
	uint8_t f[256];
	size_t n;

	for (int v6 = 0; v6 < 2; v6++) {
		v6 ? t6(&t) : t4(&t);
		n = bt_build(f, &t, 1000, 0, 0x02, 64240, syn_opts, sizeof(syn_opts), NULL, 0);
		bt_set_role(MPX_ROLE_CLIENT);
		bt_expect_untouched(v6 ? "plain SYN v6 (client side)" : "plain SYN v4 (client side)",
				    f, n, MPX_ST_PKT_NOT_OURS);
		bt_set_role(MPX_ROLE_SERVER);
		bt_expect_untouched(v6 ? "plain SYN v6 (server side)" : "plain SYN v4 (server side)",
				    f, n, MPX_ST_PKT_NOT_OURS);
	}
	/* nothing was remembered */
	struct mpx_flow_key nk;

	cr_expect_neq(bpf_map_get_next_key(bt_map_fd("halfopen"), NULL, &nk), 0);
}

Test(notours, unknown_flow_data)
{
	struct bt_tuple t, r;
	uint8_t f[256];
	size_t n;

	for (int v6 = 0; v6 < 2; v6++) {
		v6 ? t6(&t) : t4(&t);
		bt_tuple_rev(&r, &t);
		/* plain data both ways */
		n = bt_build(f, &t, 5000, 7000, 0x18, 500, dss_opts, 12, pay, sizeof(pay));
		bt_set_role(MPX_ROLE_CLIENT);
		bt_expect_untouched("plain data, client side", f, n, MPX_ST_PKT_NOT_OURS);
		n = bt_build(f, &r, 7000, 5100, 0x18, 500, dss_opts, 12, pay, sizeof(pay));
		bt_set_role(MPX_ROLE_SERVER);
		bt_expect_untouched("plain data, server side", f, n, MPX_ST_PKT_NOT_OURS);
		/* MPTCP DSS of a connection the gateway never saw */
		n = bt_build(f, &t, 5000, 7000, 0x18, 500, dss_opts, sizeof(dss_opts), pay, 10);
		bt_set_role(MPX_ROLE_CLIENT);
		bt_expect_untouched("DSS of an unknown flow", f, n, MPX_ST_PKT_NOT_OURS);
		/* a SYN-ACK nobody asked the gateway about */
		n = bt_build(f, &r, 7000, 5001, 0x12, 500, syn_opts, sizeof(syn_opts), NULL, 0);
		bt_set_role(MPX_ROLE_SERVER);
		bt_expect_untouched("SYN-ACK without half-open", f, n, MPX_ST_PKT_NOT_OURS);
		/* an MP_CAPABLE SYN arriving on the server-facing side */
		n = bt_build(f, &r, 9, 0, 0x02, 500, mpc_syn_opts, sizeof(mpc_syn_opts), NULL, 0);
		bt_expect_untouched("MP_CAPABLE SYN on the server side", f, n, MPX_ST_PKT_NOT_OURS);
	}
	cr_expect_eq(bt_stat(MPX_ST_MPC_SYN_RX), 0);
}

/* An MP_JOIN SYN is the daemon's (it knows the tokens and keys); without
 * a daemon there is nobody to answer it: untouched, the server resets it. */
Test(notours, join_syn_without_daemon)
{
	uint8_t join[] = { 2, 4, 0x05, 0xb4, 1, 1, 4, 2, 30, 12, 0x10, 0x02, 0xde, 0xad,
			   0xbe, 0xef, 0, 0, 0, 1 };
	struct bt_tuple t;
	uint8_t f[256];
	size_t n;

	t4(&t);
	n = bt_build(f, &t, 1, 0, 0x02, 1000, join, sizeof(join), NULL, 0);
	bt_set_daemon(0);
	bt_expect_untouched("MP_JOIN SYN, no daemon", f, n, MPX_ST_PKT_NOT_OURS);
	bt_set_daemon(1);
}

/* ... and with a daemon, a SYN for no live token is refused by the fast
 * path itself, so that a flood of them never reaches the daemon: a RST
 * back to the sender (seq 0, ack = its SYN + 1) with MP_TCPRST reason 1. */
Test(notours, join_syn_unknown_token_reset)
{
	uint8_t join[] = { 2, 4, 0x05, 0xb4, 1, 1, 4, 2, 30, 12, 0x10, 0x02, 0xde, 0xad,
			   0xbe, 0xef, 0, 0, 0, 1 };
	uint64_t b[MPX_ST__MAX], a[MPX_ST__MAX];
	static struct bt_out o;
	struct bt_tuple t;
	struct bt_view iv, ov;
	uint8_t f[256];
	int k;
	size_t n;

	t4(&t);
	n = bt_build(f, &t, 1000, 0, 0x02, 1000, join, sizeof(join), NULL, 0);
	bt_stats(b);
	bt_run(f, n, &o);
	bt_stats(a);
	cr_assert_eq(o.ret, XDP_TX);
	bt_expect_deltas(b, a, MPX_ST_JOIN_NO_TOKEN, 1, MPX_ST_REPLY_TX, 1, -1);
	cr_assert_eq(bt_parse(f, n, &iv), 0);
	cr_assert_eq(bt_parse(o.d, o.len, &ov), 0);
	cr_expect(bt_csum_ok(o.d, o.len));
	cr_expect_eq(ov.flags, 0x14, "RST|ACK, not %#x", ov.flags);
	cr_expect_eq(ov.seq, 0);
	cr_expect_eq(ov.ack, 1001);
	cr_expect_eq(ov.plen, 0);
	cr_expect(!memcmp(o.d + ov.l3 + 12, f + iv.l3 + 16, 4) &&
		  !memcmp(o.d + ov.l3 + 16, f + iv.l3 + 12, 4), "addresses swapped");
	cr_expect_eq(bt_get16(o.d + ov.tcp), bt_get16(f + iv.tcp + 2), "ports swapped");
	k = bt_opt_find_mptcp(o.d + ov.opt, ov.optlen, 8);
	cr_assert_geq(k, 0, "no MP_TCPRST");
	cr_expect_eq(o.d[ov.opt + k + 3], 1, "reason %u", o.d[ov.opt + k + 3]);
}

Test(notours, unattached_interface)
{
	struct bt_tuple t;
	uint8_t f[256];
	size_t n;

	t4(&t);
	n = bt_build(f, &t, 1, 0, 0x02, 1000, mpc_syn_opts, sizeof(mpc_syn_opts), NULL, 0);
	bt_del_iface();
	bt_expect_untouched("MP_CAPABLE SYN on an interface without a role", f, n, -1);
}

Test(notours, ethernet_padding)
{
	/* a pure ACK padded to the 60-byte Ethernet minimum */
	struct bt_tuple t;
	uint8_t f[128];
	size_t n;

	t4(&t);
	n = bt_build(f, &t, 1, 2, 0x10, 1000, NULL, 0, NULL, 0);
	cr_assert_eq(n, 54);
	memset(f + n, 0xee, 6);
	bt_expect_untouched("padded ACK", f, 60, MPX_ST_PKT_NOT_OURS);
}

Test(notours, ipv4_options_and_fragments)
{
	struct bt_tuple t;
	uint8_t f[256], g[256];
	size_t n;

	t4(&t);
	n = bt_build(f, &t, 1, 0, 0x02, 1000, mpc_syn_opts, sizeof(mpc_syn_opts), NULL, 0);

	/* IHL 6: a 4-byte option (NOP x3 + EOL) in front of the TCP header */
	memcpy(g, f, 14 + 20);
	g[14] = 0x46;
	g[14 + 20] = 1, g[14 + 21] = 1, g[14 + 22] = 1, g[14 + 23] = 0;
	memcpy(g + 14 + 24, f + 14 + 20, n - 34);
	bt_put16(g + 14 + 2, (uint16_t)(n - 14 + 4));
	bt_put16(g + 24, 0);
	bt_put16(g + 24, (uint16_t)~bt_fold(bt_sum(0, g + 14, 24)));
	bt_expect_untouched("IPv4 with options", g, n + 4, MPX_ST_PKT_UNSUP);

	memcpy(g, f, n);
	bt_put16(g + 14 + 6, 0x2000); /* MF */
	bt_expect_untouched("first fragment", g, n, MPX_ST_PKT_UNSUP);
	bt_put16(g + 14 + 6, 0x0010); /* offset 128 */
	bt_expect_untouched("later fragment", g, n, MPX_ST_PKT_UNSUP);
	bt_put16(g + 14 + 6, 0x4000 | 0x1fff);
	bt_expect_untouched("DF + offset", g, n, MPX_ST_PKT_UNSUP);
}

Test(notours, ipv6_extension_headers)
{
	static const int nh[] = { 0, 43, 44, 60 };
	struct bt_tuple t;
	uint8_t f[256], g[256];
	size_t n;

	t6(&t);
	n = bt_build(f, &t, 1, 0, 0x02, 1000, mpc_syn_opts, sizeof(mpc_syn_opts), NULL, 0);
	for (size_t i = 0; i < sizeof(nh) / sizeof(nh[0]); i++) {
		/* an 8-byte extension header (next header TCP) before the TCP header */
		memcpy(g, f, 54);
		g[14 + 6] = (uint8_t)nh[i];
		memset(g + 54, 0, 8);
		g[54] = 6;
		if (nh[i] == 0 || nh[i] == 60)
			g[56] = 1, g[57] = 4; /* PadN */
		memcpy(g + 62, f + 54, n - 54);
		bt_put16(g + 14 + 4, (uint16_t)(n - 54 + 8));
		bt_expect_untouched("IPv6 extension header", g, n + 8, MPX_ST_PKT_UNSUP);
	}
}

Test(notours, malformed_lengths)
{
	struct bt_tuple t;
	uint8_t f[256], g[256];
	size_t n;

	t4(&t);
	n = bt_build(f, &t, 1, 0, 0x02, 1000, mpc_syn_opts, sizeof(mpc_syn_opts), NULL, 0);

	memcpy(g, f, n);
	g[14] = 0x65; /* version 6 behind EtherType IPv4 */
	bt_expect_untouched("IPv4 EtherType, version 6", g, n, MPX_ST_PKT_MALFORMED);

	for (int ihl = 0; ihl < 5; ihl++) {
		memcpy(g, f, n);
		g[14] = (uint8_t)(0x40 | ihl); /* header shorter than 20 bytes */
		bt_expect_untouched("IPv4 IHL < 5", g, n, MPX_ST_PKT_MALFORMED);
	}

	memcpy(g, f, n);
	bt_put16(g + 16, (uint16_t)(n - 14 + 1)); /* total length past the frame */
	bt_expect_untouched("IPv4 total length > frame", g, n, MPX_ST_PKT_MALFORMED);
	bt_put16(g + 16, 39); /* shorter than IP + TCP headers */
	bt_expect_untouched("IPv4 total length 39", g, n, MPX_ST_PKT_MALFORMED);
	bt_put16(g + 16, 0);
	bt_expect_untouched("IPv4 total length 0", g, n, MPX_ST_PKT_MALFORMED);

	bt_expect_untouched("IPv4 header cut short", f, 14 + 12, MPX_ST_PKT_MALFORMED);
	bt_expect_untouched("IPv4 EtherType, nothing behind", f, 14, MPX_ST_PKT_MALFORMED);
	memcpy(g, f, 14 + 20 + 10);
	bt_put16(g + 16, 30);
	bt_expect_untouched("TCP header cut short", g, 14 + 20 + 10, MPX_ST_PKT_MALFORMED);

	memcpy(g, f, n);
	g[14 + 20 + 12] = 0x40; /* data offset 16 bytes */
	bt_expect_untouched("TCP data offset 4", g, n, MPX_ST_PKT_MALFORMED);
	g[14 + 20 + 12] = 0x00;
	bt_expect_untouched("TCP data offset 0", g, n, MPX_ST_PKT_MALFORMED);
	memcpy(g, f, n);
	bt_put16(g + 16, 20 + 20 + 8); /* options past the IP length */
	bt_expect_untouched("TCP options past the IP length", g, n, MPX_ST_PKT_MALFORMED);

	t6(&t);
	n = bt_build(f, &t, 1, 0, 0x02, 1000, mpc_syn_opts, sizeof(mpc_syn_opts), NULL, 0);
	memcpy(g, f, n);
	g[14] = 0x45;
	bt_expect_untouched("IPv6 EtherType, version 4", g, n, MPX_ST_PKT_MALFORMED);
	memcpy(g, f, n);
	bt_put16(g + 18, (uint16_t)(n - 54 + 1));
	bt_expect_untouched("IPv6 payload length > frame", g, n, MPX_ST_PKT_MALFORMED);
	bt_put16(g + 18, 19);
	bt_expect_untouched("IPv6 payload length 19", g, n, MPX_ST_PKT_MALFORMED);
	bt_expect_untouched("IPv6 header cut short", f, 14 + 30, MPX_ST_PKT_MALFORMED);
	memcpy(g, f, n);
	g[54 + 12] = 0xf0; /* 60-byte TCP header in a 44-byte segment */
	bt_expect_untouched("IPv6 TCP data offset 15", g, n, MPX_ST_PKT_MALFORMED);
}
