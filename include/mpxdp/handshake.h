/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * MP_CAPABLE through the gateway (docs/design.md "Handshake"): stateless
 * until the third ACK, which goes to the daemon.
 *
 *   client SYN        mpx_client_syn()     strip MP_CAPABLE, clamp MSS,
 *                                          remember the SYN (half-open)
 *   server SYN-ACK    mpx_server_synack()  add MP_CAPABLE with Kg
 *   client 3rd ACK    mpx_client_pending() to the daemon, which verifies
 *                                          the echoed keys and installs
 */
#ifndef MPXDP_HANDSHAKE_H
#define MPXDP_HANDSHAKE_H

#include "verdict.h"

/*
 * Client SYN carrying MP_CAPABLE. Fills *ho (ho->state != 0) when the
 * gateway offers MPTCP for this connection; never drops the SYN (a Linux
 * client that loses MPTCP SYNs disables MPTCP toward everyone).
 */
MPX_INLINE void mpx_client_syn(const struct mpx_config *cfg, int daemon_alive,
			       const struct mpx_pkt *p, struct mpx_halfopen *ho,
			       struct mpx_tx *tx, struct mpx_verdict *v,
			       __u64 now)
{
	const struct mpx_mpc *m = &p->opts.mp.mpc;
	int offer = 0;

	mpx_note(v, MPX_ST_MPC_SYN_RX);
	ho->state = 0;
	if (m->version != MPX_MPTCP_VERSION || m->len != MPX_MPC_LEN_SYN)
		mpx_note(v, MPX_ST_FB_V0);
	else if (!daemon_alive)
		mpx_note(v, MPX_ST_FB_NO_DAEMON);
	else
		offer = 1;

	mpx_tx_stripped(tx, p, MPX_SACK_MAX);
	if (offer) {
		ho->ts_ns = now;
		ho->isn_c = p->seq;
		ho->synack_seq = 0;
		ho->synack_ack = 0;
		ho->syn_len = p->plen;
		ho->c_flags = m->flags;
		ho->c_ws = (p->opts.has & MPX_HAS_WS) ? p->opts.ws : MPX_WS_NONE;
		ho->state = MPX_HO_SYN;
		mpx_optbuf_clamp_mss(&tx->opt, MPX_DSS_ROOM);
		if (cfg->flags & MPX_CFG_PROBE) {
			__u8 mpc[MPX_MPC_LEN_SYN] = { MPX_OPT_MPTCP, MPX_MPC_LEN_SYN,
						      MPX_MP_CAPABLE << 4 | MPX_MPTCP_VERSION,
						      m->flags };

			mpx_optbuf_append(&tx->opt, mpc, sizeof(mpc));
		}
	}
	mpx_optbuf_pad(&tx->opt);
	v->act = MPX_ACT_FWD;
}

/* Server SYN-ACK for a half-open connection: add MP_CAPABLE with Kg. */
MPX_INLINE void mpx_server_synack(const struct mpx_config *cfg, int daemon_alive,
				  struct mpx_halfopen *ho,
				  const struct mpx_flow_key *k,
				  const struct mpx_pkt *p, struct mpx_tx *tx,
				  struct mpx_verdict *v)
{
	__u8 opt[MPX_MPC_LEN_SYNACK];
	__u8 flags = MPX_MPC_FLAG_H;

	v->act = MPX_ACT_PASS;
	if (MPX_MP_HAS(&p->opts, MPX_MP_CAPABLE)) {
		ho->state = MPX_HO_STEPASIDE;
		mpx_note(v, MPX_ST_FB_SERVER_MPC);
		return;
	}
	if (ho->state != MPX_HO_SYN && ho->state != MPX_HO_SYNACK)
		return;
	if (!daemon_alive) {
		ho->state = MPX_HO_FALLBACK;
		mpx_note(v, MPX_ST_FB_NO_DAEMON);
		return;
	}
	if (cfg->flags & MPX_CFG_CSUM)
		flags |= MPX_MPC_FLAG_A;
	mpx_build_mpc_synack(opt, flags,
			     mpx_derive_key(cfg->secret, k, p->seq, p->ack));
	mpx_tx_stripped(tx, p, MPX_SACK_MAX);
	if (mpx_optbuf_append(&tx->opt, opt, sizeof(opt)) || !mpx_tx_fits(p, tx)) {
		ho->state = MPX_HO_FALLBACK;
		mpx_note(v, MPX_ST_FB_SYNACK_ROOM);
		return;
	}
	mpx_optbuf_pad(&tx->opt);
	ho->synack_seq = p->seq;
	ho->synack_ack = p->ack;
	ho->s_ws = (p->opts.has & MPX_HAS_WS) ? p->opts.ws : MPX_WS_NONE;
	ho->state = MPX_HO_SYNACK;
	mpx_note(v, MPX_ST_MPC_SYNACK_TX);
	v->act = MPX_ACT_FWD;
}

/*
 * Client segment with MPTCP options for a connection whose handshake is
 * pending (SYN-ACK sent, not yet installed). The third ACK and everything
 * behind it goes to the daemon, in order, until the connection is
 * installed: a segment that overtook the handshake would reach the server
 * untranslated and the server's answer would make the client fall back.
 */
MPX_INLINE void mpx_client_pending(int daemon_alive, struct mpx_halfopen *ho,
				   const struct mpx_pkt *p, struct mpx_tx *tx,
				   struct mpx_verdict *v)
{
	if (ho->state == MPX_HO_STEPASIDE) {
		v->act = MPX_ACT_PASS;
		return;
	}
	if (ho->state == MPX_HO_SYNACK && daemon_alive) {
		if (p->opts.mp.mpc.len >= MPX_MPC_LEN_ACK)
			mpx_note(v, MPX_ST_MPC_ACK_RX);
		v->act = MPX_ACT_PUNT;
		return;
	}
	if (ho->state != MPX_HO_FALLBACK) {
		ho->state = MPX_HO_FALLBACK;
		mpx_note(v, MPX_ST_FB_NO_DAEMON);
	}
	/* plain TCP from here: the client falls back when the server's first
	 * segment arrives without DSS (RFC 8684 3.7) */
	mpx_tx_stripped(tx, p, MPX_SACK_MAX);
	mpx_optbuf_pad(&tx->opt);
	v->act = MPX_ACT_FWD;
}

/*
 * The SYN-ACK numbers the gateway's key was derived from, for checking a
 * third ACK's echo: from the half-open entry when the SYN-ACK went through
 * it (returns 1), else as a pure third ACK, or the first data segment of a
 * connection whose server has not sent yet, repeats them (returns 0: the
 * SYN-cookie case, after a flood evicted the entry).
 */
MPX_INLINE int mpx_mpc_ack_numbers(const struct mpx_halfopen *ho, const struct mpx_pkt *p,
				   __u32 *synack_seq, __u32 *synack_ack, __u8 *c_flags)
{
	if (ho && ho->state == MPX_HO_SYNACK) {
		*synack_seq = ho->synack_seq;
		*synack_ack = ho->synack_ack;
		*c_flags = ho->c_flags;
		return 1;
	}
	*synack_seq = p->ack - 1;
	*synack_ack = p->seq;
	*c_flags = p->opts.mp.mpc.flags;
	return 0;
}

#endif
