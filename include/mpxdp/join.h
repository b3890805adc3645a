/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The segments the gateway sends itself on a joining subflow (RFC 8684
 * 3.2): its SYN-ACK, the ACK of the client's third ACK, and refusals. The
 * daemon fills a struct mpx_tx with these and emits it with mpx_emit(),
 * using the client's segment as the template for the IP header.
 */
#ifndef MPXDP_JOIN_H
#define MPXDP_JOIN_H

#include "verdict.h"

/* The reply's addresses and ports: the client's, turned around. */
MPX_INLINE void mpx_tx_reply_to(struct mpx_tx *tx, const struct mpx_pkt *p)
{
	for (int i = 0; i < 16; i++) {
		tx->saddr[i] = p->daddr[i];
		tx->daddr[i] = p->saddr[i];
	}
	tx->sport = p->dport;
	tx->dport = p->sport;
	tx->plen = 0;
	tx->opt.len = 0;
}

/* NOP NOP TS(tsval, tsecr) */
MPX_INLINE void mpx_optbuf_ts(struct mpx_optbuf *ob, __u32 tsval, __u32 tsecr)
{
	__u8 ts[12] = { MPX_OPT_NOP, MPX_OPT_NOP, MPX_OPT_TS, 10 };

	mpx_put32(ts + 4, tsval);
	mpx_put32(ts + 8, tsecr);
	mpx_optbuf_append(ob, ts, sizeof(ts));
}

/*
 * SYN-ACK to a client's SYN + MP_JOIN. mss: what the gateway accepts on the
 * subflow; ws: the window scale it uses (the server's, so that the server's
 * windows need no rescaling); tsval: its timestamp clock on the subflow
 * (the server's, for the same reason). TS and WS only if the client offered
 * them; no SACK-permitted: the gateway does not translate SACK on joined
 * subflows (docs/design.md).
 */
MPX_INLINE void mpx_join_synack(struct mpx_tx *tx, const struct mpx_pkt *syn, __u32 isn,
				__u16 mss, __u8 ws, __u32 tsval, __u8 backup, __u8 addr_id,
				__u64 thmac, __u32 nonce)
{
	__u8 o[MPX_JOIN_LEN_SYNACK];

	mpx_tx_reply_to(tx, syn);
	tx->seq = isn;
	tx->ack = syn->seq + 1;
	tx->flags = MPX_TCP_SYN | MPX_TCP_ACK;
	tx->win = 65535;
	o[0] = MPX_OPT_MSS;
	o[1] = 4;
	mpx_put16(o + 2, mss);
	mpx_optbuf_append(&tx->opt, o, 4);
	if (syn->opts.has & MPX_HAS_TS)
		mpx_optbuf_ts(&tx->opt, tsval, syn->opts.tsval);
	if (syn->opts.has & MPX_HAS_WS) {
		o[0] = MPX_OPT_NOP;
		o[1] = MPX_OPT_WS;
		o[2] = 3;
		o[3] = ws;
		mpx_optbuf_append(&tx->opt, o, 4);
	}
	o[0] = MPX_OPT_MPTCP;
	o[1] = MPX_JOIN_LEN_SYNACK;
	o[2] = MPX_MP_JOIN << 4 | (backup ? MPX_JOIN_FLAG_B : 0);
	o[3] = addr_id;
	mpx_put64(o + 4, thmac);
	mpx_put32(o + 12, nonce);
	mpx_optbuf_append(&tx->opt, o, sizeof(o));
	mpx_optbuf_pad(&tx->opt);
}

/* The ACK of the client's third ACK (RFC 8684 3.2: it carries the HMAC and
 * must be delivered reliably), with the connection's DATA_ACK. */
MPX_INLINE void mpx_join_ack(struct mpx_tx *tx, const struct mpx_pkt *ack, __u32 seq,
			     __u16 win, __u32 tsval, __u64 data_ack)
{
	__u8 o[MPX_DSS_ROOM];

	mpx_tx_reply_to(tx, ack);
	tx->seq = seq;
	tx->ack = ack->seq + ack->plen;
	tx->flags = MPX_TCP_ACK;
	tx->win = win;
	if (ack->opts.has & MPX_HAS_TS)
		mpx_optbuf_ts(&tx->opt, tsval, ack->opts.tsval);
	mpx_optbuf_append(&tx->opt, o, mpx_build_dss(o, data_ack, 0, 0, 0, 0, 0, 0, 0));
	mpx_optbuf_pad(&tx->opt);
}

/* A RST answering p (RFC 9293 3.10.7.1), with MP_TCPRST when reason >= 0. */
MPX_INLINE void mpx_reset_reply(struct mpx_tx *tx, const struct mpx_pkt *p, int reason)
{
	__u8 o[4];

	mpx_tx_reply_to(tx, p);
	if (p->flags & MPX_TCP_ACK) {
		tx->seq = p->ack;
		tx->ack = 0;
		tx->flags = MPX_TCP_RST;
	} else {
		tx->seq = 0;
		tx->ack = p->seq + p->plen + !!(p->flags & MPX_TCP_SYN) + !!(p->flags & MPX_TCP_FIN);
		tx->flags = MPX_TCP_RST | MPX_TCP_ACK;
	}
	tx->win = 0;
	if (reason >= 0)
		mpx_optbuf_append(&tx->opt, o, mpx_build_tcprst(o, 0, (__u8)reason));
	mpx_optbuf_pad(&tx->opt);
}

/*
 * A client's third ACK of a join, run through the fast path by the daemon
 * once its HMAC verified and the subflow is in the maps (and again if the
 * client repeats it): the subflow becomes one the scheduler sends on, and
 * the gateway acknowledges the third ACK.
 */
MPX_INLINE void mpx_join_established(struct mpx_conn *c, struct mpx_sf *sf,
				     const struct mpx_pkt *p, struct mpx_tx *tx,
				     struct mpx_verdict *v, __u64 now)
{
	__u32 idx = sf->idx & (MPX_SF_MAX - 1), bit = 1u << idx;

	if (!(sf->flags & MPX_SF_ACTIVE)) {
		c->sf_addr[idx] = sf->addr_id;
		c->sf_snd_nxt[idx] = sf->snd_isn + 1;
		c->sf_snd_una[idx] = sf->snd_isn + 1;
		c->sf_una_ns[idx] = now;
		if (sf->flags & MPX_SF_BACKUP)
			__sync_fetch_and_or(&c->sf_backup, bit);
		else
			__sync_fetch_and_and(&c->sf_backup, ~bit);
		__sync_fetch_and_and(&c->sf_gone, ~bit);
		__sync_fetch_and_and(&c->sf_dead, ~bit);
		if (c->nsf <= idx) /* only the daemon hands out indexes, in order */
			c->nsf = idx + 1;
		__sync_fetch_and_or(&sf->flags, MPX_SF_ACTIVE);
	}
	sf->last_ns = now;
	if (p->opts.has & MPX_HAS_TS)
		sf->c_tsval = p->opts.tsval;
	mpx_join_ack(tx, p, sf->snd_isn + 1, c->s_win, c->s_tsval,
		     mpx_widen(c->c2s_ref, (__u32)(c->idsn_c + 1) + (c->s_ack - c->c_seq0)));
	sf->ack_sent = tx->ack;
	v->act = MPX_ACT_TX;
}

#endif
