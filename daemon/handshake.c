// SPDX-License-Identifier: GPL-2.0
/*
 * MP_CAPABLE completion (docs/design.md "Handshake").
 *
 * The fast path hands over a client's third ACK (or its first data, which
 * repeats both keys). The gateway kept no state for the connection beyond
 * an optional LRU half-open entry: its key Kg is SipHash(secret, 4-tuple,
 * SYN-ACK seq, SYN-ACK ack), so the echoed key proves the handshake. Only
 * then is the connection installed; the segment is then re-run through the
 * fast path, which now translates it.
 */
#include <errno.h>
#include <string.h>
#include <bpf/bpf.h>
#include "daemon.h"
#include "keys.h"
#include "log.h"
#include "names.h"
#include "mpxdp/translate.h"

/* Plain TCP for this 4-tuple from now on (the fast path strips and passes). */
static void fall_back(struct daemon *d, const struct mpx_flow_key *k,
		      struct mpx_halfopen *ho, enum mpx_stat why)
{
	ho->state = MPX_HO_FALLBACK;
	bpf_map_update_elem(d->maps.halfopen, k, ho, BPF_ANY);
	counter_add(d, why, 1);
}

static uint32_t alloc_id(struct daemon *d)
{
	struct mpx_conn c;

	for (;;) {
		uint32_t id = d->next_id++;

		if (id && bpf_map_lookup_elem(d->maps.conns, &id, &c))
			return id;
	}
}

/* Install the connection: conn, token, then the flow that makes it live. */
static int install(struct daemon *d, const struct mpx_flow_key *k,
		   const struct mpx_pkt *p, const struct mpx_halfopen *ho,
		   uint32_t synack_seq, uint32_t synack_ack, uint8_t c_flags, uint64_t key_g)
{
	const struct mpx_mpc *m = &p->opts.mp.mpc;
	struct mpx_conn_params a = {
		.key = *k,
		.key_c = m->key_a,
		.key_g = key_g,
		.synack_seq = synack_seq,
		.synack_ack = synack_ack,
		/* a stateless install (its half-open entry evicted) does not
		 * know the window scales: joined subflows pass windows as is */
		.c_ws = ho ? ho->c_ws : MPX_WS_NONE,
		.s_ws = ho ? ho->s_ws : MPX_WS_NONE,
		.c_tsval = (p->opts.has & MPX_HAS_TS) ? p->opts.tsval : 0,
		.now = now_ns(),
	};
	struct mpx_conn c;
	struct mpx_sf sf;
	struct mpx_sf_key sk;
	struct mpx_flow f = {};
	char ep[64];
	int token_ok;

	mpx_key_token_idsn(a.key_c, &a.token_c, &a.idsn_c);
	mpx_key_token_idsn(a.key_g, &a.token_g, &a.idsn_g);
	if ((c_flags | m->flags) & MPX_MPC_FLAG_A || d->o.csum)
		a.flags |= MPX_CF_CSUM;
	mpx_conn_init(&c, &sf, &a);

	f.conn_id = alloc_id(d);
	f.sf_idx = 0;
	/* until this batch's segments are replayed, later ones queue behind */
	if (d->npending < sizeof(d->pending) / sizeof(d->pending[0]))
		f.flags = MPX_FLOW_PENDING;
	sk.conn_id = f.conn_id;
	sk.idx = 0;
	if (bpf_map_update_elem(d->maps.conns, &f.conn_id, &c, BPF_NOEXIST))
		return -1;
	if (bpf_map_update_elem(d->maps.subflows, &sk, &sf, BPF_NOEXIST)) {
		bpf_map_delete_elem(d->maps.conns, &f.conn_id);
		return -1;
	}
	token_ok = !bpf_map_update_elem(d->maps.tokens, &c.token_g, &f.conn_id, BPF_NOEXIST);
	if (!token_ok)
		counter_add(d, MPX_ST_TOKEN_COLLISION, 1);
	if (bpf_map_update_elem(d->maps.flows, k, &f, BPF_NOEXIST)) {
		if (token_ok)
			bpf_map_delete_elem(d->maps.tokens, &c.token_g);
		bpf_map_delete_elem(d->maps.subflows, &sk);
		bpf_map_delete_elem(d->maps.conns, &f.conn_id);
		return -1;
	}
	if (f.flags & MPX_FLOW_PENDING) {
		d->pending[d->npending] = *k;
		d->pending_id[d->npending++] = f.conn_id;
	}
	mpx_fmt_endpoint(ep, sizeof(ep), k->c_addr, k->v6, k->c_port);
	mpx_info("conn_established", "conn=%u client=%s token=%08x csum=%d joinable=%d",
		 f.conn_id, ep, c.token_g, !!(c.flags & MPX_CF_CSUM), token_ok);
	return 0;
}

int handshake_punt(void *ctx, void *data, size_t len)
{
	struct daemon *d = ctx;
	const struct mpx_punt *r = data;
	struct mpx_halfopen ho = {};
	struct mpx_flow_key k;
	struct mpx_flow f;
	struct mpx_pkt p;
	uint32_t synack_seq, synack_ack;
	uint8_t c_flags;
	uint64_t key_g;
	int have_ho, stateless;

	if (len < sizeof(*r) || r->len > MPX_PUNT_DATA ||
	    mpx_pkt_load(&p, r->data, r->len) != MPX_PKT_OK)
		return 0; /* the fast path only hands over well-formed ones */

	if (r->reason == MPX_PUNT_JOIN) {
		join_punt(d, r, &p);
		return 0;
	}
	mpx_flow_key_of(&k, &p, 1);
	if (bpf_map_lookup_elem(d->maps.flows, &k, &f) == 0)
		goto replay; /* installed by the third ACK ahead of it */
	have_ho = bpf_map_lookup_elem(d->maps.halfopen, &k, &ho) == 0;
	if (have_ho && ho.state == MPX_HO_FALLBACK)
		goto replay; /* the fast path passes it as plain TCP */
	if (!MPX_MP_HAS(&p.opts, MPX_MP_CAPABLE) || p.opts.mp.mpc.len < MPX_MPC_LEN_ACK) {
		/* a segment behind a third ACK that never arrived: nothing to
		 * verify it with; the client retransmits it with MP_CAPABLE */
		counter_add(d, MPX_ST_PUNT_ORPHAN, 1);
		return 0;
	}

	stateless = !mpx_mpc_ack_numbers(have_ho ? &ho : NULL, &p, &synack_seq, &synack_ack,
					 &c_flags);
	key_g = mpx_derive_key(d->secret, &k, synack_seq, synack_ack);
	if (p.opts.mp.mpc.key_b != key_g || p.opts.mp.mpc.version != MPX_MPTCP_VERSION) {
		char ep[64];

		mpx_fmt_endpoint(ep, sizeof(ep), k.c_addr, k.v6, k.c_port);
		mpx_warn("mpc_bad_key", "client=%s halfopen=%d action=plain_tcp", ep, have_ho);
		fall_back(d, &k, &ho, MPX_ST_FB_BAD_KEY);
		goto replay;
	}
	if (install(d, &k, &p, have_ho ? &ho : NULL, synack_seq, synack_ack, c_flags, key_g)) {
		mpx_warn("conn_table_full", "err=\"%s\" action=plain_tcp", strerror(errno));
		fall_back(d, &k, &ho, MPX_ST_FB_TABLE_FULL);
		goto replay;
	}
	bpf_map_delete_elem(d->maps.halfopen, &k);
	counter_add(d, MPX_ST_MPC_ESTAB, 1);
	if (stateless)
		counter_add(d, MPX_ST_MPC_STATELESS, 1);
replay:
	replay_frame(d, r->data, r->len, r->ifindex);
	return 0;
}

void handshake_release(struct daemon *d)
{
	for (unsigned i = 0; i < d->npending; i++) {
		struct mpx_flow f = { .conn_id = d->pending_id[i], .sf_idx = 0, .flags = 0 };

		bpf_map_update_elem(d->maps.flows, &d->pending[i], &f, BPF_EXIST);
	}
	d->npending = 0;
}
