/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The translation core for established connections: given a parsed
 * segment and the state it belongs to, decide what leaves the gateway
 * (docs/design.md "Translation").
 *
 *   client segment    mpx_c2s()            DSS -> TCP seq/ack/FIN
 *   server segment    mpx_s2c_route()      which subflow it goes on
 *                     mpx_s2c()            TCP seq/ack/FIN -> DSS
 *
 * Numbers: the server-side connection is the initial subflow's 4-tuple, so
 * client DSN d travels as seq c_seq0 + (d - idsn_c - 1) and server seq t as
 * DSN idsn_g + 1 + (t - s_seq0); acknowledgements map the same way back.
 */
#ifndef MPXDP_TRANSLATE_H
#define MPXDP_TRANSLATE_H

#include "verdict.h"
#include "handshake.h"
#include "subflow.h"
#include "sched.h"
#include "join.h"
#include "conn.h"

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


/* The subflows a REMOVE_ADDR names (by the client's address IDs). */
struct mpx_rm_ctx {
	const struct mpx_conn *c;
	const struct mpx_mptcp *mp;
	__u32 gone;
};

MPX_CALLBACK mpx_rm_step(__u32 i, void *arg)
{
	struct mpx_rm_ctx *x = arg;
	__u32 k = i & (MPX_SF_MAX - 1);

	if (k >= x->c->nsf)
		return 1;
	for (__u32 j = 0; j < MPX_RM_MAX; j++)
		if (j < x->mp->rm_n && x->c->sf_addr[k] == x->mp->rm_ids[j])
			x->gone |= 1u << k;
	return 0;
}

/*
 * Client segment on an established connection, arriving on subflow sf.
 * Its bytes go where its mapping's DSN puts them in the server's space;
 * segments without data carry the client's latest position (c_nxt). A
 * joined subflow's segments are put on the server-side 4-tuple, with the
 * window rescaled and the timestamp on the initial subflow's clock (never
 * below the last one sent: the server's PAWS check would drop them).
 */
MPX_INLINE void mpx_c2s(struct mpx_conn *c, struct mpx_sf *sf, const struct mpx_pkt *p,
			struct mpx_tx *tx, struct mpx_verdict *v, __u64 now)
{
	const struct mpx_mptcp *mp = &p->opts.mp;
	struct mpx_map m = {};
	__u32 set = 0, sub_fin = !!(p->flags & MPX_TCP_FIN), idx = sf->idx & (MPX_SF_MAX - 1);
	__u32 bit = 1u << idx, multi = c->nsf > 1;
	int has_map = 0, fin = 0;

	/* with several subflows the client's SACK blocks are in subflow
	 * spaces the server does not know */
	mpx_tx_stripped(tx, p, multi ? 0 : MPX_SACK_MAX);
	mpx_optbuf_pad(&tx->opt);
	v->act = MPX_ACT_FWD;
	sf->last_ns = now;
	c->last_rx_sf = idx;
	if (p->opts.has & MPX_HAS_TS)
		sf->c_tsval = p->opts.tsval;

	/* the client acknowledging the gateway's side of this subflow */
	if (p->flags & MPX_TCP_ACK) {
		__u32 una = c->sf_snd_una[idx];

		if (mpx_seq_after(p->ack, una) && !mpx_seq_after(p->ack, c->sf_snd_nxt[idx])) {
			c->sf_snd_una[idx] = p->ack;
			c->sf_una_ns[idx] = now;
			sf->dupacks = 0;
			if (c->sf_dead & bit & ~c->sf_gone) /* stalled, moving again */
				__sync_fetch_and_and(&c->sf_dead, ~bit);
		} else if (p->ack == una && !p->plen && !sub_fin && c->sf_snd_nxt[idx] != una) {
			sf->dupacks++;
		}
	}

	if (mp->present & (1u << MPX_MP_ADD_ADDR))
		mpx_note(v, MPX_ST_ADD_ADDR_RX);
	if (mp->present & (1u << MPX_MP_REMOVE_ADDR)) {
		/* the subflows on those addresses are gone (RFC 8684 3.4.2) */
		struct mpx_rm_ctx x = { .c = c, .mp = mp };

		MPX_LOOP(MPX_SF_MAX, mpx_rm_step, &x);
		if (x.gone) {
			__sync_fetch_and_or(&c->sf_gone, x.gone);
			__sync_fetch_and_or(&c->sf_dead, x.gone);
		}
		mpx_note(v, MPX_ST_RM_ADDR_RX);
	}
	if (mp->present & (1u << MPX_MP_PRIO)) {
		/* applies to the subflow it arrives on (RFC 8684 3.3.8) */
		if (mp->prio_backup)
			__sync_fetch_and_or(&c->sf_backup, bit);
		else
			__sync_fetch_and_and(&c->sf_backup, ~bit);
		mpx_note(v, MPX_ST_PRIO_RX);
	}
	if (mp->present & (1u << MPX_MP_FAIL))
		mpx_note(v, MPX_ST_FAIL_RX);
	if (mp->present & (1u << MPX_MP_TCPRST))
		mpx_note(v, MPX_ST_TCPRST_RX);

	if (p->flags & MPX_TCP_RST) {
		if (mpx_sf_live(c) & ~bit) {
			/* one subflow of several: the connection lives on */
			__sync_fetch_and_or(&c->sf_gone, bit);
			__sync_fetch_and_or(&c->sf_dead, bit);
			mpx_note(v, MPX_ST_SF_RESET);
			v->act = MPX_ACT_DROP;
			goto out;
		}
		tx->seq = c->c_nxt;
		tx->ack = c->c_ack;
		tx->plen = 0;
		set |= MPX_CS_RST;
		mpx_note(v, MPX_ST_RST_RX);
		goto server_tuple;
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
			tx->seq = c->sf_snd_nxt[idx];
			if (idx) /* a joined subflow ends with the gateway's FIN too */
				tx->flags |= MPX_TCP_FIN;
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
		goto server_tuple;
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
		} else if (mpx_sf_live(c) & ~bit) {
			/* one subflow closing while others carry on */
			__sync_fetch_and_or(&c->sf_gone, bit);
			__sync_fetch_and_or(&c->sf_dead, bit);
			mpx_note(v, MPX_ST_SF_RESET);
		} else {
			/* no DATA_FIN came first: the connection's end too */
			c->c_fin_seq = tx->seq + p->plen;
			set |= MPX_CS_C_DATAFIN;
			tx->flags |= MPX_TCP_FIN;
		}
		set |= MPX_CS_C_SUBFIN;
	}
	if (multi && !p->plen && !(tx->flags & MPX_TCP_FIN) && tx->ack == c->c_ack &&
	    p->win == sf->c_win && sf->dupacks < 3) {
		/* An ACK that tells the server nothing new: with several
		 * subflows, data-level ACKs stall while one path lags, and
		 * passing them on would look like loss to the server. Real
		 * loss on a subflow shows as its own duplicate ACKs. */
		mpx_note(v, MPX_ST_ACK_SUPPRESSED);
		v->act = MPX_ACT_DROP;
		goto record;
	}
	if (mpx_seq_after(tx->seq + p->plen + !!(tx->flags & MPX_TCP_FIN), c->c_nxt))
		c->c_nxt = tx->seq + p->plen + !!(tx->flags & MPX_TCP_FIN);
	c->c_ack = tx->ack;
	sf->c_win = p->win;
server_tuple:
	if (idx) {
		/* a joined subflow: onto the server-side connection */
		for (int i = 0; i < 16; i++)
			tx->saddr[i] = c->key0.c_addr[i];
		tx->sport = c->key0.c_port;
		tx->win = mpx_rescale(p->win, sf->c_ws, c->c_ws0);
	}
	if (p->opts.has & MPX_HAS_TS) {
		/* the server knows the initial subflow's clock; a joined
		 * subflow's goes onto it, never behind the highest value sent
		 * (PAWS would drop the segment) */
		__u32 ts = p->opts.tsval + sf->ts_delta;

		if (idx && mpx_seq_before(ts, c->c_tsval))
			ts = c->c_tsval;
		if (!c->c_tsval || mpx_seq_after(ts, c->c_tsval))
			c->c_tsval = ts;
		if (ts != p->opts.tsval)
			mpx_optbuf_set_ts(&tx->opt, ts, p->opts.tsecr);
	}
record:
	if (p->flags & MPX_TCP_RST)
		goto out; /* its bytes are not the subflow's to acknowledge */
	if (mpx_seq_after(p->seq + p->plen + sub_fin, sf->rcv_hi))
		sf->rcv_hi = p->seq + p->plen + sub_fin;
	if (sub_fin) {
		sf->fin_seq = p->seq + p->plen;
		sf->flags |= MPX_SF_C_FIN;
	}
	__sync_fetch_and_add(&sf->c2s_bytes, p->plen);
out:
	mpx_conn_set(c, set);
	c->last_ns = now;
}

/*
 * Server segment on an established connection, sent on subflow sf as r
 * says. The server's acknowledgement is data-level: it becomes the
 * DATA_ACK, and the subflow's acknowledgement follows from it
 * (mpx_sf_acked).
 */
MPX_INLINE void mpx_s2c(struct mpx_conn *c, struct mpx_sf *sf, const struct mpx_pkt *p,
			const struct mpx_route *r, struct mpx_tx *tx, struct mpx_verdict *v,
			__u64 now)
{
	__u8 opt[MPX_DSS_ROOM];
	__u32 set = 0, olen, ssn = 0, seq, idx = sf->idx & (MPX_SF_MAX - 1);
	struct mpx_held held;
	__u64 dsn = 0;
	__u16 dlen = 0, csum = 0;
	int fin = !!(p->flags & MPX_TCP_FIN), with_map, sub_fin;

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
		tx->seq = c->sf_snd_nxt[idx];
		tx->ack = sf->ack;
		goto client_tuple;
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
	c->s_ack = p->ack;
	mpx_s2c_held(c, p, &held);
	tx->ack = mpx_sf_acked(sf, &held);
	sf->ack_sent = tx->ack;
	if ((c->state & MPX_CS_C_DATAFIN) && p->ack == c->c_fin_seq + 1)
		set |= MPX_CS_C_FIN_ACKED;

	/* the subflow's FIN goes with the DATA_FIN when no other subflow
	 * lives: the client closes the others itself */
	sub_fin = fin && !(mpx_sf_live(c) & ~(1u << idx));
	with_map = p->plen || fin;
	/* Until a second subflow joins, the initial subflow's bytes are the
	 * server's one for one, whatever the server retransmits or collapses;
	 * the bytes are counted out from then on (mpx_s2c_route). */
	if (c->nsf < 2)
		seq = p->seq;
	else
		seq = (r->alloc || !with_map) ? c->sf_snd_nxt[idx] : r->ssn;
	if (with_map) {
		__u32 used = p->plen + sub_fin;

		if (r->alloc) {
			seq = __sync_fetch_and_add(&c->sf_snd_nxt[idx], used);
			if (seq == c->sf_snd_una[idx])
				c->sf_una_ns[idx] = now; /* its clock starts with data */
			mpx_sf_note_sent(sf, p->seq, seq, used);
		} else if (c->nsf < 2) {
			if (mpx_seq_after(seq + used, c->sf_snd_nxt[0]))
				c->sf_snd_nxt[0] = seq + used;
			mpx_sf_note_sent(sf, p->seq, seq, used);
		}
		if (mpx_seq_after(p->seq + p->plen + fin, c->s_hi))
			c->s_hi = p->seq + p->plen + fin;
		dsn = mpx_widen(c->s2c_ref, (__u32)(c->idsn_g + 1) + (p->seq - c->s_seq0));
		ssn = p->plen ? seq - sf->snd_isn : 0;
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
		__sync_fetch_and_add(&sf->s2c_bytes, p->plen);
	}
	tx->seq = seq;
	tx->flags = (tx->flags & ~MPX_TCP_FIN) | (sub_fin ? MPX_TCP_FIN : 0);
	olen = mpx_build_dss(opt, held.dack, with_map, dsn, ssn, dlen, fin,
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
	if (idx && (p->opts.has & MPX_HAS_TS))
		/* the server's clock, echoing what the client said here */
		mpx_optbuf_set_ts(&tx->opt, p->opts.tsval, sf->c_tsval);
client_tuple:
	if (idx) {
		for (int i = 0; i < 16; i++)
			tx->daddr[i] = sf->key.c_addr[i];
		tx->dport = sf->key.c_port;
	}
	if (p->flags & MPX_TCP_RST) {
		set |= MPX_CS_RST;
		mpx_note(v, MPX_ST_FASTCLOSE_TX);
	}
	mpx_conn_set(c, set);
	c->last_ns = now;
}

#endif
