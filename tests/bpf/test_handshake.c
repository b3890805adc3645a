// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * MP_CAPABLE handshake through the fast path, on the real kernel SYN,
 * SYN-ACK and third ACK of s01 (and their IPv6 twins):
 *
 *   client SYN      -> the same SYN without MP_CAPABLE, MSS lowered by
 *                      MPX_DSS_ROOM, half-open entry (daemon alive)
 *   server SYN-ACK  -> the same SYN-ACK plus MP_CAPABLE(Kg): with the
 *                      server's MP_CAPABLE stripped first, the output must
 *                      be the kernel's own SYN-ACK with only the key changed
 *   client 3rd ACK  -> to the daemon through the punts ring buffer, also
 *                      without a half-open entry (a flood evicted it): the
 *                      daemon verifies the echoed key without state
 *
 * and every fallback on the way (daemon down, version 0, server speaks
 * MPTCP, no option room).
 */
#include <string.h>
#include <bpf/bpf.h>
#include <criterion/criterion.h>
#include "bt.h"
#include "s01.h"

static struct s01 S;

static void setup(void)
{
	bt_setup();
	s01_load(&S);
}

static void teardown(void)
{
	s01_free(&S);
	bt_teardown();
}

TestSuite(handshake, .init = setup, .fini = teardown);

static struct bt_out O;

/* frame idx of s01, or its IPv6 twin */
static size_t frame(int idx, int v6, uint8_t *out)
{
	const struct bt_frame *f = &S.pc.f[idx];

	if (v6)
		return bt_to_v6(f->d, f->len, out);
	memcpy(out, f->d, f->len);
	return f->len;
}

static void key_of(int v6, struct mpx_flow_key *k)
{
	struct mpx_conn c;

	s01_conn(&S, v6, &c, NULL, k);
}

static int ho_get(int v6, struct mpx_halfopen *ho)
{
	struct mpx_flow_key k;

	key_of(v6, &k);
	return bpf_map_lookup_elem(bt_map_fd("halfopen"), &k, ho);
}

/* the MSS rule: lower by dec, never below 536, never raise */
static uint16_t lowered(uint16_t mss, uint16_t dec)
{
	if (mss > 536 + dec)
		return (uint16_t)(mss - dec);
	return mss > 536 ? 536 : mss;
}

/* in without its MPTCP options (trailing NOPs dropped, NOP padded), MSS
 * lowered when clamp, extra appended before the padding */
static size_t expect_stripped(const uint8_t *in, size_t len, int clamp, const uint8_t *extra,
			      size_t extra_len, uint8_t *out)
{
	struct bt_view v;
	uint8_t opt[80];
	size_t n;
	int mss;

	cr_assert_eq(bt_parse(in, len, &v), 0);
	n = bt_opt_strip_mptcp(in + v.opt, v.optlen, opt);
	mss = bt_opt_find(opt, n, 2);
	if (clamp && mss >= 0 && opt[mss + 1] == 4)
		bt_put16(opt + mss + 2, lowered(bt_get16(opt + mss + 2), MPX_DSS_ROOM));
	memcpy(opt + n, extra, extra_len);
	n = bt_opt_pad(opt, n + extra_len);
	return bt_reframe(in, len, opt, n, in[v.tcp + 13], out);
}

static size_t plain(const uint8_t *in, size_t len, uint8_t *out)
{
	return expect_stripped(in, len, 0, NULL, 0, out);
}

/* run the client SYN and check the offered-MPTCP output */
static void client_syn_offered(int v6)
{
	uint8_t in[2048], exp[2048];
	uint64_t b[MPX_ST__MAX], a[MPX_ST__MAX], t0, t1;
	struct mpx_halfopen ho;
	struct bt_view iv;
	size_t n = frame(S.syn, v6, in), en;

	cr_assert_eq(bt_parse(in, n, &iv), 0);
	cr_assert_geq(bt_opt_find_mptcp(in + iv.opt, iv.optlen, 0), 0, "s01 SYN has MP_CAPABLE");
	bt_stats(b);
	t0 = bt_now_ns();
	bt_run_as(MPX_ROLE_CLIENT, in, n, &O);
	t1 = bt_now_ns();
	bt_stats(a);

	cr_assert_eq(O.ret, XDP_PASS);
	en = expect_stripped(in, n, 1, NULL, 0, exp);
	cr_expect_eq(en, n - 4, "the kernel's SYN loses exactly its 4-byte MP_CAPABLE");
	cr_expect(bt_same("client SYN", O.d, O.len, exp, en));
	cr_expect(bt_csum_ok(O.d, O.len));
	cr_expect_eq(bt_opt_find_mptcp(O.d + iv.opt, O.len - n + iv.optlen, -1), -1);
	bt_expect_deltas(b, a, MPX_ST_MPC_SYN_RX, 1, MPX_ST_XLAT_C2S, 1, MPX_ST_FIB_PASS, 1, -1);

	cr_assert_eq(ho_get(v6, &ho), 0, "half-open entry");
	cr_expect_eq(ho.state, MPX_HO_SYN);
	cr_expect_eq(ho.isn_c, S.isn_c);
	cr_expect_eq(ho.c_flags, in[iv.opt + bt_opt_find_mptcp(in + iv.opt, iv.optlen, 0) + 3]);
	cr_expect_eq(ho.syn_len, 0);
	cr_expect_eq(ho.synack_seq, 0);
	cr_expect_eq(ho.synack_ack, 0);
	cr_expect(ho.ts_ns >= t0 && ho.ts_ns <= t1, "half-open timestamp is bpf_ktime_get_ns()");
}

Test(handshake, client_syn_v4) { client_syn_offered(0); }
Test(handshake, client_syn_v6) { client_syn_offered(1); }

static void client_syn_not_offered(int v6, int why)
{
	uint8_t in[2048], exp[2048];
	uint64_t b[MPX_ST__MAX], a[MPX_ST__MAX];
	struct mpx_halfopen ho;
	size_t n = frame(S.syn, v6, in), en;

	if (why == MPX_ST_FB_V0) {
		struct bt_view v;
		int o;

		bt_parse(in, n, &v);
		o = bt_opt_find_mptcp(in + v.opt, v.optlen, 0);
		in[v.opt + o + 2] = 0x00; /* version 0 */
		bt_fix_csum(in, n);
	}
	bt_stats(b);
	bt_run_as(MPX_ROLE_CLIENT, in, n, &O);
	bt_stats(a);
	cr_assert_eq(O.ret, XDP_PASS);
	/* plain TCP: MP_CAPABLE gone, MSS untouched */
	en = expect_stripped(in, n, 0, NULL, 0, exp);
	cr_expect(bt_same("SYN not offered MPTCP", O.d, O.len, exp, en));
	cr_expect(bt_csum_ok(O.d, O.len));
	bt_expect_deltas(b, a, MPX_ST_MPC_SYN_RX, 1, why, 1, MPX_ST_XLAT_C2S, 1, MPX_ST_FIB_PASS,
			 1, -1);
	cr_expect_neq(ho_get(v6, &ho), 0, "no half-open entry");
}

Test(handshake, client_syn_daemon_down_v4)
{
	bt_set_daemon(0);
	client_syn_not_offered(0, MPX_ST_FB_NO_DAEMON);
}

Test(handshake, client_syn_daemon_down_v6)
{
	bt_set_daemon(0);
	client_syn_not_offered(1, MPX_ST_FB_NO_DAEMON);
}

Test(handshake, client_syn_daemon_stale)
{
	/* a heartbeat older than hb_timeout_ms counts as no daemon */
	bt_set_hb(bt_now_ns() - (uint64_t)(BT_HB_TIMEOUT_MS + 1000) * 1000000ull);
	client_syn_not_offered(0, MPX_ST_FB_NO_DAEMON);
}

Test(handshake, client_syn_version0_v4) { client_syn_not_offered(0, MPX_ST_FB_V0); }
Test(handshake, client_syn_version0_v6) { client_syn_not_offered(1, MPX_ST_FB_V0); }

Test(handshake, client_syn_mss_clamp)
{
	static const uint16_t mss[] = { 1460, 565, 564, 563, 540, 537, 536, 500, 88 };
	struct bt_tuple t;
	uint8_t in[256], exp[256];

	bt_tuple4(&t, "198.18.1.1", "198.18.1.2", 33000, 80);
	for (size_t i = 0; i < sizeof(mss) / sizeof(mss[0]); i++) {
		/* MSS after the timestamps, MP_CAPABLE in the middle */
		uint8_t opt[] = { 1, 1, 8, 10, 0, 0, 0, 1, 0, 0, 0, 0, 30, 4, 0x01, 0x01,
				  2, 4, (uint8_t)(mss[i] >> 8), (uint8_t)mss[i], 4, 2, 1, 0 };
		size_t n, en;

		t.sport = (uint16_t)(33000 + i);
		n = bt_build(in, &t, 100 + (uint32_t)i, 0, 0x02, 65535, opt, sizeof(opt), NULL, 0);
		bt_run_as(MPX_ROLE_CLIENT, in, n, &O);
		cr_assert_eq(O.ret, XDP_PASS);
		en = expect_stripped(in, n, 1, NULL, 0, exp);
		cr_expect(bt_same("MSS clamp", O.d, O.len, exp, en), "MSS %u", mss[i]);
		cr_expect_eq(bt_get16(O.d + 34 + 20 + 14), lowered(mss[i], 28), "MSS %u", mss[i]);
	}
}

Test(handshake, client_syn_probe_keeps_mp_capable)
{
	uint8_t in[2048], exp[2048];
	const uint8_t mpc[4] = { 30, 4, 0x01, 0x01 };
	size_t n = frame(S.syn, 0, in), en;

	bt_set_cfg_flags(MPX_CFG_PROBE);
	bt_run_as(MPX_ROLE_CLIENT, in, n, &O);
	cr_assert_eq(O.ret, XDP_PASS);
	/* same layout as Linux: MP_CAPABLE last */
	en = expect_stripped(in, n, 1, mpc, sizeof(mpc), exp);
	cr_expect(bt_same("probe SYN", O.d, O.len, exp, en));
}

Test(handshake, client_syn_with_data)
{
	/* TFO: cookie option + data in the SYN; the payload rides along */
	uint8_t opt[] = { 2, 4, 0x05, 0xb4, 34, 10, 1, 2, 3, 4, 5, 6, 7, 8, 30, 4, 0x01, 0x01,
			  1, 1 };
	const uint8_t pay[37] = "GET / HTTP/1.0\r\n\r\nand some more....";
	struct bt_tuple t;
	struct mpx_halfopen ho;
	struct mpx_flow_key k;
	uint8_t in[256], exp[256];
	size_t n, en;

	bt_tuple6(&t, "2001:db8:1::1", "2001:db8:1::2", 41000, 443);
	n = bt_build(in, &t, 7777, 0, 0x02, 65535, opt, sizeof(opt), pay, sizeof(pay));
	bt_run_as(MPX_ROLE_CLIENT, in, n, &O);
	cr_assert_eq(O.ret, XDP_PASS);
	en = expect_stripped(in, n, 1, NULL, 0, exp);
	cr_expect(bt_same("SYN with data", O.d, O.len, exp, en));
	cr_expect(bt_csum_ok(O.d, O.len));
	bt_flow_key(&k, &t);
	cr_assert_eq(bpf_map_lookup_elem(bt_map_fd("halfopen"), &k, &ho), 0);
	cr_expect_eq(ho.syn_len, sizeof(pay));
	cr_expect_eq(ho.isn_c, 7777);
}

/* ---- SYN-ACK ------------------------------------------------------------ */

/* the kernel SYN-ACK with its key replaced by Kg */
static size_t expect_synack(const uint8_t *kernel, size_t len, uint64_t kg, uint8_t flags,
			    uint8_t *out)
{
	struct bt_view v;
	int o;

	memcpy(out, kernel, len);
	cr_assert_eq(bt_parse(out, len, &v), 0);
	o = bt_opt_find_mptcp(out + v.opt, v.optlen, 0);
	cr_assert_geq(o, 0);
	cr_assert_eq(out[v.opt + o + 1], 12);
	out[v.opt + o + 2] = 0x01; /* MP_CAPABLE v1 */
	out[v.opt + o + 3] = flags;
	bt_put64(out + v.opt + o + 4, kg);
	bt_fix_csum(out, len);
	return len;
}

static void synack_through(int v6, uint32_t cfg_flags)
{
	uint8_t syn[2048], ksa[2048], in[2048], exp[2048];
	uint64_t b[MPX_ST__MAX], a[MPX_ST__MAX], kg;
	struct mpx_halfopen ho;
	struct mpx_flow_key k;
	struct bt_view v;
	size_t sn = frame(S.syn, v6, syn), kn = frame(S.synack, v6, ksa), n, en;

	bt_set_cfg_flags(cfg_flags);
	bt_run_as(MPX_ROLE_CLIENT, syn, sn, &O);
	cr_assert_eq(O.ret, XDP_PASS);
	n = plain(ksa, kn, in); /* what a plain-TCP server would have sent */
	cr_assert_eq(n, kn - 12);

	bt_stats(b);
	bt_run_as(MPX_ROLE_SERVER, in, n, &O);
	bt_stats(a);
	cr_assert_eq(O.ret, XDP_PASS);
	cr_assert_eq(bt_parse(in, n, &v), 0);
	key_of(v6, &k);
	kg = mpx_derive_key(bt_secret(), &k, v.seq, v.ack);
	en = expect_synack(ksa, kn, kg, (cfg_flags & MPX_CFG_CSUM) ? 0x81 : 0x01, exp);
	cr_expect_eq(O.len, n + 12, "header 12 bytes longer");
	cr_expect(bt_same("SYN-ACK", O.d, O.len, exp, en));
	cr_expect(bt_csum_ok(O.d, O.len));
	bt_expect_deltas(b, a, MPX_ST_MPC_SYNACK_TX, 1, MPX_ST_XLAT_S2C, 1, MPX_ST_FIB_PASS, 1,
			 -1);
	cr_assert_eq(ho_get(v6, &ho), 0);
	cr_expect_eq(ho.state, MPX_HO_SYNACK);
	cr_expect_eq(ho.synack_seq, S.isn_s);
	cr_expect_eq(ho.synack_ack, S.isn_c + 1);
	cr_expect_eq(ho.isn_c, S.isn_c);

	/* a retransmitted SYN-ACK gets the same key */
	bt_run_as(MPX_ROLE_SERVER, in, n, &O);
	cr_assert_eq(O.ret, XDP_PASS);
	cr_expect(bt_same("retransmitted SYN-ACK", O.d, O.len, exp, en));
}

Test(handshake, server_synack_v4) { synack_through(0, 0); }
Test(handshake, server_synack_v6) { synack_through(1, 0); }
Test(handshake, server_synack_csum_flag) { synack_through(0, MPX_CFG_CSUM); }

Test(handshake, server_synack_with_mp_capable)
{
	uint8_t syn[2048], ksa[2048], ack[2048];
	uint64_t b[MPX_ST__MAX], a[MPX_ST__MAX];
	struct mpx_halfopen ho;
	size_t sn = frame(S.syn, 0, syn), kn = frame(S.synack, 0, ksa), an;

	bt_run_as(MPX_ROLE_CLIENT, syn, sn, &O);
	bt_set_role(MPX_ROLE_SERVER);
	bt_stats(b);
	bt_run(ksa, kn, &O);
	bt_stats(a);
	cr_expect_eq(O.ret, XDP_PASS);
	cr_expect(bt_same("MPTCP server's SYN-ACK", O.d, O.len, ksa, kn));
	bt_expect_deltas(b, a, MPX_ST_FB_SERVER_MPC, 1, MPX_ST_PKT_NOT_OURS, 1, -1);
	cr_assert_eq(ho_get(0, &ho), 0);
	cr_expect_eq(ho.state, MPX_HO_STEPASIDE);
	/* the gateway steps aside: the real third ACK passes untouched */
	an = frame(S.ack3, 0, ack);
	bt_set_role(MPX_ROLE_CLIENT);
	bt_expect_untouched("third ACK after step-aside", ack, an, MPX_ST_PKT_NOT_OURS);
}

/* a SYN-ACK with the given option area for the half-open SYN */
static size_t synack_with(const uint8_t *opt, size_t optlen, uint8_t *out)
{
	struct bt_tuple t;

	bt_tuple_rev(&t, &S.c2s);
	return bt_build(out, &t, S.isn_s, S.isn_c + 1, 0x12, 65160, opt, optlen, NULL, 0);
}

Test(handshake, server_synack_no_room)
{
	/* 32 bytes: MSS, NOP NOP TS, NOP WS, SACK_PERM, TFO cookie (10) */
	static const uint8_t opt[32] = { 2, 4, 0x05, 0xb4, 1, 1, 8, 10, 1, 2, 3, 4, 5, 6, 7, 8,
					 1, 3, 3, 7, 4, 2, 34, 10, 9, 9, 9, 9, 9, 9, 9, 9 };
	uint8_t syn[2048], in[256], ack[2048], exp[2048];
	uint64_t b[MPX_ST__MAX], a[MPX_ST__MAX];
	struct mpx_halfopen ho;
	size_t n, an, en;

	bt_run_as(MPX_ROLE_CLIENT, syn, frame(S.syn, 0, syn), &O);
	n = synack_with(opt, sizeof(opt), in);
	bt_set_role(MPX_ROLE_SERVER);
	bt_stats(b);
	bt_run(in, n, &O);
	bt_stats(a);
	cr_expect_eq(O.ret, XDP_PASS);
	cr_expect(bt_same("full SYN-ACK", O.d, O.len, in, n));
	bt_expect_deltas(b, a, MPX_ST_FB_SYNACK_ROOM, 1, MPX_ST_PKT_NOT_OURS, 1, -1);
	cr_assert_eq(ho_get(0, &ho), 0);
	cr_expect_eq(ho.state, MPX_HO_FALLBACK);

	/* the client's MPTCP third ACK is then sent on as plain TCP */
	an = frame(S.ack3, 0, ack);
	bt_run_as(MPX_ROLE_CLIENT, ack, an, &O);
	cr_expect_eq(O.ret, XDP_PASS);
	en = plain(ack, an, exp);
	cr_expect(bt_same("third ACK after fallback", O.d, O.len, exp, en));
	cr_expect(bt_csum_ok(O.d, O.len));
}

Test(handshake, server_synack_exactly_room)
{
	/* 28 bytes of options + 12 = the 40-byte maximum */
	static const uint8_t opt[28] = { 2, 4, 0x05, 0xb4, 1, 1, 8, 10, 1, 2, 3, 4, 5, 6, 7, 8,
					 1, 3, 3, 7, 34, 8, 9, 9, 9, 9, 9, 9 };
	uint8_t syn[2048], in[256], exp[256], mpc[12] = { 30, 12, 0x01, 0x01 };
	struct mpx_flow_key k;
	size_t n, en;

	bt_run_as(MPX_ROLE_CLIENT, syn, frame(S.syn, 0, syn), &O);
	n = synack_with(opt, sizeof(opt), in);
	bt_run_as(MPX_ROLE_SERVER, in, n, &O);
	cr_assert_eq(O.ret, XDP_PASS);
	key_of(0, &k);
	bt_put64(mpc + 4, mpx_derive_key(bt_secret(), &k, S.isn_s, S.isn_c + 1));
	en = expect_stripped(in, n, 0, mpc, sizeof(mpc), exp);
	cr_expect_eq(en, n + 12);
	cr_expect(bt_same("SYN-ACK filled to 40 option bytes", O.d, O.len, exp, en));
	cr_expect(bt_csum_ok(O.d, O.len));
}

Test(handshake, server_synack_daemon_down)
{
	uint8_t syn[2048], ksa[2048], in[2048];
	uint64_t b[MPX_ST__MAX], a[MPX_ST__MAX];
	struct mpx_halfopen ho;
	size_t n;

	bt_run_as(MPX_ROLE_CLIENT, syn, frame(S.syn, 0, syn), &O);
	bt_set_daemon(0);
	n = plain(ksa, frame(S.synack, 0, ksa), in);
	bt_set_role(MPX_ROLE_SERVER);
	bt_stats(b);
	bt_run(in, n, &O);
	bt_stats(a);
	cr_expect_eq(O.ret, XDP_PASS);
	cr_expect(bt_same("SYN-ACK with the daemon gone", O.d, O.len, in, n));
	bt_expect_deltas(b, a, MPX_ST_FB_NO_DAEMON, 1, MPX_ST_PKT_NOT_OURS, 1, -1);
	cr_assert_eq(ho_get(0, &ho), 0);
	cr_expect_eq(ho.state, MPX_HO_FALLBACK);
}

/* ---- third ACK ---------------------------------------------------------- */

/* SYN and SYN-ACK through the gateway; returns Kg */
static uint64_t handshake_to_synack(int v6)
{
	uint8_t f[2048], in[2048];
	struct mpx_flow_key k;
	size_t n;

	bt_run_as(MPX_ROLE_CLIENT, f, frame(S.syn, v6, f), &O);
	cr_assert_eq(O.ret, XDP_PASS);
	n = plain(f, frame(S.synack, v6, f), in);
	bt_run_as(MPX_ROLE_SERVER, in, n, &O);
	cr_assert_eq(O.ret, XDP_PASS);
	key_of(v6, &k);
	return mpx_derive_key(bt_secret(), &k, S.isn_s, S.isn_c + 1);
}

/* frame idx with the server key it echoes replaced by kg (the client
 * echoes the key it got: the gateway's) */
static size_t echo_kg(int idx, int v6, uint64_t kg, uint8_t *out)
{
	struct bt_view v;
	size_t n = frame(idx, v6, out);
	int o;

	cr_assert_eq(bt_parse(out, n, &v), 0);
	o = bt_opt_find_mptcp(out + v.opt, v.optlen, 0);
	cr_assert_geq(o, 0);
	cr_assert_eq(bt_get64(out + v.opt + o + 12), S.key_s);
	bt_put64(out + v.opt + o + 12, kg);
	bt_fix_csum(out, n);
	return n;
}

static void third_ack_punted(int v6)
{
	static struct bt_punt p[4];
	uint8_t ack[2048], data[2048];
	uint64_t b[MPX_ST__MAX], a[MPX_ST__MAX], kg = handshake_to_synack(v6);
	size_t n = echo_kg(S.ack3, v6, kg, ack), dn;

	cr_assert_eq(bt_punts_drain(p, 4), 0, "ring empty before");
	bt_set_role(MPX_ROLE_CLIENT);
	bt_stats(b);
	bt_run(ack, n, &O);
	bt_stats(a);
	cr_expect_eq(O.ret, XDP_DROP);
	bt_expect_deltas(b, a, MPX_ST_MPC_ACK_RX, 1, MPX_ST_PUNT, 1, -1);
	cr_assert_eq(bt_punts_drain(p, 4), 1, "one punt");
	cr_expect_eq(p[0].ifindex, BT_IFINDEX);
	cr_expect_eq(p[0].reason, MPX_PUNT_MPC_ACK);
	cr_expect(bt_same("punted copy", p[0].data, p[0].len, ack, n));

	/* the first data (MP_CAPABLE + data-level length) follows it there */
	dn = echo_kg(S.ack3 + 1, v6, kg, data);
	bt_stats(b);
	bt_run(data, dn, &O);
	bt_stats(a);
	cr_expect_eq(O.ret, XDP_DROP);
	bt_expect_deltas(b, a, MPX_ST_MPC_ACK_RX, 1, MPX_ST_PUNT, 1, -1);
	cr_assert_eq(bt_punts_drain(p, 4), 1);
	cr_expect(bt_same("punted first data", p[0].data, p[0].len, data, dn));
}

Test(handshake, third_ack_punted_v4) { third_ack_punted(0); }
Test(handshake, third_ack_punted_v6) { third_ack_punted(1); }

Test(handshake, dss_behind_pending_handshake_punted)
{
	/* a DSS segment that overtook the third ACK waits for the daemon too */
	static const uint8_t dss[] = { 1, 1, 8, 10, 0, 0, 0, 1, 0, 0, 0, 2, 30, 8, 0x20, 0x01,
				       0, 0, 0, 7 };
	static struct bt_punt p[2];
	uint64_t b[MPX_ST__MAX], a[MPX_ST__MAX];
	uint8_t f[256];
	size_t n;

	handshake_to_synack(0);
	n = bt_build(f, &S.c2s, S.isn_c + 1, S.isn_s + 1, 0x10, 100, dss, sizeof(dss), NULL, 0);
	bt_set_role(MPX_ROLE_CLIENT);
	bt_stats(b);
	bt_run(f, n, &O);
	bt_stats(a);
	cr_expect_eq(O.ret, XDP_DROP);
	bt_expect_deltas(b, a, MPX_ST_PUNT, 1, -1);
	cr_assert_eq(bt_punts_drain(p, 2), 1);
	cr_expect(bt_same("punted DSS", p[0].data, p[0].len, f, n));
}

Test(handshake, third_ack_daemon_down)
{
	uint8_t ack[2048], exp[2048];
	uint64_t b[MPX_ST__MAX], a[MPX_ST__MAX], kg = handshake_to_synack(0);
	static struct bt_punt p[2];
	struct mpx_halfopen ho;
	size_t n = echo_kg(S.ack3, 0, kg, ack), en;

	bt_set_daemon(0);
	bt_set_role(MPX_ROLE_CLIENT);
	bt_stats(b);
	bt_run(ack, n, &O);
	bt_stats(a);
	/* nobody to verify the key: plain TCP, MP_CAPABLE stripped */
	cr_expect_eq(O.ret, XDP_PASS);
	en = plain(ack, n, exp);
	cr_expect(bt_same("third ACK, daemon down", O.d, O.len, exp, en));
	cr_expect(bt_csum_ok(O.d, O.len));
	bt_expect_deltas(b, a, MPX_ST_FB_NO_DAEMON, 1, MPX_ST_XLAT_C2S, 1, MPX_ST_FIB_PASS, 1, -1);
	cr_expect_eq(bt_punts_drain(p, 2), 0);
	cr_assert_eq(ho_get(0, &ho), 0);
	cr_expect_eq(ho.state, MPX_HO_FALLBACK);
}

/* ---- third ACK without a half-open entry ------------------------------------ */

/*
 * A SYN flood recycles the LRU half-open table: the third ACK of a real
 * handshake may find no entry. Its echoed key still proves it (Kg is
 * derived from the 4-tuple and the SYN-ACK's numbers, which a pure third
 * ACK repeats), so with the daemon alive it goes to the daemon all the
 * same; so does the first data, which echoes both keys too.
 */
static void stateless_punted(int v6)
{
	static struct bt_punt p[4];
	uint8_t f[2048];
	uint64_t b[MPX_ST__MAX], a[MPX_ST__MAX];
	struct mpx_halfopen ho;
	size_t n;

	cr_assert_neq(ho_get(v6, &ho), 0, "no half-open entry");
	for (int k = 0; k < 2; k++) {
		n = frame(S.ack3 + k, v6, f);
		bt_set_role(MPX_ROLE_CLIENT);
		bt_stats(b);
		bt_run(f, n, &O);
		bt_stats(a);
		cr_expect_eq(O.ret, XDP_DROP, "%s", k ? "first data" : "third ACK");
		cr_expect_eq(a[MPX_ST_PUNT] - b[MPX_ST_PUNT], 1, "punted");
		cr_expect_eq(a[MPX_ST_PUNT_FAIL] - b[MPX_ST_PUNT_FAIL], 0);
		cr_expect_eq(a[MPX_ST_PKT_NOT_OURS] - b[MPX_ST_PKT_NOT_OURS], 0);
		cr_assert_eq(bt_punts_drain(p, 4), 1, "one punt");
		cr_expect_eq(p[0].ifindex, BT_IFINDEX);
		cr_expect_eq(p[0].reason, MPX_PUNT_MPC_ACK);
		cr_expect(bt_same("stateless punt", p[0].data, p[0].len, f, n));
	}
	cr_expect_neq(ho_get(v6, &ho), 0, "the fast path makes no entry for it");
}

Test(handshake, third_ack_stateless_punted_v4) { stateless_punted(0); }
Test(handshake, third_ack_stateless_punted_v6) { stateless_punted(1); }

/* The same ACK when nobody can verify it: left alone, as any segment of a
 * flow the gateway does not know */
Test(handshake, third_ack_stateless_daemon_down)
{
	static struct bt_punt p[2];
	uint8_t f[2048];
	size_t n;

	bt_set_daemon(0);
	for (int v6 = 0; v6 < 2; v6++) {
		n = frame(S.ack3, v6, f);
		bt_set_role(MPX_ROLE_CLIENT);
		bt_expect_untouched("stateless third ACK, daemon down", f, n, MPX_ST_PKT_NOT_OURS);
		n = frame(S.ack3 + 1, v6, f);
		bt_expect_untouched("stateless first data, daemon down", f, n, MPX_ST_PKT_NOT_OURS);
	}
	cr_expect_eq(bt_punts_drain(p, 2), 0);
}

/* Only what echoes both keys (MP_CAPABLE of 20 bytes or more, from the
 * client) can be verified: the rest is not the daemon's to see */
Test(handshake, stateless_only_for_client_mp_capable_ack)
{
	static struct bt_punt p[2];
	uint8_t f[2048], g[2048];
	struct bt_view v;
	size_t n;
	int o;

	/* the third ACK arriving on the server side */
	n = frame(S.ack3, 0, f);
	bt_set_role(MPX_ROLE_SERVER);
	bt_expect_untouched("MP_CAPABLE ACK on the server side", f, n, MPX_ST_PKT_NOT_OURS);
	/* its MP_CAPABLE cut to the SYN-ACK's 12 bytes (one key) */
	cr_assert_eq(bt_parse(f, n, &v), 0);
	o = bt_opt_find_mptcp(f + v.opt, v.optlen, 0);
	cr_assert_geq(o, 0);
	{
		uint8_t opt[40];
		size_t on = 0;

		memcpy(opt, f + v.opt, (size_t)o);
		on = (size_t)o;
		memcpy(opt + on, f + v.opt + o, 12);
		opt[on + 1] = 12;
		on = bt_opt_pad(opt, on + 12);
		n = bt_reframe(f, n, opt, on, f[v.tcp + 13], g);
	}
	bt_set_role(MPX_ROLE_CLIENT);
	bt_expect_untouched("12-byte MP_CAPABLE ACK", g, n, MPX_ST_PKT_NOT_OURS);
	/* a DSS of an unknown flow */
	n = frame(S.ack3 + 4, 0, f);
	bt_expect_untouched("DSS without state", f, n, MPX_ST_PKT_NOT_OURS);
	cr_expect_eq(bt_punts_drain(p, 2), 0);
}

/*
 * docs/stats.md: MPCapableACKRX counts "third ACKs (or first data) with
 * MP_CAPABLE sent to the daemon", and MPCapableACKStateless is a part of
 * the connections established: a third ACK sent without a half-open entry
 * is counted like one sent with it.
 */
Test(handshake, third_ack_stateless_counted)
{
	static struct bt_punt p[2];
	uint8_t f[2048];
	uint64_t b[MPX_ST__MAX], a[MPX_ST__MAX];
	size_t n = frame(S.ack3, 0, f);

	bt_set_role(MPX_ROLE_CLIENT);
	bt_stats(b);
	bt_run(f, n, &O);
	bt_stats(a);
	cr_expect_eq(O.ret, XDP_DROP);
	bt_expect_deltas(b, a, MPX_ST_MPC_ACK_RX, 1, MPX_ST_PUNT, 1, -1);
	bt_punts_drain(p, 2);
}
