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
	if (mpx_optbuf_append(&tx->opt, opt, sizeof(opt)) || !mpx_tx_fits(p, tx)) {
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

MPX_INLINE void mpx_conn_set(struct mpx_conn *c, __u32 bits)
{
	if ((c->state & bits) != bits)
		__sync_fetch_and_or(&c->state, bits);
}

/* A client mapping: where a segment's bytes go in the server's space. */
struct mpx_map {
	__u64 dsn;
	__u32 ssn;
	__u32 len; /* data-level length; MPX_MAP_INFINITE after fallback */
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

/* Remember a client mapping seen on a subflow (Linux repeats a mapping on
 * every segment it covers: only a new one takes a slot). */
MPX_INLINE void mpx_sf_note_map(struct mpx_sf *sf, __u64 dsn, __u32 seq, __u32 len)
{
	__u32 h = sf->cm_head;
	struct mpx_cmap *last = &sf->cm[(h - 1) & (MPX_CMAP - 1)];
	struct mpx_cmap *slot = &sf->cm[h & (MPX_CMAP - 1)];

	if (!len || (h && last->dsn == dsn && last->seq == seq && last->len == len))
		return;
	slot->dsn = dsn;
	slot->seq = seq;
	slot->len = len;
	sf->cm_head = h + 1;
}

/*
 * The subflow's acknowledgement: from where it stands, walk the subflow's
 * bytes through the client's mappings while the data they carry is
 * acknowledged by the server (DSN below dack). Bytes whose mapping has
 * left the ring (more than MPX_CMAP mappings outstanding) are taken as
 * acknowledged once the oldest remembered mapping is.
 */
struct mpx_ack_ctx {
	struct mpx_sf *sf;
	__u64 dack;
};

MPX_CALLBACK mpx_ack_step(__u32 i, void *arg)
{
	struct mpx_ack_ctx *c = arg;
	struct mpx_sf *sf = c->sf;
	__u32 a = sf->walk, next = a, have_next = 0;
	__u64 next_dsn = 0;

	for (int k = 0; k < MPX_CMAP; k++) {
		struct mpx_cmap *m = &sf->cm[k];
		__u32 off = a - m->seq, left;
		__u64 d, room;

		/* a mapping 2 GiB behind the server's ack is a stale one whose
		 * subflow numbers may have come round again */
		if (!m->len || (__s64)(c->dack - m->dsn) > (1ll << 31))
			continue;
		if (off >= m->len) {
			/* the nearest mapping beyond a: bytes before it are forgotten */
			if (mpx_seq_after(m->seq, a) &&
			    (!have_next || mpx_seq_before(m->seq, next))) {
				next = m->seq;
				next_dsn = m->dsn;
				have_next = 1;
			}
			continue;
		}
		d = m->dsn + off;
		if ((__s64)(d - c->dack) >= 0)
			return 1; /* the server still waits for these bytes */
		room = c->dack - d;
		left = m->len - off;
		sf->walk = a + (room < left ? (__u32)room : left);
		return room < left;
	}
	/* jump the forgotten bytes only once the data after them is acknowledged */
	if (!have_next || (__s64)(next_dsn - c->dack) >= 0)
		return 1;
	sf->walk = next;
	return 0;
}

MPX_INLINE __u32 mpx_sf_acked(struct mpx_sf *sf, __u64 dack)
{
	struct mpx_ack_ctx c = { .sf = sf, .dack = dack };
	__u32 a;

	sf->walk = sf->ack;
	/* one step per mapping, plus one for a jump over forgotten bytes */
	MPX_LOOP(MPX_CMAP + 1, mpx_ack_step, &c);
	a = sf->walk;
	/* the subflow's FIN, once everything before it is acknowledged */
	if ((sf->flags & MPX_SF_C_FIN) && a == sf->fin_seq)
		a = sf->fin_seq + 1;
	if (mpx_seq_after(a, sf->rcv_hi))
		a = sf->rcv_hi; /* never acknowledge what the client has not sent */
	if (mpx_seq_after(a, sf->ack))
		sf->ack = a;
	return sf->ack;
}

/*
 * Client segment on an established connection, arriving on subflow sf.
 * Its bytes go where its mapping's DSN puts them in the server's space;
 * segments without data carry the client's latest position (c_nxt).
 */
MPX_INLINE void mpx_c2s(struct mpx_conn *c, struct mpx_sf *sf, const struct mpx_pkt *p,
			struct mpx_tx *tx, struct mpx_verdict *v, __u64 now)
{
	const struct mpx_mptcp *mp = &p->opts.mp;
	struct mpx_map m = {};
	__u32 set = 0, sub_fin = !!(p->flags & MPX_TCP_FIN);
	int has_map = 0, fin = 0;

	mpx_tx_stripped(tx, p, MPX_SACK_MAX);
	mpx_optbuf_pad(&tx->opt);
	v->act = MPX_ACT_FWD;
	sf->last_ns = now;

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
		tx->seq = c->c_nxt;
		tx->ack = c->c_ack;
		tx->plen = 0;
		set |= MPX_CS_RST;
		mpx_note(v, MPX_ST_RST_RX);
		goto out;
	}
	if ((c->state & MPX_CS_BOTH_FINS_ACKED) == MPX_CS_BOTH_FINS_ACKED) {
		/* The server's socket is gone (both FINs acknowledged): what
		 * the client's subflow still sends would draw a RST. Its FIN is
		 * acknowledged by the gateway, the rest has nothing for the
		 * server. */
		if (sub_fin) {
			mpx_reply_ack(c, p, tx, p->seq + p->plen + 1,
				      mpx_widen(c->c2s_ref, (__u32)(c->idsn_c + 1) +
							    (c->c_fin_seq + 1 - c->c_seq0)));
			v->act = MPX_ACT_TX;
			set |= MPX_CS_C_SUBFIN;
		} else {
			mpx_note(v, MPX_ST_CLOSED_DROP);
			v->act = MPX_ACT_DROP;
		}
		goto out;
	}
	if (mp->present & (1u << MPX_MP_FASTCLOSE)) {
		if (mp->fastclose_key != c->key_g) {
			mpx_note(v, MPX_ST_FASTCLOSE_BAD);
			v->act = MPX_ACT_DROP;
			return;
		}
		/* RFC 8684 3.5: the connection is gone; the server hears a RST */
		tx->seq = c->c_nxt;
		tx->ack = c->c_ack;
		tx->flags = MPX_TCP_RST | MPX_TCP_ACK;
		tx->plen = 0;
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
			m.len = mp->mpc.dlen;
			m.has_csum = mp->mpc.len == MPX_MPC_LEN_DATA_CSUM;
			m.csum = mp->mpc.csum;
			has_map = 1;
		}
	}

	tx->ack = c->c_ack;
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
			m.len = d->dlen;
			m.fin = !!(d->flags & MPX_DSS_F);
			m.has_csum = d->has_csum;
			m.csum = d->csum;
			has_map = 1;
		}
	}
	if (has_map && m.len == 0) {
		/* infinite mapping (after MP_FAIL, RFC 8684 3.7): from this
		 * segment on the subflow's bytes are the data's, one for one;
		 * Linux leaves its SSN zero, so the segment itself anchors it */
		mpx_note(v, MPX_ST_INFINITE_MAP_RX);
		m.ssn = p->seq - sf->ssn_base;
		m.len = MPX_MAP_INFINITE;
		m.fin = 0;
		m.has_csum = 0;
	}
	if (!has_map && p->plen && sf->cm_head) {
		/* data without a DSS rides on the subflow's latest mapping */
		const struct mpx_cmap *last = &sf->cm[(sf->cm_head - 1) & (MPX_CMAP - 1)];

		m.dsn = last->dsn;
		m.ssn = last->seq - sf->ssn_base;
		m.len = last->len;
		if (last->len == MPX_MAP_INFINITE) {
			/* re-anchor far from the mapping's start so a fallen
			 * back connection never runs off its end */
			__s32 off = p->seq - last->seq;

			if (off < 0 || off >= (__s32)(MPX_MAP_INFINITE / 2)) {
				m.dsn += off;
				m.ssn += off;
			}
		}
		has_map = 1;
	}

	tx->seq = c->c_nxt;
	if (has_map) {
		__u32 base = c->c_seq0 + (__u32)(m.dsn - (c->idsn_c + 1));
		__u64 end = m.dsn + m.len;

		if (m.fin && m.len == 1 && m.ssn == 0) {
			/* DATA_FIN alone: it sits at the DSN it names; data
			 * beside it has no mapping (RFC 8684 3.3.1) */
			if (p->plen) {
				mpx_note(v, MPX_ST_DSS_NOT_MATCHING);
				v->act = MPX_ACT_DROP;
				return;
			}
			tx->seq = base;
			fin = 1;
		} else {
			__u32 off = p->seq - sf->ssn_base - m.ssn;
			__u32 span = m.len - m.fin;

			if (p->plen && (off >= span || off + p->plen > span)) {
				/* RFC 8684 3.3.1: the mapping must cover the segment */
				mpx_note(v, MPX_ST_DSS_NOT_MATCHING);
				v->act = MPX_ACT_DROP;
				return;
			}
			tx->seq = base + off;
			if (m.fin && off + p->plen == span)
				fin = 1;
			if ((c->flags & MPX_CF_CSUM) && m.has_csum && off == 0) {
				/* a mapping longer than its first segment
				 * cannot be summed without its other bytes */
				if (p->plen != span)
					mpx_note(v, MPX_ST_DATA_CSUM_UNVERIFIED);
				else if (mpx_csum_dss(m.dsn, m.ssn, m.len,
						      mpx_pkt_payload_sum(p)) != m.csum) {
					mpx_note(v, MPX_ST_DATA_CSUM_ERR);
					v->act = MPX_ACT_DROP;
					return;
				} else {
					mpx_note(v, MPX_ST_DATA_CSUM_OK);
				}
			}
			/* only now: a mapping that failed its checksum is no
			 * more trustworthy than its data (RFC 8684 3.7) */
			mpx_sf_note_map(sf, m.dsn, sf->ssn_base + m.ssn, span);
		}
		if (m.len == MPX_MAP_INFINITE)
			end = m.dsn + (tx->seq - base) + p->plen;
		if ((__s64)(end - c->c2s_ref) > 0)
			c->c2s_ref = end;
	} else if (p->plen) {
		/* data no mapping explains (RFC 8684 3.3: a protocol violation) */
		mpx_note(v, MPX_ST_DSS_NOT_MATCHING);
		v->act = MPX_ACT_DROP;
		return;
	}

	tx->flags &= ~MPX_TCP_FIN;
	if (fin) {
		tx->flags |= MPX_TCP_FIN;
		c->c_fin_seq = tx->seq + p->plen;
		if (!(c->state & MPX_CS_C_DATAFIN))
			mpx_note(v, MPX_ST_DATA_FIN_RX);
		set |= MPX_CS_C_DATAFIN;
	} else if (sub_fin) {
		if (c->state & MPX_CS_C_DATAFIN) {
			/* the subflow's FIN after the DATA_FIN: a duplicate of
			 * the FIN the server has (it may carry the ACK the
			 * server's LAST_ACK waits for; the server's answer
			 * acknowledges it). Data on it stays where its mapping
			 * puts it and keeps the FIN only if it ends there. */
			if (!p->plen)
				tx->seq = c->c_fin_seq;
			if (tx->seq + p->plen == c->c_fin_seq)
				tx->flags |= MPX_TCP_FIN;
		} else {
			/* no DATA_FIN came first: the connection's end too */
			c->c_fin_seq = tx->seq + p->plen;
			set |= MPX_CS_C_DATAFIN;
			tx->flags |= MPX_TCP_FIN;
		}
		set |= MPX_CS_C_SUBFIN;
	}
	if (mpx_seq_after(tx->seq + p->plen + !!(tx->flags & MPX_TCP_FIN), c->c_nxt))
		c->c_nxt = tx->seq + p->plen + !!(tx->flags & MPX_TCP_FIN);
	c->c_ack = tx->ack;
	if (mpx_seq_after(p->seq + p->plen + sub_fin, sf->rcv_hi))
		sf->rcv_hi = p->seq + p->plen + sub_fin;
	if (sub_fin) {
		sf->fin_seq = p->seq + p->plen;
		sf->flags |= MPX_SF_C_FIN;
	}
out:
	mpx_conn_set(c, set);
	c->last_ns = now;
}

/*
 * Server segment on an established connection, sent on subflow sf (one
 * subflow: the initial one, whose sequence numbers are the server's). The
 * server's acknowledgement is data-level: it becomes the DATA_ACK, and the
 * subflow's acknowledgement follows from it (mpx_sf_acked).
 */
MPX_INLINE void mpx_s2c(struct mpx_conn *c, struct mpx_sf *sf, const struct mpx_pkt *p,
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
		if (mpx_optbuf_append(&tx->opt, opt, olen)) {
			/* a RST needs none of the server's own options */
			tx->opt.len = 0;
			mpx_optbuf_append(&tx->opt, opt, olen);
		}
		olen = mpx_build_tcprst(opt, 0, MPX_RST_UNSPEC);
		mpx_optbuf_append(&tx->opt, opt, olen);
		mpx_optbuf_pad(&tx->opt);
		if (!mpx_tx_fits(p, tx))
			tx->plen = 0; /* a RST's payload is nothing the client needs */
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
		if (mpx_optbuf_append(&tx->opt, opt, olen) || !mpx_tx_fits(p, tx))
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
	tx->ack = mpx_sf_acked(sf, data_ack);
	if ((c->state & MPX_CS_C_DATAFIN) && p->ack == c->c_fin_seq + 1)
		set |= MPX_CS_C_FIN_ACKED;

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

	/* The server's SACK blocks are in its own space (the client's data
	 * at the server), not the subflow's: they cannot go to the client. */
	mpx_opts_copy_kept(&tx->opt, p->opt, p->opts.len, 0);
	if (mpx_optbuf_append(&tx->opt, opt, olen) || !mpx_tx_fits(p, tx)) {
		/* only exotic option sets (TCP-MD5, TCP-AO) and packets of
		 * nearly 64 KiB get here */
		mpx_note(v, MPX_ST_DSS_NO_ROOM);
		v->act = MPX_ACT_DROP;
		return;
	}
	mpx_optbuf_pad(&tx->opt);
	mpx_conn_set(c, set);
	c->last_ns = now;
}

#endif
