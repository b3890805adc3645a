/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The segments the gateway sends itself on a joining subflow (RFC 8684
 * 3.2): its SYN-ACK, the ACK of the client's third ACK, and refusals. The
 * daemon fills a struct mpx_tx with these and emits it with mpx_emit(),
 * using the client's segment as the template for the IP header.
 */
#ifndef MPXDP_JOIN_H
#define MPXDP_JOIN_H

#include "types.h"
#include "proto.h"
#include "options.h"
#include "packet.h"

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

#endif
