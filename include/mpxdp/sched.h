/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The gateway's sending side of the subflows (docs/design.md
 * "Scheduling"): which subflow a server segment goes out on, and where on
 * it, so that a retransmission by the server lands on the same subflow
 * bytes, or on new bytes of a live subflow when its own is dead.
 */
#ifndef MPXDP_SCHED_H
#define MPXDP_SCHED_H

#include "verdict.h"
#include "subflow.h"

#define MPX_BURST 32 /* segments the scheduler sends on a subflow before choosing again */

MPX_INLINE __u32 mpx_sf_live(const struct mpx_conn *c)
{
	__u32 n = c->nsf < MPX_SF_MAX ? c->nsf : MPX_SF_MAX;

	return ((1u << n) - 1) & ~c->sf_dead;
}

/* One pass over the subflows for the scheduler (a bpf_loop callback: the
 * verifier checks it once, not every combination of subflow states). */
struct mpx_sched_ctx {
	const struct mpx_conn *c;
	__u64 now, stall_ns;
	__u32 live, cand;
	__u32 moving;		/* live subflows acknowledged lately, or idle */
	__u32 best, best_in;	/* the candidate with the least in flight */
};

MPX_CALLBACK mpx_sched_moving(__u32 i, void *arg)
{
	struct mpx_sched_ctx *x = arg;
	__u32 k = i & (MPX_SF_MAX - 1);

	/* signed: another CPU may have stamped sf_una_ns after this
	 * segment's now was taken */
	if ((x->live & (1u << k)) && (x->c->sf_snd_nxt[k] == x->c->sf_snd_una[k] ||
				      (__s64)(x->now - x->c->sf_una_ns[k]) < (__s64)x->stall_ns))
		x->moving |= 1u << k;
	return 0;
}

MPX_CALLBACK mpx_sched_least(__u32 i, void *arg)
{
	struct mpx_sched_ctx *x = arg;
	__u32 k = i & (MPX_SF_MAX - 1), in = x->c->sf_snd_nxt[k] - x->c->sf_snd_una[k];

	if ((x->cand & (1u << k)) && in < x->best_in) {
		x->best = k;
		x->best_in = in;
	}
	return 0;
}

/*
 * A subflow whose data has gone unacknowledged for stall_ns while another
 * is moving is declared dead: its data comes back as the server
 * retransmits, and goes elsewhere. Asked for every server segment, not
 * only new data: a server that has nothing new to send (its window full of
 * the dead subflow's data) only retransmits, and those retransmissions
 * went back to the dead subflow's bytes while it was still taken for live
 * (found in testing: a download stopped when its initial path went down).
 */
MPX_INLINE void mpx_sched_reap(struct mpx_conn *c, __u64 now, __u64 stall_ns,
			       struct mpx_verdict *v)
{
	struct mpx_sched_ctx x = { .c = c, .now = now, .stall_ns = stall_ns,
				   .live = mpx_sf_live(c) };
	__u32 stalled;

	MPX_LOOP(MPX_SF_MAX, mpx_sched_moving, &x);
	stalled = x.moving ? x.live & ~x.moving : 0;
	if (stalled) {
		__sync_fetch_and_or(&c->sf_dead, stalled);
		mpx_note(v, MPX_ST_SF_STALLED);
	}
}

/*
 * The subflow for new server data: the current one for a burst of
 * MPX_BURST segments (so that the extent rings stay short), then the
 * non-backup subflow with the least unacknowledged data (a path that
 * delivers faster drains faster and so gets more); backup subflows only when
 * no other lives (RFC 8684 3.3.8).
 */
MPX_INLINE __u32 mpx_sched_pick(struct mpx_conn *c, struct mpx_verdict *v)
{
	struct mpx_sched_ctx x = { .c = c, .live = mpx_sf_live(c), .best_in = 0xffffffff };
	__u32 cur = c->sched_cur & (MPX_SF_MAX - 1);

	x.cand = x.live & ~c->sf_backup;
	if (!x.cand)
		x.cand = x.live;
	if (!x.cand)
		return cur;
	if (c->sched_left && (x.cand & (1u << cur))) {
		c->sched_left--;
		return cur;
	}
	MPX_LOOP(MPX_SF_MAX, mpx_sched_least, &x);
	if (x.best != cur)
		mpx_note(v, MPX_ST_SCHED_SWITCH);
	c->sched_cur = x.best;
	c->sched_left = MPX_BURST - 1;
	return x.best;
}

/* Remember that server bytes [seq, seq + len) went out at ssn on sf: merged
 * into the latest extent when they continue it in both spaces. */
MPX_INLINE void mpx_sf_note_sent(struct mpx_sf *sf, __u32 seq, __u32 ssn, __u32 len)
{
	__u32 h = sf->sm_head;
	struct mpx_smap *last = &sf->sm[(h - 1) & (MPX_SMAP - 1)];
	struct mpx_smap *slot = &sf->sm[h & (MPX_SMAP - 1)];

	if (!len)
		return;
	/* (capped, so that offsets into an extent never wrap) */
	if (h && last->seq + last->len == seq && last->ssn + last->len == ssn &&
	    last->len < (1u << 30)) {
		last->len += len;
		return;
	}
	slot->seq = seq;
	slot->ssn = ssn;
	slot->len = len;
	sf->sm_head = h + 1;
}

/* Did server bytes [seq, seq + len) go out on sf as one piece? Then *ssn is
 * where: a retransmission goes to the same subflow bytes. */
struct mpx_find_ctx {
	const struct mpx_sf *sf;
	__u32 seq;
	__u32 len;
	__u32 ssn;
	__u32 found;
};

MPX_CALLBACK mpx_find_step(__u32 k, void *arg)
{
	struct mpx_find_ctx *c = arg;
	const struct mpx_smap *m = &c->sf->sm[k & (MPX_SMAP - 1)];
	__u32 off = c->seq - m->seq;

	if (m->len && off < m->len && off + c->len <= m->len) {
		c->ssn = m->ssn + off;
		c->found = 1;
		return 1;
	}
	return 0;
}

MPX_INLINE int mpx_sf_find_sent(const struct mpx_sf *sf, __u32 seq, __u32 len, __u32 *ssn)
{
	struct mpx_find_ctx c = { .sf = sf, .seq = seq, .len = len };

	MPX_LOOP(MPX_SMAP, mpx_find_step, &c);
	*ssn = c.ssn;
	return c.found;
}

/*
 * Where a server segment goes (filled by mpx_s2c_route, used by mpx_s2c).
 * New data goes to the scheduler's subflow; a retransmission to the subflow
 * bytes it first went out as, if that subflow lives (the glue finds those
 * with mpx_sf_find_sent); pure ACKs to a subflow whose acknowledgement
 * moved (the glue asks mpx_s2c_place), else to the one the client spoke
 * on last.
 */
struct mpx_route {
	__u32 idx;
	__u32 ssn;
	__u32 alloc; /* 1 on entry; 0: placed (a retransmission at ssn on idx,
		      * or a pure ACK for idx) */
};

MPX_INLINE int mpx_s2c_is_retrans(const struct mpx_conn *c, const struct mpx_pkt *p)
{
	return (p->plen || (p->flags & MPX_TCP_FIN)) && mpx_seq_before(p->seq, c->s_hi);
}

MPX_INLINE void mpx_s2c_route(struct mpx_conn *c, const struct mpx_pkt *p,
			      struct mpx_route *r, struct mpx_verdict *v)
{
	__u32 live = mpx_sf_live(c);

	if ((p->flags & MPX_TCP_SYN) || c->nsf < 2) {
		/* (one subflow: its bytes are the server's, see mpx_s2c) */
		r->idx = 0;
		r->alloc = 0;
		return;
	}
	if (!r->alloc)
		return; /* the glue placed it already */
	if (!p->plen && !(p->flags & MPX_TCP_FIN)) {
		r->idx = c->last_rx_sf < MPX_SF_MAX && (live & (1u << c->last_rx_sf)) ?
				 c->last_rx_sf : c->sched_cur & (MPX_SF_MAX - 1);
		r->alloc = 0;
		return;
	}
	if (mpx_seq_before(p->seq, c->s_hi))
		mpx_note(v, MPX_ST_REINJECT); /* its subflow is dead, or forgotten */
	r->idx = mpx_sched_pick(c, v) & (MPX_SF_MAX - 1);
}

/* The server's acknowledgement, as a DSN. */
MPX_INLINE __u64 mpx_s2c_data_ack(const struct mpx_conn *c, const struct mpx_pkt *p)
{
	return mpx_widen(c->c2s_ref, (__u32)(c->idsn_c + 1) + (p->ack - c->c_seq0));
}

/* What a server segment says the server holds of the client's data. */
MPX_INLINE void mpx_s2c_held(const struct mpx_conn *c, const struct mpx_pkt *p,
			     struct mpx_held *h)
{
	h->dack = mpx_s2c_data_ack(c, p);
	h->delta = c->c_seq0 - (__u32)(c->idsn_c + 1);
	h->n = (p->opts.has & MPX_HAS_SACK) ? p->opts.sack_n : 0;
	h->sack = p->opts.sack;
}

/*
 * A server segment's first step: subflows stalled for stall_ns are
 * declared dead (mpx_sched_reap). Returns whether the glue must then look
 * for the segment's place among the live subflows (mpx_s2c_place on each)
 * before the scheduler has it.
 */
MPX_INLINE int mpx_s2c_prepare(struct mpx_conn *c, const struct mpx_pkt *p, __u64 now,
			       __u64 stall_ns, struct mpx_verdict *v)
{
	if (c->nsf < 2)
		return 0; /* one subflow: the server's numbers, nothing to place */
	mpx_sched_reap(c, now, stall_ns, v);
	return mpx_s2c_is_retrans(c, p) || (!p->plen && !(p->flags & MPX_TCP_FIN));
}

/*
 * Is live subflow sf (index i) the place of server segment p? A
 * retransmission goes to the subflow bytes it went out as; a pure ACK to a
 * subflow whose acknowledgement it moves, so that every subflow's sender
 * keeps moving, not only the one heard from last. Fills r when it is.
 */
MPX_INLINE int mpx_s2c_place(struct mpx_sf *sf, __u32 i, const struct mpx_conn *c,
			     const struct mpx_pkt *p, struct mpx_route *r)
{
	__u32 fin = !!(p->flags & MPX_TCP_FIN);
	struct mpx_held h;

	if (!p->plen && !fin) {
		/* a pure ACK: does it move sf's acknowledgement? */
		mpx_s2c_held(c, p, &h);
		if (mpx_sf_acked(sf, &h) == sf->ack_sent)
			return 0;
	} else if (!mpx_sf_find_sent(sf, p->seq, p->plen ? p->plen : fin, &r->ssn)) {
		/* (data is found by its own bytes: a FIN took a subflow byte
		 * after them only when no other subflow lived, see mpx_s2c) */
		return 0;
	}
	r->idx = i;
	r->alloc = 0;
	return 1;
}

#endif
