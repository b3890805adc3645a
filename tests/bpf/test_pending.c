// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * A connection the daemon has just installed, while it still replays the
 * segments it was handed (flow flag MPX_FLOW_PENDING), and the frames it
 * replays (4 bytes of XDP metadata, MPX_REPLAY_MAGIC, in front of them):
 *
 *   - client segments of a pending flow go to the daemon too, so that
 *     nothing overtakes what it holds: dropped, copied to the ring buffer
 *     exactly as they came (metadata other than the magic changes nothing);
 *   - the same segment replayed is translated as any other;
 *   - server segments of a pending flow are translated as usual;
 *   - once the daemon clears the flag, client segments are translated;
 *   - a replayed frame that would be handed over again is dropped and
 *     counted (PuntFail), never put in the ring twice.
 */
#include <string.h>
#include <bpf/bpf.h>
#include <criterion/criterion.h>
#include "bt.h"
#include "s01.h"

static struct s01 S;
static struct bt_out O;
static struct bt_punt P[8];

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

TestSuite(pending, .init = setup, .fini = teardown);

/* frame idx of s01, or its IPv6 twin */
static size_t frame(int idx, int v6, uint8_t *out)
{
	const struct bt_frame *f = &S.pc.f[idx];

	if (v6)
		return bt_to_v6(f->d, f->len, out);
	memcpy(out, f->d, f->len);
	return f->len;
}

/* s01's first data (MP_CAPABLE with the data-level length: the implicit
 * mapping at IDSN + 1) as the gateway sends it on: MP_CAPABLE gone, the
 * numbers the kernel's own (single path, the first byte) */
static size_t first_data_translated(const uint8_t *in, size_t n, uint8_t *out)
{
	struct bt_view v;
	uint8_t opt[40];
	size_t on;

	cr_assert_eq(bt_parse(in, n, &v), 0);
	on = bt_opt_pad(opt, bt_opt_strip_mptcp(in + v.opt, v.optlen, opt));
	return bt_reframe(in, n, opt, on, in[v.tcp + 13], out);
}

static void conn_sf(struct mpx_conn *c, struct mpx_sf *sf)
{
	uint32_t id = 1;

	cr_assert_eq(bpf_map_lookup_elem(bt_map_fd("conns"), &id, c), 0);
	s01_sf_get(1, 0, sf);
}

static void pending_punts_then_replays(int v6)
{
	uint8_t in[2048], exp[2048];
	uint64_t b[MPX_ST__MAX], a[MPX_ST__MAX];
	struct mpx_conn c0, c;
	struct mpx_sf sf;
	size_t n = frame(S.ack3 + 1, v6, in), en;

	s01_install_flags(&S, v6, &c0, MPX_FLOW_PENDING);
	cr_assert_eq(bt_punts_drain(P, 8), 0);

	/* straight from the wire: to the daemon, exactly as it came */
	bt_set_role(MPX_ROLE_CLIENT);
	bt_stats(b);
	bt_run(in, n, &O);
	bt_stats(a);
	cr_expect_eq(O.ret, XDP_DROP);
	bt_expect_deltas(b, a, MPX_ST_PUNT, 1, -1);
	cr_assert_eq(bt_punts_drain(P, 8), 1, "one punt");
	cr_expect_eq(P[0].ifindex, BT_IFINDEX);
	cr_expect_eq(P[0].reason, MPX_PUNT_MPC_ACK);
	cr_expect(bt_same("punted copy", P[0].data, P[0].len, in, n));
	conn_sf(&c, &sf);
	cr_expect_eq(c.c2s_pkts, 0, "not translated");
	cr_expect_eq(c.c_nxt, c0.c_nxt);
	cr_expect_eq(sf.cm_head, 0);
	cr_expect_eq(sf.rcv_hi, c0.c_seq0);

	/* replayed by the daemon: translated */
	bt_stats(b);
	bt_run_replay(in, n, &O);
	bt_stats(a);
	cr_expect_eq(O.ret, XDP_PASS);
	en = first_data_translated(in, n, exp);
	cr_expect(bt_same("replayed first data", O.d, O.len, exp, en));
	cr_expect(bt_csum_ok(O.d, O.len));
	bt_expect_deltas(b, a, MPX_ST_XLAT_C2S, 1, MPX_ST_BYTES_C2S, 1000, MPX_ST_FIB_PASS, 1, -1);
	cr_expect_eq(bt_punts_drain(P, 8), 0, "nothing in the ring");
	conn_sf(&c, &sf);
	cr_expect_eq(c.c2s_pkts, 1);
	cr_expect_eq(c.c_nxt, c0.c_seq0 + 1000);
	cr_expect_eq(sf.cm_head, 1, "its mapping recorded");
	cr_expect_eq(sf.rcv_hi, c0.c_seq0 + 1000);
}

Test(pending, client_segment_punted_then_replayed_v4) { pending_punts_then_replays(0); }
Test(pending, client_segment_punted_then_replayed_v6) { pending_punts_then_replays(1); }

/* XDP metadata that is not the daemon's magic marks nothing: punted, and
 * the copy is the frame (the metadata is not part of it) */
Test(pending, other_metadata_is_not_a_replay)
{
	static const uint32_t metas[] = { 0, MPX_REPLAY_MAGIC + 1, 0x52585044 /* byte-swapped */ };
	uint8_t in[2048];
	uint64_t b[MPX_ST__MAX], a[MPX_ST__MAX];
	struct mpx_conn c;
	size_t n = frame(S.ack3 + 1, 0, in);

	s01_install_flags(&S, 0, &c, MPX_FLOW_PENDING);
	bt_set_role(MPX_ROLE_CLIENT);
	for (size_t i = 0; i < sizeof(metas) / sizeof(metas[0]); i++) {
		uint32_t meta[2] = { metas[i], MPX_REPLAY_MAGIC };

		bt_stats(b);
		/* 4 bytes, then 8 whose first word (at data_meta) is not it */
		bt_run_meta(in, n, (const uint8_t *)meta, i == 2 ? 8 : 4, &O);
		bt_stats(a);
		cr_expect_eq(O.ret, XDP_DROP, "metadata %#x", metas[i]);
		bt_expect_deltas(b, a, MPX_ST_PUNT, 1, -1);
		cr_assert_eq(bt_punts_drain(P, 8), 1);
		cr_expect(bt_same("punted copy", P[0].data, P[0].len, in, n), "metadata %#x",
			  metas[i]);
	}
}

/* Everything the client sends on a pending flow waits, pure ACKs and
 * FINs too; the server's side is translated as usual. */
Test(pending, server_side_not_held)
{
	uint8_t in[2048], tmp[2048], opt[40];
	uint64_t b[MPX_ST__MAX], a[MPX_ST__MAX];
	struct mpx_conn c;
	struct bt_view v;
	size_t n, on;
	int idx;

	s01_install_flags(&S, 0, &c, MPX_FLOW_PENDING);
	/* the third ACK itself, and the client's pure ACK with a DSS */
	for (int k = 0; k < 2; k++) {
		idx = k == 0 ? S.ack3 : S.ack3 + 4;
		n = frame(idx, 0, in);
		cr_assert(s01_from_client(&S, in, n), "frame %d is the client's", idx + 1);
		bt_set_role(MPX_ROLE_CLIENT);
		bt_stats(b);
		bt_run(in, n, &O);
		bt_stats(a);
		cr_expect_eq(O.ret, XDP_DROP, "frame %d", idx + 1);
		bt_expect_deltas(b, a, MPX_ST_PUNT, 1, -1);
		cr_assert_eq(bt_punts_drain(P, 8), 1);
		cr_expect(bt_same("punted copy", P[0].data, P[0].len, in, n));
	}
	/* the server's first ACK (acking nothing the gateway has seen yet):
	 * a plain server's, translated, DSS added, not held */
	idx = S.ack3 + 2;
	n = frame(idx, 0, in);
	cr_assert(!s01_from_client(&S, in, n));
	cr_assert_eq(bt_parse(in, n, &v), 0);
	on = bt_opt_pad(opt, bt_opt_strip_mptcp(in + v.opt, v.optlen, opt));
	n = bt_reframe(in, n, opt, on, in[v.tcp + 13], tmp);
	bt_set_role(MPX_ROLE_SERVER);
	bt_stats(b);
	bt_run(tmp, n, &O);
	bt_stats(a);
	cr_expect_eq(O.ret, XDP_PASS);
	bt_expect_deltas(b, a, MPX_ST_XLAT_S2C, 1, MPX_ST_FIB_PASS, 1, -1);
	cr_expect_eq(bt_punts_drain(P, 8), 0);
	/* its TCP ack: none of the client's bytes went through the gateway yet */
	cr_assert_eq(bt_parse(O.d, O.len, &v), 0);
	cr_expect_eq(v.ack, c.c_seq0, "subflow ack: nothing acknowledged yet");
	{
		struct bt_dss d;

		bt_dss_of(O.d + v.opt, v.optlen, &d);
		cr_expect(d.present && d.has_ack && d.ack64);
		cr_expect_eq(d.data_ack, c.idsn_c + 1 + 1000, "the server's ack as DATA_ACK");
	}
}

/* The daemon clears the flag (handshake_release): client segments go the
 * fast path again, without metadata. */
Test(pending, released)
{
	uint8_t in[2048], exp[2048];
	struct mpx_conn c;
	struct mpx_flow_key k;
	struct mpx_flow f = { .conn_id = 1, .sf_idx = 0, .flags = 0 };
	size_t n = frame(S.ack3 + 1, 0, in), en;

	s01_install_flags(&S, 0, &c, MPX_FLOW_PENDING);
	bt_run_as(MPX_ROLE_CLIENT, in, n, &O);
	cr_expect_eq(O.ret, XDP_DROP);
	cr_expect_eq(bt_punts_drain(P, 8), 1);
	k = c.key0;
	cr_assert_eq(bpf_map_update_elem(bt_map_fd("flows"), &k, &f, BPF_EXIST), 0);
	bt_run(in, n, &O);
	cr_expect_eq(O.ret, XDP_PASS);
	en = first_data_translated(in, n, exp);
	cr_expect(bt_same("first data after release", O.d, O.len, exp, en));
	cr_expect_eq(bt_punts_drain(P, 8), 0);
}

/* The daemon died holding the segments behind a new connection (SIGKILL):
 * once its heartbeat is stale the flow stops waiting for it and the next
 * segment is translated, the flag cleared (t_restart's stall in CI). */
Test(pending, daemon_gone)
{
	uint8_t in[2048], exp[2048];
	struct mpx_conn c;
	struct mpx_flow_key k;
	struct mpx_flow f;
	size_t n = frame(S.ack3 + 1, 0, in), en;

	s01_install_flags(&S, 0, &c, MPX_FLOW_PENDING);
	bt_set_daemon(0);
	bt_run_as(MPX_ROLE_CLIENT, in, n, &O);
	bt_set_daemon(1);
	cr_expect_eq(O.ret, XDP_PASS);
	en = first_data_translated(in, n, exp);
	cr_expect(bt_same("first data, daemon gone", O.d, O.len, exp, en));
	cr_expect_eq(bt_punts_drain(P, 8), 0);
	k = c.key0;
	cr_assert_eq(bpf_map_lookup_elem(bt_map_fd("flows"), &k, &f), 0);
	cr_expect_eq(f.flags & MPX_FLOW_PENDING, 0, "still pending");
}

/* A replayed frame on a flow that is not pending: translated the same as
 * from the wire */
Test(pending, replay_on_installed_flow)
{
	uint8_t in[2048], exp[2048];
	struct mpx_conn c;
	size_t n = frame(S.ack3 + 1, 1, in), en;

	s01_install(&S, 1, &c);
	bt_set_role(MPX_ROLE_CLIENT);
	bt_run_replay(in, n, &O);
	cr_expect_eq(O.ret, XDP_PASS);
	en = first_data_translated(in, n, exp);
	cr_expect(bt_same("replayed, installed", O.d, O.len, exp, en));
}

/* ---- replayed frames the fast path would hand over again ------------------ */

static void replay_not_punted(const char *what, const uint8_t *in, size_t n)
{
	uint64_t b[MPX_ST__MAX], a[MPX_ST__MAX];

	bt_set_role(MPX_ROLE_CLIENT);
	bt_stats(b);
	bt_run_replay(in, n, &O);
	bt_stats(a);
	cr_expect_eq(O.ret, XDP_DROP, "%s: action %u", what, O.ret);
	bt_expect_deltas(b, a, MPX_ST_PUNT_FAIL, 1, MPX_ST_MPC_ACK_RX, 1, -1);
	cr_expect_eq(bt_punts_drain(P, 8), 0, "%s: nothing in the ring", what);
}

/* the third ACK of a handshake the gateway saw (half-open entry in
 * SYN-ACK state) and of one it did not (stateless): replayed, dropped */
Test(pending, replayed_third_ack_dropped)
{
	uint8_t in[2048];
	struct mpx_halfopen ho = { .isn_c = 0, .synack_seq = 0, .synack_ack = 0,
				   .c_flags = 0x01, .state = MPX_HO_SYNACK };
	struct mpx_flow_key k;
	struct mpx_conn c;
	size_t n;

	for (int v6 = 0; v6 < 2; v6++) {
		n = frame(S.ack3, v6, in);
		s01_conn(&S, v6, &c, NULL, &k);
		ho.isn_c = S.isn_c;
		ho.synack_seq = S.isn_s;
		ho.synack_ack = S.isn_c + 1;
		replay_not_punted("stateless third ACK", in, n);
		cr_assert_eq(bpf_map_update_elem(bt_map_fd("halfopen"), &k, &ho, BPF_ANY), 0);
		replay_not_punted("third ACK with half-open entry", in, n);
		n = frame(S.ack3 + 1, v6, in);
		replay_not_punted("first data with half-open entry", in, n);
	}
}
