/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The translation core: given a parsed segment and the state it belongs
 * to, decide what leaves the gateway (docs/design.md "Translation").
 *
 *   client SYN        mpx_client_syn()     strip MP_CAPABLE, clamp MSS,
 *                                          remember the SYN (half-open)
 *   server SYN-ACK    mpx_server_synack()  add MP_CAPABLE with Kg
 *   client 3rd ACK    mpx_client_pending() to the daemon, which verifies
 *                                          the echoed keys and installs
 *   client segment    mpx_c2s()            DSS -> TCP seq/ack/FIN
 *   server segment    mpx_s2c()            TCP seq/ack/FIN -> DSS
 *
 * Numbers: the server-side connection is the initial subflow's 4-tuple, so
 * client DSN d travels as seq c_seq0 + (d - idsn_c - 1) and server seq t as
 * DSN idsn_g + 1 + (t - s_seq0); acknowledgements map the same way back.
 */
#ifndef MPXDP_TRANSLATE_H
#define MPXDP_TRANSLATE_H

#include "types.h"
#include "proto.h"
#include "options.h"
#include "packet.h"
#include "state.h"
#include "stats.h"

#define MPX_ACT_PASS 0 /* hand the segment to the kernel untouched */
#define MPX_ACT_FWD 1  /* emit tx and route it */
#define MPX_ACT_DROP 2
#define MPX_ACT_PUNT 3 /* to the daemon */
#define MPX_ACT_TX 4   /* emit tx back where the segment came from */

#define MPX_EV_MAX 8 /* a power of two: indices are masked for the verifier */

struct mpx_verdict {
	__u8 act;
	__u8 n;
	__u16 ev[MPX_EV_MAX]; /* counters to bump (enum mpx_stat) */
};

MPX_INLINE void mpx_note(struct mpx_verdict *v, __u16 stat)
{
	__u8 n = v->n;

	if (n < MPX_EV_MAX) {
		MPX_OPAQUE(n);
		v->ev[n & (MPX_EV_MAX - 1)] = stat;
		v->n = n + 1;
	}
}

MPX_INLINE void mpx_note_opts(struct mpx_verdict *v, const struct mpx_opts *o)
{
	if (o->malformed)
		mpx_note(v, MPX_ST_OPT_TCP_MALFORMED);
	if (o->mp.malformed)
		mpx_note(v, MPX_ST_OPT_MALFORMED);
	if (o->mp.dups)
		mpx_note(v, MPX_ST_OPT_DUP);
	if (o->mp.unknown)
		mpx_note(v, MPX_ST_OPT_UNKNOWN);
}

/* The flow key of a segment; from_client tells which end sent it. */
MPX_INLINE void mpx_flow_key_of(struct mpx_flow_key *k, const struct mpx_pkt *p,
				int from_client)
{
	for (int i = 0; i < 16; i++) {
		k->c_addr[i] = from_client ? p->saddr[i] : p->daddr[i];
		k->s_addr[i] = from_client ? p->daddr[i] : p->saddr[i];
	}
	k->c_port = from_client ? p->sport : p->dport;
	k->s_port = from_client ? p->dport : p->sport;
	k->v6 = p->v6;
	k->pad[0] = k->pad[1] = k->pad[2] = 0;
}

/* tx = p without its MPTCP options (SACK trimmed to max_sack blocks). */
MPX_INLINE void mpx_tx_stripped(struct mpx_tx *tx, const struct mpx_pkt *p,
				int max_sack)
{
	mpx_tx_init(tx, p);
	mpx_opts_copy_kept(&tx->opt, p->opt, p->opts.len, max_sack);
}

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
	if (mpx_optbuf_append(&tx->opt, opt, sizeof(opt))) {
		ho->state = MPX_HO_FALLBACK;
		mpx_note(v, MPX_ST_FB_SYNACK_ROOM);
		return;
	}
	mpx_optbuf_pad(&tx->opt);
	ho->synack_seq = p->seq;
	ho->synack_ack = p->ack;
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

MPX_INLINE void mpx_conn_set(struct mpx_conn *c, __u32 bits)
{
	if ((c->state & bits) != bits)
		__sync_fetch_and_or(&c->state, bits);
}

/* A client mapping: where a segment's bytes go in the server's space. */
struct mpx_map {
	__u64 dsn;
	__u32 ssn;
	__u16 dlen;
	__u8 fin;
	__u8 has_csum;
	__u16 csum;
};

/*
 * The gateway's own ACK of a client segment, sent back on its subflow with
 * the server's latest sequence number, window and timestamp (so PAWS and
 * the window stay as the server set them) and the current DATA_ACK.
 */
MPX_INLINE void mpx_reply_ack(const struct mpx_conn *c, const struct mpx_pkt *p,
			      struct mpx_tx *tx, __u32 ack, __u64 data_ack)
{
	__u8 opt[MPX_DSS_ROOM];
	__u32 olen;

	for (int i = 0; i < 16; i++) {
		tx->saddr[i] = p->daddr[i];
		tx->daddr[i] = p->saddr[i];
	}
	tx->sport = p->dport;
	tx->dport = p->sport;
	tx->seq = c->s_nxt;
	tx->ack = ack;
	tx->win = c->s_win;
	tx->flags = MPX_TCP_ACK;
	tx->plen = 0;
	tx->opt.len = 0;
	if (p->opts.has & MPX_HAS_TS) {
		__u8 ts[12] = { MPX_OPT_NOP, MPX_OPT_NOP, MPX_OPT_TS, 10 };

		mpx_put32(ts + 4, c->s_tsval);
		mpx_put32(ts + 8, p->opts.tsval);
		mpx_optbuf_append(&tx->opt, ts, sizeof(ts));
	}
	olen = mpx_build_dss(opt, data_ack, 0, 0, 0, 0, 0, 0, 0);
	mpx_optbuf_append(&tx->opt, opt, olen);
}

/* Client segment on an established connection. */
MPX_INLINE void mpx_c2s(struct mpx_conn *c, const struct mpx_pkt *p,
			struct mpx_tx *tx, struct mpx_verdict *v, __u64 now)
{
	const struct mpx_mptcp *mp = &p->opts.mp;
	struct mpx_map m = {};
	__u32 set = 0, rel;
	int has_map = 0, fin = 0;

	mpx_tx_stripped(tx, p, MPX_SACK_MAX);
	mpx_optbuf_pad(&tx->opt);
	v->act = MPX_ACT_FWD;

	if (mp->present & (1u << MPX_MP_ADD_ADDR))
		mpx_note(v, MPX_ST_ADD_ADDR_RX);
	if (mp->present & (1u << MPX_MP_REMOVE_ADDR))
		mpx_note(v, MPX_ST_RM_ADDR_RX);
	if (mp->present & (1u << MPX_MP_PRIO))
		mpx_note(v, MPX_ST_PRIO_RX);
	if (mp->present & (1u << MPX_MP_FAIL))
		mpx_note(v, MPX_ST_FAIL_RX);
	if (mp->present & (1u << MPX_MP_TCPRST))
		mpx_note(v, MPX_ST_TCPRST_RX);

	if (p->flags & MPX_TCP_RST) {
		set |= MPX_CS_RST;
		mpx_note(v, MPX_ST_RST_RX);
		goto out;
	}
	if ((c->state & MPX_CS_BOTH_FINS_ACKED) == MPX_CS_BOTH_FINS_ACKED) {
		/* The server's socket is gone (both FINs acknowledged): what
		 * the client's subflow still sends would draw a RST. Its FIN is
		 * acknowledged by the gateway, the rest has nothing for the
		 * server. */
		if (p->flags & MPX_TCP_FIN) {
			mpx_reply_ack(c, p, tx, p->seq + p->plen + 1,
				      mpx_widen(c->c2s_ref, (__u32)(c->idsn_c + 1) +
							    (c->c_fin_seq + 1 - c->c_seq0)));
			v->act = MPX_ACT_TX;
		} else {
			v->act = MPX_ACT_DROP;
		}
		set |= p->flags & MPX_TCP_FIN ? MPX_CS_C_SUBFIN : 0;
		goto out;
	}
	if (mp->present & (1u << MPX_MP_FASTCLOSE)) {
		if (mp->fastclose_key != c->key_g) {
			mpx_note(v, MPX_ST_FASTCLOSE_BAD);
			v->act = MPX_ACT_DROP;
			return;
		}
		/* RFC 8684 3.5: the connection is gone; the server hears a RST */
		tx->flags = MPX_TCP_RST | MPX_TCP_ACK;
		set |= MPX_CS_RST;
		mpx_note(v, MPX_ST_FASTCLOSE_RX);
		goto out;
	}
	if (mp->present & (1u << MPX_MP_CAPABLE) && mp->mpc.len >= MPX_MPC_LEN_ACK) {
		if (mp->mpc.key_a != c->key_c || mp->mpc.key_b != c->key_g) {
			mpx_note(v, MPX_ST_MPC_KEY_MISMATCH);
			v->act = MPX_ACT_DROP;
			return;
		}
		if (mp->mpc.len >= MPX_MPC_LEN_DATA) {
			/* first data: implicit mapping at idsn_c + 1, SSN 1 */
			m.dsn = c->idsn_c + 1;
			m.ssn = 1;
			m.dlen = mp->mpc.dlen;
			m.has_csum = mp->mpc.len == MPX_MPC_LEN_DATA_CSUM;
			m.csum = mp->mpc.csum;
			has_map = 1;
		}
	}
	if (mp->present & (1u << MPX_MP_DSS)) {
		const struct mpx_dss *d = &mp->dss;

		if (d->flags & MPX_DSS_A) {
			__u64 da = d->data_ack;

			if (!(d->flags & MPX_DSS_a))
				da = mpx_widen(c->s2c_ref, (__u32)da);
			if ((__s64)(da - c->s2c_ref) > 0) {
				mpx_note(v, MPX_ST_DATA_ACK_INVALID);
				v->act = MPX_ACT_DROP;
				return;
			}
			tx->ack = c->s_seq0 + (__u32)(da - (c->idsn_g + 1));
			if ((c->state & MPX_CS_S_FIN) && tx->ack == c->s_fin_seq + 1)
				set |= MPX_CS_S_FIN_ACKED;
		}
		if (d->flags & MPX_DSS_M) {
			m.dsn = (d->flags & MPX_DSS_m) ? d->dsn :
							 mpx_widen(c->c2s_ref, (__u32)d->dsn);
			m.ssn = d->ssn;
			m.dlen = d->dlen;
			m.fin = !!(d->flags & MPX_DSS_F);
			m.has_csum = d->has_csum;
			m.csum = d->csum;
			has_map = 1;
		}
	}

	if (has_map && m.dlen == 0) {
		/* infinite mapping (after MP_FAIL): plain TCP from here on; the
		 * initial subflow's numbers are the server's, so pass as is */
		mpx_note(v, MPX_ST_INFINITE_MAP_RX);
		has_map = 0;
	}
	if (has_map) {
		__u32 base = c->c_seq0 + (__u32)(m.dsn - (c->idsn_c + 1));
		__u64 end = m.dsn + m.dlen;

		if (m.fin && m.dlen == 1 && m.ssn == 0) {
			/* DATA_FIN alone: it sits at the DSN it names */
			if (!p->plen)
				tx->seq = base;
			fin = 1;
		} else {
			/* subflow-relative sequence number of this segment */
			rel = p->seq - (c->c_seq0 - 1);
			__u32 off = rel - m.ssn;
			__u32 span = m.dlen - m.fin;

			if (p->plen && (off >= span || off + p->plen > span)) {
				mpx_note(v, MPX_ST_DSS_NOT_MATCHING);
			} else {
				tx->seq = base + off;
				if (m.fin && off + p->plen == span)
					fin = 1;
				if ((c->flags & MPX_CF_CSUM) && m.has_csum && off == 0) {
					/* a mapping longer than its first segment
					 * cannot be summed without its other bytes */
					if (p->plen != span)
						mpx_note(v, MPX_ST_DATA_CSUM_UNVERIFIED);
					else if (mpx_csum_dss(m.dsn, m.ssn, m.dlen,
							      mpx_pkt_payload_sum(p)) != m.csum) {
						mpx_note(v, MPX_ST_DATA_CSUM_ERR);
						v->act = MPX_ACT_DROP;
						return;
					} else {
						mpx_note(v, MPX_ST_DATA_CSUM_OK);
					}
				}
			}
		}
		if ((__s64)(end - c->c2s_ref) > 0)
			c->c2s_ref = end;
	}
	if (fin) {
		tx->flags |= MPX_TCP_FIN;
		c->c_fin_seq = tx->seq + p->plen;
		if (!(c->state & MPX_CS_C_DATAFIN))
			mpx_note(v, MPX_ST_DATA_FIN_RX);
		set |= MPX_CS_C_DATAFIN;
	}
	if (p->flags & MPX_TCP_FIN) {
		set |= MPX_CS_C_SUBFIN;
		/* no DATA_FIN came first: it is the connection's end too */
		if (!fin && !(c->state & MPX_CS_C_DATAFIN)) {
			c->c_fin_seq = tx->seq + p->plen;
			set |= MPX_CS_C_DATAFIN;
		}
	} else if (!fin && (c->state & MPX_CS_C_DATAFIN) && tx->seq == c->c_fin_seq) {
		/* The server counted our FIN; the client's subflow has not sent
		 * one, so its ACKs still sit on the FIN's number. The server
		 * would take them for old duplicates and ignore their ACK. */
		tx->seq = c->c_fin_seq + 1;
	}
out:
	mpx_conn_set(c, set);
	c->last_ns = now;
}

/* Server segment on an established connection. psum: payload sum. */
MPX_INLINE void mpx_s2c(struct mpx_conn *c, const struct mpx_pkt *p,
			struct mpx_tx *tx, struct mpx_verdict *v, __u64 now)
{
	__u8 opt[MPX_DSS_ROOM];
	__u32 set = 0, olen, ssn = 0;
	__u64 dsn = 0, data_ack;
	__u16 dlen = 0, csum = 0;
	int fin = !!(p->flags & MPX_TCP_FIN), with_map;

	v->act = MPX_ACT_FWD;
	if (p->flags & MPX_TCP_RST) {
		/* RFC 8684 3.5: close the whole connection, like Linux does:
		 * RST + MP_FASTCLOSE + MP_TCPRST */
		mpx_tx_stripped(tx, p, 0);
		olen = mpx_build_fastclose(opt, c->key_c);
		mpx_optbuf_append(&tx->opt, opt, olen);
		olen = mpx_build_tcprst(opt, 0, MPX_RST_UNSPEC);
		mpx_optbuf_append(&tx->opt, opt, olen);
		mpx_optbuf_pad(&tx->opt);
		mpx_conn_set(c, MPX_CS_RST);
		mpx_note(v, MPX_ST_FASTCLOSE_TX);
		c->last_ns = now;
		return;
	}
	if (p->flags & MPX_TCP_SYN) {
		/* SYN-ACK retransmitted after the third ACK got through */
		mpx_tx_stripped(tx, p, MPX_SACK_MAX);
		olen = mpx_build_mpc_synack(opt, MPX_MPC_FLAG_H |
					       ((c->flags & MPX_CF_CSUM) ? MPX_MPC_FLAG_A : 0),
					    c->key_g);
		if (mpx_optbuf_append(&tx->opt, opt, olen))
			v->act = MPX_ACT_PASS;
		mpx_optbuf_pad(&tx->opt);
		return;
	}

	mpx_tx_init(tx, p);
	if (mpx_seq_after(p->seq + p->plen + fin, c->s_nxt))
		c->s_nxt = p->seq + p->plen + fin;
	c->s_win = p->win;
	if (p->opts.has & MPX_HAS_TS)
		c->s_tsval = p->opts.tsval;
	data_ack = mpx_widen(c->c2s_ref, (__u32)(c->idsn_c + 1) + (p->ack - c->c_seq0));
	if ((c->state & MPX_CS_C_DATAFIN) && p->ack == c->c_fin_seq + 1) {
		set |= MPX_CS_C_FIN_ACKED;
		/* the client's subflow has not sent its FIN yet: do not
		 * acknowledge more than it sent */
		if (!(c->state & MPX_CS_C_SUBFIN))
			tx->ack = c->c_fin_seq;
	}

	with_map = p->plen || fin;
	if (with_map) {
		dsn = mpx_widen(c->s2c_ref, (__u32)(c->idsn_g + 1) + (p->seq - c->s_seq0));
		ssn = p->plen ? p->seq - (c->s_seq0 - 1) : 0;
		dlen = p->plen + fin;
		if (fin) {
			c->s_fin_seq = p->seq + p->plen;
			if (!(c->state & MPX_CS_S_FIN))
				mpx_note(v, MPX_ST_DATA_FIN_TX);
			set |= MPX_CS_S_FIN;
		}
		if ((__s64)(dsn + dlen - c->s2c_ref) > 0)
			c->s2c_ref = dsn + dlen;
		if (c->flags & MPX_CF_CSUM)
			csum = mpx_csum_dss(dsn, ssn, dlen,
					    p->plen ? mpx_pkt_payload_sum(p) : 0);
	}
	olen = mpx_build_dss(opt, data_ack, with_map, dsn, ssn, dlen, fin,
			     c->flags & MPX_CF_CSUM, csum);

	/* the DSS has priority over SACK blocks for the option space */
	mpx_opts_copy_kept(&tx->opt, p->opt, p->opts.len, MPX_SACK_MAX);
	if (tx->opt.len + olen > MPX_TCP_OPT_MAX && p->opts.sack_n) {
		__u32 over = tx->opt.len + olen - MPX_TCP_OPT_MAX;
		int max_sack = p->opts.sack_n - (int)((over + 7) >> 3);

		mpx_opts_copy_kept(&tx->opt, p->opt, p->opts.len,
				   max_sack > 0 ? max_sack : 0);
	}
	if (mpx_optbuf_append(&tx->opt, opt, olen)) {
		/* only exotic option sets (TCP-MD5, TCP-AO) get here */
		mpx_note(v, MPX_ST_DSS_NO_ROOM);
		v->act = MPX_ACT_DROP;
		return;
	}
	mpx_optbuf_pad(&tx->opt);
	mpx_conn_set(c, set);
	c->last_ns = now;
}

#endif
